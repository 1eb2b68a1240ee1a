import { join } from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, type Layer, Schema, type Scope } from "effect"
import { crawlSource } from "../connectors/crawlSource.js"
import { startDemoSite } from "../connectors/demo-site/server.js"
import { progressLine, type CrawlProgress, type CrawlSummary } from "../connectors/progress.js"
import { runSchedule } from "../connectors/scheduler.js"
import { findSource, loadSources, SourcesError, UnknownSourceError } from "../connectors/sources.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { serveApi } from "./api.js"
import { demoAccounts } from "./demo/accounts.js"
import { drained, InfraLive, runPipeline, withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { reportToParent, settingsConfig as processorsSettings, superviseProcessors } from "./processorsProcess.js"
import { StageStats } from "../stack/stage.js"
import { supervise } from "../stack/supervisor.js"

/**
 * `jobstream start`          the main job: schemas, the API, the demo site, every source of the sources file
 *                            crawled once and then on its schedule, and the stream processors in a child process
 *                            it supervises (processorsProcess.ts).
 * `jobstream serve`          the API and the supervised processors, without crawling (what the fault suite runs).
 * `jobstream process`        the stream processors alone (the child of the two above, or one more member of each
 *                            consumer group when started by hand).
 * `jobstream crawl <source>` one source of the sources file, once, with a live progress line.
 */
const usage = "usage: jobstream start | serve | process | crawl <source>"

const Settings = Config.all({
  apiHost: Config.string("JOBSTREAM_API_HOST").pipe(Config.withDefault("127.0.0.1")),
  apiPort: Config.port("JOBSTREAM_API_PORT").pipe(Config.withDefault(8787)),
  demoPort: Config.port("JOBSTREAM_DEMO_PORT").pipe(Config.withDefault(8788)),
  demoCount: Config.integer("JOBSTREAM_DEMO_POSTINGS").pipe(Config.withDefault(60)),
  /** The sources file; the default crawls the demo site in several source shapes. */
  sources: Config.string("JOBSTREAM_SOURCES").pipe(
    Config.withDefault(join(import.meta.dirname, "..", "connectors", "sources.demo.yaml"))
  )
})

/** The sources file with `${VAR}`s resolved from the environment, JOBSTREAM_DEMO_URL defaulting to the demo site. */
const sourcesFrom = (path: string, demoUrl: string) =>
  loadSources(path, { JOBSTREAM_DEMO_URL: demoUrl, ...process.env })

/** Progress on stderr: rewritten in place on a terminal, a line every five seconds elsewhere (logs, CI). */
const progressReporter = () => {
  let last = 0
  return (progress: CrawlProgress) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${progressLine(progress)}`)
    else if (Date.now() - last >= 5000) {
      last = Date.now()
      process.stderr.write(`${progressLine(progress)}\n`)
    }
  }
}

const summaryLine = (s: CrawlSummary) =>
  `${progressLine(s)}${s.complete ? "" : "  (incomplete: nothing was closed)"}`

/** Topics and schemas ready, then the stream processors in their own supervised process. */
const processorsApart = Effect.gen(function* () {
  yield* prepare
  yield* Effect.forkScoped(superviseProcessors(yield* processorsSettings))
})

const start = Effect.gen(function* () {
  const settings = yield* Settings
  yield* processorsApart
  yield* serveApi(settings.apiHost, settings.apiPort)
  // Before the crawl, so that the scorer scores the demo postings against the demo seeker as they arrive.
  const accounts = yield* demoAccounts
  const demo = yield* Effect.acquireRelease(
    Effect.promise(() => startDemoSite({ port: settings.demoPort, count: settings.demoCount })),
    (site) => Effect.promise(() => site.close())
  )
  const sources = (yield* sourcesFrom(settings.sources, demo.url)).filter((s) => s.enabled)
  // A source that cannot run (its site down, no browser) is reported; the others still run.
  const crawls: Array<string> = []
  for (const source of sources)
    crawls.push(
      yield* crawlSource(source).pipe(
        Effect.map(summaryLine),
        Effect.catchAll((error) => Effect.succeed(`${source.name}  failed: ${error.message}`))
      )
    )
  yield* drained("180 seconds")
  // The processors process reports its counters every second: after the next report they hold the last batches.
  yield* Effect.sleep("2 seconds")

  const stats = yield* StageStats
  const counts = yield* stats.snapshot
  const db = yield* Postgres
  const ch = yield* ClickHouse
  // count(*) is a bigint, which pg reads as a string.
  const [pg] = yield* db.rows(
    Schema.Struct({ jobs: Schema.String, duplicates: Schema.String, matches: Schema.String, reviews: Schema.String, approved: Schema.String }),
    `SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM job_duplicates) AS duplicates,
            (SELECT count(*) FROM matches) AS matches,
            (SELECT count(*) FROM review_tasks WHERE status IN ('pending', 'assigned')) AS reviews,
            (SELECT count(*) FROM approvals) AS approved`
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
        `Crawled ${sources.length} sources of ${new Set(sources.map((s) => s.type)).size} types (${settings.sources}):`,
        ...crawls.map((c) => `  ${c}`),
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
        line("matches scored", pg?.matches),
        line("review tasks open", pg?.reviews),
        line("applications approved", pg?.approved),
        ...events.map((e) => line(`ClickHouse ${e.event_type} events`, e.n)),
        "Look here:",
        line("jobs", `${api}/jobs?limit=5`),
        line("health", `${api}/healthz`),
        line("dashboard", `${api}/dashboard`),
        line("KPIs (JSON or Arrow IPC)", `${api}/kpis`),
        line("metrics (Prometheus)", `${api}/metrics`),
        line("demo careers site", `${demo.url}/careers`),
        "The review desk (keys are new on every run; the old ones stop working):",
        line("desk (sign in with the reviewer key)", `${api}/desk`),
        line("reviewer key", accounts.reviewerKey),
        line("ops key (dashboard sign-in, /kpis, /staff, /desk/status)", accounts.opsKey),
        line("demo seeker's matches", `${api}/seekers/me/matches (Authorization: Bearer <seeker key>)`),
        line("seeker key", accounts.seekerKey ?? "shown on the first run only (only its hash is stored)"),
        "Each source is crawled again on its interval; `npm run crawl -- <source>` crawls one now.",
        "Ctrl-C stops the job; `npm run stack:down` stops the stack.",
        ""
      ].join("\n")
    )
  )
  return yield* supervise("schedule", runSchedule(sources, { skipFirst: true }))
})

const crawlOne = (name: string | undefined) =>
  Effect.gen(function* () {
    const settings = yield* Settings
    if (name === undefined) return yield* Effect.dieMessage(usage)
    const source = yield* findSource(yield* sourcesFrom(settings.sources, `http://127.0.0.1:${settings.demoPort}`), name)
    yield* prepare
    const summary = yield* crawlSource(source, progressReporter())
    yield* Effect.sync(() => process.stderr.write(`\r\x1b[2K${summaryLine(summary)}\n`))
  })

const serve = Effect.gen(function* () {
  const settings = yield* Settings
  yield* processorsApart
  yield* serveApi(settings.apiHost, settings.apiPort)
  yield* Effect.logInfo(`API on http://${settings.apiHost}:${settings.apiPort}, stream processors in their own process`)
  return yield* Effect.never
})

// Reports start before the migrations: a parent counts the silence from the fork.
const process_ = Effect.gen(function* () {
  yield* Effect.forkScoped(reportToParent)
  yield* prepare
  yield* Effect.logInfo("stream processors running")
  yield* runPipeline
})

/**
 * The Kafka client runs its blocking calls (polls, commits, closes, admin requests) on libuv's thread pool, four
 * threads unless UV_THREADPOOL_SIZE says otherwise. While a broker hangs, commits and closes hold their threads for
 * up to a minute, and with four the health probe and the consumers that rejoin would queue behind them. The pool is
 * sized when the process starts, so the npm scripts set it; started any other way, the process says so.
 */
const threadPoolNote = Effect.suspend(() =>
  Number(process.env.UV_THREADPOOL_SIZE ?? 4) < 16
    ? Effect.logWarning("UV_THREADPOOL_SIZE is below 16: set UV_THREADPOOL_SIZE=32 so a hung broker cannot hold every libuv thread")
    : Effect.void
)

type Command = Effect.Effect<unknown, unknown, Scope.Scope | Layer.Layer.Success<ReturnType<typeof withServices>>>

const commands: Readonly<Record<string, Command>> = {
  start,
  serve,
  process: process_,
  crawl: crawlOne(process.argv[3])
}
const command = process.argv[2] ?? ""
const program = Object.hasOwn(commands, command) ? commands[command]! : Effect.dieMessage(usage)

/** A sources file that does not validate is the user's to fix: its problems, file:line:column, and no stack. */
const reportingSourceErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (error) => error instanceof SourcesError || error instanceof UnknownSourceError,
    (error) =>
      Effect.sync(() => {
        console.error((error as SourcesError | UnknownSourceError).message)
        process.exitCode = 2
      })
  )

reportingSourceErrors(Effect.zipRight(threadPoolNote, program)).pipe(
  Effect.scoped,
  Effect.provide(withServices(InfraLive)),
  NodeRuntime.runMain
)
