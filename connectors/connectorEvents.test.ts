import { randomUUID } from "node:crypto"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { stackTestConfig } from "../stack/testing.js"
import { hashId } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import { type ConnectorEvent, fetchEvent, insertConnectorEvents, runEvent } from "./connectorEvents.js"

/**
 * The row constructors, and the rows in the local ClickHouse 18.16 (the test database, through the real client):
 * inserted twice, read back once. Each test writes under a run id of its own and reads only that run.
 */

const fetchOf = (runId: string, url: string, attempt: number, status = "200") =>
  fetchEvent({
    runId,
    source: "acme-careers",
    sourceType: "greenhouse",
    url,
    status,
    latencyMs: 123.4,
    attempt,
    at: new Date("2025-04-01T08:00:01.250Z")
  })

const runOf = (runId: string, finishedAt = new Date("2025-04-01T08:02:00Z")) =>
  runEvent({
    runId,
    source: "acme-careers",
    sourceType: "greenhouse",
    startedAt: new Date("2025-04-01T08:00:00Z"),
    finishedAt,
    status: "ok",
    pages: 3,
    postings: 40,
    new: 5,
    changed: 2,
    unchanged: 30,
    closed: 3,
    errors: 1
  })

describe("connector event rows", () => {
  it("builds a fetch row with the deterministic id and zeros where a fetch has no value", () => {
    expect(fetchOf("r1", "https://boards.example/acme", 2, "503")).toEqual({
      event_id: hashId("fetch", "r1", "https://boards.example/acme", "2"),
      occurred_at: "2025-04-01 08:00:01",
      run_id: "r1",
      source: "acme-careers",
      source_type: "greenhouse",
      kind: "fetch",
      url: "https://boards.example/acme",
      status: "503",
      latency_ms: 123,
      attempt: 2,
      detail: "",
      pages: 0,
      postings: 0,
      new: 0,
      changed: 0,
      unchanged: 0,
      closed: 0,
      errors: 0
    } satisfies ConnectorEvent)
  })

  it("builds a run row timed at its start, lasting until its end, with the same id however late it is recorded", () => {
    const row = runOf("r1")
    expect(row).toMatchObject({
      event_id: hashId("run", "r1"),
      occurred_at: "2025-04-01 08:00:00",
      kind: "run",
      url: "",
      attempt: 0,
      status: "ok",
      latency_ms: 120_000,
      pages: 3,
      postings: 40,
      new: 5,
      changed: 2,
      unchanged: 30,
      closed: 3,
      errors: 1
    })
    const later = runOf("r1", new Date("2025-04-01T08:05:00Z"))
    expect([later.event_id, later.occurred_at]).toEqual([row.event_id, row.occurred_at])
  })

  it("clamps numbers to their column: no negative duration, no attempt past 255", () => {
    expect(runOf("r1", new Date("2025-04-01T07:59:59Z")).latency_ms).toBe(0)
    expect(fetchOf("r1", "https://boards.example/acme", 300).attempt).toBe(255)
  })
})

const config = stackTestConfig()
const runtime = ManagedRuntime.make(
  ClickHouse.layerConfig.pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(new Map(Object.entries(config.env).filter((e): e is [string, string] => e[1] !== undefined)))
      )
    )
  )
)
afterAll(() => runtime.dispose())

describe("connector_events in ClickHouse", () => {
  it("folds a second insert of the same rows: no duplicates with FINAL or uniqExact", async () => {
    const runId = randomUUID()
    const rows = [
      fetchOf(runId, "https://boards.example/acme?page=1", 1, "503"),
      fetchOf(runId, "https://boards.example/acme?page=1", 2),
      fetchOf(runId, "https://boards.example/acme?page=2", 1),
      runOf(runId)
    ]
    const result = await runtime.runPromise(
      Effect.gen(function* () {
        yield* ClickHouse.migrate
        yield* insertConnectorEvents(rows)
        yield* insertConnectorEvents(rows)
        yield* insertConnectorEvents([])
        const ch = yield* ClickHouse.ClickHouse
        const run = ClickHouse.quote(runId)
        const [counts] = yield* ch.query<{ events: string }>(
          `SELECT uniqExact(event_id) AS events FROM connector_events WHERE run_id = ${run}`
        )
        const final = yield* ch.query<ConnectorEvent>(
          `SELECT * FROM connector_events FINAL WHERE run_id = ${run} ORDER BY kind, url, attempt`
        )
        return { counts, final }
      })
    )
    expect(result.counts).toEqual({ events: "4" })
    expect(result.final).toEqual(rows)
  })
})
