import { Duration, Effect } from "effect"
import { StageMonitor } from "../stack/StageMonitor.js"
import { DeskHub } from "./DeskHub.js"
import { intake } from "./deskIntake.js"
import { ReviewDesk } from "./ReviewDesk.js"

/** The desk's name in the StageMonitor, `/healthz` and `/metrics`. */
export const deskName = "desk"

export interface DeskLoopSettings {
  /** Between passes over the connected reviewers (and the SLA sweep). */
  readonly tick: Duration.DurationInput
  /** Between looks for new matches and dedup pairs. */
  readonly intakeEvery: Duration.DurationInput
}

export const defaultDeskLoop: DeskLoopSettings = { tick: "250 millis", intakeEvery: "1 second" }

/**
 * The review desk of this API process, until interrupted or a step fails (its supervisor then starts it again):
 * the intake turns new matches and dedup pairs into tasks, the sweep applies the SLA clock (at its first pass,
 * whatever came due while every process was down), and the hub's pass keeps this process's reviewers' screens
 * true and offers them the queue. Every step is a PostgreSQL transaction with the pool's time limits.
 */
export const runDesk = (settings: DeskLoopSettings = defaultDeskLoop) =>
  Effect.gen(function* () {
    const desk = yield* ReviewDesk
    const hub = yield* DeskHub
    const monitor = yield* StageMonitor
    const startedAt = new Date().toISOString()
    yield* monitor.update(deskName, (h) => ({ ...h, state: "running", member: true, partitions: 0, startedAt, lag: 0 }))
    // The first look reaches back to the beginning: what was written while no desk ran becomes tasks now.
    let since = new Date(0)
    let nextIntake = 0
    const step = Effect.gen(function* () {
      if (Date.now() >= nextIntake) {
        since = (yield* intake(desk.settings, since)).next
        nextIntake = Date.now() + Duration.toMillis(Duration.decode(settings.intakeEvery))
      }
      yield* desk.sweep
      yield* hub.pass
      const { pending } = yield* desk.counts
      yield* monitor.update(deskName, (h) => ({ ...h, state: "running", lastError: null, lag: pending, lastProgressAt: new Date().toISOString() }))
    })
    return yield* step.pipe(
      Effect.tapError((e) =>
        Effect.zipRight(
          Effect.logWarning("review desk: a pass failed", e),
          monitor.update(deskName, (h) => ({ ...h, state: "retrying", lastError: e instanceof Error ? e.message : String(e) }))
        )
      ),
      Effect.zipRight(Effect.sleep(settings.tick)),
      Effect.forever
    )
  }).pipe(Effect.annotateLogs("stage", deskName), Effect.withSpan("ReviewDesk.loop"))
