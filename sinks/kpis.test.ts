import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Session } from "chdb"
import { ConfigProvider, Effect, Either, Layer, ManagedRuntime, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stackTestConfig } from "../stack/testing.js"
import { hashId } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import type { ApprovedApplicationRow, PipelineEvent, ReviewEventRow } from "./clickhouseEvents.js"
import { catalogue, KpiFilters, KpiQuery, SourceName, type KpiName, type KpiRow } from "./kpiCatalogue.js"
import { runKpi } from "./kpis.js"
import { kpiTables } from "./kpiSql.js"

/**
 * The KPIs over a known set of events, on the local ClickHouse 18.16 (the test database, through the real
 * client) and on the current ClickHouse embedded by chdb (the same migrations, rows and KPI SQL), with replays
 * that must not count twice.
 */

const acme = "acme-careers" as SourceName
const globex = "globex" as SourceName

// ---------------------------------------------------------------------------------------------------------------
// The events: five postings (one a duplicate), six scorings and a re-score, three applications, dead letters.

const event = (type: string, at: string, fields: Partial<PipelineEvent> & { key: string }): PipelineEvent => ({
  event_id: hashId(type, fields.key, at),
  event_type: type,
  occurred_at: at.replace("T", " "),
  source: fields.source ?? "",
  job_id: fields.job_id ?? "",
  company_key: fields.company_key ?? "",
  title: fields.title ?? "",
  detail: fields.detail ?? ""
})

const plus = (at: string, seconds: number) => new Date(Date.parse(`${at}Z`) + seconds * 1000).toISOString().slice(0, 19)

/** A posting's trip through the pipeline: the lags (seconds after discovery) of each stage it reached. */
const posting = (
  source: SourceName,
  job: string,
  discovered: string,
  lag: { normalized: number; unique?: number; duplicate?: number }
) => [
  event("discovered", discovered, { key: job, source, job_id: job, title: job }),
  event("normalized", plus(discovered, lag.normalized), { key: job, source, job_id: job }),
  ...(lag.unique === undefined ? [] : [event("unique", plus(discovered, lag.unique), { key: job, source, job_id: job })]),
  ...(lag.duplicate === undefined
    ? []
    : [event("duplicate", plus(discovered, lag.duplicate), { key: job, source, job_id: job, detail: JSON.stringify({ duplicateOf: "a1", reason: "exact", similarity: 1 }) })])
]

/** As the sink writes them today: no source on a scored row. */
const scored = (job: string, seeker: string, at: string, score: number, decision: string) =>
  event("scored", at, { key: `${job}/${seeker}/${score}`, job_id: job, detail: JSON.stringify({ seekerId: seeker, score, decision }) })

const application = (id: string, seeker: string, job: string, source: SourceName, moves: ReadonlyArray<[string, string]>) =>
  moves.map(([status, at]) =>
    event(`application.${status}`, at, { key: id, source, job_id: job, detail: JSON.stringify({ applicationId: id, seekerId: seeker }) })
  )

const deadLetter = (stage: string, at: string, reason: string) =>
  event("dead_letter", at, { key: `${stage}/${reason}`, source: stage, detail: JSON.stringify({ stage, reason, topic: undefined }) })

const events: ReadonlyArray<PipelineEvent> = [
  ...posting(acme, "a1", "2025-03-04T10:00:10", { normalized: 2, unique: 5 }),
  ...posting(acme, "a2", "2025-03-04T10:00:40", { normalized: 1, unique: 4 }),
  ...posting(acme, "a3", "2025-03-04T10:01:05", { normalized: 2, duplicate: 4 }),
  ...posting(globex, "g1", "2025-03-04T10:00:30", { normalized: 3, unique: 6 }),
  ...posting(globex, "g2", "2025-03-11T09:00:00", { normalized: 4, unique: 9 }),
  scored("a1", "s1", "2025-03-04T10:00:20", 92, "auto_approve"),
  scored("a1", "s2", "2025-03-04T10:00:20", 60, "manual_review"),
  scored("a2", "s1", "2025-03-04T10:01:00", 35, "reject"),
  scored("g1", "s1", "2025-03-04T10:00:50", 100, "auto_approve"),
  scored("g1", "s2", "2025-03-04T10:00:50", 58, "manual_review"),
  scored("g2", "s1", "2025-03-11T09:00:30", 71, "manual_review"),
  // A re-score with a new resume: a second scoring event, still one match.
  scored("a1", "s2", "2025-03-04T10:30:00", 65, "manual_review"),
  ...application("app1", "s1", "a1", acme, [
    ["saved", "2025-03-04T12:00:00"],
    ["applied", "2025-03-05T12:00:00"],
    ["screening", "2025-03-06T12:00:00"],
    ["interview", "2025-03-08T12:00:00"],
    ["offer", "2025-03-11T12:00:00"],
    ["accepted", "2025-03-12T12:00:00"]
  ]),
  ...application("app2", "s2", "a1", acme, [
    ["saved", "2025-03-04T13:00:00"],
    ["applied", "2025-03-04T19:00:00"],
    ["rejected", "2025-03-07T19:00:00"]
  ]),
  ...application("app3", "s1", "g1", globex, [
    ["saved", "2025-03-05T08:00:00"],
    ["applied", "2025-03-05T20:00:00"],
    ["screening", "2025-03-06T08:00:00"]
  ]),
  deadLetter("connector:acme-careers", "2025-03-04T09:00:00", "HTTP 500"),
  deadLetter("connector:acme-careers", "2025-03-04T11:00:00", "no JSON-LD on the page"),
  deadLetter("connector:globex", "2025-03-05T09:30:00", "timeout"),
  deadLetter("normalize", "2025-03-04T10:00:11", "no title")
]

/** Replays: the same events (same ids) delivered again, in a later batch and twice within one batch. */
const replays = events.filter((_, i) => i % 3 === 0)

// The review desk: decisions with their waits, missed deadlines, approvals (sinks/clickhouseEvents.test.ts sends
// the same kinds through Kafka with more cases; these put the review KPIs' SQL on both servers).
const reviewEvent = (type: string, at: string, source: SourceName, reviewer: string, waitMs: number | null): ReviewEventRow => ({
  event_id: hashId("review", type, at, reviewer),
  event_type: type,
  occurred_at: at.replace("T", " "),
  task_id: hashId("task", at),
  reviewer_id: reviewer,
  seeker_id: "s1",
  job_id: "a1",
  source,
  wait_ms: waitMs
})

const reviewEvents: ReadonlyArray<ReviewEventRow> = [
  reviewEvent("decided", "2025-03-05T10:00:00", acme, "r1", 40_000),
  reviewEvent("decided", "2025-03-05T11:00:00", acme, "r1", 100_000),
  reviewEvent("decided", "2025-03-05T12:00:00", acme, "r2", 80_000),
  reviewEvent("decided", "2025-03-06T10:00:00", globex, "r2", 50_000),
  reviewEvent("closed", "2025-03-06T11:00:00", globex, "", 9_000),
  reviewEvent("missed", "2025-03-05T09:00:00", acme, "r1", null),
  reviewEvent("missed", "2025-03-06T09:00:00", globex, "r2", null),
  reviewEvent("assigned", "2025-03-06T09:30:00", globex, "r1", null)
]

const approval = (pair: string, at: string, by: string, source: SourceName): ApprovedApplicationRow => ({
  event_id: hashId("approved", pair),
  approved_at: at.replace("T", " "),
  approved_by: by,
  reviewer_id: by === "reviewer" ? "r1" : "",
  seeker_id: "s1",
  job_id: pair,
  source,
  score: 90
})

const approvals: ReadonlyArray<ApprovedApplicationRow> = [
  approval("a1", "2025-03-05T10:00:00", "auto", acme),
  approval("a2", "2025-03-05T11:00:00", "reviewer", acme),
  approval("g1", "2025-03-06T10:00:00", "seeker", globex),
  // Approved again by a re-score: the same pair, counted on its first approval.
  approval("a2", "2025-03-07T10:00:00", "auto", acme)
]

const range = { from: new Date("2025-03-03T00:00:00Z"), to: new Date("2025-03-17T00:00:00Z") }
const filterSets: ReadonlyArray<KpiFilters> = [range, { ...range, source: acme }, { ...range, source: globex }]

// ---------------------------------------------------------------------------------------------------------------
// ClickHouse 18.16 (the test database) and chdb (current ClickHouse, embedded), behind the same service.

const config = stackTestConfig()
const runtime = ManagedRuntime.make(
  ClickHouse.layerConfig.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(config.env).filter((e): e is [string, string] => e[1] !== undefined)))))
  )
)

let session: Session
const chdb = Layer.sync(ClickHouse.ClickHouse, () => {
  const attempt = <A>(operation: string, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (cause) => new ClickHouse.ClickHouseError({ operation, code: undefined, cause }) })
  return ClickHouse.ClickHouse.of({
    insert: (table, rows) =>
      attempt(`insert into ${table}`, () =>
        session.queryAsync(`INSERT INTO ${table} FORMAT JSONEachRow\n${rows.map((r) => JSON.stringify(r)).join("\n")}`)
      ).pipe(Effect.asVoid),
    query: <R>(sql: string) =>
      attempt("query", async () => {
        const result = await session.queryAsync(sql, { format: "JSONEachRow" })
        return result
          .text()
          .split("\n")
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as R)
      }),
    command: (sql) => attempt("command", () => session.queryAsync(sql)).pipe(Effect.asVoid),
    ping: attempt("ping", async () => (await session.queryAsync("SELECT version()", { format: "TSV" })).text().trim())
  })
})

const onServer = <A, E>(effect: Effect.Effect<A, E, ClickHouse.ClickHouse>) => runtime.runPromise(effect)
const onChdb = <A, E>(effect: Effect.Effect<A, E, ClickHouse.ClickHouse>) => Effect.runPromise(Effect.provide(effect, chdb))

/** The migrations, statement by statement, as ClickHouse.migrate splits them. */
const migrationStatements = async () => {
  const dir = join(import.meta.dirname, "..", "stack", "migrations", "clickhouse")
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()
  const texts = await Promise.all(files.map((f) => readFile(join(dir, f), "utf8")))
  return texts.flatMap((text) =>
    text
      .split(/;\s*$/m)
      .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
      .filter((s) => s.length > 0)
  )
}

const dropAll = Effect.gen(function* () {
  const ch = yield* ClickHouse.ClickHouse
  for (const table of [...kpiTables, "pipeline_events", "review_events", "approved_applications"])
    yield* ch.command(`DROP TABLE IF EXISTS ${table}`)
})

const load = Effect.gen(function* () {
  const ch = yield* ClickHouse.ClickHouse
  yield* ch.insert("pipeline_events", events)
  yield* ch.insert("pipeline_events", replays)
  yield* ch.insert("pipeline_events", [...replays, ...replays])
  yield* ch.insert("review_events", [...reviewEvents, ...reviewEvents])
  yield* ch.insert("approved_applications", [...approvals, ...approvals])
})

const kpi = (name: KpiName, filters: KpiFilters = range) => onServer(runKpi(name, filters))
const column = (rows: ReadonlyArray<KpiRow>, name: string) => rows.map((r) => r[name])

beforeAll(async () => {
  await onServer(Effect.zipRight(dropAll, ClickHouse.migrate))
  await onServer(ClickHouse.migrate) // re-runnable
  await onServer(load)
  session = new Session()
  for (const statement of await migrationStatements()) session.query(statement)
  await onChdb(load)
})

afterAll(async () => {
  session?.close()
  await runtime.dispose()
})

describe("KPIs on ClickHouse 18.16", () => {
  it("postings per minute: distinct discoveries per minute and source", async () => {
    expect(await kpi("postings_per_minute")).toEqual([
      { minute: "2025-03-04T10:00:00Z", source: acme, postings: 2 },
      { minute: "2025-03-04T10:00:00Z", source: globex, postings: 1 },
      { minute: "2025-03-04T10:01:00Z", source: acme, postings: 1 },
      { minute: "2025-03-11T09:00:00Z", source: globex, postings: 1 }
    ])
    // Whole minutes: a range starting inside a minute counts that minute.
    const late = await kpi("postings_per_minute", { from: new Date("2025-03-04T10:00:50Z"), to: new Date("2025-03-04T10:01:01Z"), source: acme })
    expect(late).toEqual([
      { minute: "2025-03-04T10:00:00Z", source: acme, postings: 2 },
      { minute: "2025-03-04T10:01:00Z", source: acme, postings: 1 }
    ])
  })

  it("duplicate rate per source", async () => {
    expect(await kpi("duplicate_rate")).toEqual([
      { source: acme, uniques: 2, duplicates: 1, duplicate_rate: 0.3333 },
      { source: globex, uniques: 2, duplicates: 0, duplicate_rate: 0 }
    ])
  })

  it("score distribution: matches per bucket by their last score, all buckets listed, by source through the job", async () => {
    const all = await kpi("score_distribution")
    expect(column(all, "bucket")).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    // a1 x s2 scored 60, then 65 after a new resume: one match, in the 60 bucket once.
    expect(column(all, "matches")).toEqual([0, 0, 0, 1, 0, 1, 1, 1, 0, 2])
    expect(column(await kpi("score_distribution", { ...range, source: acme }), "matches")).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0, 1])
    expect(column(await kpi("score_distribution", { ...range, source: globex }), "matches")).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0, 1])
  })

  it("decisions split: each match once, with its last decision", async () => {
    expect(await kpi("decisions")).toEqual([
      { decision: "auto_approve", matches: 2, rate: 0.3333 },
      { decision: "manual_review", matches: 3, rate: 0.5 },
      { decision: "reject", matches: 1, rate: 0.1667 }
    ])
    expect(await kpi("decisions", { ...range, source: acme })).toEqual([
      { decision: "auto_approve", matches: 1, rate: 0.3333 },
      { decision: "manual_review", matches: 1, rate: 0.3333 },
      { decision: "reject", matches: 1, rate: 0.3333 }
    ])
    const empty = await kpi("decisions", { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-01-02T00:00:00Z") })
    expect(column(empty, "matches")).toEqual([0, 0, 0])
  })

  it("funnel by week and source, with conversion from the previous stage", async () => {
    const rows = await kpi("funnel")
    const of = (week: string, source: string) =>
      rows.filter((r) => r.week === week && r.source === source).map((r) => [r.stage, r.reached, r.conversion])
    expect(of("2025-03-03", acme)).toEqual([
      ["discovered", 3, 1],
      ["unique", 2, 0.6667],
      ["scored", 3, 1.5],
      ["applied", 2, 0.6667],
      ["interview", 1, 0.5],
      ["offer", 0, 0],
      ["accepted", 0, 0]
    ])
    expect(of("2025-03-03", globex)).toEqual([
      ["discovered", 1, 1],
      ["unique", 1, 1],
      ["scored", 2, 2],
      ["applied", 1, 0.5],
      ["interview", 0, 0],
      ["offer", 0, 0],
      ["accepted", 0, 0]
    ])
    expect(of("2025-03-10", acme).map((r) => r[1])).toEqual([0, 0, 0, 0, 0, 1, 1])
    expect(of("2025-03-10", globex).map((r) => r[1])).toEqual([1, 1, 1, 0, 0, 0, 0])
    expect(rows.map((r) => r.step).slice(0, 7)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(new Set(rows.map((r) => `${r.week} ${r.source}`)).size).toBe(4)
    expect((await kpi("funnel", { ...range, source: globex })).every((r) => r.source === globex)).toBe(true)
  })

  it("time in stage: closed stays of applications, in hours", async () => {
    expect(await kpi("time_in_stage")).toEqual([
      { stage: "saved", stays: 3, avg_hours: 14, median_hours: 12, p90_hours: 24, max_hours: 24 },
      { stage: "applied", stays: 3, avg_hours: 36, median_hours: 24, p90_hours: 72, max_hours: 72 },
      { stage: "screening", stays: 1, avg_hours: 48, median_hours: 48, p90_hours: 48, max_hours: 48 },
      { stage: "interview", stays: 1, avg_hours: 72, median_hours: 72, p90_hours: 72, max_hours: 72 },
      { stage: "offer", stays: 1, avg_hours: 24, median_hours: 24, p90_hours: 24, max_hours: 24 }
    ])
    expect(await kpi("time_in_stage", { ...range, source: globex })).toEqual([
      { stage: "saved", stays: 1, avg_hours: 12, median_hours: 12, p90_hours: 12, max_hours: 12 },
      { stage: "applied", stays: 1, avg_hours: 12, median_hours: 12, p90_hours: 12, max_hours: 12 }
    ])
    // Stays that began in the range, even when they ended after it.
    const early = await kpi("time_in_stage", { from: new Date("2025-03-08T00:00:00Z"), to: new Date("2025-03-09T00:00:00Z") })
    expect(early).toEqual([{ stage: "interview", stays: 1, avg_hours: 72, median_hours: 72, p90_hours: 72, max_hours: 72 }])
  })

  it("end-to-end lag per stage, from discovery", async () => {
    expect(await kpi("pipeline_lag")).toEqual([
      { stage: "normalized", jobs: 5, avg_seconds: 2.4, median_seconds: 2, p95_seconds: 4, max_seconds: 4 },
      { stage: "unique", jobs: 4, avg_seconds: 6, median_seconds: 6, p95_seconds: 9, max_seconds: 9 },
      { stage: "scored", jobs: 4, avg_seconds: 20, median_seconds: 20, p95_seconds: 30, max_seconds: 30 }
    ])
    expect(await kpi("pipeline_lag", { ...range, source: acme })).toEqual([
      { stage: "normalized", jobs: 3, avg_seconds: 1.7, median_seconds: 2, p95_seconds: 2, max_seconds: 2 },
      { stage: "unique", jobs: 2, avg_seconds: 4.5, median_seconds: 5, p95_seconds: 5, max_seconds: 5 },
      { stage: "scored", jobs: 2, avg_seconds: 15, median_seconds: 20, p95_seconds: 20, max_seconds: 20 }
    ])
  })

  it("connector errors per source, leaving other stages' dead letters out", async () => {
    expect(await kpi("connector_errors")).toEqual([
      { source: acme, errors: 2, first_at: "2025-03-04T09:00:00Z", last_at: "2025-03-04T11:00:00Z", last_reason: "no JSON-LD on the page" },
      { source: globex, errors: 1, first_at: "2025-03-05T09:30:00Z", last_at: "2025-03-05T09:30:00Z", last_reason: "timeout" }
    ])
  })

  it("review desk: time to decision per day, SLA misses per reviewer, auto vs manual approvals", async () => {
    // 40, 80, 100 s: quantileExact takes rank floor(q x n), so p50 is rank 1 and p95 rank 2.
    const decisionDays = [
      { day: "2025-03-05", decisions: 3, p50_seconds: 80, p95_seconds: 100 },
      { day: "2025-03-06", decisions: 1, p50_seconds: 50, p95_seconds: 50 }
    ]
    expect(await kpi("review_decision_time")).toEqual(decisionDays)
    expect(await kpi("review_decision_time", { ...range, source: acme })).toEqual(decisionDays.slice(0, 1))
    expect(await kpi("sla_misses")).toEqual([
      { reviewer_id: "r1", misses: 1, last_missed_at: "2025-03-05T09:00:00Z" },
      { reviewer_id: "r2", misses: 1, last_missed_at: "2025-03-06T09:00:00Z" }
    ])
    expect(await kpi("approval_channels")).toEqual([
      { day: "2025-03-05", source: acme, approvals: 2, auto: 1, manual: 1, auto_rate: 0.5, manual_rate: 0.5 },
      { day: "2025-03-06", source: globex, approvals: 1, auto: 0, manual: 1, auto_rate: 0, manual_rate: 1 }
    ])
  })

  it("fills new views from the events already there, once", async () => {
    const before = await Promise.all(catalogue.map((k) => kpi(k.name as KpiName)))
    await onServer(
      Effect.gen(function* () {
        const ch = yield* ClickHouse.ClickHouse
        for (const table of kpiTables) yield* ch.command(`DROP TABLE IF EXISTS ${table}`)
      })
    )
    const rowsOfViews = () =>
      onServer(
        Effect.flatMap(ClickHouse.ClickHouse, (ch) =>
          ch.query<{ n: string }>(
            "SELECT toString(count()) AS n FROM (SELECT 1 FROM kpi_events_minute UNION ALL SELECT 1 FROM kpi_scores_hour UNION ALL SELECT 1 FROM kpi_job_stages)"
          )
        )
      )
    await onServer(ClickHouse.migrate)
    const filled = await rowsOfViews()
    await onServer(ClickHouse.migrate)
    // The second run did not fill again (a background merge may only have folded rows since).
    expect(Number((await rowsOfViews())[0]?.n)).toBeLessThanOrEqual(Number(filled[0]?.n))
    const marks = await onServer(
      Effect.flatMap(ClickHouse.ClickHouse, (ch) => ch.query<{ name: string }>("SELECT name FROM kpi_backfills ORDER BY name"))
    )
    expect(marks.map((m) => m.name)).toEqual(["kpi_events_minute", "kpi_job_stages", "kpi_scores_hour"])
    expect(await Promise.all(catalogue.map((k) => kpi(k.name as KpiName)))).toEqual(before)
  })
})

describe("the same KPI SQL on current ClickHouse (chdb)", () => {
  it("runs the migrations and answers every KPI as 18.16 does", async () => {
    expect(await onChdb(Effect.flatMap(ClickHouse.ClickHouse, (ch) => ch.ping))).toMatch(/^2\d\./)
    for (const filters of filterSets)
      for (const { name } of catalogue) {
        const server = await kpi(name as KpiName, filters)
        const embedded = await onChdb(runKpi(name as KpiName, filters))
        expect({ name, source: filters.source, rows: embedded }).toEqual({ name, source: filters.source, rows: server })
        expect(server.length, name).toBeGreaterThan(0)
      }
  })
})

describe("filters", () => {
  const decode = (input: unknown) =>
    Schema.decodeUnknownEither(KpiQuery)(input).pipe(Either.flatMap((q) => Schema.decodeUnknownEither(KpiFilters)({ ...range, ...q })))

  it("accepts dates, date-times with or without a zone, and source names", () => {
    const ok = decode({ from: "2025-03-01", to: "2025-03-02T12:30:00+02:00", source: "greenhouse.acme_eu-1" })
    expect(Either.isRight(ok)).toBe(true)
    if (Either.isRight(ok)) expect(ok.right.to.toISOString()).toBe("2025-03-02T10:30:00.000Z")
    expect(Either.isRight(decode({ from: "2025-03-01T10:00" }))).toBe(true)
  })

  it("refuses anything else, naming the field", () => {
    for (const [input, field] of [
      [{ source: "x' OR 1=1 --" }, "source"],
      [{ source: "" }, "source"],
      [{ from: "yesterday" }, "from"],
      [{ from: "2025-02-30" }, "from"],
      [{ to: "1969-12-31" }, "to"],
      [{ from: "2025-03-05", to: "2025-03-04" }, "to"],
      [{ from: "2023-01-01", to: "2025-01-01" }, "from"]
    ] as const) {
      const result = decode(input)
      expect(Either.isLeft(result), JSON.stringify(input)).toBe(true)
      if (Either.isLeft(result)) expect(String(result.left)).toContain(field)
    }
  })
})
