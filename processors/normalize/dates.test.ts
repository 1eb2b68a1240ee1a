import { describe, expect, it } from "vitest"
import { toCalendarDate } from "./dates.js"
import { NOW } from "./testing.js"

describe("toCalendarDate", () => {
  it.each([
    ["2024-05-01", "2024-05-01"],
    ["2024-05-01T10:00:00Z", "2024-05-01"],
    ["2024-05-01T23:30:00-05:00", "2024-05-01"],
    ["2024-05-01T10:00:00.123+0200", "2024-05-01"],
    ["2024-05-01 10:00:00", "2024-05-01"],
    ["2024-5-1", "2024-05-01"],
    ["2024/05/01", "2024-05-01"],
    ["20240501", "2024-05-01"],
    ["2024-02-29", "2024-02-29"],
    ["1714605534", "2024-05-01"],
    ["1714605534000", "2024-05-01"],
    ["May 1, 2024", "2024-05-01"],
    ["1 May 2024", "2024-05-01"],
    ["Sept. 3, 2023", "2023-09-03"]
  ])("reads %j", (input, expected) => {
    expect(toCalendarDate(input)).toBe(expected)
  })

  it.each([
    "", "   ", "not a date", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "05/01/2024", "2024-05-01T99:99",
    "2024-05-01 garbage", "1850-01-01", "30+ days ago", "Smarch 3, 2024"
  ])("gives null for %j", (input) => {
    expect(toCalendarDate(input, NOW)).toBeNull()
  })

  it("resolves relative dates against now", () => {
    expect(toCalendarDate("today", NOW)).toBe("2024-06-10")
    expect(toCalendarDate("Just posted", NOW)).toBe("2024-06-10")
    expect(toCalendarDate("yesterday", NOW)).toBe("2024-06-09")
    expect(toCalendarDate("Posted 3 days ago", NOW)).toBe("2024-06-07")
    expect(toCalendarDate("2 weeks ago", NOW)).toBe("2024-05-27")
    expect(toCalendarDate("13 hours ago", NOW)).toBe("2024-06-09")
    expect(toCalendarDate("3 days ago")).toBeNull()
  })
})
