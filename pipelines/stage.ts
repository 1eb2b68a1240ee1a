import { Chunk, Context, Duration, Effect, Layer, Ref, Schedule, Stream } from "effect"
import type { Envelope } from "../schemas/Envelope.js"
import { Kafka, type InRecord } from "./Kafka.js"

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
  readonly handle: (batch: ReadonlyArray<InRecord>) => Effect.Effect<ReadonlyArray<Envelope>, E, R>
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

const retryPolicy = Schedule.exponential(Duration.millis(200), 2).pipe(
  Schedule.either(Schedule.spaced(Duration.seconds(10))),
  Schedule.jittered
)

export const runStage = <E, R>(stage: Stage<E, R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const kafka = yield* Kafka
      const stats = yield* StageStats
      const consumer = yield* kafka.consumer({
        groupId: stage.groupId,
        topics: stage.topics,
        maxBatch: stage.maxBatch ?? 500
      })
      yield* Effect.logInfo(`stage ${stage.name} consuming ${stage.topics.join(", ")}`)
      yield* consumer.batches.pipe(
        Stream.runForEach((batch) => {
          const records = Chunk.toReadonlyArray(batch)
          return stage.handle(records).pipe(
            Effect.tap(kafka.send),
            Effect.tapError((e) => Effect.logWarning(`stage ${stage.name}: batch failed, retrying`, e)),
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
            Effect.zipRight(consumer.commit(batch))
          )
        })
      )
    })
  ).pipe(Effect.annotateLogs("stage", stage.name), Effect.withSpan(`Stage.${stage.name}`))

const countByTopic = (records: ReadonlyArray<Envelope>) => {
  const counts = new Map<string, number>()
  for (const r of records) counts.set(r.topic, (counts.get(r.topic) ?? 0) + 1)
  return [...counts]
}
