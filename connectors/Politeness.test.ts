import { describe, expect, it } from "vitest"
import { backoffMs, BreakerOpen, DailyLimitReached, defaultRetry, make, retryAfterMs } from "./Politeness.js"

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

describe("backoffMs", () => {
  it("doubles its ceiling each attempt up to the maximum, with full jitter below it", () => {
    const policy = { ...defaultRetry, baseDelayMs: 1000, maxDelayMs: 8000 }
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, policy, () => 1))).toEqual([1000, 2000, 4000, 8000, 8000])
    expect(backoffMs(3, policy, () => 0)).toBe(0)
    expect(backoffMs(3, policy, () => 0.5)).toBe(2000)
  })
})

describe("Politeness", () => {
  it("spaces one host's requests by its rate and leaves other hosts alone", async () => {
    let now = 1_000_000
    const politeness = make(() => now)
    await politeness.slot("a.example", { perMinute: 60 })
    // The next slot of a.example is a second later; b.example has its own.
    const waits: Array<string> = []
    const next = politeness.slot("a.example", { perMinute: 60 }).then(() => waits.push("a"))
    await politeness.slot("b.example", { perMinute: 60 }).then(() => waits.push("b"))
    expect(waits).toEqual(["b"])
    now += 1000
    await next
    expect(waits).toEqual(["b", "a"])
  })

  it("refuses a host's requests past its daily quota, and counts afresh the next UTC day", async () => {
    let now = Date.parse("2026-11-25T23:59:00Z")
    const politeness = make(() => now)
    const rate = { perMinute: 60_000, perDay: 2 }
    await politeness.slot("api.adzuna.com", rate)
    now += 1
    await politeness.slot("api.adzuna.com", rate)
    await expect(politeness.slot("api.adzuna.com", rate)).rejects.toBeInstanceOf(DailyLimitReached)
    now = Date.parse("2026-11-26T00:00:01Z")
    await expect(politeness.slot("api.adzuna.com", rate)).resolves.toBeUndefined()
  })

  it("opens a source's breaker after failures in a row, lets one trial through after the cooldown, and closes on success", () => {
    let now = 0
    const politeness = make(() => now)
    const policy = { failures: 3, cooldownMs: 60_000 }
    expect(politeness.settle("s", false, policy)).toBe(false)
    expect(politeness.settle("s", true, policy)).toBe(false)
    expect([1, 2, 3].map(() => politeness.settle("s", false, policy))).toEqual([false, false, true])
    expect(() => politeness.checkBreaker("s")).toThrow(BreakerOpen)
    expect(() => politeness.checkBreaker("other")).not.toThrow()
    now += 60_001
    expect(() => politeness.checkBreaker("s")).not.toThrow()
    // The trial fails: open again at once, without waiting for three more failures.
    expect(politeness.settle("s", false, policy)).toBe(true)
    expect(politeness.breakerOpen("s")).toBe(true)
    now += 60_001
    expect(politeness.settle("s", true, policy)).toBe(false)
    expect(politeness.breakerOpen("s")).toBe(false)
    expect(politeness.settle("s", false, policy)).toBe(false)
  })
})
