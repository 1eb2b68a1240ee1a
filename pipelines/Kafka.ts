import ckjs from "@confluentinc/kafka-javascript"
import type { KafkaJS as KafkaJSTypes, Message as RdMessage, KafkaConsumer as RdConsumer } from "@confluentinc/kafka-javascript"
import { Chunk, Config, Context, Data, Effect, Layer, Option, Scope, Stream } from "effect"

const { KafkaConsumer, KafkaJS } = ckjs

/** A failure of the Kafka client; `operation` says which call failed. Retrying the operation is safe. */
export class KafkaError extends Data.TaggedError("KafkaError")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `Kafka ${this.operation} failed: ${describe(this.cause)}`
  }
}

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  /** Topic-level configs, e.g. `cleanup.policy: compact`. */
  readonly config?: Readonly<Record<string, string>>
}

/** A record to publish. Headers are UTF-8 strings. */
export interface OutRecord {
  readonly topic: string
  readonly key: string | null
  readonly value: Buffer | string
  readonly headers: Readonly<Record<string, string>>
}

/** A consumed record, with the position needed to commit past it. */
export interface InRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly key: string | null
  readonly value: Buffer
  readonly headers: Readonly<Record<string, string>>
  readonly timestamp: number | undefined
}

export interface ConsumerOptions {
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  /** Upper bound of records per batch; a batch also closes when the broker has nothing more within `waitMs`. */
  readonly maxBatch?: number
  readonly waitMs?: number
}

/**
 * A subscription. `batches` pulls records in order per partition; nothing is committed until `commit` is called
 * with a batch that has been handled, so a crash replays the unhandled tail (at-least-once).
 */
export interface Consumer {
  readonly batches: Stream.Stream<Chunk.Chunk<InRecord>, KafkaError>
  readonly commit: (batch: Chunk.Chunk<InRecord>) => Effect.Effect<void, KafkaError>
}

export interface KafkaSettings {
  readonly brokers: string
  readonly clientId: string
  /**
   * Prefixed to every topic and consumer group on the broker, invisibly to callers: lets several pipelines
   * (a test run, a staging copy) share one broker without seeing each other.
   */
  readonly namespace: string
}

export class Kafka extends Context.Tag("jobstream/Kafka")<
  Kafka,
  {
    readonly settings: KafkaSettings
    readonly ensureTopics: (topics: ReadonlyArray<TopicSpec>) => Effect.Effect<void, KafkaError>
    /** Publishes with acks=all on an idempotent producer; resolves once every record is acknowledged. */
    readonly send: (records: ReadonlyArray<OutRecord>) => Effect.Effect<void, KafkaError>
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
    const producer = kafka.producer({
      "enable.idempotence": true,
      "linger.ms": 5,
      kafkaJS: { idempotent: true, acks: -1, logLevel: KafkaJS.logLevel.ERROR }
    })
    const admin = kafka.admin({ kafkaJS: { logLevel: KafkaJS.logLevel.ERROR } })
    yield* Effect.acquireRelease(
      attempt("connect", () => Promise.all([producer.connect(), admin.connect()])),
      () => Effect.promise(() => Promise.allSettled([producer.disconnect(), admin.disconnect()]))
    )

    const ensureTopics = (topics: ReadonlyArray<TopicSpec>) =>
      attempt("createTopics", async () => {
        const existing = new Set(await admin.listTopics())
        const missing = topics.filter((t) => !existing.has(ns + t.name))
        if (missing.length === 0) return
        await admin.createTopics({
          topics: missing.map((t) => ({
            topic: ns + t.name,
            numPartitions: t.partitions,
            replicationFactor: 1,
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value }))
          }))
        })
      })

    const send = (records: ReadonlyArray<OutRecord>) =>
      records.length === 0
        ? Effect.void
        : attempt("send", () => producer.sendBatch({ topicMessages: groupByTopic(ns, records) })).pipe(Effect.asVoid)

    const consumer = (options: ConsumerOptions) =>
      Effect.map(
        Effect.acquireRelease(connectConsumer(settings, options), (c) =>
          Effect.async<void>((resume) => {
            c.disconnect(() => resume(Effect.void))
          })
        ),
        (c): Consumer => ({
          batches: Stream.repeatEffectChunkOption(
            poll(c, ns, options.maxBatch ?? 500).pipe(
              Effect.mapError(Option.some),
              Effect.map((records) => Chunk.of(Chunk.unsafeFromArray(records)))
            )
          ).pipe(Stream.filter(Chunk.isNonEmpty)),
          commit: (batch) =>
            attempt("commit", async () => {
              const offsets = nextOffsets(batch).map((o) => ({ ...o, topic: ns + o.topic }))
              if (offsets.length > 0) c.commitSync(offsets)
            })
        })
      )

    const lag = (groupId: string, topics: ReadonlyArray<string>) =>
      attempt("lag", async () => {
        const names = topics.map((t) => ns + t)
        const committed = await admin.fetchOffsets({ groupId: ns + groupId, topics: names })
        const position = new Map<string, number>()
        for (const t of committed)
          for (const p of t.partitions)
            if (Number(p.offset) >= 0) position.set(`${t.topic}\u0000${p.partition}`, Number(p.offset))
        let total = 0
        for (const topic of names) {
          for (const p of await admin.fetchTopicOffsets(topic)) {
            const from = position.get(`${topic}\u0000${p.partition}`) ?? Number(p.low)
            total += Math.max(0, Number(p.high) - from)
          }
        }
        return total
      })

    const ping = attempt("metadata", () => admin.listTopics({ timeout: 3000 })).pipe(Effect.map((t) => t.length))

    return Kafka.of({ settings, ensureTopics, send, consumer, lag, ping })
  })

export const layer = (settings: KafkaSettings) => Layer.scoped(Kafka, make(settings))

export const layerConfig = Layer.scoped(
  Kafka,
  Effect.flatMap(
    Config.all({
      brokers: Config.string("JOBSTREAM_KAFKA_BROKERS").pipe(Config.withDefault("127.0.0.1:19092")),
      clientId: Config.string("JOBSTREAM_KAFKA_CLIENT_ID").pipe(Config.withDefault("jobstream")),
      namespace: Config.string("JOBSTREAM_KAFKA_NAMESPACE").pipe(Config.withDefault(""))
    }),
    make
  )
)

const attempt = <A>(operation: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new KafkaError({ operation, cause }) })

const connectConsumer = (settings: KafkaSettings, options: ConsumerOptions) =>
  Effect.async<RdConsumer, KafkaError>((resume) => {
    const c = new KafkaConsumer(
      {
        "bootstrap.servers": settings.brokers,
        "client.id": `${settings.clientId}-${options.groupId}`,
        "group.id": settings.namespace + options.groupId,
        "enable.auto.commit": false,
        // A killed member holds its partitions until its session expires: 10 s, not the default 45 s, of
        // standstill after a crash.
        "session.timeout.ms": 10_000,
        "heartbeat.interval.ms": 2_000,
        "partition.assignment.strategy": "cooperative-sticky"
      },
      { "auto.offset.reset": "earliest" }
    )
    c.setDefaultConsumeTimeout(options.waitMs ?? 250)
    c.connect({ timeout: 10_000 }, (err) => {
      if (err) return resume(Effect.fail(new KafkaError({ operation: "connect consumer", cause: err })))
      c.subscribe(options.topics.map((t) => settings.namespace + t))
      resume(Effect.succeed(c))
    })
  })

const poll = (c: RdConsumer, ns: string, max: number) =>
  Effect.async<Array<InRecord>, KafkaError>((resume) => {
    c.consume(max, (err, messages) => {
      if (err) resume(Effect.fail(new KafkaError({ operation: "consume", cause: err })))
      else resume(Effect.succeed(messages.map((m) => toInRecord(ns, m))))
    })
  })

const toInRecord = (ns: string, m: RdMessage): InRecord => {
  const headers: Record<string, string> = {}
  for (const h of m.headers ?? []) {
    for (const [k, v] of Object.entries(h)) headers[k] = Buffer.isBuffer(v) ? v.toString("utf8") : String(v)
  }
  return {
    topic: m.topic.slice(ns.length),
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : m.key.toString(),
    value: m.value ?? Buffer.alloc(0),
    headers,
    timestamp: m.timestamp
  }
}

/** The commit positions for a handled batch: per topic-partition, one past the highest offset seen. */
const nextOffsets = (batch: Chunk.Chunk<InRecord>) => {
  const next = new Map<string, { topic: string; partition: number; offset: number }>()
  for (const r of batch) {
    const id = `${r.topic}\u0000${r.partition}`
    const seen = next.get(id)
    if (!seen || seen.offset < r.offset + 1) next.set(id, { topic: r.topic, partition: r.partition, offset: r.offset + 1 })
  }
  return [...next.values()]
}

const groupByTopic = (ns: string, records: ReadonlyArray<OutRecord>): Array<KafkaJSTypes.TopicMessages> => {
  const byTopic = new Map<string, Array<KafkaJSTypes.Message>>()
  for (const r of records) {
    let messages = byTopic.get(ns + r.topic)
    if (!messages) byTopic.set(ns + r.topic, (messages = []))
    messages.push({ key: r.key, value: r.value, headers: { ...r.headers } })
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }))
}

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))
