import { Duration, Effect, Either, Fiber, ManagedRuntime, Queue, Stream, TestClock, TestContext } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Kafka, type Membership } from "./Kafka.js"
import { lagOf } from "./kafkaConsumer.js"
import { sharedProducer, type ProducerClient } from "./kafkaProducer.js"
import { dropNamespace, stackTestConfig } from "./testing.js"
import type { Received } from "../schemas/Envelope.js"

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

/**
 * The shared producer's replacement rule, on fake clients and the test clock: a client is replaced after a fatal
 * error, or when a send that started after the broker was found answering also got no answer and the client has
 * acknowledged nothing for its patience; never while the broker itself is out, nor for one send that waited
 * through an outage.
 */
describe("sharedProducer", () => {
  const timeout = Duration.seconds(30)
  const records = [{ topic: "t", messages: [{ key: "k", value: "v" }] }]

  it("replaces a client whose sends keep getting no answer while the broker answers, and closes the old one", async () => {
    const stuck = fake(() => new Promise(() => {}))
    const sound = fake(() => Promise.resolve([]))
    const result = await run([stuck, sound], true, (p) =>
      Effect.gen(function* () {
        // Its first timeout could be a send that waited through an outage: only a suspicion.
        const first = yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.checks() === 1)
        const madeAfterFirst = p.made()
        const second = yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.made() === 2 && stuck.disconnected)
        const third = yield* sendWithin(p.send(records, timeout), timeout)
        return { first, second, madeAfterFirst, third, soundClosed: sound.disconnected }
      })
    )
    expect(Either.isLeft(result.first) && result.first.left.message).toBe("Kafka send failed: no answer from the broker within 30s")
    expect(result.madeAfterFirst).toBe(1)
    expect(Either.isLeft(result.second)).toBe(true)
    expect(Either.isRight(result.third)).toBe(true)
    expect({ stuck: stuck.sends, sound: sound.sends, soundClosed: result.soundClosed }).toEqual({ stuck: 2, sound: 1, soundClosed: false })
  })

  it("fails the sends still waiting on a replaced client at once, before their own time limit", async () => {
    const stuck = fake(() => new Promise(() => {}))
    const sound = fake(() => Promise.resolve([]))
    const waiting = await run([stuck, sound], true, (p) =>
      Effect.gen(function* () {
        let ended = false
        const long = yield* Effect.fork(
          Effect.either(p.send(records, Duration.minutes(10))).pipe(Effect.ensuring(Effect.sync(() => (ended = true))))
        )
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.checks() === 1)
        yield* sendWithin(p.send(records, timeout), timeout)
        // One minute of the test clock has passed: only the replacement can end the 10-minute send.
        yield* settle(() => ended)
        return yield* Fiber.join(long)
      })
    )
    expect(Either.isLeft(waiting) && waiting.left.message).toMatch(/^Kafka send failed: producer replaced: /)
  })

  it("gives a client its patience (30 s here) to come back by itself before replacing it", async () => {
    const stuck = fake(() => new Promise(() => {}))
    const sound = fake(() => Promise.resolve([]))
    const short = Duration.seconds(5)
    const madeWithinPatience = await run([stuck, sound], true, (p) =>
      Effect.gen(function* () {
        // Suspected at the first timeout (5 s), the client is still patiently kept at the sixth (30 s)...
        for (let i = 1; i <= 6; i++) {
          yield* sendWithin(p.send(records, short), short)
          yield* settle(() => p.checks() === i)
        }
        const made = p.made()
        // ...and replaced at the seventh, 30 s after the suspicion.
        yield* sendWithin(p.send(records, short), short)
        yield* settle(() => p.made() === 2)
        return made
      })
    )
    expect(madeWithinPatience).toBe(1)
  })

  it("keeps its client while the broker does not answer either: the client reconnects by itself", async () => {
    const stuck = fake(() => new Promise(() => {}))
    const result = await run([stuck], false, (p) =>
      Effect.gen(function* () {
        for (let i = 1; i <= 3; i++) {
          yield* sendWithin(p.send(records, timeout), timeout)
          yield* settle(() => p.checks() === i)
        }
        return { made: p.made(), closed: stuck.disconnected }
      })
    )
    expect(result).toEqual({ made: 1, closed: false })
  })

  it("forgets the suspicion once a send is acknowledged", async () => {
    const answers = [false, true, false]
    const flaky = fake(() => (answers.shift() ? Promise.resolve([]) : new Promise(() => {})))
    const made = await run([flaky], true, (p) =>
      Effect.gen(function* () {
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.checks() === 1)
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.checks() === 2)
        return p.made()
      })
    )
    expect(made).toBe(1)
    expect(flaky.sends).toBe(3)
  })

  it("replaces a client at once after a fatal error", async () => {
    const fatal = fake(() => Promise.reject(Object.assign(new Error("Local: Fatal error"), { code: -150 })))
    const sound = fake(() => Promise.resolve([]))
    const result = await run([fatal, sound], true, (p) =>
      Effect.gen(function* () {
        const first = yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.made() === 2 && fatal.disconnected)
        const second = yield* sendWithin(p.send(records, timeout), timeout)
        return { first, second, checks: p.checks() }
      })
    )
    expect(Either.isLeft(result.first)).toBe(true)
    expect(Either.isRight(result.second)).toBe(true)
    expect(result.checks).toBe(0)
  })

  it("keeps the stuck client when its successor cannot connect, and tries again on the next timeout", async () => {
    const stuck = fake(() => new Promise(() => {}))
    const unreachable = fake(() => Promise.resolve([]), () => Promise.reject(new Error("Local: Broker transport failure")))
    const sound = fake(() => Promise.resolve([]))
    const result = await run([stuck, unreachable, sound], true, (p) =>
      Effect.gen(function* () {
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.checks() === 1)
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.made() === 2 && unreachable.disconnected)
        const keptStuck = !stuck.disconnected
        yield* sendWithin(p.send(records, timeout), timeout)
        yield* settle(() => p.made() === 3 && stuck.disconnected)
        return { keptStuck, last: yield* sendWithin(p.send(records, timeout), timeout) }
      })
    )
    expect(result.keptStuck).toBe(true)
    expect(Either.isRight(result.last)).toBe(true)
    expect({ stuck: stuck.sends, unreachable: unreachable.sends, sound: sound.sends }).toEqual({ stuck: 3, unreachable: 0, sound: 1 })
  })
})

interface Fake extends ProducerClient {
  sends: number
  disconnected: boolean
}

/** A fake client whose sends answer as `answer` says, and which records what was done to it. */
const fake = (answer: () => Promise<unknown>, connect: () => Promise<void> = () => Promise.resolve()): Fake => {
  const client: Fake = {
    sends: 0,
    disconnected: false,
    connect,
    sendBatch: () => {
      client.sends++
      return answer()
    },
    disconnect: async () => {
      client.disconnected = true
    }
  }
  return client
}

type Producer = Effect.Effect.Success<ReturnType<typeof sharedProducer>>

/** Runs `body` on the test clock with a shared producer over `clients` (handed out in order) and a broker that answers or not. */
const run = <A>(
  clients: ReadonlyArray<Fake>,
  brokerAnswers: boolean,
  body: (p: Producer & { made: () => number; checks: () => number }) => Effect.Effect<A>
) => {
  let made = 0
  let checks = 0
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const producer = yield* sharedProducer({
          newClient: () => clients[made++]!,
          brokerAnswers: Effect.sync(() => {
            checks++
            return brokerAnswers
          }),
          callTimeout: Duration.seconds(10),
          patience: Duration.seconds(30)
        })
        return yield* body({ ...producer, made: () => made, checks: () => checks })
      })
    ).pipe(Effect.provide(TestContext.TestContext))
  )
}

/** Starts a send, moves the test clock past its time limit, and returns how it ended. */
const sendWithin = <E>(send: Effect.Effect<void, E>, limit: Duration.Duration) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.either(send))
    yield* TestClock.adjust(limit)
    return yield* Fiber.join(fiber)
  })

/** Lets the producer's background work (checks, connects, closes) run until `done` holds; fails if it never does. */
const settle = (done: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000 && !done(); i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
    if (!done()) return yield* Effect.dieMessage("the shared producer never got there")
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

  it("joins its group, reports the records waiting, and none once they are committed (the commit returns acknowledged)", async () => {
    const result = await runtime.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const kafka = yield* Kafka
          yield* kafka.ensureTopics([topic])
          yield* kafka.send(Array.from({ length: 10 }, (_, i) => ({ topic: topic.name, key: `k${i}`, value: Buffer.from(`v${i}`), headers: {} })))
          const consumer = yield* kafka.consumer({ groupId: "membership-test", topics: [topic.name], maxBatch: 100 })
          // The stream keeps polling in the background, as a stage does: librdkafka delivers its statistics only to
          // a client that polls. What it has read stays uncommitted, so the lag still counts it.
          const read = yield* Queue.unbounded<Received>()
          yield* Effect.forkScoped(consumer.batches.pipe(Stream.flattenChunks, Stream.runForEach((r) => Queue.offer(read, r))))
          const batch = yield* Queue.takeBetween(read, 10, 10)
          const joined = yield* poll(consumer, (m) => m.member && m.lag === 10)
          yield* consumer.commit(batch)
          // The commit returns once the group coordinator holds it: the group's lag, read from the broker at once, is 0.
          const lagAfterCommit = yield* kafka.lag("membership-test", [topic.name])
          const caughtUp = yield* poll(consumer, (m) => m.lag === 0)
          return { joined, lagAfterCommit, caughtUp }
        })
      )
    )
    expect(result.joined).toMatchObject({ member: true, partitions: 2, lag: 10 })
    expect(result.lagAfterCommit).toBe(0)
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
