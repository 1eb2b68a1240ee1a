import { Chunk, Context, Data, Duration, Effect, Layer, Ref, Schedule, Stream } from "effect"
import type { StageHealth } from "../schemas/Api.js"
import type { Envelope, Received } from "../schemas/Envelope.js"
import { Kafka } from "./Kafka.js"
import { isStalled, StageMonitor } from "./StageMonitor.js"

/**
 * One stream-processing stage: a consumer group over `topics` whose `handle` turns a batch of records into the
 * records to publish (outputs and dead letters). The runner publishes them, and only then commits the batch.
 * A failure of `handle` or of the publish is retried with backoff and the batch is never committed before it
 * succeeds: at-least-once delivery, made effectively-once by deterministic event ids and idempotent sinks.
 */
export interface Stage<E, R> {
  readonly name: string
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  readonly maxBatch?: number
  readonly handle: (batch: ReadonlyArray<Received>) => Effect.Effect<ReadonlyArray<Envelope>, E, R>
}

/** Records in and out per stage and topic, for the main job's summary and `/metrics`. */
export class StageStats extends Context.Tag("jobstream/StageStats")<
  StageStats,
  {
    readonly add: (counter: string, n: number) => Effect.Effect<void>
    readonly snapshot: Effect.Effect<ReadonlyMap<string, number>>
  }
>() {
  static readonly layer = Layer.effect(
    StageStats,
    Effect.map(Ref.make(new Map<string, number>()), (ref) =>
      StageStats.of({
        add: (counter, n) =>
          Ref.update(ref, (m) => new Map(m).set(counter, (m.get(counter) ?? 0) + n)),
        snapshot: Ref.get(ref)
      })
    )
  )
}

/** A failed batch is retried in place for a while; past that the stage fails and its supervisor starts it anew. */
export const retryPolicy = Schedule.exponential(Duration.millis(200), 2).pipe(
  Schedule.either(Schedule.spaced(Duration.seconds(10))),
  Schedule.jittered,
  Schedule.upTo(Duration.minutes(2))
)

/** A stage that is neither in its group nor making progress is restarted: a new consumer rejoins the group. */
export class StageStalled extends Data.TaggedError("StageStalled")<{ readonly stage: string; readonly reason: string }> {
  override get message() {
    return `stage ${this.stage} ${this.reason}`
  }
}

export interface Watchdog {
  /** Input waiting and no batch committed for this long: stalled. A batch in hand gets `busyLimit` instead. */
  readonly stallLimit: Duration.DurationInput
  readonly busyLimit: Duration.DurationInput
  /** Out of its consumer group for this long: stalled. */
  readonly memberLimit: Duration.DurationInput
}

export const defaultWatchdog: Watchdog = { stallLimit: "60 seconds", busyLimit: "5 minutes", memberLimit: "30 seconds" }

/**
 * Runs one stage until it fails: consumes, handles, publishes, commits, and keeps the StageMonitor current.
 * Meant to run under `supervise`, which starts it again after any failure, including the watchdog's.
 */
export const runStage = <E, R>(stage: Stage<E, R>, watchdog: Watchdog = defaultWatchdog) =>
  Effect.scoped(
    Effect.gen(function* () {
      const kafka = yield* Kafka
      const stats = yield* StageStats
      const monitor = yield* StageMonitor
      const update = (change: (h: StageHealth) => StageHealth) => monitor.update(stage.name, change)
      const consumer = yield* kafka.consumer({
        groupId: stage.groupId,
        topics: stage.topics,
        maxBatch: stage.maxBatch ?? 2000
      })
      const startedAt = new Date().toISOString()
      yield* update((h) => ({ ...h, state: "running", member: false, partitions: 0, startedAt }))
      yield* Effect.logInfo(`stage ${stage.name} consuming ${stage.topics.join(", ")}`)
      let busySince: number | null = null

      const work = consumer.batches.pipe(
        Stream.runForEach((batch) => {
          const records = Chunk.toReadonlyArray(batch)
          busySince = Date.now()
          return stage.handle(records).pipe(
            Effect.tap((out) => kafka.send(out, { timeout: Duration.seconds(30) })),
            Effect.tapError((e) =>
              Effect.zipRight(
                Effect.logWarning(`stage ${stage.name}: batch failed, retrying`, e),
                update((h) => ({ ...h, state: "retrying", lastError: errorText(e) }))
              )
            ),
            Effect.retry(retryPolicy),
            Effect.tap((out) =>
              Effect.all(
                [
                  stats.add(`${stage.name}.in`, records.length),
                  ...countByTopic(out).map(([topic, n]) => stats.add(`${stage.name}.out.${topic}`, n))
                ],
                { discard: true }
              )
            ),
            Effect.zipRight(consumer.commit(batch)),
            Effect.zipRight(
              Effect.suspend(() => {
                busySince = null
                return update((h) => ({ ...h, state: "running", lastProgressAt: new Date().toISOString() }))
              })
            )
          )
        })
      )

      // Reads the client's group membership into the monitor, and fails the stage when it is out of its group or
      // stalled for too long: the supervisor then builds a new consumer, which rejoins.
      let outSince = Date.now()
      const watch = Effect.gen(function* () {
        const membership = yield* consumer.membership
        yield* update((h) => ({ ...h, member: membership.member, partitions: membership.partitions, lag: membership.lag }))
        const now = Date.now()
        if (membership.member) outSince = now
        else if (now - outSince > Duration.toMillis(Duration.decode(watchdog.memberLimit)))
          return yield* new StageStalled({
            stage: stage.name,
            reason: `has not been in its consumer group for ${Math.round((now - outSince) / 1000)} s${membership.lastError ? ` (${membership.lastError})` : ""}`
          })
        const health = (yield* monitor.snapshot)[stage.name]
        const limit = busySince === null ? watchdog.stallLimit : watchdog.busyLimit
        if (health && isStalled(health, now, Duration.toMillis(Duration.decode(limit))))
          return yield* new StageStalled({ stage: stage.name, reason: `made no progress for ${Duration.format(Duration.decode(limit))} with ${health.lag} records waiting` })
      }).pipe(Effect.repeat(Schedule.spaced(Duration.seconds(2))))

      return yield* Effect.raceFirst(work, watch)
    })
  ).pipe(Effect.annotateLogs("stage", stage.name), Effect.withSpan(`Stage.${stage.name}`))

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

const countByTopic = (records: ReadonlyArray<Envelope>) => {
  const counts = new Map<string, number>()
  for (const r of records) counts.set(r.topic, (counts.get(r.topic) ?? 0) + 1)
  return [...counts]
}
