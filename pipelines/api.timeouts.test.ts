import { Duration, Effect, Layer, ManagedRuntime, Redacted, type Scope } from "effect"
import { describe, expect, it } from "vitest"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import * as Postgres from "../stack/Postgres.js"
import { freezableProxy, hungServer } from "../stack/testServers.js"
import { makeApi } from "./api.js"
import * as Applications from "./Applications.js"
import { JobSearch } from "./JobSearch.js"
import * as Seekers from "./Seekers.js"
import { knownOpsKey } from "./testing.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as DeskHub from "./DeskHub.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { unreachableKafka } from "../stack/testing.js"

/**
 * The API over dependencies that hang (a local server that accepts and never answers, or a proxy to the test
 * database that stops passing bytes), with the production limits: every answer is a prompt 503 that names the
 * dependency, never a wait for the server.
 */

const testDb = new URL(process.env.JOBSTREAM_TEST_PG_URL ?? "postgres://jobstream@127.0.0.1:15432/jobstream_test")
const pgAt = (port: number) => Redacted.make(`postgres://${testDb.username}@127.0.0.1:${port}${testDb.pathname}`)

/** The ops key Staff knows here: it reads no accounts, so a hung PostgreSQL leaves the KPI routes to ClickHouse. */
const opsKey = "jst_api-timeouts-test-ops"

/** The API with Kafka down and PostgreSQL and ClickHouse listening on `pgPort` and `chPort`, default limits. */
const apiOver = (pgPort: number, chPort: number) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      ManagedRuntime.make(
        Layer.mergeAll(
          Layer.provideMerge(
            Layer.mergeAll(Seekers.layer, Applications.layer, knownOpsKey(opsKey), ReviewDesk.layer, DeskHub.layer),
            Layer.mergeAll(
              unreachableKafka(),
              Postgres.layer({ url: pgAt(pgPort), maxConnections: 2 }),
              ClickHouse.layer({ url: `http://127.0.0.1:${chPort}`, database: "none", username: "default", password: Redacted.make("") })
            )
          ),
          Layer.succeed(JobSearch, JobSearch.of({ search: () => Effect.die("not used by these tests") })),
          Followups.layerTemplate,
          Drafts.layerTemplate,
          StageMonitor.layer
        )
      )
    ),
    (runtime) => Effect.promise(() => runtime.dispose())
  ).pipe(
    Effect.flatMap((runtime) =>
      Effect.promise(async () => {
        const api = makeApi(await runtime.runtime())
        // Routes compile their schemas when the server gets ready: not part of any answer's time.
        await api.ready()
        return { runtime, api }
      })
    )
  )

const get = (api: ReturnType<typeof makeApi>, url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const start = performance.now()
    const response = await api.inject({ method: "GET", url, headers })
    return { status: response.statusCode, body: response.body, ms: performance.now() - start }
  })

const scoped = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Effect.scoped(effect))

/** The API with both databases on a server that accepts and never answers. */
const apiOverHungServer = Effect.flatMap(hungServer, (hung) => apiOver(hung.port, hung.port))

type Answer = Effect.Effect.Success<ReturnType<typeof get>>

/** A 503 naming `dependency`, given when the limit ran out: not before it, and not long after. */
const expectPrompt503 = (answer: Answer, dependency: RegExp, limitMs: number) => {
  expect(answer.status).toBe(503)
  expect(answer.body).toMatch(dependency)
  expect(answer.ms).toBeGreaterThanOrEqual(limitMs - 20)
  expect(answer.ms).toBeLessThan(limitMs + 500)
}

const connectMs = Duration.toMillis(Postgres.defaultTimeouts.connect)
const requestMs = Duration.toMillis(Postgres.defaultTimeouts.request)
const readMs = Duration.toMillis(ClickHouse.defaultTimeouts.read)

describe("the API when its databases hang", () => {
  it("answers /jobs with a 503 naming PostgreSQL within the connect limit, /kpis naming ClickHouse within the read limit", () =>
    scoped(
      Effect.gen(function* () {
        const { api } = yield* apiOverHungServer
        const jobs = yield* get(api, "/jobs")
        expectPrompt503(jobs, /PostgreSQL/, connectMs)
        const kpi = yield* get(api, "/kpis/decisions", { authorization: `Bearer ${opsKey}` })
        expectPrompt503(kpi, /ClickHouse/, readMs)
        console.log(`hung server: GET /jobs 503 in ${Math.round(jobs.ms)} ms, GET /kpis/decisions 503 in ${Math.round(kpi.ms)} ms`)
      })
    ))

  it("answers /healthz within its limit whatever hangs", () =>
    scoped(
      Effect.gen(function* () {
        const { api } = yield* apiOverHungServer
        const health = yield* get(api, "/healthz")
        expect(health.status).toBe(503)
        expect(JSON.parse(health.body).checks.postgres.ok).toBe(false)
        expect(health.ms).toBeLessThan(3_500)
        console.log(`hung server: GET /healthz 503 in ${Math.round(health.ms)} ms`)
      })
    ))

  it("answers within the request limit when PostgreSQL freezes under connections already open", () =>
    scoped(
      Effect.gen(function* () {
        const hung = yield* hungServer
        const proxy = yield* freezableProxy(Number(testDb.port))
        const { runtime, api } = yield* apiOver(proxy.port, hung.port)
        // Both pooled connections open and idle, as in a process that has been serving.
        yield* Effect.promise(() =>
          runtime.runPromise(
            Effect.flatMap(Postgres.Postgres, (db) =>
              Effect.all([db.query("SELECT pg_sleep(0.1)"), db.query("SELECT pg_sleep(0.1)")], { concurrency: 2 })
            )
          )
        )
        proxy.freeze()
        for (const [url, headers] of [
          ["/jobs", {}],
          ["/seekers/me/matches", { authorization: "Bearer an-api-key-nobody-has" }]
        ] as const) {
          const answer = yield* get(api, url, headers)
          expectPrompt503(answer, /PostgreSQL/, requestMs)
          console.log(`frozen PostgreSQL: GET ${url} 503 in ${Math.round(answer.ms)} ms`)
        }
        proxy.thaw()
      })
    ))
})
