/**
 * P6 (issue 16): every KPI over generated events on the local ClickHouse 18.16, against `SELECT count()` over the
 * same `pipeline_events` in the same run. The section creates the database `jobstream_bench`, applies the
 * ClickHouse migrations there, generates the events inside the server (`INSERT ... SELECT ... FROM numbers(n)`:
 * no rows travel over HTTP, and the views fill as they do from the sink), times every KPI over the whole window
 * (median of several runs after a warm-up), and drops the database.
 *
 * Full mode: 10M pipeline events; quick mode: 1M. Alone: `npm run bench -- p6` (`--quick`).
 */
import { ConfigProvider, Effect, Layer } from "effect"
import * as ClickHouse from "../stack/ClickHouse.js"
import { catalogue, type KpiFilters, type KpiName, type SourceName } from "../sinks/kpiCatalogue.js"
import { runKpi } from "../sinks/kpis.js"
import type { BenchRow, BenchSection } from "../stack/benchTable.js"

const database = "jobstream_bench"
const days = 14
const end = Date.UTC(2025, 5, 30)
const start = end - days * 86_400_000
const goalMs = 200
const slowMs = 1000

/** About 6.1 pipeline events per posting (its stages, 1-5 scorings, re-scores, applications, 2% replays). */
const eventsPerPosting = 6.1

const sources = ["acme-careers", "globex", "initech-jobs", "umbrella", "hooli-ats"] as const

const clickHouseOn = (db: string) =>
  ClickHouse.layerConfig.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["JOBSTREAM_CLICKHOUSE_DATABASE", db],
            // Generating 10M events is a handful of long statements.
            ["JOBSTREAM_CLICKHOUSE_WRITE_TIMEOUT", "10 minutes"],
            ["JOBSTREAM_CLICKHOUSE_READ_TIMEOUT", "2 minutes"]
          ])
        ).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
      )
    )
  )

const onDefault = (sql: string) =>
  Effect.runPromise(Effect.flatMap(ClickHouse.ClickHouse, (ch) => ch.command(sql)).pipe(Effect.provide(clickHouseOn("default"))))

export const kpiSection: BenchSection = {
  id: "P6",
  title: "KPIs over generated events on ClickHouse 18.16",
  run: async ({ quick }) => {
    const events = quick ? 1_000_000 : 10_000_000
    await onDefault(`CREATE DATABASE IF NOT EXISTS ${database}`)
    try {
      return await Effect.runPromise(Effect.scoped(Effect.provide(bench(events, quick ? 5 : 7), clickHouseOn(database))))
    } finally {
      await onDefault(`DROP DATABASE IF EXISTS ${database}`)
    }
  }
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`

const bench = (targetEvents: number, runs: number) =>
  Effect.gen(function* () {
    const ch = yield* ClickHouse.ClickHouse
    yield* ClickHouse.migrate
    const loadStart = performance.now()
    yield* generateEvents(Math.round(targetEvents / eventsPerPosting))
    const loadMs = performance.now() - loadStart
    const [counted] = yield* ch.query<{ n: string }>("SELECT toString(count()) AS n FROM pipeline_events")
    const events = Number(counted?.n ?? 0)
    const label = `${(events / 1e6).toFixed(1)}M events`

    const median = (run: Effect.Effect<unknown, ClickHouse.ClickHouseError, ClickHouse.ClickHouse>) =>
      Effect.gen(function* () {
        const w0 = performance.now()
        yield* run
        // A KPI that takes seconds is far from the goal whatever its spread: one more run keeps the section bounded.
        const rounds = performance.now() - w0 > slowMs ? 1 : runs
        const times: Array<number> = []
        for (let i = 0; i < rounds; i++) {
          const t0 = performance.now()
          yield* run
          times.push(performance.now() - t0)
        }
        return times.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? 0
      })
    const baselineMs = yield* median(ch.query("SELECT count() FROM pipeline_events"))
    const whole: KpiFilters = { from: new Date(start), to: new Date(end) }
    const lastDay: KpiFilters = { from: new Date(end - 86_400_000), to: new Date(end) }
    const oneSource: KpiFilters = { ...whole, source: sources[1] as SourceName }

    const rows: Array<BenchRow> = [
      {
        id: "P6 load",
        what: `generate ${label} in the server (through the views)`,
        value: `${(loadMs / 1000).toFixed(1)} s`,
        baseline: "-",
        ratio: null,
        goal: "reported",
        met: null,
        figures: { events, loadMs }
      }
    ]
    for (const { name } of catalogue) {
      const ms = yield* median(runKpi(name as KpiName, whole))
      const dayMs = yield* median(runKpi(name as KpiName, lastDay))
      const sourceMs = yield* median(runKpi(name as KpiName, oneSource))
      const worst = Math.max(ms, dayMs, sourceMs)
      rows.push({
        id: `P6 ${name}`,
        what: `${name} over ${label}, ${days} days (last day ${fmt(dayMs)}, one source ${fmt(sourceMs)})`,
        value: fmt(ms),
        baseline: fmt(baselineMs),
        ratio: baselineMs / ms,
        goal: `< ${goalMs} ms`,
        met: worst < goalMs,
        figures: { events, ms, lastDayMs: dayMs, oneSourceMs: sourceMs, baselineMs }
      })
    }
    return rows
  })

// ---------------------------------------------------------------------------------------------------------------
// Generated events, made by the server from numbers(postings)

/**
 * A value in [0, 1) drawn from the posting number and a salt: the same events on every run. `p` is the SQL
 * expression of the posting number.
 */
const draw = (p: string, ...salt: Array<string | number>) => `(cityHash64(${p}, ${salt.join(", ")}) % 1000000 / 1000000)`
const seconds = (ms: number) => Math.floor(ms / 1000)
/** A DateTime no later than the window's last second, as the bench's events never lie in the future. */
const clamp = (expr: string) => `toDateTime(least(${expr}, ${seconds(end) - 1}), 'UTC')`
const iso = (expr: string) => `concat(replaceOne(toString(${expr}), ' ', 'T'), '.000Z')`

/**
 * One row per posting: its source (weighted), job id (hex, like the sink's), discovery second (spread over the
 * window, more in working hours), its fate (0.5% a connector error, 20% a duplicate, the rest kept as unique)
 * and how many seekers score it (1-5).
 */
const postingsOf = (postings: number) => `
  SELECT number AS p,
    multiIf(w < 0.35, 'acme-careers', w < 0.6, 'globex', w < 0.8, 'initech-jobs', w < 0.92, 'umbrella', 'hooli-ats') AS src,
    lower(hex(MD5(concat(src, ':ext-', toString(number))))) AS job,
    toUInt32(${seconds(start)} + intDiv(number * ${days}, ${postings}) * 86400
      + if(${draw("number", 5)} < 0.35, ${draw("number", 6)} * 86400, 25200 + ${draw("number", 6)} * 43200)) AS disc,
    ${draw("number", 2)} AS fate,
    toUInt8(1 + cityHash64(number, 3) % 5) AS matches,
    toUInt32(disc + 1 + cityHash64(number, 4) % 4) AS norm,
    toUInt32(norm + 1 + cityHash64(number, 7) % 2) AS uniq
  FROM (SELECT number, ${draw("number", 1)} AS w FROM numbers(${postings}))`

/** One row per match (a kept posting scored for a seeker), with its score, decision and second. */
const matchesOf = (postings: number) => `
  SELECT p, src, job, s, concat('seeker-', toString(cityHash64(p, 10, s) % 5000)) AS seeker,
    toUInt8(greatest(0, least(100, round(55 + 20 * (${[11, 12, 13, 14].map((k) => draw("p", k, "s")).join(" + ")} - 2) * 1.732)))) AS score,
    multiIf(score >= 90, 'auto_approve', score >= 60, 'manual_review', 'reject') AS decision,
    toUInt32(uniq + 1 + cityHash64(p, 15, s) % 20) AS scored
  FROM (${postingsOf(postings)})
  ARRAY JOIN range(matches) AS s
  WHERE fate >= 0.205`

const scoredDetail = (seeker: string, score: string, decision: string, at: string) =>
  `concat('{"seekerId":"', ${seeker}, '","score":', toString(${score}), ',"decision":"', ${decision}, '","scoredAt":"', ${iso(at)}, '"}')`

const statuses = ["applied", "screening", "interview", "offer", "accepted"]
const chances = [0.7, 0.5, 0.5, 0.4, 0.6]

/**
 * The statements that fill the tables: the postings' stages, their matches, 3% of matches re-scored a day or more
 * later under a new event id (a new resume), applications for one in four matches not rejected, moving through
 * their statuses over hours to days; review tasks for one in three manual-review matches and approvals; then 2%
 * of the pipeline events delivered again. The matches are drawn once into a table of the bench's database, which
 * five statements read.
 */
const generateEvents = (postings: number) =>
  Effect.gen(function* () {
    const ch = yield* ClickHouse.ClickHouse
    const statements = [
      `CREATE TABLE bench_matches ENGINE = MergeTree() ORDER BY tuple() AS ${matchesOf(postings)}`,
      `INSERT INTO pipeline_events
       SELECT lower(hex(MD5(concat(e.1, ':', job)))), e.1, ${clamp("e.2")}, src, job, '', '', e.3
       FROM (${postingsOf(postings)})
       ARRAY JOIN arrayFilter(x -> x.4 = 1, [
         tuple('discovered', disc, '', 1),
         tuple('normalized', norm, '', 1),
         tuple('duplicate', uniq, '{"duplicateOf":"x","reason":"near","similarity":0.95}', toUInt8(fate < 0.205)),
         tuple('unique', uniq, '', toUInt8(fate >= 0.205))]) AS e
       WHERE fate >= 0.005`,
      `INSERT INTO pipeline_events
       SELECT lower(hex(MD5(concat('dead_letter:', toString(p))))), 'dead_letter', ${clamp("disc")}, concat('connector:', src), '', '', '',
         concat('{"stage":"connector:', src, '","reason":"', multiIf(fate < 0.0025, 'HTTP 503', fate < 0.004, 'timeout', 'no JSON-LD on the page'), '"}')
       FROM (${postingsOf(postings)})
       WHERE fate < 0.005`,
      `INSERT INTO pipeline_events
       SELECT lower(hex(MD5(concat('scored:', job, ':', seeker)))), 'scored', ${clamp("scored")}, '', job, '', '', ${scoredDetail("seeker", "score", "decision", clamp("scored"))}
       FROM bench_matches`,
      `INSERT INTO pipeline_events
       SELECT lower(hex(MD5(concat('scored:', job, ':', seeker, ':again')))), 'scored', ${clamp("again")}, '', job, '', '',
         ${scoredDetail("seeker", "rescore", "multiIf(rescore >= 90, 'auto_approve', rescore >= 60, 'manual_review', 'reject')", clamp("again"))}
       FROM (
         SELECT *, scored + 86400 + cityHash64(p, 17, s) % (3 * 86400) AS again, toUInt8(least(100, score + cityHash64(p, 18, s) % 21)) AS rescore
         FROM bench_matches
         WHERE ${draw("p", 16, "s")} < 0.03 AND again < ${seconds(end)})`,
      `INSERT INTO pipeline_events
       SELECT lower(hex(MD5(concat('application:', app, ':', status)))), concat('application.', status), toDateTime(at, 'UTC'), src, job, '', '',
         concat('{"applicationId":"', app, '","seekerId":"', seeker, '"}')
       FROM (
         SELECT src, job, seeker, lower(hex(MD5(concat('application:', job, ':', seeker)))) AS app,
           indexOf([${chances.map((c, i) => `${draw("p", 20, "s", i)} < ${c}`).join(", ")}], 0) AS failed,
           ['saved', ${statuses.map((s) => `'${s}'`).join(", ")}] AS path,
           if(failed = 0, path, arrayConcat(arraySlice(path, 1, failed), [['rejected', 'withdrawn', 'no_response'][1 + cityHash64(p, 23, s) % 3]])) AS statuses,
           arraySlice(arrayCumSum([toUInt64(scored + cityHash64(p, 21, s) % 86400), ${[1, 2, 3, 4, 5].map((i) => `7200 + cityHash64(p, 22, s, ${i}) % (96 * 3600)`).join(", ")}]), 1, length(statuses)) AS times
         FROM bench_matches
         WHERE decision != 'reject' AND ${draw("p", 19, "s")} < 0.25)
       ARRAY JOIN statuses AS status, times AS at
       WHERE at < ${seconds(end)}`,
      `INSERT INTO review_events
       SELECT lower(hex(MD5(concat('review:', task, ':', e.1)))), e.1, toDateTime(least(e.2, ${seconds(end) - 1}), 'UTC'), task, e.3,
         seeker, job, src, if(e.1 IN ('decided', 'closed'), toInt64(e.2 - scored) * 1000 + cityHash64(p, 34, s) % 1000, NULL)
       FROM (
         SELECT *, lower(hex(MD5(concat('task:', job, ':', seeker)))) AS task,
           concat('reviewer-', toString(cityHash64(p, 31, s) % 40)) AS reviewer,
           concat('reviewer-', toString(cityHash64(p, 32, s) % 40)) AS late,
           toUInt32(scored + 30 + cityHash64(p, 33, s) % 7200) AS decided
         FROM bench_matches
         WHERE decision = 'manual_review' AND ${draw("p", 30, "s")} < 0.33)
       ARRAY JOIN arrayFilter(x -> x.4 = 1, [
         tuple('created', scored, '', 1),
         tuple('assigned', toUInt32(scored + 5), late, toUInt8(${draw("p", 35, "s")} < 0.1)),
         tuple('missed', toUInt32(scored + 1805), late, toUInt8(${draw("p", 35, "s")} < 0.1)),
         tuple('assigned', toUInt32(decided - 20), reviewer, 1),
         tuple('decided', decided, reviewer, 1)]) AS e`,
      `INSERT INTO approved_applications
       SELECT lower(hex(MD5(concat('approved:', seeker, ':', job)))), ${clamp("scored + if(decision = 'auto_approve', 1, 30 + cityHash64(p, 33, s) % 7200)")},
         if(decision = 'auto_approve', 'auto', 'reviewer'), if(decision = 'auto_approve', '', concat('reviewer-', toString(cityHash64(p, 31, s) % 40))),
         seeker, job, src, score
       FROM bench_matches
       WHERE decision = 'auto_approve' OR (decision = 'manual_review' AND ${draw("p", 30, "s")} < 0.33 AND ${draw("p", 36, "s")} < 0.5)`,
      `INSERT INTO pipeline_events SELECT * FROM pipeline_events WHERE cityHash64(event_id) % 50 = 0`
    ]
    for (const sql of statements) yield* ch.command(sql)
  })
