import { describe, expect, it } from "vitest"
import { normalizeEmploymentType } from "./employmentType.js"

describe("normalizeEmploymentType", () => {
  it.each([
    [["FULL_TIME"], "FULL_TIME"], [["Full-time"], "FULL_TIME"], [["full time"], "FULL_TIME"], [["Fulltime"], "FULL_TIME"],
    [["Permanent"], "FULL_TIME"], [["PART_TIME"], "PART_TIME"], [["Part-Time"], "PART_TIME"],
    [["CONTRACTOR"], "CONTRACTOR"], [["contract"], "CONTRACTOR"], [["Contract-to-hire"], "CONTRACTOR"], [["Freelance"], "CONTRACTOR"],
    [["TEMPORARY"], "TEMPORARY"], [["temp"], "TEMPORARY"], [["Seasonal"], "TEMPORARY"],
    [["INTERN"], "INTERN"], [["Internship"], "INTERN"], [["co-op"], "INTERN"],
    [["VOLUNTEER"], "VOLUNTEER"], [["PER_DIEM"], "PER_DIEM"], [["per diem"], "PER_DIEM"], [["PRN"], "PER_DIEM"],
    [["OTHER"], "OTHER"], [["Regular Full-Time Employee"], "FULL_TIME"],
    [["something else", "PART_TIME"], "PART_TIME"], [["FULL_TIME", "CONTRACTOR"], "FULL_TIME"]
  ])("maps %j to %s", (types, expected) => {
    expect(normalizeEmploymentType(types)).toBe(expected)
  })

  it("gives null for unknown or missing types", () => {
    expect(normalizeEmploymentType(["gibberish"])).toBeNull()
    expect(normalizeEmploymentType([])).toBeNull()
    expect(normalizeEmploymentType(undefined)).toBeNull()
  })

  it.each([
    // Real titles: Glassdoor, then SimplifyJobs.
    ["Data Engineer 5 - Contract (Remote)", "CONTRACTOR"],
    ["Sr. Data Engineer - Contract-to-Hire (Java)", "CONTRACTOR"],
    ["Data Science Intern", "INTERN"],
    ["Part Time – Clinical Robot Associate - Chicago - IL", "PART_TIME"],
    ["Trading Card Specialist - Temp-to-hire", "TEMPORARY"],
    ["Data Associate - 6 Month Contract", "CONTRACTOR"],
    ["Alchemy Analyst - Technical Writer - Part or Full Time", null],
    ["Contract Manager", null],
    ["Government Contracts Specialist", null],
    ["Internal Audit Analyst", null],
    ["Data Scientist", null]
  ])("reads the title %j when the source gives no type", (title, expected) => {
    expect(normalizeEmploymentType(undefined, title)).toBe(expected)
  })

  it("prefers the source's type over the title", () => {
    expect(normalizeEmploymentType(["FULL_TIME"], "Data Science Intern")).toBe("FULL_TIME")
  })
})
