import { Effect, ManagedRuntime, Queue, Stream } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Kafka, lagOf, type InRecord, type Membership } from "./Kafka.js"
import { dropNamespace, stackTestConfig } from "./testing.js"

describe("lagOf (librdkafka statistics)", () => {
  const stats = (partitions: Record<string, object>) => JSON.stringify({ topics: { t: { partitions } } })

  it("sums the high watermark less the committed offset over the partitions this member consumes", () => {
    const json = stats({
      "0": { partition: 0, desired: true, hi_offset: 120, lo_offset: 0, committed_offset: 100 },
      "1": { partition: 1, desired: true, hi_offset: 50, lo_offset: 0, committed_offset: 50 },
      // Not this member's, and librdkafka's internal unassigned partition: neither counts.
      "2": { partition: 2, desired: false, hi_offset: 900, lo_offset: 0, committed_offset: 0 },
      "-1": { partition: -1, desired: false, hi_offset: -1, lo_offset: -1, committed_offset: -1001 }
    })
    expect(lagOf(json)).toBe(20)
  })

  it("counts from the low watermark for a group that never committed, and knows nothing without partitions", () => {
    expect(lagOf(stats({ "0": { partition: 0, desired: true, hi_offset: 30, lo_offset: 10, committed_offset: -1001 } }))).toBe(20)
    expect(lagOf(stats({}))).toBeNull()
    expect(lagOf(stats({ "0": { partition: 0, desired: true, hi_offset: -1, lo_offset: -1, committed_offset: -1001 } }))).toBeNull()
  })
})

/** On the real broker: what a consumer says of its membership and lag follows what it consumed and committed. */
describe("a consumer's membership and lag, on the real broker", () => {
  const config = stackTestConfig()
  const runtime = ManagedRuntime.make(config.layer)
  afterAll(async () => {
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })
  const topic = { name: "membership.test", partitions: 2 }

  it("joins its group, reports the records waiting, and none once they are committed", async () => {
    const result = await runtime.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const kafka = yield* Kafka
          yield* kafka.ensureTopics([topic])
          yield* kafka.send(Array.from({ length: 10 }, (_, i) => ({ topic: topic.name, key: `k${i}`, value: `v${i}`, headers: {} })))
          const consumer = yield* kafka.consumer({ groupId: "membership-test", topics: [topic.name], maxBatch: 100 })
          // The stream keeps polling in the background, as a stage does: librdkafka delivers its statistics only to
          // a client that polls. What it has read stays uncommitted, so the lag still counts it.
          const read = yield* Queue.unbounded<InRecord>()
          yield* Effect.forkScoped(consumer.batches.pipe(Stream.flattenChunks, Stream.runForEach((r) => Queue.offer(read, r))))
          const batch = yield* Queue.takeBetween(read, 10, 10)
          const joined = yield* poll(consumer, (m) => m.member && m.lag === 10)
          yield* consumer.commit(batch)
          const caughtUp = yield* poll(consumer, (m) => m.lag === 0)
          return { joined, caughtUp }
        })
      )
    )
    expect(result.joined).toMatchObject({ member: true, partitions: 2, lag: 10 })
    expect(result.caughtUp).toMatchObject({ member: true, partitions: 2, lag: 0 })
  })
})

/** Reads the consumer's membership every 200 ms until `done` holds (60 s at most). */
const poll = (consumer: { membership: Effect.Effect<Membership> }, done: (m: Membership) => boolean) =>
  Effect.gen(function* () {
    for (;;) {
      const m = yield* consumer.membership
      if (done(m)) return m
      yield* Effect.sleep("200 millis")
    }
  }).pipe(Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the consumer never reported that") }))
