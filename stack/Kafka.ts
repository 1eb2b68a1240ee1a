import ckjs from "@confluentinc/kafka-javascript"
import type { KafkaJS as KafkaJSTypes, Message as RdMessage, KafkaConsumer as RdConsumer } from "@confluentinc/kafka-javascript"
import { Chunk, Clock, Config, Context, Data, Deferred, Duration, Effect, Either, Layer, Option, Scope, Stream } from "effect"

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
 * with a batch that has been handled, so a crash replays the unhandled tail (at-least-once). `membership` reads
 * what the client last heard from the group coordinator, without a call to the broker.
 */
export interface Consumer {
  readonly batches: Stream.Stream<Chunk.Chunk<InRecord>, KafkaError>
  readonly commit: (batch: Chunk.Chunk<InRecord>) => Effect.Effect<void, KafkaError>
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
      records: ReadonlyArray<OutRecord>,
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
    const admin = kafka.admin({ kafkaJS: { logLevel: KafkaJS.logLevel.ERROR } })
    yield* Effect.acquireRelease(attempt("connect", settings.callTimeout, () => admin.connect()), () =>
      Effect.promise(() => admin.disconnect().catch(() => undefined))
    )
    const call = <A>(operation: string, f: () => Promise<A>) => attempt(operation, settings.callTimeout, f)

    const ping = call("metadata", () => admin.listTopics({ timeout: Duration.toMillis(settings.callTimeout) })).pipe(
      Effect.map((t) => t.length)
    )

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
      call("createTopics", async () => {
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

    const send = (records: ReadonlyArray<OutRecord>, options?: { readonly timeout?: Duration.DurationInput }) =>
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
              : Effect.async<void, KafkaError>((resume) => {
                  const async = client as AsyncCommit
                  async.commitCb(offsets, (err) =>
                    resume(err ? Effect.fail(new KafkaError({ operation: "commit", cause: err })) : Effect.void)
                  )
                }).pipe(timeLimit("commit", settings.callTimeout))
          },
          membership: Effect.sync(() => ({ ...membership }))
        })
      )

    const lag = (groupId: string, topics: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const names = topics.map((t) => ns + t)
        const [committed, ends] = yield* Effect.all(
          [
            call("fetch committed offsets", () => admin.fetchOffsets({ groupId: ns + groupId, topics: names })),
            Effect.forEach(names, (topic) => call("fetch topic offsets", () => admin.fetchTopicOffsets(topic)), {
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
 * A promise-returning client call with a time limit. The limit does not wait for the call to give up: a broker
 * that hangs costs the caller `limit`, never more.
 */
const attempt = <A>(operation: string, limit: Duration.Duration, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new KafkaError({ operation, cause }) }).pipe(timeLimit(operation, limit))

const timeLimit =
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
class NoAnswer extends Error {}

/**
 * A fatal error of librdkafka (`ERR__FATAL`, -150): the client refuses every further record, only a new one can go
 * on. The KafkaJS layer reports it as `code`; `fatal` is checked too in case a later version fills it.
 */
const isFatal = (cause: unknown): boolean =>
  typeof cause === "object" &&
  cause !== null &&
  ((cause as { code?: unknown }).code === KafkaJS.ErrorCodes.ERR__FATAL ||
    (cause as { fatal?: unknown }).fatal === true)

/**
 * The client's asynchronous commit: it runs on librdkafka's thread and calls back, where `commitSync` would hold
 * the event loop (and with it the API) for as long as the broker takes to answer. It is in the library, not in its
 * type declarations.
 */
type AsyncCommit = RdConsumer & {
  commitCb(offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>, cb: (err: Error | null) => void): void
}

const connectConsumer = (settings: KafkaSettings, options: ConsumerOptions) =>
  Effect.async<{ client: RdConsumer; membership: { -readonly [K in keyof Membership]: Membership[K] } }, KafkaError>(
    (resume) => {
      const membership = { member: false, partitions: 0, lag: null as number | null, lastError: null as string | null }
      const client = new KafkaConsumer(
        {
          "bootstrap.servers": settings.brokers,
          "client.id": `${settings.clientId}-${options.groupId}`,
          "group.id": settings.namespace + options.groupId,
          "enable.auto.commit": false,
          // A killed member holds its partitions until its session expires: 10 s, not the default 45 s, of
          // standstill after a crash.
          "session.timeout.ms": 10_000,
          "heartbeat.interval.ms": 2_000,
          "partition.assignment.strategy": "cooperative-sticky",
          // Lag comes from the client's statistics: no request to the broker, so no reading can hang or pile up.
          "statistics.interval.ms": 3_000,
          // The client assigns and revokes as usual, and tells us: that is how membership is known.
          rebalance_cb: true
        },
        { "auto.offset.reset": "earliest" }
      )
      // The listener runs inside librdkafka's rebalance callback, before the library assigns or revokes: it must
      // not throw nor call back into the client (which may be closing), so it only counts. Cooperative rebalances
      // hand over increments: -175 adds partitions (possibly none: still a member), -174 takes some away.
      client.on("rebalance", (err, assignment) => {
        if (err.code === -175) {
          membership.member = true
          membership.partitions += assignment.length
        } else if (err.code === -174) {
          membership.partitions = Math.max(0, membership.partitions - assignment.length)
          if (membership.partitions === 0) membership.member = false
        } else membership.lastError = err.message
      })
      client.on("event.stats", (stats: { message: string }) => {
        membership.lag = lagOf(stats.message)
      })
      client.on("rebalance.error", (err) => {
        membership.lastError = err instanceof Error ? err.message : String(err)
      })
      client.on("event.error", (err) => {
        membership.lastError = err.message
      })
      client.setDefaultConsumeTimeout(options.waitMs ?? 250)
      client.connect({ timeout: Duration.toMillis(settings.callTimeout) }, (err) => {
        if (err) return resume(Effect.fail(new KafkaError({ operation: "connect consumer", cause: err })))
        client.subscribe(options.topics.map((t) => settings.namespace + t))
        resume(Effect.succeed({ client, membership }))
      })
    }
  )

interface PartitionStats {
  readonly partition: number
  readonly desired: boolean
  readonly hi_offset: number
  readonly lo_offset: number
  readonly committed_offset: number
}

/**
 * Records waiting on the partitions this member consumes, from librdkafka's statistics JSON: per partition, the
 * high watermark less the committed offset (less the low watermark for a group that has not committed yet).
 */
export const lagOf = (statsJson: string): number | null => {
  const stats = JSON.parse(statsJson) as { topics?: Record<string, { partitions?: Record<string, PartitionStats> }> }
  let total = 0
  let known = false
  for (const topic of Object.values(stats.topics ?? {}))
    for (const p of Object.values(topic.partitions ?? {})) {
      if (p.partition < 0 || !p.desired || p.hi_offset < 0) continue
      known = true
      total += Math.max(0, p.hi_offset - (p.committed_offset >= 0 ? p.committed_offset : Math.max(0, p.lo_offset)))
    }
  return known ? total : null
}

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
