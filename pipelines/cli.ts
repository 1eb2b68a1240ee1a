import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect } from "effect"
import { demoSource, startDemoSite } from "../connectors/demo-site/server.js"
import { crawlJsonLd } from "../connectors/jsonld/main.js"
import { ClickHouse } from "../sinks/ClickHouse.js"
import { Postgres } from "../sinks/Postgres.js"
import { makeApi, type ApiServices } from "./api.js"
import { drained, InfraLive, prepare, runPipeline, withServices } from "./ingest.js"
import { StageStats } from "./stage.js"

/**
 * `jobstream start`   the main job: schemas, stream processors, the demo careers site crawled over HTTP, the API.
 * `jobstream process` the stream processors alone (one more member of each consumer group).
 */
const usage = "usage: jobstream start | process"

const Settings = Config.all({
  apiHost: Config.string("JOBSTREAM_API_HOST").pipe(Config.withDefault("127.0.0.1")),
  apiPort: Config.port("JOBSTREAM_API_PORT").pipe(Config.withDefault(8787)),
  demoPort: Config.port("JOBSTREAM_DEMO_PORT").pipe(Config.withDefault(8788)),
  demoCount: Config.integer("JOBSTREAM_DEMO_POSTINGS").pipe(Config.withDefault(60))
})

const serveApi = (host: string, port: number) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const runtime = yield* Effect.runtime<ApiServices>()
      const app = makeApi(runtime)
      yield* Effect.promise(() => app.listen({ host, port }))
      return app
    }),
    (app) => Effect.promise(() => app.close())
  )

const start = Effect.gen(function* () {
  const settings = yield* Settings
  yield* prepare
  yield* Effect.forkScoped(runPipeline)
  yield* serveApi(settings.apiHost, settings.apiPort)
  const demo = yield* Effect.acquireRelease(
    Effect.promise(() => startDemoSite({ port: settings.demoPort, count: settings.demoCount })),
    (site) => Effect.promise(() => site.close())
  )
  const crawl = yield* crawlJsonLd(demoSource(demo.url))
  yield* drained("120 seconds")

  const stats = yield* StageStats
  const counts = yield* stats.snapshot
  const db = yield* Postgres
  const ch = yield* ClickHouse
  const [pg] = yield* db.query<{ jobs: string; duplicates: string }>(
    "SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM job_duplicates) AS duplicates"
  )
  const events = yield* ch.query<{ event_type: string; n: string }>(
    "SELECT event_type, uniqExact(event_id) AS n FROM pipeline_events GROUP BY event_type ORDER BY event_type"
  )
  const api = `http://${settings.apiHost}:${settings.apiPort}`
  const line = (label: string, value: unknown) => `  ${label.padEnd(34)} ${String(value)}`
  yield* Effect.sync(() =>
    console.log(
      [
        "",
        "jobstream is running.",
        `Crawled ${demo.url}/careers: ${crawl.pages} pages, ${crawl.postings} postings (${crawl.new} new, ${crawl.changed} changed, ${crawl.unchanged} unchanged), ${crawl.errors} bad pages`,
        "This run, per stage:",
        line("jobs.raw -> normalize", counts.get("normalize.in") ?? 0),
        line("normalize -> jobs.normalized", counts.get("normalize.out.jobs.normalized") ?? 0),
        line("normalize -> jobs.dlq", counts.get("normalize.out.jobs.dlq") ?? 0),
        line("dedup -> jobs.unique", counts.get("dedup.out.jobs.unique") ?? 0),
        line("dedup -> jobs.duplicates", counts.get("dedup.out.jobs.duplicates") ?? 0),
        line("postgres sink records", counts.get("postgres.in") ?? 0),
        line("clickhouse sink records", counts.get("clickhouse.in") ?? 0),
        "In the stores (all runs):",
        line("PostgreSQL jobs", pg?.jobs),
        line("PostgreSQL duplicates", pg?.duplicates),
        ...events.map((e) => line(`ClickHouse ${e.event_type} events`, e.n)),
        "Look here:",
        line("jobs", `${api}/jobs?limit=5`),
        line("health", `${api}/healthz`),
        line("dashboard", `${api}/dashboard`),
        line("KPIs (JSON or Arrow IPC)", `${api}/kpis`),
        line("demo careers site", `${demo.url}/careers`),
        "Ctrl-C stops the job; `npm run stack:down` stops the stack.",
        ""
      ].join("\n")
    )
  )
  return yield* Effect.never
})

const process_ = Effect.gen(function* () {
  yield* prepare
  yield* Effect.logInfo("stream processors running")
  yield* runPipeline
})

const command = process.argv[2]
const program = command === "start" ? start : command === "process" ? process_ : Effect.die(usage)

program.pipe(
  Effect.scoped,
  Effect.provide(withServices(InfraLive)),
  NodeRuntime.runMain
)
