import { Context, Effect, Layer, Ref } from "effect"
import type { StageHealth } from "../schemas/Api.js"

/**
 * What every supervised piece of the pipeline last said about itself: whether it runs, holds its place in its
 * consumer group, how far behind it is and when it last made progress. Written by the supervisors, the stages and
 * the lag reader; read by `/healthz` and `/livez`, which therefore answer from memory, whatever hangs.
 */
export class StageMonitor extends Context.Tag("jobstream/StageMonitor")<
  StageMonitor,
  {
    readonly update: (name: string, change: (health: StageHealth) => StageHealth) => Effect.Effect<void>
    readonly snapshot: Effect.Effect<Readonly<Record<string, StageHealth>>>
  }
>() {
  static readonly layer = Layer.effect(
    StageMonitor,
    Effect.map(Ref.make<Readonly<Record<string, StageHealth>>>({}), (ref) =>
      StageMonitor.of({
        update: (name, change) => Ref.update(ref, (all) => ({ ...all, [name]: change(all[name] ?? initial) })),
        snapshot: Ref.get(ref)
      })
    )
  )
}

const initial: StageHealth = {
  state: "starting",
  member: false,
  partitions: 0,
  lag: null,
  lastProgressAt: null,
  startedAt: null,
  restarts: 0,
  lastError: null
}

/**
 * A stage is stalled when it has input waiting and has made no progress for `limitMs` since it last made some
 * (or since it started). A stage whose lag is unknown (the broker does not answer) is not called stalled: a restart
 * would not help it.
 */
export const isStalled = (health: StageHealth, now: number, limitMs: number): boolean => {
  if (health.lag === null || health.lag === 0) return false
  const since = Math.max(Date.parse(health.lastProgressAt ?? "") || 0, Date.parse(health.startedAt ?? "") || 0)
  return since > 0 && now - since > limitMs
}

/** Whether a stage is doing its job: running, in its group and not stalled. */
export const isHealthy = (health: StageHealth, now: number, stallLimitMs: number): boolean =>
  health.state === "running" && health.member && !isStalled(health, now, stallLimitMs)
