import ckjs from "@confluentinc/kafka-javascript"
import type { KafkaJS as KafkaJSTypes } from "@confluentinc/kafka-javascript"
import { Chunk, Config, Context, Duration, Effect, Layer, Option, Scope, Stream } from "effect"
import { KafkaError } from "./kafkaCalls.js"
import { commitAcknowledged, connectConsumer, nextOffsets, poll } from "./kafkaConsumer.js"
import { sharedAdmin } from "./kafkaAdmin.js"
import { sharedProducer } from "./kafkaProducer.js"
import type { Received, Envelope } from "../schemas/Envelope.js"

const { KafkaJS } = ckjs

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  /** Topic-level configs, e.g. `cleanup.policy: compact`. */
  readonly config?: Readonly<Record<string, string>>
}

export interface ConsumerOptions {
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  /** Upper bound of records per batch: a poll waits up to `waitMs` for a first record, then takes what has been fetched. */
  readonly maxBatch?: number
  readonly waitMs?: number
}

/**
 * A subscription. `batches` pulls records in order per partition; nothing is committed until `commit` is called
 * with a batch that has been handled, so a crash replays the unhandled tail (at-least-once). `membership` reads
 * what the client last heard from the group coordinator, without a call to the broker.
 */
export interface Consumer {
  readonly batches: Stream.Stream<Chunk.Chunk<Received>, KafkaError>
  readonly commit: (batch: Chunk.Chunk<Received>) => Effect.Effect<void, KafkaError>
  readonly membership: Effect.Effect<Membership>
}

/** What the client last heard about its group and its partitions: read from memory, no call to the broker. */
export interface Membership {
  readonly member: boolean
  readonly partitions: number
  /**
   * Records waiting on this member's partitions (the broker's high watermark less the committed offset), from the
   * client's own statistics; null until it has reported them, or while it holds no partition.
   */
  readonly lag: number | null
  /** The last error the client reported (a lost connection, a failed rebalance), if any since it joined. */
  readonly lastError: string | null
}

export interface KafkaSettings {
  readonly brokers: string
  readonly clientId: string
  /**
   * Prefixed to every topic and consumer group on the broker, invisibly to callers: lets several pipelines
   * (a test run, a staging copy) share one broker without seeing each other.
   */
  readonly namespace: string
  /** How long a send waits for the broker's acknowledgement before failing (the records may still arrive). */
  readonly sendTimeout: Duration.Duration
  /** The limit of every other call to the broker: metadata, offsets, commits. */
  readonly callTimeout: Duration.Duration
}

export class Kafka extends Context.Tag("jobstream/Kafka")<
  Kafka,
  {
    readonly settings: KafkaSettings
    readonly ensureTopics: (topics: ReadonlyArray<TopicSpec>) => Effect.Effect<void, KafkaError>
    /**
     * Publishes with acks=all on an idempotent producer; resolves once every record is acknowledged, or fails after
     * `timeout` (default: the settings' `sendTimeout`).
     */
    readonly send: (
      records: ReadonlyArray<Envelope>,
      options?: { readonly timeout?: Duration.DurationInput }
    ) => Effect.Effect<void, KafkaError>
    readonly consumer: (options: ConsumerOptions) => Effect.Effect<Consumer, KafkaError, Scope.Scope>
    /** Records of `topics` not yet committed by `groupId` (a group that never committed lags by everything). */
    readonly lag: (groupId: string, topics: ReadonlyArray<string>) => Effect.Effect<number, KafkaError>
    /** Answers when the broker's metadata can be read: the health check. */
    readonly ping: Effect.Effect<number, KafkaError>
  }
>() {}

export const make = (settings: KafkaSettings) =>
  Effect.gen(function* () {
    const ns = settings.namespace
    const kafka = new KafkaJS.Kafka({
      kafkaJS: { brokers: settings.brokers.split(","), clientId: settings.clientId, logLevel: KafkaJS.logLevel.ERROR }
    })
    const admin = yield* sharedAdmin({
      newClient: () => kafka.admin({ kafkaJS: { logLevel: KafkaJS.logLevel.ERROR } }),
      callTimeout: settings.callTimeout
    })

    const ping = admin
      .call("metadata", (client) => client.listTopics({ timeout: Duration.toMillis(settings.callTimeout) }))
      .pipe(Effect.map((t) => t.length))

    const producer = yield* sharedProducer({
      newClient: () =>
        kafka.producer({
          "enable.idempotence": true,
          "linger.ms": 5,
          // A record the broker has not acknowledged by then fails its send; the caller retries or reports it.
          "message.timeout.ms": 120_000,
          kafkaJS: { idempotent: true, acks: -1, logLevel: KafkaJS.logLevel.ERROR }
        }),
      brokerAnswers: Effect.isSuccess(ping),
      callTimeout: settings.callTimeout,
      // The KafkaJS layer's defaults: retries back off up to 30 s (retry.backoff.max.ms), reconnects up to 10 s.
      patience: Duration.seconds(30)
    })

    const ensureTopics = (topics: ReadonlyArray<TopicSpec>) =>
      admin.call("createTopics", async (client) => {
        const existing = new Set(await client.listTopics())
        const missing = topics.filter((t) => !existing.has(ns + t.name))
        if (missing.length === 0) return
        await client.createTopics({
          topics: missing.map((t) => ({
            topic: ns + t.name,
            numPartitions: t.partitions,
            // The cluster's default.replication.factor (KIP-464), and with it its min.insync.replicas: 1 on the
            // single-node stack, 3 and 2 on the replicated one, whatever a real cluster sets.
            replicationFactor: -1,
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value }))
          }))
        })
      })

    const send = (records: ReadonlyArray<Envelope>, options?: { readonly timeout?: Duration.DurationInput }) =>
      records.length === 0
        ? Effect.void
        : producer.send(groupByTopic(ns, records), Duration.decode(options?.timeout ?? settings.sendTimeout))

    const consumer = (options: ConsumerOptions) =>
      Effect.map(
        Effect.acquireRelease(connectConsumer(settings, options), ({ client }) =>
          // A client whose broker is gone may never finish leaving its group; the session timeout ends it anyway.
          Effect.async<void>((resume) => {
            client.disconnect(() => resume(Effect.void))
          }).pipe(Effect.timeout(settings.callTimeout), Effect.ignore)
        ),
        ({ client, membership }): Consumer => ({
          batches: Stream.repeatEffectChunkOption(
            poll(client, ns, options.maxBatch ?? 500).pipe(
              Effect.mapError(Option.some),
              Effect.map((records) => Chunk.of(Chunk.unsafeFromArray(records)))
            )
          ).pipe(Stream.filter(Chunk.isNonEmpty)),
          commit: (batch) => {
            const offsets = nextOffsets(batch).map((o) => ({ ...o, topic: ns + o.topic }))
            return offsets.length === 0
              ? Effect.void
              : commitAcknowledged(client, offsets, settings.callTimeout)
          },
          membership: Effect.sync(() => ({ ...membership }))
        })
      )

    const lag = (groupId: string, topics: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const names = topics.map((t) => ns + t)
        const [committed, ends] = yield* Effect.all(
          [
            admin.call("fetch committed offsets", (client) => client.fetchOffsets({ groupId: ns + groupId, topics: names })),
            Effect.forEach(names, (topic) => admin.call("fetch topic offsets", (client) => client.fetchTopicOffsets(topic)), {
              concurrency: "unbounded"
            })
          ],
          { concurrency: "unbounded" }
        )
        const position = new Map<string, number>()
        for (const t of committed)
          for (const p of t.partitions)
            if (Number(p.offset) >= 0) position.set(`${t.topic}\u0000${p.partition}`, Number(p.offset))
        let total = 0
        names.forEach((topic, i) => {
          for (const p of ends[i]!) {
            const from = position.get(`${topic}\u0000${p.partition}`) ?? Number(p.low)
            total += Math.max(0, Number(p.high) - from)
          }
        })
        return total
      })

    return Kafka.of({ settings, ensureTopics, send, consumer, lag, ping })
  })

export const layer = (settings: KafkaSettings) => Layer.scoped(Kafka, make(settings))

export const layerConfig = Layer.scoped(
  Kafka,
  Effect.flatMap(
    Config.all({
      brokers: Config.string("JOBSTREAM_KAFKA_BROKERS").pipe(Config.withDefault("127.0.0.1:19092")),
      clientId: Config.string("JOBSTREAM_KAFKA_CLIENT_ID").pipe(Config.withDefault("jobstream")),
      namespace: Config.string("JOBSTREAM_KAFKA_NAMESPACE").pipe(Config.withDefault("")),
      sendTimeout: Config.duration("JOBSTREAM_KAFKA_SEND_TIMEOUT").pipe(Config.withDefault(Duration.seconds(5))),
      callTimeout: Config.duration("JOBSTREAM_KAFKA_CALL_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
    }),
    make
  )
)

const groupByTopic = (ns: string, records: ReadonlyArray<Envelope>): Array<KafkaJSTypes.TopicMessages> => {
  const byTopic = new Map<string, Array<KafkaJSTypes.Message>>()
  for (const r of records) {
    let messages = byTopic.get(ns + r.topic)
    if (!messages) byTopic.set(ns + r.topic, (messages = []))
    messages.push({ key: r.key, value: r.value, headers: { ...r.headers } })
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }))
}

