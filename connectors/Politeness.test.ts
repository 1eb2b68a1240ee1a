import { Chunk, Duration, Effect, Exit, Fiber, Random, Schedule, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { backoff, BreakerOpen, DailyLimitReached, defaultRetry, make, retryAfterMs } from "./Politeness.js"

/** Runs on Effect's TestClock: time moves only when a test moves it, so no test sleeps. */
const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect.pipe(Effect.provide(TestContext.TestContext)))

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2026-11-25T12:00:00Z")
    expect(retryAfterMs("120", now)).toBe(120_000)
    expect(retryAfterMs("Wed, 25 Nov 2026 12:00:30 GMT", now)).toBe(30_000)
    expect(retryAfterMs("Wed, 25 Nov 2026 11:00:00 GMT", now)).toBe(0)
    expect(retryAfterMs(null, now)).toBeUndefined()
    expect(retryAfterMs("soon", now)).toBeUndefined()
    expect(retryAfterMs("-5", now)).toBeUndefined()
  })
})

describe("backoff", () => {
  /** The schedule's pauses before retries 1..`retries`, each drawn with `Random` answering `random`. */
  const pauses = (policy: typeof defaultRetry, retries: number, random: number) =>
    Effect.runSync(
      Schedule.run(Schedule.delays(backoff(policy)), 0, Array.from({ length: retries }, () => undefined)).pipe(
        Effect.map((delays) => Chunk.toReadonlyArray(delays).map(Duration.toMillis)),
        Effect.withRandom(Random.fixed([random]))
      )
    )

  it("doubles its ceiling each attempt up to the maximum, with full jitter below it", () => {
    const policy = { ...defaultRetry, baseDelayMs: 1000, maxDelayMs: 8000 }
    expect(pauses(policy, 5, 1)).toEqual([1000, 2000, 4000, 8000, 8000])
    expect(pauses(policy, 3, 0)[2]).toBe(0)
    expect(pauses(policy, 3, 0.5)[2]).toBe(2000)
  })
})

describe("Politeness", () => {
  it("spaces one host's requests by its rate and leaves other hosts alone", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(1_000_000)
        const politeness = yield* make
        yield* politeness.slot("a.example", { perMinute: 60 })
        // The next slot of a.example is a second later; b.example has its own.
        const waits: Array<string> = []
        const next = yield* Effect.fork(politeness.slot("a.example", { perMinute: 60 }).pipe(Effect.map(() => waits.push("a"))))
        // Let the fork claim its slot first, as the call did before anything else ran.
        yield* Effect.yieldNow()
        yield* politeness.slot("b.example", { perMinute: 60 }).pipe(Effect.map(() => waits.push("b")))
        expect(waits).toEqual(["b"])
        yield* TestClock.adjust(Duration.millis(1000))
        yield* Fiber.join(next)
        expect(waits).toEqual(["b", "a"])
      })
    ))

  it("refuses a host's requests past its daily quota, and counts afresh the next UTC day", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2026-11-25T23:59:00Z"))
        const politeness = yield* make
        const rate = { perMinute: 60_000, perDay: 2 }
        yield* politeness.slot("api.adzuna.com", rate)
        yield* TestClock.adjust(Duration.millis(1))
        yield* politeness.slot("api.adzuna.com", rate)
        expect(yield* Effect.flip(politeness.slot("api.adzuna.com", rate))).toBeInstanceOf(DailyLimitReached)
        yield* TestClock.setTime(Date.parse("2026-11-26T00:00:01Z"))
        expect(yield* politeness.slot("api.adzuna.com", rate)).toBeUndefined()
      })
    ))

  it("opens a source's breaker after failures in a row, lets one trial through after the cooldown, and closes on success", () =>
    run(
      Effect.gen(function* () {
        const politeness = yield* make
        const policy = { failures: 3, cooldownMs: 60_000 }
        const settle = (ok: boolean) => politeness.settle("s", ok, policy)
        expect(yield* settle(false)).toBe(false)
        expect(yield* settle(true)).toBe(false)
        expect(yield* Effect.all([1, 2, 3].map(() => settle(false)))).toEqual([false, false, true])
        expect(yield* Effect.flip(politeness.checkBreaker("s"))).toBeInstanceOf(BreakerOpen)
        expect(yield* Effect.exit(politeness.checkBreaker("other"))).toEqual(Exit.void)
        yield* TestClock.adjust(Duration.millis(60_001))
        expect(yield* Effect.exit(politeness.checkBreaker("s"))).toEqual(Exit.void)
        // The trial fails: open again at once, without waiting for three more failures.
        expect(yield* settle(false)).toBe(true)
        expect(yield* politeness.breakerOpen("s")).toBe(true)
        yield* TestClock.adjust(Duration.millis(60_001))
        expect(yield* settle(true)).toBe(false)
        expect(yield* politeness.breakerOpen("s")).toBe(false)
        expect(yield* settle(false)).toBe(false)
      })
    ))
})
