import ckjs from "@confluentinc/kafka-javascript"
import type { KafkaJS as KafkaJSTypes } from "@confluentinc/kafka-javascript"
import { Clock, Deferred, Duration, Effect, Either } from "effect"
import { attempt, describe, KafkaError, NoAnswer } from "./kafkaCalls.js"

const { KafkaJS } = ckjs

/** What the shared producer needs of a client: the library's idempotent producer, or a fake in a test. */
export interface ProducerClient {
  readonly connect: () => Promise<void>
  readonly sendBatch: (batch: { topicMessages: Array<KafkaJSTypes.TopicMessages> }) => Promise<unknown>
  readonly disconnect: () => Promise<void>
}

export interface SharedProducerOptions {
  /** A new client, not yet connected: called once at the start, and once for each replacement. */
  readonly newClient: () => ProducerClient
  /** Whether the broker answers metadata now, within a limit of its own (the service's `ping`). */
  readonly brokerAnswers: Effect.Effect<boolean>
  /** The limit of connecting a client and of closing a replaced one. */
  readonly callTimeout: Duration.Duration
  /**
   * How long a client may acknowledge nothing while the broker answers before it is replaced: at least the longest
   * wait the client imposes on itself (its backoffs between retries and reconnects).
   */
  readonly patience: Duration.Duration
}

/** One producer client and what its sends have shown of it. */
interface Generation {
  readonly client: ProducerClient
  /** Fails once the client is replaced, failing with it the sends still waiting on it. */
  readonly retired: Deferred.Deferred<never, KafkaError>
  /**
   * When a send of this client got no answer and the broker was then found answering metadata: the first sign
   * that this client, not the broker, is stuck. Cleared by any acknowledged send.
   */
  suspectSince: number | null
  /** A check of the broker for this client is under way: one at a time, however many sends time out together. */
  checking: boolean
}

/**
 * The idempotent producer every send shares, kept behind a reference so that a client that can no longer publish
 * is replaced (a new client connected, swapped in, the old one closed in the background within `callTimeout`):
 *
 * - after a fatal error (librdkafka's idempotent producer then refuses every record, for good);
 * - when a send that started after the broker was found answering metadata again gets no answer either, and the
 *   client has acknowledged nothing for `patience` since. After a
 *   broker pause, KRaft fences the broker for a moment as it resumes; a metadata answer from that moment lists no
 *   broker, librdkafka (since 2.10) drops every broker it knew, and a client left with none never asks again: its
 *   sends time out for minutes while other clients are fine. Measured with a throwaway script on a private broker
 *   paused 30 s: 1 client in 8 left so, none of them back within 3 minutes.
 *
 * A single timed-out send is not enough: sends that waited through an outage time out just as the broker comes
 * back, and those of a sound client succeed a moment later. Sends still waiting on a replaced client fail at once
 * (retrying is safe), so that their callers need not wait out their time limit to retry on the new client.
 *
 * Records the replaced client had in flight may still reach the broker after the same records were sent again
 * through its successor: every record carries a deterministic event id and every sink is idempotent, so a copy
 * is harmless.
 */
export const sharedProducer = (options: SharedProducerOptions) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const swapping = yield* Effect.makeSemaphore(1)
    const generation = (client: ProducerClient) =>
      Effect.map(Deferred.make<never, KafkaError>(), (retired): Generation => ({
        client,
        retired,
        suspectSince: null,
        checking: false
      }))
    const close = (client: ProducerClient) =>
      attempt("disconnect producer", options.callTimeout, () => client.disconnect()).pipe(Effect.ignore)
    const open = (client: ProducerClient) =>
      attempt("connect producer", options.callTimeout, () => client.connect()).pipe(
        Effect.tapError(() => Effect.forkIn(close(client), scope))
      )

    const first = options.newClient()
    let current: Generation = yield* Effect.acquireRelease(Effect.zipRight(open(first), generation(first)), () =>
      // Whichever client is current when the scope closes: a replaced one was closed when it was replaced.
      Effect.promise(() => current.client.disconnect().catch(() => undefined))
    )

    const replace = (stale: Generation, why: string) =>
      swapping.withPermits(1)(
        Effect.gen(function* () {
          if (stale !== current) return
          const client = options.newClient()
          const opened = yield* Effect.either(open(client))
          if (Either.isLeft(opened))
            return yield* Effect.logWarning(`Kafka producer kept although ${why}: ${opened.left.message}`)
          current = yield* generation(client)
          yield* Effect.logWarning(`Kafka producer replaced: ${why}`)
          // Its waiting sends fail now rather than at their time limit, so that their callers retry on the new one.
          yield* Deferred.fail(stale.retired, new KafkaError({ operation: "send", cause: new Error(`producer replaced: ${why}`) }))
          yield* Effect.forkIn(close(stale.client), scope)
        })
      )

    const check = (used: Generation, started: number) =>
      Effect.gen(function* () {
        if (used !== current || used.checking) return
        used.checking = true
        const answers = yield* Effect.ensuring(
          options.brokerAnswers,
          Effect.sync(() => {
            used.checking = false
          })
        )
        if (!answers) return
        const now = yield* Clock.currentTimeMillis
        if (used.suspectSince === null) used.suspectSince = now
        else if (started >= used.suspectSince && now - used.suspectSince >= Duration.toMillis(options.patience))
          yield* replace(
            used,
            `no send acknowledged for ${Duration.format(Duration.millis(now - used.suspectSince))} while the broker answers metadata`
          )
      })

    const send = (topicMessages: Array<KafkaJSTypes.TopicMessages>, timeout: Duration.Duration) =>
      Effect.gen(function* () {
        const used = current
        const started = yield* Clock.currentTimeMillis
        yield* attempt("send", timeout, () => used.client.sendBatch({ topicMessages })).pipe(
          Effect.raceFirst(Deferred.await(used.retired)),
          Effect.tapBoth({
            onSuccess: () =>
              Effect.sync(() => {
                used.suspectSince = null
              }),
            onFailure: (error) =>
              isFatal(error.cause)
                ? Effect.forkIn(replace(used, `it hit a fatal error (${describe(error.cause)})`), scope)
                : error.cause instanceof NoAnswer
                  ? Effect.forkIn(check(used, started), scope)
                  : Effect.void
          })
        )
      }).pipe(Effect.annotateLogs("component", "Kafka"))

    return { send }
  })

/**
 * A fatal error of librdkafka (`ERR__FATAL`, -150): the client refuses every further record, only a new one can go
 * on. The KafkaJS layer reports it as `code`; `fatal` is checked too in case a later version fills it.
 */
const isFatal = (cause: unknown): boolean =>
  typeof cause === "object" &&
  cause !== null &&
  ((cause as { code?: unknown }).code === KafkaJS.ErrorCodes.ERR__FATAL ||
    (cause as { fatal?: unknown }).fatal === true)
