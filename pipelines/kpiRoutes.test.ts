import { tableFromIPC } from "apache-arrow"
import { ConfigProvider, Effect, Layer, ManagedRuntime, Redacted } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import { hashId } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import type { ApprovedApplicationRow, PipelineEvent, ReviewEventRow } from "../sinks/clickhouseEvents.js"
import { catalogue, type KpiAnswer, type KpiColumn } from "../sinks/kpiCatalogue.js"
import { kpiTables } from "../sinks/kpiSql.js"
import * as Postgres from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import * as Applications from "./Applications.js"
import { JobSearch } from "./JobSearch.js"
import { arrowStream } from "./kpiRoutes.js"
import * as Seekers from "./Seekers.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as DeskHub from "./DeskHub.js"
import { knownOpsKey, testConfig } from "./testing.js"
import { unreachableKafka } from "../stack/testing.js"

/**
 * The KPI routes inside the real API (its error handler, its way of running Effects) over the test database of
 * the local ClickHouse; Kafka and PostgreSQL are stand-ins the KPI routes never touch, and the API's other
 * services sit on them as in api.test.ts. Staff knows one ops key (the real one reads PostgreSQL; api.test.ts
 * covers it with real accounts).
 */
const opsKey = "jst_kpi-routes-test-ops"

const config = testConfig()
const provider = ConfigProvider.fromMap(
  new Map(Object.entries(config.env).filter((e): e is [string, string] => e[1] !== undefined))
)
const services = Layer.mergeAll(
  unreachableKafka("not used by the KPI routes"),
  Postgres.layer({ url: Redacted.make("postgres://nobody@127.0.0.1:1/none"), maxConnections: 1 }),
  ClickHouse.layerConfig.pipe(Layer.provide(Layer.setConfigProvider(provider)))
)
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.provideMerge(Layer.mergeAll(Seekers.layer, Applications.layer, knownOpsKey(opsKey), ReviewDesk.layer, DeskHub.layer), services),
    Layer.succeed(JobSearch, JobSearch.of({ search: () => Effect.die("not used by these tests") })),
    Followups.layerTemplate,
    Drafts.layerTemplate,
    StageMonitor.layer
  )
)

let api: FastifyInstance

const event = (type: string, at: string, source: string, job: string, detail: object = {}): PipelineEvent => ({
  event_id: hashId(type, job, at, JSON.stringify(detail)),
  event_type: type,
  occurred_at: at,
  source,
  job_id: job,
  company_key: "",
  title: "",
  detail: JSON.stringify(detail)
})

const events = [
  event("discovered", "2025-04-01 08:00:01", "acme-careers", "j1"),
  event("normalized", "2025-04-01 08:00:03", "acme-careers", "j1"),
  event("unique", "2025-04-01 08:00:05", "acme-careers", "j1"),
  event("discovered", "2025-04-01 08:02:00", "globex", "j2"),
  event("normalized", "2025-04-01 08:02:01", "globex", "j2"),
  event("duplicate", "2025-04-01 08:02:02", "globex", "j2"),
  event("scored", "2025-04-01 08:00:09", "", "j1", { seekerId: "s1", score: 91, decision: "auto_approve" }),
  event("scored", "2025-04-01 08:00:09", "", "j1", { seekerId: "s2", score: 40, decision: "reject" }),
  event("application.saved", "2025-04-01 09:00:00", "acme-careers", "j1", { applicationId: "a1", seekerId: "s1" }),
  event("application.applied", "2025-04-02 09:00:00", "acme-careers", "j1", { applicationId: "a1", seekerId: "s1" }),
  event("application.interview", "2025-04-03 21:00:00", "acme-careers", "j1", { applicationId: "a1", seekerId: "s1" }),
  event("dead_letter", "2025-04-01 07:59:00", "connector:globex", "", { stage: "connector:globex", reason: "HTTP 503" })
]

const reviewEvents: ReadonlyArray<ReviewEventRow> = [
  { event_id: "re1", event_type: "decided", occurred_at: "2025-04-02 10:00:00", task_id: "t1", reviewer_id: "r1", seeker_id: "s2", job_id: "j1", source: "acme-careers", wait_ms: 90_000 },
  { event_id: "re2", event_type: "missed", occurred_at: "2025-04-02 09:00:00", task_id: "t1", reviewer_id: "r2", seeker_id: "s2", job_id: "j1", source: "acme-careers", wait_ms: null }
]

const approvals: ReadonlyArray<ApprovedApplicationRow> = [
  { event_id: "ap1", approved_at: "2025-04-01 08:00:10", approved_by: "auto", reviewer_id: "", seeker_id: "s1", job_id: "j1", source: "acme-careers", score: 91 },
  { event_id: "ap2", approved_at: "2025-04-02 10:00:00", approved_by: "reviewer", reviewer_id: "r1", seeker_id: "s2", job_id: "j1", source: "acme-careers", score: 70 }
]

const range = "from=2025-04-01&to=2025-04-08"

beforeAll(async () => {
  await runtime.runPromise(
    Effect.gen(function* () {
      const ch = yield* ClickHouse.ClickHouse
      for (const table of [...kpiTables, "pipeline_events", "review_events", "approved_applications"])
        yield* ch.command(`DROP TABLE IF EXISTS ${table}`)
      yield* ClickHouse.migrate
      yield* ch.insert("pipeline_events", events)
      yield* ch.insert("pipeline_events", events.slice(0, 5)) // a replay
      yield* ch.insert("review_events", reviewEvents)
      yield* ch.insert("approved_applications", approvals)
    })
  )
  const rt = await runtime.runtime()
  api = makeApi(rt)
  await api.ready()
})

afterAll(async () => {
  await api?.close()
  await runtime.dispose()
})

const get = (url: string, accept?: string, key: string | null = opsKey) =>
  api.inject({ method: "GET", url, headers: { ...(accept ? { accept } : {}), ...(key === null ? {} : { authorization: `Bearer ${key}` }) } })

/** An Arrow table read back as the JSON answer's rows: Int64 as numbers, timestamps and dates as ISO text. */
const rowsOfArrow = (bytes: Uint8Array, columns: ReadonlyArray<KpiColumn>) =>
  tableFromIPC(bytes)
    .toArray()
    .map((row: Record<string, unknown>) =>
      Object.fromEntries(
        columns.map((c) => {
          const value = row[c.name]
          switch (c.type) {
            case "integer":
              return [c.name, Number(value as bigint)]
            case "timestamp":
              return [c.name, new Date(value as number).toISOString().replace(".000Z", "Z")]
            case "date":
              return [c.name, new Date(value as number).toISOString().slice(0, 10)]
            default:
              return [c.name, value]
          }
        })
      )
    )

describe("GET /kpis", () => {
  it("lists the catalogue: every KPI with its columns and their types", async () => {
    const response = await get("/kpis")
    expect(response.statusCode).toBe(200)
    const { kpis } = response.json() as { kpis: typeof catalogue }
    expect(kpis.map((k) => k.name)).toEqual([
      "postings_per_minute",
      "duplicate_rate",
      "score_distribution",
      "decisions",
      "funnel",
      "time_in_stage",
      "pipeline_lag",
      "connector_errors",
      "review_decision_time",
      "sla_misses",
      "approval_channels"
    ])
    for (const k of kpis) {
      expect(k.description.length).toBeGreaterThan(10)
      expect(k.columns.length).toBeGreaterThan(1)
      for (const c of k.columns) expect(["string", "integer", "number", "timestamp", "date"]).toContain(c.type)
    }
  })
})

describe("GET /kpis/:name", () => {
  it.each(catalogue.map((k) => k.name))("answers %s as JSON, and as an Arrow stream with the same rows", async (name) => {
    const json = await get(`/kpis/${name}?${range}`)
    expect(json.statusCode).toBe(200)
    expect(json.headers["content-type"]).toMatch(/^application\/json/)
    const answer = json.json() as KpiAnswer
    expect(answer.kpi).toBe(name)
    expect(answer.columns).toEqual(catalogue.find((k) => k.name === name)?.columns)
    expect(answer.rows.length).toBeGreaterThan(0)
    for (const row of answer.rows) expect(Object.keys(row)).toEqual(answer.columns.map((c) => c.name))

    const arrow = await get(`/kpis/${name}?${range}`, `${arrowStream}, application/json;q=0.5`)
    expect(arrow.statusCode).toBe(200)
    expect(arrow.headers["content-type"]).toBe(arrowStream)
    const table = tableFromIPC(arrow.rawPayload)
    expect(table.schema.fields.map((f) => f.name)).toEqual(answer.columns.map((c) => c.name))
    expect(rowsOfArrow(arrow.rawPayload, answer.columns)).toEqual(answer.rows)
  })

  it("counts a replayed batch once and resolves a scored row's source through its job", async () => {
    const postings = (await get(`/kpis/postings_per_minute?${range}&source=acme-careers`)).json() as KpiAnswer
    expect(postings.rows).toEqual([{ minute: "2025-04-01T08:00:00Z", source: "acme-careers", postings: 1 }])
    const decisions = (await get(`/kpis/decisions?${range}&source=acme-careers`)).json() as KpiAnswer
    expect(decisions.rows.map((r) => r.matches)).toEqual([1, 0, 1])
    const funnel = (await get(`/kpis/funnel?${range}`)).json() as KpiAnswer
    expect(funnel.rows.filter((r) => r.source === "acme-careers").map((r) => r.reached)).toEqual([1, 1, 2, 1, 1, 0, 0])
  })

  it("answers an empty range with the columns and no rows, also as Arrow", async () => {
    const query = "from=2020-01-01&to=2020-01-02"
    expect(((await get(`/kpis/connector_errors?${query}`)).json() as KpiAnswer).rows).toEqual([])
    const arrow = await get(`/kpis/connector_errors?${query}`, arrowStream)
    const table = tableFromIPC(arrow.rawPayload)
    expect(table.numRows).toBe(0)
    expect(table.schema.fields.map((f) => f.name)).toEqual(["source", "errors", "first_at", "last_at", "last_reason"])
  })

  it("defaults to the last week up to now", async () => {
    const response = await get("/kpis/decisions")
    expect(response.statusCode).toBe(200)
    expect((response.json() as KpiAnswer).rows.map((r) => r.decision)).toEqual(["auto_approve", "manual_review", "reject"])
  })

  it.each([
    ["from=yesterday", "from"],
    ["from=2025-02-30", "from"],
    ["to=2025-04-01T25:00:00Z", "to"],
    [`${range}&source=${encodeURIComponent("x' OR 1=1 --")}`, "source"],
    ["from=2025-04-08&to=2025-04-01", "to"],
    ["from=2020-01-01&to=2025-01-01", "from"]
  ])("refuses ?%s with 400 naming %s", async (query, field) => {
    const response = await get(`/kpis/funnel?${query}`)
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toMatch(new RegExp(field))
  })

  it("answers an unknown KPI with 404", async () => {
    const response = await get(`/kpis/revenue?${range}`)
    expect(response.statusCode).toBe(404)
    expect(response.json().message).toMatch(/revenue/)
  })
})

describe("who may read the KPIs", () => {
  it("answers 401 without a staff key or with an unknown one, before looking at the query", async () => {
    for (const url of ["/kpis", `/kpis/decisions?${range}`, "/kpis/decisions?from=2025-02-30", "/kpis/revenue"])
      for (const key of [null, "jst_nobody"]) {
        const response = await get(url, undefined, key)
        expect([url, key, response.statusCode]).toEqual([url, key, 401])
        expect(Object.keys(response.json() as object)).not.toContain("rows")
      }
  })
})
