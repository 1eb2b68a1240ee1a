import ckjs from "@confluentinc/kafka-javascript"
import type { Message as RdMessage, KafkaConsumer as RdConsumer } from "@confluentinc/kafka-javascript"
import { Chunk, Duration, Effect, Schedule } from "effect"
import type { ConsumerOptions, KafkaSettings, Membership } from "./Kafka.js"
import { KafkaError, timeLimit } from "./kafkaCalls.js"
import type { Received } from "../schemas/Envelope.js"

const { KafkaConsumer } = ckjs

// The consumer side of Kafka.ts: a librdkafka consumer that reports its membership and lag from its own events and
// statistics, and the polls and commit positions of a batch.

/**
 * The client's asynchronous commit and committed-offsets lookup: both run off the event loop and call back, where
 * `commitSync` would hold the event loop (and with it the API) for as long as the broker takes to answer; and the
 * switch that makes a poll wait for its first record only. They are in the library, not in its type declarations.
 */
type Offsets = ReadonlyArray<{ topic: string; partition: number; offset: number }>
type AsyncCalls = RdConsumer & {
  commitCb(offsets: Offsets, cb: (err: Error | null) => void): void
  committed(offsets: Offsets, timeoutMs: number, cb: (err: Error | null, committed?: Offsets) => void): void
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void
}

/**
 * Commits `offsets` and returns once the group coordinator holds them. `commitCb` calls back as soon as librdkafka
 * has queued the commit, not when the broker has it, so a lag read right after it (or the group's next member)
 * could still see the previous positions. The coordinator answers the requests of one connection in order: the
 * lookup that follows normally sees the commit at once, and looks again briefly while it does not. Partitions
 * this member no longer holds are not waited for (their new owner reads from the last confirmed position). A
 * commit that cannot be confirmed within `limit` is logged, not failed: its records may be delivered again,
 * which every consumer of ours already treats as the same records.
 */
export const commitAcknowledged = (client: RdConsumer, offsets: Offsets, limit: Duration.Duration) => {
  const calls = client as AsyncCalls
  const key = (o: { topic: string; partition: number }) => `${o.topic}\u0000${o.partition}`
  const behind = Effect.async<number, KafkaError>((resume) => {
    calls.committed(offsets, Duration.toMillis(limit), (err, committed) => {
      if (err) return resume(Effect.fail(new KafkaError({ operation: "read committed offsets", cause: err })))
      // This runs in the client's callback: a throw here is an uncaught exception, and the process then hangs in
      // its exit, joining a libuv thread that a call to a vanished broker holds (found as orphaned processors
      // still alive an hour after the fault suite). A client closed meanwhile holds nothing left to wait for.
      let held: ReadonlySet<string>
      try {
        held = new Set(client.assignments().map(key))
      } catch {
        held = new Set()
      }
      const at = new Map((committed ?? []).map((c) => [key(c), c.offset]))
      resume(Effect.succeed(offsets.filter((o) => held.has(key(o)) && (at.get(key(o)) ?? -1) < o.offset).length))
    })
  })
  const confirmed = behind.pipe(
    Effect.repeat({ while: (n) => n > 0, schedule: Schedule.spaced("20 millis") }),
    timeLimit("confirm commit", limit),
    Effect.catchAll((e) => Effect.logWarning(`commit not confirmed; its records may be delivered again: ${e.message}`))
  )
  return Effect.async<void, KafkaError>((resume) => {
    calls.commitCb(offsets, (err) => resume(err ? Effect.fail(new KafkaError({ operation: "commit", cause: err })) : Effect.void))
  }).pipe(timeLimit("commit", limit), Effect.zipRight(confirmed), Effect.asVoid)
}

export const connectConsumer = (settings: KafkaSettings, options: ConsumerOptions) =>
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
      // The wait is for the first record only; then a poll takes what has been fetched and returns. By default the
      // client waits up to that long for each record of the batch: at a steady 20 postings/s no gap reached 250 ms,
      // so every stage held its records until a whole batch had arrived (500 records: 25 s) before handling any.
      ;(client as AsyncCalls).setDefaultIsTimeoutOnlyForFirstMessage(true)
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

export const poll = (c: RdConsumer, ns: string, max: number) =>
  Effect.async<Array<Received>, KafkaError>((resume) => {
    c.consume(max, (err, messages) => {
      if (err) resume(Effect.fail(new KafkaError({ operation: "consume", cause: err })))
      else resume(Effect.succeed(messages.map((m) => toReceived(ns, m))))
    })
  })

const toReceived = (ns: string, m: RdMessage): Received => {
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
export const nextOffsets = (batch: Chunk.Chunk<Received>) => {
  const next = new Map<string, { topic: string; partition: number; offset: number }>()
  for (const r of batch) {
    const id = `${r.topic}\u0000${r.partition}`
    const seen = next.get(id)
    if (!seen || seen.offset < r.offset + 1) next.set(id, { topic: r.topic, partition: r.partition, offset: r.offset + 1 })
  }
  return [...next.values()]
}
