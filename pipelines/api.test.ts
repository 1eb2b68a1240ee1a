import { Cause, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as ClickHouse from "../stack/ClickHouse.js"
import * as Postgres from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import { unreachableKafka } from "../stack/testing.js"
import { JobSearch } from "./JobSearch.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import * as Applications from "./Applications.js"
import * as Seekers from "./Seekers.js"
import * as Staff from "./Staff.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as DeskHub from "./DeskHub.js"

// Nothing listens on these ports (and the broker is a stand-in that is down): the API must say what is down.
const unreachable = Layer.mergeAll(
  unreachableKafka(),
  StageMonitor.layer,
  Postgres.layer({ url: Redacted.make("postgres://nobody@127.0.0.1:1/none"), maxConnections: 1 }),
  ClickHouse.layer({ url: "http://127.0.0.1:1", database: "none", username: "default", password: Redacted.make("") })
)

describe("the API's contract, without a stack", () => {
  const search = Layer.succeed(
    JobSearch,
    JobSearch.of({ search: () => Effect.die(new Error("SELECT embedding FROM jobs: not used by these tests")) })
  )
  /** What the API logged: its level, message and the cause in full. */
  const logged: Array<string> = []
  const capture = Logger.make(({ logLevel, message, cause }) => {
    logged.push(`${logLevel.label} ${String(message)} ${Cause.pretty(cause)}`)
  })
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      Layer.provideMerge(Layer.mergeAll(Seekers.layer, Applications.layer, Staff.layer, ReviewDesk.layer, DeskHub.layer), unreachable),
      search,
      Followups.layerTemplate,
      Drafts.layerTemplate,
      Logger.replace(Logger.defaultLogger, capture)
    )
  )
  afterAll(() => runtime.dispose())

  it.each([
    ["?limit=abc", /limit/],
    ["?limit=500", /limit/],
    ["?remote=maybe", /remote/],
    ["?employmentType=SOMETIMES", /employmentType/],
    ["?postedSince=yesterday", /postedSince/],
    ["?cursor=bm90LWEtY3Vyc29y", /cursor/],
    ["/search?limit=5", /q/],
    ["/search?q=spark&limit=51", /limit/]
  ])("refuses GET /jobs%s with 400 and says which field", async (query, field) => {
    const api = makeApi(await runtime.runtime())
    const response = await api.inject({ method: "GET", url: `/jobs${query}` })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toMatch(field)
    await api.close()
  })

  it("answers /healthz with 503 and each dependency's failure", async () => {
    const api = makeApi(await runtime.runtime())
    const response = await api.inject({ method: "GET", url: "/healthz" })
    expect(response.statusCode).toBe(503)
    const body = response.json()
    expect(body.status).toBe("degraded")
    expect(body.checks.kafka).toMatchObject({ ok: false, detail: expect.stringMatching(/broker unreachable/) })
    expect(body.checks.postgres.ok).toBe(false)
    expect(body.checks.clickhouse.ok).toBe(false)
    await api.close()
  })

  it("answers 503 for /jobs when PostgreSQL is down, naming PostgreSQL and nothing of its error; the log has it", async () => {
    const api = makeApi(await runtime.runtime())
    logged.length = 0
    const response = await api.inject({ method: "GET", url: "/jobs" })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({ error: "unavailable", message: "PostgreSQL is unavailable", dependency: "postgres" })
    expect(logged).toEqual([expect.stringMatching(/^ERROR GET \/jobs answered 503 .*PostgreSQL connect failed: .*ECONNREFUSED/s)])
    await api.close()
  })

  it("answers a defect with a bare 500, and logs it whole", async () => {
    const api = makeApi(await runtime.runtime())
    logged.length = 0
    const response = await api.inject({ method: "GET", url: "/jobs/search?q=spark" })
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({ error: "internal", message: "internal error" })
    expect(logged).toEqual([expect.stringMatching(/^ERROR GET \/jobs\/search answered 500 .*SELECT embedding FROM jobs/s)])
    await api.close()
  })

  it.each([
    ["a body over the 256 KiB limit", { "content-type": "application/json" }, JSON.stringify({ name: "x".repeat(270_000) }), 413],
    ["a media type no parser takes", { "content-type": "application/xml" }, "<seeker/>", 415],
    ["malformed JSON", { "content-type": "application/json" }, '{"name":', 400],
    ["a number where the name is expected (no coercion to a string)", { "content-type": "application/json" }, '{"name":42}', 400]
  ])("answers POST /seekers with %s by fastify's own status", async (_what, headers, payload, status) => {
    const api = makeApi(await runtime.runtime())
    logged.length = 0
    const response = await api.inject({ method: "POST", url: "/seekers", headers, payload })
    expect(response.statusCode).toBe(status)
    expect(response.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) })
    expect(logged).toEqual([])
    await api.close()
  })
})
