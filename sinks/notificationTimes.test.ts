import { describe, expect, it } from "vitest"
import { clockOf, dueAt, isQuiet, localMinute, minutesOf, nextLocal, type Timing } from "./notificationTimes.js"

const none: Timing = { quietFrom: null, quietTo: null, digestAt: null, timeZone: "UTC" }

describe("notification times", () => {
  it("reads the local time of day in the seeker's zone", () => {
    expect(localMinute(new Date("2026-07-01T12:34:00Z"), "UTC")).toBe(12 * 60 + 34)
    // Berlin is UTC+2 in summer, New York UTC-4.
    expect(localMinute(new Date("2026-07-01T12:34:00Z"), "Europe/Berlin")).toBe(14 * 60 + 34)
    expect(localMinute(new Date("2026-07-01T02:00:00Z"), "America/New_York")).toBe(22 * 60)
  })

  it("finds the next instant of a local time, today or tomorrow", () => {
    const at = new Date("2026-07-01T12:00:00Z")
    expect(nextLocal(at, "UTC", minutesOf("13:30")).toISOString()).toBe("2026-07-01T13:30:00.000Z")
    expect(nextLocal(at, "UTC", minutesOf("08:00")).toISOString()).toBe("2026-07-02T08:00:00.000Z")
    expect(nextLocal(at, "UTC", minutesOf("12:00")).toISOString()).toBe("2026-07-01T12:00:00.000Z")
    expect(nextLocal(at, "Europe/Berlin", minutesOf("08:00")).toISOString()).toBe("2026-07-02T06:00:00.000Z")
  })

  it("keeps local time across a daylight-saving change", () => {
    // Europe/Berlin moves from UTC+2 to UTC+1 in the night of 25 October 2026.
    const at = new Date("2026-10-24T20:00:00Z")
    expect(nextLocal(at, "Europe/Berlin", minutesOf("08:00")).toISOString()).toBe("2026-10-25T07:00:00.000Z")
    // And from UTC+1 to UTC+2 in the night of 29 March 2026.
    expect(nextLocal(new Date("2026-03-28T20:00:00Z"), "Europe/Berlin", minutesOf("07:00")).toISOString()).toBe(
      "2026-03-29T05:00:00.000Z"
    )
  })

  it("tells quiet hours, also across midnight", () => {
    expect(isQuiet(minutesOf("23:00"), minutesOf("22:00"), minutesOf("07:00"))).toBe(true)
    expect(isQuiet(minutesOf("06:59"), minutesOf("22:00"), minutesOf("07:00"))).toBe(true)
    expect(isQuiet(minutesOf("07:00"), minutesOf("22:00"), minutesOf("07:00"))).toBe(false)
    expect(isQuiet(minutesOf("12:30"), minutesOf("12:00"), minutesOf("13:00"))).toBe(true)
    expect(isQuiet(minutesOf("13:00"), minutesOf("12:00"), minutesOf("13:00"))).toBe(false)
  })

  it("holds a notification to the end of quiet hours and email to the digest", () => {
    const night = new Date("2026-07-01T23:30:00Z")
    const quiet: Timing = { ...none, quietFrom: minutesOf("22:00"), quietTo: minutesOf("07:00") }
    expect(dueAt(night, none, "webhook")).toEqual(night)
    expect(dueAt(night, quiet, "webhook").toISOString()).toBe("2026-07-02T07:00:00.000Z")
    expect(dueAt(new Date("2026-07-01T12:00:00Z"), quiet, "email").toISOString()).toBe("2026-07-01T12:00:00.000Z")
    const digest: Timing = { ...quiet, digestAt: minutesOf("18:00") }
    expect(dueAt(new Date("2026-07-01T12:00:00Z"), digest, "email").toISOString()).toBe("2026-07-01T18:00:00.000Z")
    expect(dueAt(new Date("2026-07-01T12:00:00Z"), digest, "webhook").toISOString()).toBe("2026-07-01T12:00:00.000Z")
  })

  it("writes clock times back", () => {
    expect(clockOf(minutesOf("07:05"))).toBe("07:05")
    expect(clockOf(0)).toBe("00:00")
  })
})
