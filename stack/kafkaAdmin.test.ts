import { Duration, Effect, Either, Fiber, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { sharedAdmin, type AdminClient } from "./kafkaAdmin.js"

/**
 * The shared admin's replacement rule, on fake clients and the test clock: a call that gets no answer asks a new
 * client for a second opinion, which replaces the old client only if it answers itself.
 */
describe("sharedAdmin", () => {
  const limit = Duration.seconds(10)

  it("replaces a client that gets no answer when a new one does, calls the new one after, and closes the old one once its calls settled", async () => {
    const stuck = fake()
    const sound = fake()
    const result = await run([stuck, sound], (admin) =>
      Effect.gen(function* () {
        stuck.answers = false
        const first = yield* callWithin(admin.call("metadata", (c) => c.listTopics()), limit)
        yield* settle(() => sound.connected)
        const second = yield* callWithin(admin.call("metadata", (c) => c.listTopics()), limit)
        // Closed only once its hanging call has settled: the library's disconnect would wait for it, blocking.
        yield* settle(() => sound.calls === 2)
        const closedWhileHanging = stuck.disconnected
        stuck.settle()
        yield* settle(() => stuck.disconnected)
        return { first, second, closedWhileHanging, soundClosed: sound.disconnected }
      })
    )
    expect(Either.isLeft(result.first) && result.first.left.message).toBe("Kafka metadata failed: no answer from the broker within 10s")
    expect(result.second).toEqual(Either.right(["t"]))
    expect(result.closedWhileHanging).toBe(false)
    expect({ stuck: stuck.calls, sound: sound.calls, soundClosed: result.soundClosed }).toEqual({ stuck: 2, sound: 2, soundClosed: false })
  })

  it("keeps its client while no new client answers either (the broker is out), and closes each one it tried", async () => {
    const stuck = fake()
    const tried = [fake(), fake()]
    const result = await run([stuck, ...tried], (admin) =>
      Effect.gen(function* () {
        stuck.answers = false
        for (const candidate of tried) candidate.answers = false
        yield* callWithin(admin.call("metadata", (c) => c.listTopics()), limit)
        yield* settle(() => tried[0]!.calls === 1)
        yield* TestClock.adjust(limit)
        tried[0]!.settle()
        yield* settle(() => tried[0]!.disconnected)
        yield* callWithin(admin.call("metadata", (c) => c.listTopics()), limit)
        yield* settle(() => tried[1]!.calls === 1)
        yield* TestClock.adjust(limit)
        tried[1]!.settle()
        yield* settle(() => tried[1]!.disconnected)
        stuck.answers = true
        const back = yield* callWithin(admin.call("metadata", (c) => c.listTopics()), limit)
        return { back, kept: !stuck.disconnected }
      })
    )
    expect(result).toEqual({ back: Either.right(["t"]), kept: true })
  })

  it("asks for the second opinion even when the caller gave up before the call's own limit", async () => {
    const stuck = fake()
    const sound = fake()
    const result = await run([stuck, sound], (admin) =>
      Effect.gen(function* () {
        stuck.answers = false
        const probe = admin.call("metadata", (c) => c.listTopics()).pipe(Effect.timeout(Duration.seconds(2)))
        const gaveUp = yield* callWithin(probe, Duration.seconds(2))
        yield* TestClock.adjust(limit)
        yield* settle(() => sound.connected && sound.calls === 1)
        return { gaveUp, after: yield* callWithin(probe, Duration.seconds(2)) }
      })
    )
    expect(Either.isLeft(result.gaveUp)).toBe(true)
    expect(result.after).toEqual(Either.right(["t"]))
  })

  it("asks one new client at a time, however many calls time out together", async () => {
    const stuck = fake()
    const slow = fake()
    const spare = fake()
    const result = await run([stuck, slow, spare], (admin) =>
      Effect.gen(function* () {
        stuck.answers = false
        slow.answers = false
        const calls = yield* Effect.fork(
          Effect.all(Array.from({ length: 5 }, () => Effect.either(admin.call("metadata", (c) => c.listTopics()))), {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust(limit)
        const failed = (yield* Fiber.join(calls)).filter(Either.isLeft).length
        yield* settle(() => slow.calls === 1)
        return { failed, made: made(stuck, slow, spare) }
      })
    )
    expect(result).toEqual({ failed: 5, made: 2 })
  })
})

interface Fake extends AdminClient {
  /** Whether its calls answer now; a call made while it does not hangs until `settle` (the library's own timeout). */
  answers: boolean
  calls: number
  /** Ends the calls left hanging, as the library does at their own timeout. */
  settle: () => void
  connected: boolean
  disconnected: boolean
}

const fake = (): Fake => {
  const hanging: Array<(error: Error) => void> = []
  const client: Fake = {
    answers: true,
    calls: 0,
    settle: () => {
      for (const fail of hanging.splice(0)) fail(new Error("Local: Timed out"))
    },
    connected: false,
    disconnected: false,
    connect: async () => {
      client.connected = true
    },
    listTopics: () => {
      client.calls++
      return client.answers ? Promise.resolve(["t"]) : new Promise((_, reject) => hanging.push(reject))
    },
    disconnect: async () => {
      client.disconnected = true
    }
  }
  return client
}

/** How many of `clients` were handed out (connected). */
const made = (...clients: ReadonlyArray<Fake>) => clients.filter((c) => c.connected).length

type Admin = Effect.Effect.Success<ReturnType<typeof sharedAdmin<Fake>>>

/** Runs `body` on the test clock with a shared admin over `clients`, handed out in order. */
const run = <A>(clients: ReadonlyArray<Fake>, body: (admin: Admin) => Effect.Effect<A>) => {
  let next = 0
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const admin = yield* sharedAdmin({ newClient: () => clients[next++]!, callTimeout: Duration.seconds(10) })
        return yield* body(admin)
      })
    ).pipe(Effect.provide(TestContext.TestContext))
  )
}

/** Starts a call, moves the test clock past `limit`, and returns how it ended. */
const callWithin = <A, E>(call: Effect.Effect<A, E>, limit: Duration.Duration) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.either(call))
    yield* TestClock.adjust(limit)
    return yield* Fiber.join(fiber)
  })

/** Lets the admin's background work (second opinions, closes) run until `done` holds; fails if it never does. */
const settle = (done: () => boolean) =>
  Effect.gen(function* () {
    for (let i = 0; i < 1000 && !done(); i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
    if (!done()) return yield* Effect.dieMessage("the shared admin never got there")
  })
