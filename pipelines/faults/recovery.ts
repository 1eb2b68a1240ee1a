import { Effect, Either, Schema } from "effect"
import { Health } from "../../schemas/Api.js"
import { stageGroups } from "../ingest.js"
import type { KafkaObserver } from "./kafkaObserver.js"

/** The stages `/healthz` must show, one per consumer group of the pipeline. */
export const stageNames = ["normalize", "dedup", "postgres", "matches", "clickhouse", "notify", "score", "notifier"] as const

/** What the suite sees of the pipeline at one moment, from three independent places. */
export interface Reading {
  readonly at: number
  /** The broker's view (describeGroups): members of each stage's consumer group and whether it is Stable; none when it could not say. */
  readonly groups: ReadonlyArray<{ readonly groupId: string; readonly members: number; readonly stable: boolean }>
  /** The app's own view; undefined when `/healthz` did not answer with a Health. */
  readonly health: Health | undefined
  /** Records not yet handled, summed over every stage's group; null when the broker could not say. */
  readonly lag: number | null
}

/** Why a reading is not a recovered pipeline; empty when it is. */
export const notRecovered = (r: Reading): Array<string> => {
  const reasons: Array<string> = []
  for (const g of r.groups) if (g.members === 0 || !g.stable) reasons.push(`group ${g.groupId}: ${g.members} members${g.stable ? "" : ", not stable"}`)
  if (r.health === undefined) reasons.push("/healthz gave no Health")
  else {
    if (r.health.status !== "ok") reasons.push(`/healthz ${r.health.status}: ${failingChecks(r.health).join(", ")}`)
    for (const name of stageNames) {
      const stage = r.health.stages[name]
      if (!stage) reasons.push(`/healthz has no stage ${name}`)
      else if (stage.state !== "running" || !stage.member)
        reasons.push(`stage ${name} ${stage.state}${stage.member ? "" : ", not a member"}${stage.lastError ? ` (${stage.lastError})` : ""}`)
    }
  }
  if (r.lag !== 0) reasons.push(`lag ${r.lag ?? "unknown"}`)
  return reasons
}

export const failingChecks = (h: Health) =>
  Object.entries(h.checks)
    .filter(([, c]) => !c.ok)
    .map(([name, c]) => `${name} (${c.detail})`)

const decodeHealth = Schema.decodeUnknownEither(Health)

/**
 * Reads the pipeline's state: the consumer groups straight from the broker (not the app's word for it) and the
 * lag, through the suite's KafkaObserver, and `/healthz`.
 */
export class PipelineWatch {
  constructor(readonly kafka: KafkaObserver) {}

  async read(appUrl: string): Promise<Reading> {
    const [groups, health, lag] = await Promise.all([
      this.kafka.groups(),
      fetch(`${appUrl}/healthz`, { signal: AbortSignal.timeout(10_000) }).then(
        async (r) => Either.getOrUndefined(decodeHealth(await r.json())),
        () => undefined
      ),
      this.kafka.lag()
    ])
    return {
      at: Date.now(),
      groups: groups ?? Effect.runSync(stageGroups).map((g) => ({ groupId: g.groupId, members: 0, stable: false })),
      health,
      lag
    }
  }

  /**
   * Waits until a reading shows every group with members, `/healthz` ok with every stage running in its group,
   * and no lag; returns when that was first seen, or undefined and the last reading after `boundMs`.
   */
  async recovered(appUrl: string, boundMs: number): Promise<{ at: number | undefined; last: Reading }> {
    const deadline = Date.now() + boundMs
    for (;;) {
      const last = await this.read(appUrl)
      if (notRecovered(last).length === 0) return { at: last.at, last }
      if (Date.now() > deadline) return { at: undefined, last }
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
}
