import { Deferred, Duration, Effect, Fiber, Ref, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import type { StageHealth } from "../schemas/Api.js"
import { isHealthy, isStalled, StageMonitor } from "./StageMonitor.js"
import { supervise } from "./supervisor.js"

const run = <A, E>(effect: Effect.Effect<A, E, StageMonitor>) =>
  Effect.runPromise(effect.pipe(Effect.provide(StageMonitor.layer), Effect.provide(TestContext.TestContext)))

const options = { initialDelay: "1 second", maxDelay: "8 seconds", stableAfter: "60 seconds" } as const

describe("supervise", () => {
  it("starts a failing loop again after a backoff, says so in the monitor, and never fails itself", async () => {
    const { attempts, health } = await run(
      Effect.gen(function* () {
        const attempts = yield* Ref.make(0)
        const fiber = yield* Effect.fork(supervise("flaky", Ref.updateAndGet(attempts, (n) => n + 1).pipe(
          Effect.flatMap((n) => Effect.fail(new Error(`attempt ${n} failed`)))
        ), options))
        // Backoff bounds: 1, 2, 4, 8, 8 s (each at most), so 40 s of clock allow at least 5 restarts.
        yield* TestClock.adjust(Duration.seconds(40))
        const monitor = yield* StageMonitor
        const health = (yield* monitor.snapshot).flaky!
        yield* Fiber.interrupt(fiber)
        return { attempts: yield* Ref.get(attempts), health }
      })
    )
    expect(attempts).toBeGreaterThanOrEqual(6)
    expect(health.state).toBe("restarting")
    expect(health.restarts).toBe(attempts)
    expect(health.lastError).toBe(`attempt ${attempts} failed`)
  })

  it("waits longer after each failure in a row, up to the bound", async () => {
    const starts = await run(
      Effect.gen(function* () {
        const starts = yield* Ref.make<Array<number>>([])
        const fiber = yield* Effect.fork(
          supervise("down", Effect.zipRight(Effect.flatMap(TestClock.currentTimeMillis, (t) => Ref.update(starts, (s) => [...s, t])), Effect.fail("down")), options)
        )
        for (let i = 0; i < 200; i++) yield* TestClock.adjust(Duration.millis(500))
        yield* Fiber.interrupt(fiber)
        return yield* Ref.get(starts)
      })
    )
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!)
    // Each gap lies between half the first delay and the doubling bound (1, 2, 4, 8, 8, ...) plus one clock step.
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(500)
      expect(gap).toBeLessThanOrEqual(Math.min(8000, 1000 * 2 ** i) + 500)
    })
    expect(gaps.length).toBeGreaterThan(8)
  })

  it("keeps restarting one loop while another goes on undisturbed", async () => {
    const ticks = await run(
      Effect.gen(function* () {
        const ticks = yield* Ref.make(0)
        const steady = Effect.forever(Effect.zipRight(Ref.update(ticks, (n) => n + 1), Effect.sleep("1 second")))
        const fiber = yield* Effect.fork(
          Effect.all([supervise("broken", Effect.die(new Error("boom")), options), supervise("steady", steady, options)], {
            concurrency: "unbounded"
          })
        )
        yield* TestClock.adjust(Duration.seconds(30))
        yield* Fiber.interrupt(fiber)
        return yield* Ref.get(ticks)
      })
    )
    expect(ticks).toBeGreaterThanOrEqual(30)
  })

  it("stops at once when interrupted, without counting a restart", async () => {
    const health = await run(
      Effect.gen(function* () {
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(supervise("long", Effect.zipRight(Deferred.succeed(started, undefined), Effect.never), options))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        return (yield* Effect.flatMap(StageMonitor, (m) => m.snapshot)).long
      })
    )
    expect(health?.restarts ?? 0).toBe(0)
  })
})

describe("stage health", () => {
  const now = Date.parse("2026-12-01T12:00:00Z")
  const base: StageHealth = {
    state: "running",
    member: true,
    partitions: 3,
    lag: 0,
    lastProgressAt: "2026-12-01T11:59:00Z",
    startedAt: "2026-12-01T11:00:00Z",
    restarts: 0,
    lastError: null
  }

  it("calls a stage stalled only when input waits and progress is older than the limit", () => {
    expect(isStalled(base, now, 30_000)).toBe(false) // nothing waiting
    expect(isStalled({ ...base, lag: 10 }, now, 30_000)).toBe(true)
    expect(isStalled({ ...base, lag: 10 }, now, 90_000)).toBe(false)
    expect(isStalled({ ...base, lag: null }, now, 30_000)).toBe(false) // the broker cannot say
    // A stage restarted recently is judged from its restart, not from progress made before it.
    expect(isStalled({ ...base, lag: 10, lastProgressAt: null, startedAt: "2026-12-01T11:59:50Z" }, now, 30_000)).toBe(false)
    expect(isStalled({ ...base, lag: 10, lastProgressAt: null, startedAt: "2026-12-01T11:58:00Z" }, now, 30_000)).toBe(true)
  })

  it("is healthy only running, in its group and not stalled", () => {
    expect(isHealthy(base, now, 30_000)).toBe(true)
    expect(isHealthy({ ...base, member: false }, now, 30_000)).toBe(false)
    expect(isHealthy({ ...base, state: "retrying" }, now, 30_000)).toBe(false)
    expect(isHealthy({ ...base, state: "restarting" }, now, 30_000)).toBe(false)
    expect(isHealthy({ ...base, lag: 5 }, now, 30_000)).toBe(false)
  })
})
