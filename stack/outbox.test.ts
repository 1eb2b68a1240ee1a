import { Chunk, Effect, Fiber, ManagedRuntime, Stream } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Headers, type Envelope, type Received } from "../schemas/Envelope.js"
import { Postgres } from "./Postgres.js"
import { Kafka } from "./Kafka.js"
import { KafkaError } from "./kafkaCalls.js"
import { enqueue, relayName, relayOutbox } from "./outbox.js"
import { StageMonitor } from "./StageMonitor.js"
import { dropNamespace, resetStores, stackTestConfig } from "./testing.js"

const config = stackTestConfig()
const runtime = ManagedRuntime.make(config.layer)
const topic = { name: "outbox.test", partitions: 3 }

/** `n` events for each of `keys`, numbered per key, so order and loss show per key. */
const events = (keys: ReadonlyArray<string>, n: number): Array<Envelope> =>
  keys.flatMap((key) =>
    Array.from({ length: n }, (_, i) => ({
      topic: topic.name,
      key,
      value: Buffer.from(JSON.stringify({ key, i })),
      headers: { [Headers.eventId]: `${key}-${i}` }
    }))
  )

const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))

/** Reads the topic with a fresh group until `count` records came or 20 s passed. */
const readTopic = (count: number) =>
  runtime.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const kafka = yield* Kafka
        const consumer = yield* kafka.consumer({ groupId: `outbox-test-${Math.random()}`, topics: [topic.name] })
        const records: Array<Received> = []
        yield* consumer.batches.pipe(
          Stream.tap((batch) => Effect.sync(() => records.push(...Chunk.toArray(batch)))),
          Stream.takeUntil(() => records.length >= count),
          Stream.runDrain,
          Effect.timeout("20 seconds"),
          Effect.ignore
        )
        // Anything beyond `count` would be a duplicate: give it a moment to show up.
        yield* consumer.batches.pipe(
          Stream.tap((batch) => Effect.sync(() => records.push(...Chunk.toArray(batch)))),
          Stream.runDrain,
          Effect.timeout("1 second"),
          Effect.ignore
        )
        return records
      })
    )
  )

const byKey = (records: ReadonlyArray<Received>) => {
  const seen = new Map<string, Array<number>>()
  for (const r of records) seen.set(r.key!, [...(seen.get(r.key!) ?? []), (JSON.parse(r.value.toString()) as { i: number }).i])
  return Object.fromEntries(seen)
}

beforeAll(async () => {
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* resetStores
      yield* Effect.flatMap(Kafka, (k) => k.ensureTopics([topic]))
    })
  )
})

beforeEach(async () => {
  await pg("DELETE FROM outbox")
})

afterAll(async () => {
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("the transactional outbox, on PostgreSQL and the real broker", () => {
  it("keeps the events of a committed transaction and none of a rolled-back one", async () => {
    const exit = await runtime.runPromiseExit(
      Effect.flatMap(Postgres, (db) =>
        db.transaction((tx) => Effect.zipRight(enqueue(tx, events(["rolled-back"], 3)), Effect.fail("the change failed")))
      )
    )
    expect(exit._tag).toBe("Failure")
    await runtime.runPromise(Effect.flatMap(Postgres, (db) => db.transaction((tx) => enqueue(tx, events(["committed"], 3)))))
    const rows = await pg<{ key: string; headers: Record<string, string> }>("SELECT key, headers FROM outbox ORDER BY id")
    expect(rows.map((r) => r.headers[Headers.eventId])).toEqual(["committed-0", "committed-1", "committed-2"])
  })

  it("publishes every event once, in order per key, by two relays at once, and empties the outbox", async () => {
    const keys = ["a", "b", "c", "d"]
    // Written in 40 transactions, as moves of four applications would be, interleaved.
    for (let i = 0; i < 40; i++)
      await runtime.runPromise(
        Effect.flatMap(Postgres, (db) =>
          db.transaction((tx) => enqueue(tx, events([keys[i % 4]!], 50).slice(Math.floor(i / 4) * 5, Math.floor(i / 4) * 5 + 5)))
        )
      )
    const relays = await runtime.runPromise(
      Effect.all([relayOutbox({ batch: 30, idle: "50 millis" }), relayOutbox({ batch: 30, idle: "50 millis" })], {
        concurrency: 2
      }).pipe(Effect.forkDaemon)
    )
    const records = await readTopic(200)
    await runtime.runPromise(Fiber.interrupt(relays))
    expect(records).toHaveLength(200)
    const expected = Array.from({ length: 50 }, (_, i) => i)
    expect(byKey(records)).toEqual({ a: expected, b: expected, c: expected, d: expected })
    expect(records.every((r) => r.headers[Headers.eventId] === `${r.key}-${JSON.parse(r.value.toString()).i}`)).toBe(true)
    expect(await pg("SELECT 1 FROM outbox")).toHaveLength(0)
  })

  it("keeps a batch whose acknowledgement did not come, and sends it again with the same event ids", async () => {
    await runtime.runPromise(Effect.flatMap(Postgres, (db) => db.transaction((tx) => enqueue(tx, events(["again"], 5)))))
    // The broker takes the batch but its answer never arrives: the rows must stay.
    const lostAnswer = Effect.map(Kafka, (kafka) =>
      Kafka.of({
        ...kafka,
        send: (records, options) =>
          Effect.zipRight(
            kafka.send(records, options),
            Effect.fail(new KafkaError({ operation: "send", cause: new Error("no answer within 30s") }))
          )
      })
    )
    const health = await runtime.runPromise(
      Effect.gen(function* () {
        const kafka = yield* lostAnswer
        yield* relayOutbox().pipe(Effect.provideService(Kafka, kafka), Effect.timeout("1 second"), Effect.ignore)
        return (yield* (yield* StageMonitor).snapshot)[relayName]
      })
    )
    expect(health).toMatchObject({ state: "retrying", lastError: expect.stringContaining("no answer within 30s") })
    expect(await pg("SELECT 1 FROM outbox")).toHaveLength(5)
    const relay = await runtime.runPromise(Effect.forkDaemon(relayOutbox()))
    // The topic still holds the test before's 200: this one's are the rest.
    const records = (await readTopic(210)).filter((r) => r.key === "again")
    await runtime.runPromise(Fiber.interrupt(relay))
    expect(await pg("SELECT 1 FROM outbox")).toHaveLength(0)
    // At least once: every event id arrived, each copy identical, and a consumer keeping one per id counts five.
    const ids = records.map((r) => r.headers[Headers.eventId])
    expect(new Set(ids)).toEqual(new Set(["again-0", "again-1", "again-2", "again-3", "again-4"]))
    expect(ids.length).toBeGreaterThanOrEqual(10)
  })

  it("reports the rows waiting as its lag and each acknowledged batch as progress", async () => {
    await runtime.runPromise(Effect.flatMap(Postgres, (db) => db.transaction((tx) => enqueue(tx, events(["lag"], 7)))))
    const refused = Effect.map(Kafka, (kafka) =>
      Kafka.of({ ...kafka, send: () => Effect.fail(new KafkaError({ operation: "send", cause: new Error("broker unreachable") })) })
    )
    const stuck = await runtime.runPromise(
      Effect.gen(function* () {
        const kafka = yield* refused
        yield* relayOutbox().pipe(Effect.provideService(Kafka, kafka), Effect.timeout("1 second"), Effect.ignore)
        return (yield* (yield* StageMonitor).snapshot)[relayName]
      })
    )
    expect(stuck).toMatchObject({ lag: 7, member: true })
    const flowing = await runtime.runPromise(
      Effect.gen(function* () {
        yield* relayOutbox().pipe(Effect.timeout("3 seconds"), Effect.ignore)
        return (yield* (yield* StageMonitor).snapshot)[relayName]
      })
    )
    expect(flowing).toMatchObject({ state: "running", lag: 0, lastError: null })
    expect(Date.parse(flowing!.lastProgressAt!)).toBeGreaterThan(Date.now() - 10_000)
  })
})
