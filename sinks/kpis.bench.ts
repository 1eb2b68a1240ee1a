/**
 * KPI query times over generated events, on the local ClickHouse: `benchKpis()` creates the database
 * `jobstream_bench`, applies the ClickHouse migrations there, inserts >= 1M realistic events through the
 * views (sources, postings and their stages, duplicates, scores and decisions, applications moving through
 * their statuses, connector errors, and replayed batches), times every KPI, and drops the database.
 *
 * Meant as the `--kpi` section of pipelines/bench.ts; alone:
 *   npx tsx -e 'import("./sinks/kpis.bench.ts").then((m) => m.benchKpis())'
 */
import { ConfigProvider, Effect, Layer } from "effect"
import { hashId } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import type { PipelineEvent } from "./clickhouseEvents.js"
import { catalogue, type KpiFilters, type KpiName, type SourceName } from "./kpiCatalogue.js"
import { runKpi } from "./kpis.js"

const database = "jobstream_bench"
/** About 6.2 events per posting (its stages, 1-5 scorings, applications) and 2% replays: just over 1M events. */
const postings = 168_000
const batchSize = 100_000
const days = 14
const runs = 5

const sources = ["acme-careers", "globex", "initech-jobs", "umbrella", "hooli-ats"] as const
const sourceWeights = [0.35, 0.25, 0.2, 0.12, 0.08]

const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)

const clickHouseOn = (db: string) =>
  ClickHouse.layerConfig.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(new Map([["JOBSTREAM_CLICKHOUSE_DATABASE", db]])).pipe(
          ConfigProvider.orElse(() => ConfigProvider.fromEnv())
        )
      )
    )
  )

export const benchKpis = async (): Promise<void> => {
  console.log(`KPIs over generated events (ClickHouse database ${database}, median of ${runs} runs after a warm-up)`)
  await Effect.runPromise(
    Effect.flatMap(ClickHouse.ClickHouse, (ch) => ch.command(`CREATE DATABASE IF NOT EXISTS ${database}`)).pipe(
      Effect.provide(clickHouseOn("default"))
    )
  )
  try {
    await Effect.runPromise(Effect.scoped(Effect.provide(bench, clickHouseOn(database))))
  } finally {
    await Effect.runPromise(
      Effect.flatMap(ClickHouse.ClickHouse, (ch) => ch.command(`DROP DATABASE IF EXISTS ${database}`)).pipe(
        Effect.provide(clickHouseOn("default"))
      )
    )
  }
}

const bench = Effect.gen(function* () {
  const ch = yield* ClickHouse.ClickHouse
  yield* ClickHouse.migrate
  const end = Date.UTC(2025, 5, 30)
  const start = end - days * 86_400_000

  const loadStart = performance.now()
  let inserted = 0
  let replayed = 0
  for (const batch of generate(start, end)) {
    yield* ch.insert("pipeline_events", batch.rows)
    inserted += batch.rows.length
    replayed += batch.replays
  }
  const loadMs = performance.now() - loadStart
  const events = inserted.toLocaleString("en-US")
  line(`insert ${events} events (${replayed.toLocaleString("en-US")} replays), ${batchSize / 1000}k per insert`, `${Math.round(loadMs)} ms`)

  const time = (sql: Effect.Effect<unknown, ClickHouse.ClickHouseError, ClickHouse.ClickHouse>) =>
    Effect.gen(function* () {
      yield* sql
      const times: Array<number> = []
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        yield* sql
        times.push(performance.now() - t0)
      }
      return times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0
    })
  const whole: KpiFilters = { from: new Date(start), to: new Date(end) }
  const lastDay: KpiFilters = { from: new Date(end - 86_400_000), to: new Date(end) }
  const oneSource: KpiFilters = { ...whole, source: sources[1] as SourceName }

  for (const [label, filters] of [
    [`${days} days`, whole],
    ["the last day", lastDay],
    [`${days} days, source=${oneSource.source}`, oneSource]
  ] as const) {
    console.log(`  -- ${label}`)
    for (const { name } of catalogue) {
      if (filters.source !== undefined && !["score_distribution", "decisions", "funnel"].includes(name)) continue
      const ms = yield* time(runKpi(name as KpiName, filters))
      line(`${name} over ${events} events`, `${ms.toFixed(1)} ms`)
    }
  }
  // What the views save: the same KPIs computed from pipeline_events alone.
  console.log("  -- without their views (from pipeline_events)")
  const t = (d: number) => `toDateTime('${new Date(d).toISOString().slice(0, 19).replace("T", " ")}', 'UTC')`
  const raw = (from: number) => ({
    postings_per_minute: `SELECT toStartOfMinute(occurred_at) AS m, source, uniqExact(event_id) FROM pipeline_events
      WHERE event_type = 'discovered' AND occurred_at >= ${t(from)} AND occurred_at < ${t(end)} GROUP BY m, source ORDER BY m, source`,
    score_distribution: `SELECT least(intDiv(visitParamExtractUInt(detail, 'score'), 10), 9) * 10 AS b, uniqExact(event_id)
      FROM pipeline_events WHERE event_type = 'scored' AND occurred_at >= ${t(from)} AND occurred_at < ${t(end)} GROUP BY b ORDER BY b`,
    pipeline_lag: `SELECT stage, count(), avg(secs), quantileExact(0.5)(secs), quantileExact(0.95)(secs), max(secs) FROM (
      SELECT stage, toInt64(reached_at) - toInt64(d) AS secs FROM (
        SELECT job_id, minIf(occurred_at, event_type = 'discovered') AS d,
          [minIf(occurred_at, event_type = 'normalized'), minIf(occurred_at, event_type = 'unique'), minIf(occurred_at, event_type = 'scored')] AS r
        FROM pipeline_events WHERE job_id != '' AND event_type IN ('discovered', 'normalized', 'unique', 'scored')
        GROUP BY job_id HAVING toUInt32(d) > 0 AND d >= ${t(from)} AND d < ${t(end)})
      ARRAY JOIN ['normalized', 'unique', 'scored'] AS stage, r AS reached_at WHERE toUInt32(reached_at) > 0)
      GROUP BY stage`
  })
  for (const [label, from] of [[`${days} days`, start], ["the last day", end - 86_400_000]] as const)
    for (const [name, sql] of Object.entries(raw(from))) {
      const ms = yield* time(ch.query(sql))
      line(`${name} (${label}) over ${events} events`, `${ms.toFixed(1)} ms`)
    }
})

// ---------------------------------------------------------------------------------------------------------------
// Generated events

interface Batch {
  readonly rows: Array<PipelineEvent>
  readonly replays: number
}

/**
 * Postings spread over the window with a daily rhythm; each is discovered, normalized, then kept (80%) or found a
 * duplicate; kept jobs are scored for 1-5 seekers (scores around 55, decisions at 90 and 60); one match in eight
 * becomes an application that moves through its statuses over hours to days; 0.5% of pages are connector errors;
 * 2% of each batch is delivered again in the next one.
 */
function* generate(start: number, end: number): Generator<Batch> {
  const random = mulberry32(42)
  const pick = <A>(items: ReadonlyArray<A>, weights: ReadonlyArray<number>): A => {
    let r = random()
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0
      if (r <= 0) return items[i] as A
    }
    return items[items.length - 1] as A
  }
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  const at = (ms: number) => new Date(Math.min(ms, end - 1000)).toISOString().slice(0, 19).replace("T", " ")
  const make = (type: string, ms: number, source: string, job: string, detail: object | null, ...key: Array<string>): PipelineEvent => ({
    event_id: hashId(type, job, ...key),
    event_type: type,
    occurred_at: at(ms),
    source,
    job_id: job,
    company_key: "",
    title: "",
    detail: detail === null ? "" : JSON.stringify(detail)
  })

  let rows: Array<PipelineEvent> = []
  let previousTail: Array<PipelineEvent> = []
  let posting = 0
  // Hour by hour, as a live pipeline writes them, with more postings in working hours.
  const hours = Math.round((end - start) / 3_600_000)
  const rhythm = (hour: number) => 0.35 + 0.65 * Math.sin((Math.PI * (hour % 24)) / 24)
  const perHour = postings / Array.from({ length: hours }, (_, h) => rhythm(h)).reduce((a, b) => a + b, 0)
  for (let hour = 0; hour < hours; hour++) {
    const count = Math.floor(perHour * rhythm(hour) + random())
    const times = Array.from({ length: count }, () => start + (hour + random()) * 3_600_000).sort((a, b) => a - b)
    for (const discovered of times) {
      posting++
      const source = pick(sources, sourceWeights)
      const job = hashId(source, `ext-${posting}`)
      if (random() < 0.005) {
        const reason = pick(["HTTP 503", "timeout", "no JSON-LD on the page"], [0.5, 0.3, 0.2])
        rows.push(make("dead_letter", discovered, `connector:${source}`, "", { stage: `connector:${source}`, reason }, `${posting}`))
        continue
      }
      rows.push(make("discovered", discovered, source, job, null))
      const normalized = discovered + 500 + random() * 4000
      rows.push(make("normalized", normalized, source, job, null))
      if (random() < 0.2) {
        rows.push(make("duplicate", normalized + 200 + random() * 2000, source, job, { duplicateOf: "x", reason: "near", similarity: 0.95 }))
        continue
      }
      const unique = normalized + 200 + random() * 2000
      rows.push(make("unique", unique, source, job, null))
      const seekers = 1 + Math.floor(random() * 5)
      for (let s = 0; s < seekers; s++) {
        const seeker = `seeker-${Math.floor(random() * 5000)}`
        const score = Math.max(0, Math.min(100, Math.round(55 + 20 * normal())))
        const decision = score >= 90 ? "auto_approve" : score >= 60 ? "manual_review" : "reject"
        const scoredAt = unique + 1000 + random() * 20_000
        rows.push(make("scored", scoredAt, "", job, { seekerId: seeker, score, decision }, seeker))
        if (decision !== "reject" && random() < 0.25) rows.push(...applicationEvents(random, make, source, job, seeker, scoredAt, end))
      }
    }
    if (rows.length >= batchSize) {
      const replays = previousTail
      previousTail = rows.filter(() => random() < 0.02)
      yield { rows: [...rows, ...replays], replays: replays.length }
      rows = []
    }
  }
  if (rows.length > 0 || previousTail.length > 0) yield { rows: [...rows, ...previousTail], replays: previousTail.length }
}

const applicationEvents = (
  random: () => number,
  make: (type: string, ms: number, source: string, job: string, detail: object | null, ...key: Array<string>) => PipelineEvent,
  source: string,
  job: string,
  seeker: string,
  scoredAt: number,
  end: number
): Array<PipelineEvent> => {
  const id = hashId("application", job, seeker)
  const detail = { applicationId: id, seekerId: seeker }
  const path: Array<[string, number]> = []
  let t = scoredAt + random() * 86_400_000
  path.push(["saved", t])
  const chain = [
    ["applied", 0.7],
    ["screening", 0.5],
    ["interview", 0.5],
    ["offer", 0.4],
    ["accepted", 0.6]
  ] as const
  for (const [status, chance] of chain) {
    t += 3_600_000 * (2 + random() * 96)
    if (random() < chance) path.push([status, t])
    else {
      path.push([random() < 0.5 ? "rejected" : random() < 0.5 ? "withdrawn" : "no_response", t])
      break
    }
  }
  return path.filter(([, ms]) => ms < end).map(([status, ms]) => make(`application.${status}`, ms, source, job, detail, id, status))
}

/** A small seeded PRNG: the same events on every run. */
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
