import { Effect, Layer, ManagedRuntime, Redacted, Runtime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { recordError } from "../connectors/metrics.js"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import * as Postgres from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import * as Applications from "./Applications.js"
import { JobSearch } from "./JobSearch.js"
import * as Seekers from "./Seekers.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as DeskHub from "./DeskHub.js"
import { StageStats } from "../stack/stage.js"
import { unreachableKafka } from "../stack/testing.js"
import { knownOpsKey } from "./testing.js"

/**
 * `GET /metrics` inside the real API (its routes, its way of running Effects). The stores are stand-ins that are
 * down: a scrape reads only the process's own counters, so it answers whatever the stack's state. It is for the
 * ops team's Prometheus, which sends a staff key.
 */
const opsKey = "ops-key-for-the-metrics-test"
const asOps = { authorization: `Bearer ${opsKey}` }
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.provideMerge(
      Layer.mergeAll(Seekers.layer, Applications.layer, knownOpsKey(opsKey), ReviewDesk.layer, DeskHub.layer),
      Layer.mergeAll(
        unreachableKafka(),
        Postgres.layer({ url: Redacted.make("postgres://nobody@127.0.0.1:1/none"), maxConnections: 1 }),
        ClickHouse.layer({ url: "http://127.0.0.1:1", database: "none", username: "default", password: Redacted.make("") })
      )
    ),
    Layer.succeed(JobSearch, JobSearch.of({ search: () => Effect.die("not used by these tests") })),
    Followups.layerTemplate,
    Drafts.layerTemplate,
    StageMonitor.layer
  )
)
afterAll(() => runtime.dispose())

describe("GET /metrics", () => {
  it("answers the Prometheus text format with the connectors' counters and the stage counters", async () => {
    const stats = Effect.runSync(StageStats.pipe(Effect.provide(StageStats.layer)))
    await Effect.runPromise(stats.add("normalize.in", 4))
    await Effect.runPromise(recordError("metrics-route-test", "rejected"))
    const api = makeApi(Runtime.provideService(await runtime.runtime(), StageStats, stats))
    const response = await api.inject({ method: "GET", url: "/metrics", headers: asOps })
    expect(response.statusCode).toBe(200)
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8")
    expect(response.body).toContain("# TYPE jobstream_connector_errors_total counter\n")
    expect(response.body).toContain('jobstream_connector_errors_total{source="metrics-route-test",kind="rejected"} 1\n')
    expect(response.body).toContain('jobstream_stage_records_total{counter="normalize.in"} 4\n')
    await api.close()
  })

  it("leaves the stage counters out in a process that runs no stages", async () => {
    const api = makeApi(await runtime.runtime())
    const response = await api.inject({ method: "GET", url: "/metrics", headers: asOps })
    expect(response.statusCode).toBe(200)
    expect(response.body).not.toContain("jobstream_stage_records_total")
    await api.close()
  })

  it("answers the scraper's token from the environment without PostgreSQL (down here), and refuses a wrong one", async () => {
    process.env.JOBSTREAM_METRICS_TOKEN = "scrape-token-for-the-metrics-test"
    try {
      const api = makeApi(await runtime.runtime())
      const scrape = (token: string) => api.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${token}` } })
      const ok = await scrape("scrape-token-for-the-metrics-test")
      expect(ok.statusCode).toBe(200)
      expect(ok.body).toContain("# TYPE jobstream_connector_errors_total counter")
      // A wrong token is looked up as a staff key, and is none.
      expect((await scrape("scrape-token-for-the-metrics-tesT")).statusCode).toBe(401)
      await api.close()
    } finally {
      delete process.env.JOBSTREAM_METRICS_TOKEN
    }
  })

  it("answers 401 without a staff key, and shows nothing", async () => {
    const api = makeApi(await runtime.runtime())
    const response = await api.inject({ method: "GET", url: "/metrics" })
    expect(response.statusCode).toBe(401)
    expect(response.body).not.toContain("jobstream_")
    await api.close()
  })
})
