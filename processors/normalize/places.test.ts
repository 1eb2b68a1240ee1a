import { describe, expect, it } from "vitest"
import { cleanLocations, isRemote } from "./places.js"

describe("isRemote and cleanLocations", () => {
  it.each([
    [undefined, ["Remote in USA"], "Software Engineer", true],
    [undefined, ["NYC"], "Software Engineer - NY Remote", true],
    [undefined, ["Chicago, IL"], "Data Engineer 5 - Contract (Remote)", true],
    [undefined, ["Work from home"], "Analyst", true],
    [undefined, ["Anywhere"], "Analyst", true],
    [true, ["Boston, MA"], "Analyst", true],
    [undefined, ["Boston, MA"], "Remote Sensing Scientist", false],
    [undefined, ["Hybrid - Remote 2 days a week"], "Analyst", false],
    [undefined, ["Non-remote"], "Analyst", false],
    [undefined, ["New York, NY"], "Data Scientist", false],
    [false, [], "Data Scientist", false]
  ])("remote flag %j, locations %j, title %j -> %j", (flag, locations, title, expected) => {
    expect(isRemote(flag, locations, title)).toBe(expected)
  })

  it("trims, cleans, dedupes and drops placeholders", () => {
    expect(
      cleanLocations([" New York ,  NY ", "new york, ny", "-1", "N/A", "", "  ", "REMOTE", "remote", "São Paulo &amp; Rio", "Austin, TX,", "Remote in UK"])
    ).toEqual(["New York, NY", "Remote", "São Paulo & Rio", "Austin, TX", "Remote in UK"])
  })

  it("splits packed place lists on |, ; and \" or \" into separate places", () => {
    expect(cleanLocations(["San Francisco, CA | New York City, NY | Seattle, WA"])).toEqual([
      "San Francisco, CA",
      "New York City, NY",
      "Seattle, WA"
    ])
    expect(cleanLocations(["London, UK; Ontario, CAN", "Berlin or Remote (EU)"])).toEqual([
      "London, UK",
      "Ontario, CAN",
      "Berlin",
      "Remote (EU)"
    ])
    // Deduplicated across and within entries, trimmed, empty parts dropped.
    expect(cleanLocations(["Austin, TX | | austin, tx ;", "Austin, TX", " ; Denver, CO"])).toEqual(["Austin, TX", "Denver, CO"])
    // "OR" is Oregon, not a separator; only the word "or" between places splits.
    expect(cleanLocations(["Portland, OR | Seattle, WA", "Salem, OR or Boise, ID"])).toEqual([
      "Portland, OR",
      "Seattle, WA",
      "Salem, OR",
      "Boise, ID"
    ])
    expect(cleanLocations(["Oregon", "New York or"])).toEqual(["Oregon", "New York or"])
  })

  it("ignores non-strings and bounds the list", () => {
    expect(cleanLocations([42, null, "Denver, CO"] as unknown as Array<string>)).toEqual(["Denver, CO"])
    expect(cleanLocations(Array.from({ length: 500 }, (_, i) => `City ${i}`))).toHaveLength(50)
    expect(cleanLocations([Array.from({ length: 500 }, (_, i) => `City ${i}`).join(" | ")])).toHaveLength(50)
    expect(cleanLocations(undefined)).toEqual([])
  })
})
