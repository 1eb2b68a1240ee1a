import { ConfigProvider, Duration, Effect, Layer, Redacted, Scope, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import type { StageHealth } from "../schemas/Api.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import * as Postgres from "../stack/Postgres.js"
import { serveApi } from "./api.js"
import * as Applications from "./Applications.js"
import { JobSearch } from "./JobSearch.js"
import { Kafka } from "../stack/Kafka.js"
import * as Seekers from "./Seekers.js"
import * as Staff from "./Staff.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as DeskHub from "./DeskHub.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { unreachableKafka } from "../stack/testing.js"

/** A broker that accepts every call and answers none, as a paused (SIGSTOPped) broker does. */
const hungKafka = Layer.effect(
  Kafka,
  Effect.map(Kafka, (down) => Kafka.of({ ...down, ping: Effect.never, lag: () => Effect.never, send: () => Effect.never }))
).pipe(Layer.provide(unreachableKafka()))

const services = Layer.mergeAll(
  hungKafka,
  StageMonitor.layer,
  Postgres.layer({ url: Redacted.make("postgres://nobody@127.0.0.1:1/none"), maxConnections: 1 }),
  ClickHouse.layer({ url: "http://127.0.0.1:1", database: "none", username: "default", password: Redacted.make("") })
)

const layer = Layer.mergeAll(
  Layer.provideMerge(Layer.mergeAll(Seekers.layer, Applications.layer, Staff.layer, ReviewDesk.layer, DeskHub.layer), services),
  Layer.succeed(JobSearch, JobSearch.of({ search: () => Effect.die("not used by these tests") })),
  Followups.layerTemplate,
  Drafts.layerTemplate
)

const stalled: StageHealth = {
  state: "running",
  member: true,
  partitions: 3,
  lag: 120,
  lastProgressAt: new Date(Date.now() - 120_000).toISOString(),
  startedAt: new Date(Date.now() - 600_000).toISOString(),
  restarts: 2,
  lastError: "Kafka commit failed: no answer from the broker within 10s"
}

/**
 * The API as `jobstream start` serves it (a real listening server, the runtime taken as `serveApi` takes it), over
 * a broker that never answers: health must still answer within its limit.
 */
describe("health endpoints over a hung broker", () => {
  const scope = Effect.runSync(Scope.make())
  let base = ""

  beforeAll(async () => {
    const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
    const app = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.flatMap(StageMonitor, (m) => m.update("dedup", () => stalled))
        return yield* serveApi("127.0.0.1", 0)
      }).pipe(
        Effect.provide(context),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["JOBSTREAM_LIVENESS_STALL", "3 seconds"]]))),
        Scope.extend(scope)
      )
    )
    const address = app.server.address()
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  const timed = async (path: string) => {
    const start = performance.now()
    const response = await fetch(base + path, { signal: AbortSignal.timeout(15_000) })
    return { status: response.status, body: await response.json(), ms: performance.now() - start }
  }

  it("answers /healthz within its probe limit, degraded, naming the broker and the stalled stage", async () => {
    const { status, body, ms } = await timed("/healthz")
    expect(status).toBe(503)
    expect(ms).toBeLessThan(Duration.toMillis("2 seconds") + 1000)
    expect(body.status).toBe("degraded")
    expect(body.checks.kafka).toMatchObject({ ok: false, detail: expect.stringMatching(/no answer within 2s/) })
    expect(body.stages.dedup).toMatchObject({ lag: 120, restarts: 2, lastError: stalled.lastError })
  })

  it("answers /readyz within its limit: not ready while the broker does not answer", async () => {
    const { status, body, ms } = await timed("/readyz")
    expect(status).toBe(503)
    expect(ms).toBeLessThan(3000)
    expect(body).toMatchObject({ status: "not ready", checks: { kafka: { ok: false }, postgres: { ok: false } } })
  })

  it("answers /livez from memory: a stage stuck past the liveness limit asks for a restart", async () => {
    const { status, body, ms } = await timed("/livez")
    expect(status).toBe(503)
    expect(ms).toBeLessThan(1000)
    expect(body).toEqual({ status: "stuck", stuck: ["dedup"] })
  })
})

