import { describe, expect, it } from "vitest"
import { jitterShare, nextDelay } from "./scheduler.js"

describe("nextDelay", () => {
  it("moves the interval by at most ±10%, uniformly with the random draw", () => {
    const hour = 3_600_000
    expect(nextDelay(hour, 0)).toBe(hour * (1 - jitterShare))
    expect(nextDelay(hour, 0.5)).toBe(hour)
    expect(nextDelay(hour, 0.999999)).toBeLessThanOrEqual(hour * (1 + jitterShare))
    const draws = Array.from({ length: 1000 }, (_, i) => nextDelay(hour, i / 1000))
    expect(new Set(draws).size).toBe(1000)
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(hour * 0.9)
  })
})
