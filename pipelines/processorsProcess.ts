import { fork, type ChildProcess } from "node:child_process"
import { join } from "node:path"
import { Config, Data, Duration, Effect, Either, Queue, Ref, Schedule, Schema } from "effect"
import { StageHealth } from "../schemas/Api.js"
import { StageStats } from "../stack/stage.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { restarting, supervise } from "../stack/supervisor.js"

/**
 * The stream processors in a process of their own, supervised by the process that serves the API.
 *
 * On two cores, stages catching up on a backlog held the event loop they shared with the API: unrelated routes
 * answered in 2-3.9 s while a 3,000-posting crawl drained. And a crash inside the Kafka client's native code
 * (librdkafka asserting against a broker that just restarted) took the API down with it. Apart, the API's event
 * loop only serves requests, and a processors process that dies, or stops reporting, is killed and started again
 * by the supervisor here, with the same backoff as a stage.
 *
 * The child (`jobstream process`) reports every second over the IPC channel: its StageMonitor and its StageStats
 * counters. The parent mirrors them into its own, so `/healthz`, `/livez`, `/metrics` and the main job's summary
 * read them as before. A child that loses its parent (killed with SIGKILL, say) stops itself.
 */

/** What the child sends each `reportEvery`. */
const Report = Schema.Struct({
  stages: Schema.Record({ key: Schema.String, value: StageHealth }),
  counters: Schema.Array(Schema.Tuple(Schema.String, Schema.Number))
})
type Report = typeof Report.Type

const reportEvery = Duration.seconds(1)

/** The processors process's name in the StageMonitor, and so in `/healthz`. */
export const processorsName = "processors"

export class ProcessorsExited extends Data.TaggedError("ProcessorsExited")<{
  readonly code: number | null
  readonly signal: string | null
}> {
  override get message() {
    return `the processors process exited (${this.signal === null ? `code ${this.code}` : this.signal})`
  }
}

export class ProcessorsUnresponsive extends Data.TaggedError("ProcessorsUnresponsive")<{ readonly silence: Duration.Duration }> {
  override get message() {
    return `the processors process sent no report for ${Duration.format(this.silence)}: killed`
  }
}

export interface ProcessorsSettings {
  /** The child's entry point and arguments; by default `pipelines/cli.ts process` through tsx. */
  readonly modulePath: string
  readonly args: ReadonlyArray<string>
  readonly execArgv: ReadonlyArray<string>
  readonly env: NodeJS.ProcessEnv
  /** No report for this long: the child is hung (a blocked event loop, a stopped process) and is killed. */
  readonly silence: Duration.Duration
  /** How long a child asked to stop may take to leave its consumer groups before it is killed. */
  readonly stopGrace: Duration.Duration
}

const repoRoot = join(import.meta.dirname, "..")

export const settingsConfig = Config.all({
  silence: Config.duration("JOBSTREAM_PROCESSORS_SILENCE").pipe(Config.withDefault(Duration.seconds(30))),
  stopGrace: Config.duration("JOBSTREAM_PROCESSORS_STOP_GRACE").pipe(Config.withDefault(Duration.seconds(15)))
}).pipe(
  Config.map(
    (limits): ProcessorsSettings => ({
      modulePath: join(repoRoot, "pipelines", "cli.ts"),
      args: ["process"],
      execArgv: ["--import", "tsx"],
      env: process.env,
      ...limits
    })
  )
)

/**
 * Runs the processors in a child process until interrupted: started again after it exits or goes silent, with
 * the supervisor's backoff. Its stages appear in this process's StageMonitor; when it dies they show `restarting`
 * with the reason, and their `restarts` count the deaths too.
 */
export const superviseProcessors = (settings: ProcessorsSettings) =>
  Effect.gen(function* () {
    const monitor = yield* StageMonitor
    const stats = yield* StageStats
    const deaths = yield* Ref.make(0)
    const known = new Set<string>()

    const runOnce = Effect.scoped(
      Effect.gen(function* () {
        const reports = yield* Queue.unbounded<Report>()
        const exited = yield* Queue.unbounded<ProcessorsExited>()
        const child = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const child = fork(settings.modulePath, [...settings.args], {
              cwd: repoRoot,
              env: settings.env,
              execArgv: [...settings.execArgv],
              stdio: ["ignore", "inherit", "inherit", "ipc"]
            })
            child.on("message", (message) =>
              Either.match(Schema.decodeUnknownEither(Report)(message), {
                onLeft: () => undefined,
                onRight: (report) => Queue.unsafeOffer(reports, report)
              })
            )
            child.once("exit", (code, signal) => Queue.unsafeOffer(exited, new ProcessorsExited({ code, signal })))
            // An IPC channel that breaks is seen as the exit that follows; without a listener it would throw.
            child.on("error", () => undefined)
            return child
          }),
          (child) => stopChild(child, settings.stopGrace)
        )
        const startedAt = new Date().toISOString()
        yield* monitor.update(processorsName, (h) => ({ ...h, state: "starting", member: false, startedAt }))
        yield* Effect.logInfo(`processors process ${child.pid} started`)

        // Counters are totals of this child's life: each report adds what grew since the last one.
        const seen = new Map<string, number>()
        const mirror = (report: Report) =>
          Effect.gen(function* () {
            const dead = yield* Ref.get(deaths)
            for (const [name, health] of Object.entries(report.stages)) {
              known.add(name)
              // The child's stage starts afresh; what ended the last child stays readable until something newer.
              yield* monitor.update(name, (h) => ({ ...health, restarts: health.restarts + dead, lastError: health.lastError ?? h.lastError }))
            }
            for (const [counter, total] of report.counters) {
              const grown = total - (seen.get(counter) ?? 0)
              seen.set(counter, total)
              if (grown > 0) yield* stats.add(counter, grown)
            }
            yield* monitor.update(processorsName, (h) => ({ ...h, state: "running", member: true, lastProgressAt: new Date().toISOString() }))
          })

        // A silent child may be stopped or spinning: it gets no grace.
        const listen = Queue.take(reports).pipe(
          Effect.timeoutFail({ duration: settings.silence, onTimeout: () => new ProcessorsUnresponsive({ silence: settings.silence }) }),
          Effect.tapError(() => Effect.sync(() => child.kill("SIGKILL"))),
          Effect.flatMap(mirror),
          Effect.forever
        )
        return yield* Effect.raceFirst(listen, Effect.flatMap(Queue.take(exited), Effect.fail))
      })
    ).pipe(
      Effect.tapError((e) =>
        Effect.gen(function* () {
          yield* Ref.update(deaths, (n) => n + 1)
          for (const name of known)
            yield* monitor.update(name, restarting(e.message))
        })
      )
    )

    return yield* supervise(processorsName, runOnce)
  })

/** Asks the child to stop (SIGTERM: it leaves its consumer groups), and kills it if it has not within `grace`. */
const stopChild = (child: ChildProcess, grace: Duration.Duration) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), Duration.toMillis(grace))
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/**
 * The child's side: reports its StageMonitor and StageStats to the parent every second, and stops the process
 * (SIGTERM to itself, so its scopes close and its consumers leave their groups) when the parent goes away.
 * Nothing to do in a process started without an IPC channel.
 */
export const reportToParent = Effect.gen(function* () {
  const send = process.send?.bind(process)
  if (send === undefined) return
  const leave = () => {
    process.kill(process.pid, "SIGTERM")
    // Leaving the groups is a courtesy; an orphan that cannot leave goes anyway.
    setTimeout(() => process.exit(1), 20_000).unref()
  }
  // A parent that died while this process was still starting closed the channel before anyone listened: found
  // orphans of a SIGKILLed `serve` still consuming (and relaying the outbox) half an hour later.
  if (!process.connected) return leave()
  process.once("disconnect", leave)
  const monitor = yield* StageMonitor
  const stats = yield* StageStats
  yield* Effect.gen(function* () {
    const report: Report = { stages: yield* monitor.snapshot, counters: [...(yield* stats.snapshot)] }
    if (process.connected) send(report)
  }).pipe(Effect.repeat(Schedule.spaced(reportEvery)))
})
