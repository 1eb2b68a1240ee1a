import { Data, Duration, Effect } from "effect"

// What every call to the Kafka client shares (Kafka.ts, kafkaProducer.ts, kafkaConsumer.ts): its typed error and its
// time limit.

/** A failure of the Kafka client; `operation` says which call failed. Retrying the operation is safe. */
export class KafkaError extends Data.TaggedError("KafkaError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `Kafka ${this.operation} failed: ${describe(this.cause)}`
  }
}

/**
 * A promise-returning client call with a time limit. The limit does not wait for the call to give up: a broker
 * that hangs costs the caller `limit`, never more.
 */
export const attempt = <A>(operation: string, limit: Duration.Duration, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new KafkaError({ operation, cause }) }).pipe(timeLimit(operation, limit))

export const timeLimit =
  (operation: string, limit: Duration.Duration) =>
  <A>(effect: Effect.Effect<A, KafkaError>) =>
    effect.pipe(
      Effect.disconnect,
      Effect.timeoutFail({
        duration: limit,
        onTimeout: () =>
          new KafkaError({ operation, cause: new NoAnswer(`no answer from the broker within ${Duration.format(limit)}`) })
      })
    )

/** The cause of a call that got no answer within its limit (the call itself may still complete later). */
export class NoAnswer extends Error {}

export const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
