import { Cause, Duration, Effect, Random } from "effect"
import type { StageHealth } from "../schemas/Api.js"
import { StageMonitor } from "./StageMonitor.js"

export interface SupervisorOptions {
  /** The first wait after a failure; each failure in a row doubles it, up to `maxDelay`. */
  readonly initialDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
  /** A run that lasted this long counts as healthy: the next failure starts the backoff from the beginning. */
  readonly stableAfter: Duration.DurationInput
}

export const defaultSupervision: SupervisorOptions = { initialDelay: "1 second", maxDelay: "30 seconds", stableAfter: "60 seconds" }

/**
 * Runs `loop` (an effect meant to run until interrupted) forever: whenever it fails or ends, the cause is logged,
 * the monitor says `restarting`, and after a backoff (exponential, with full jitter) it starts again. Only
 * interruption stops it, so one stage's failure never reaches the others.
 */
export const supervise = <E, R>(name: string, loop: Effect.Effect<unknown, E, R>, options = defaultSupervision) =>
  Effect.gen(function* () {
    const monitor = yield* StageMonitor
    let failures = 0
    for (;;) {
      const started = Date.now()
      const exit = yield* Effect.exit(loop)
      if (exit._tag === "Failure" && Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
      if (Date.now() - started >= Duration.toMillis(Duration.decode(options.stableAfter))) failures = 0
      const delay = yield* backoff(failures++, options)
      const reason = exit._tag === "Failure" ? describeCause(exit.cause) : "ended without an error"
      yield* Effect.logError(`${name} stopped: ${reason}; restarting in ${Duration.format(delay)}`).pipe(
        Effect.annotateLogs("cause", exit._tag === "Failure" ? Cause.pretty(exit.cause) : "")
      )
      yield* monitor.update(name, restarting(reason))
      yield* Effect.sleep(delay)
    }
  }).pipe(Effect.annotateLogs("stage", name))

/** A stage's health once it has stopped for `reason` and waits to start again. */
export const restarting =
  (reason: string) =>
  (h: StageHealth): StageHealth => ({
    ...h,
    state: "restarting",
    member: false,
    partitions: 0,
    lag: null,
    restarts: h.restarts + 1,
    lastError: reason
  })

/** Full jitter: a uniform wait between zero and the exponential bound, so restarts never come in lockstep. */
const backoff = (failures: number, options: SupervisorOptions) =>
  Effect.map(Random.next, (r) => {
    const initial = Duration.toMillis(Duration.decode(options.initialDelay))
    const bound = Math.min(Duration.toMillis(Duration.decode(options.maxDelay)), initial * 2 ** Math.min(failures, 30))
    return Duration.millis(Math.max(initial / 2, Math.round(r * bound)))
  })

/** The failure in one line, for the log and `/healthz`: the first error's message (its stack stays in the log). */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  return failure instanceof Error ? failure.message : String(failure)
}
