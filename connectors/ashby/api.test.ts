import { describe, expect, it } from "vitest"
import { fixture, textToHtml } from "../demo-site/catalog.js"
import { ashbyJobBoard } from "../replay/boards.js"
import type { BoardConfig } from "../SourceApi.js"
import { ashbyApi } from "./api.js"

const BOARD: BoardConfig = { source: "ashby-acme", board: "acme" }
const rows = fixture().slice(0, 8)
const board = ashbyJobBoard(rows, { board: "acme" })
const request = ashbyApi.start(BOARD)[0]!
const parseJson = (json: unknown) => ashbyApi.parse(JSON.stringify(json), request, BOARD)

describe("ashbyApi.start", () => {
  it("lists the board with compensation on the public host", () => {
    expect(ashbyApi.start(BOARD)).toEqual([
      { url: "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true", label: "list" }
    ])
  })

  it("appends the same path to a baseUrl", () => {
    expect(ashbyApi.start({ ...BOARD, baseUrl: "http://127.0.0.1:9999/ashby" })[0]!.url).toBe(
      "http://127.0.0.1:9999/ashby/posting-api/job-board/acme?includeCompensation=true"
    )
  })

  it("refuses a source without a job board name, naming the source", () => {
    expect(() => ashbyApi.start({ source: "ashby-nobody", board: "" })).toThrow(/ashby-nobody.*job board name/)
  })
})

describe("ashbyApi.parse", () => {
  it("maps every field of a real posting to RawFields", () => {
    const page = parseJson(board)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const job = board.jobs[0]!
    expect(page.postings[0]).toEqual({
      externalId: job.id,
      url: `https://jobs.ashbyhq.com/acme/${job.id}`,
      fields: {
        title: "Data Scientist",
        company: "acme",
        description: textToHtml(rows[0]!.description),
        locations: ["Albuquerque, NM"],
        remote: false,
        employmentType: ["FullTime"],
        datePosted: "2024-06-03T16:21:55.393+00:00",
        salary: { min: 53_000, max: 91_000, currency: "USD", unit: "1 YEAR" }
      },
      payload: job
    })
    expect(page.postings[5]!.fields.remote).toBe(true)
    expect(page.postings[4]!.fields.employmentType).toEqual(["PartTime"])
  })

  it("leaves out unlisted jobs without an error", () => {
    const jobs = board.jobs.map((job, i) => (i % 2 === 1 ? { ...job, isListed: false } : job))
    const page = parseJson({ apiVersion: "1", jobs })
    expect(page.errors).toEqual([])
    expect(page.postings.map((p) => p.externalId)).toEqual(board.jobs.filter((_, i) => i % 2 === 0).map((j) => j.id))
  })

  it("reads secondary locations, the workplace type without isRemote, and the plain description", () => {
    const { isRemote: _remote, descriptionHtml: _html, ...job } = board.jobs[1]!
    const secondaryLocations = [{ location: "San Francisco", address: { addressLocality: "San Francisco" } }, { location: "San Jose, CA" }]
    const fields = parseJson({ jobs: [{ ...job, workplaceType: "Remote", secondaryLocations }] }).postings[0]!.fields
    expect(fields.locations).toEqual(["San Jose, CA", "San Francisco"])
    expect(fields.remote).toBe(true)
    expect(fields.description).toBe(rows[1]!.description)
    expect(parseJson({ jobs: [{ ...job, workplaceType: "Hybrid" }] }).postings[0]!.fields.remote).toBe(false)
  })

  it("takes the salary component, not equity, from the summary or else the tiers", () => {
    const equity = { compensationType: "EquityPercentage", interval: "NONE", currencyCode: null, minValue: 0.5, maxValue: 1.75 }
    const salary = { compensationType: "Salary", interval: "1 YEAR", currencyCode: "EUR", minValue: 81_000, maxValue: 87_000 }
    const job = board.jobs[0]!
    const fromSummary = parseJson({ jobs: [{ ...job, compensation: { summaryComponents: [equity, salary] } }] })
    expect(fromSummary.postings[0]!.fields.salary).toEqual({ min: 81_000, max: 87_000, currency: "EUR", unit: "1 YEAR" })
    const fromTiers = parseJson({
      jobs: [{ ...job, compensation: { summaryComponents: [equity], compensationTiers: [{ title: "Zone A", components: [equity, salary] }] } }]
    })
    expect(fromTiers.postings[0]!.fields.salary).toEqual({ min: 81_000, max: 87_000, currency: "EUR", unit: "1 YEAR" })
    const equityOnly = parseJson({ jobs: [{ ...job, compensation: { summaryComponents: [equity] } }] })
    expect(equityOnly.postings[0]!.fields.salary).toBeUndefined()
  })

  it("skips a bad job with an error naming it and returns the others", () => {
    const jobs = [board.jobs[0], { ...board.jobs[1]!, jobUrl: null }, { ...board.jobs[2]!, isRemote: "yes" }, board.jobs[3]]
    const page = parseJson({ jobs })
    expect(page.postings.map((p) => p.externalId)).toEqual([board.jobs[0]!.id, board.jobs[3]!.id])
    expect(page.errors).toEqual([
      expect.stringMatching(new RegExp(`^ashby: .*job 2 of 4 \\(id "${board.jobs[1]!.id}"\\) skipped: jobUrl: Expected string, actual null`)),
      expect.stringMatching(/job 3 of 4 .* skipped: isRemote: /)
    ])
  })

  it("reports a body that is not JSON, or not a job board", () => {
    const page = ashbyApi.parse("", request, BOARD)
    expect(page).toEqual({ postings: [], next: [], errors: [expect.stringMatching(/^ashby: .*the body is not JSON/)] })
    const wrong = parseJson({ success: false, errors: ["job board not found"] })
    expect(wrong.postings).toEqual([])
    expect(wrong.errors).toEqual([expect.stringMatching(/ashby: .*not a job board \(jobs: is missing\)/)])
  })
})
