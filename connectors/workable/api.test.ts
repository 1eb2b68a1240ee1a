import { describe, expect, it } from "vitest"
import { fixture, textToHtml } from "../demo-site/catalog.js"
import { workableAccount } from "../replay/boards.js"
import type { BoardConfig } from "../SourceApi.js"
import { workableApi } from "./api.js"

const BOARD: BoardConfig = { source: "workable-acme", board: "acme" }
const rows = fixture().slice(0, 8)
const body = workableAccount(rows, { board: "acme", name: "Acme Analytics" })
const request = workableApi.start(BOARD)[0]!
const parseJson = (json: unknown) => workableApi.parse(JSON.stringify(json), request, BOARD)

describe("workableApi.start", () => {
  it("lists the account's jobs with details on the public host", () => {
    expect(workableApi.start(BOARD)).toEqual([
      { url: "https://apply.workable.com/api/v1/widget/accounts/acme?details=true", label: "list" }
    ])
  })

  it("appends the same path to a baseUrl", () => {
    expect(workableApi.start({ ...BOARD, baseUrl: "http://127.0.0.1:9999/workable" })[0]!.url).toBe(
      "http://127.0.0.1:9999/workable/api/v1/widget/accounts/acme?details=true"
    )
  })

  it("refuses a source without an account, naming the source", () => {
    expect(() => workableApi.start({ source: "workable-nobody" })).toThrow(/workable-nobody.*account/)
  })
})

describe("workableApi.parse", () => {
  it("maps every field of a real posting to RawFields", () => {
    const page = parseJson(body)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const job = body.jobs[0]!
    expect(page.postings[0]).toEqual({
      externalId: job.shortcode,
      url: `https://apply.workable.com/j/${job.shortcode}`,
      fields: {
        title: "Data Scientist",
        company: "Acme Analytics",
        description: textToHtml(rows[0]!.description),
        locations: ["Albuquerque, NM, United States"],
        remote: false,
        employmentType: ["Full-time"],
        datePosted: "2024-06-03",
        requisitionId: `JOB-${rows[0]!.sourceRow}`
      },
      payload: job
    })
    expect(page.postings[5]!.fields.remote).toBe(true)
    expect(page.postings[4]!.fields.employmentType).toEqual(["Part-time"])
  })

  it("leaves out hidden locations and falls back to the job's own place, the board name and created_at", () => {
    const job = body.jobs[2]!
    const locations = [
      { country: "United States", countryCode: "US", city: "Seattle", region: "WA", hidden: false },
      { country: "Canada", countryCode: "CA", city: "Vancouver", region: "BC", hidden: true },
      { country: "United States", countryCode: "US", city: "", region: "", hidden: false }
    ]
    const listed = parseJson({ jobs: [{ ...job, locations }] }).postings[0]!.fields
    expect(listed.locations).toEqual(["Seattle, WA, United States", "United States"])
    const { published_on: _published, code: _code, ...bare } = job
    const own = parseJson({ jobs: [{ ...bare, locations: [] }] }).postings[0]!.fields
    expect(own.locations).toEqual(["Seattle, WA, United States"])
    expect(own.company).toBe("acme")
    expect(own.datePosted).toBe("2024-05-31")
    expect(own.requisitionId).toBeUndefined()
  })

  it("shows no place when every location is hidden, not the job's own city the employer hid", () => {
    // The replayed fourth job's only location is hidden; its own city, state and country are still in the job.
    const hidden = body.jobs[3]!
    expect(hidden.locations.every((l) => l.hidden)).toBe(true)
    expect(hidden.city).not.toBe("")
    const fields = parseJson({ jobs: [hidden] }).postings[0]!.fields
    expect(fields.locations).toBeUndefined()
    expect(fields.remote).toBe(hidden.telecommuting)
    const remote = { ...hidden, telecommuting: true }
    expect(parseJson({ jobs: [remote] }).postings[0]!.fields).toMatchObject({ remote: true })
    expect(parseJson({ jobs: [remote] }).postings[0]!.fields.locations).toBeUndefined()
  })

  it("uses the short link, then the application form, when the job page is missing", () => {
    const { url: _url, ...job } = body.jobs[0]!
    expect(parseJson({ jobs: [{ ...job, shortlink: "https://apply.workable.com/j/SHORT" }] }).postings[0]!.url).toBe(
      "https://apply.workable.com/j/SHORT"
    )
    const { shortlink: _short, ...formOnly } = job
    expect(parseJson({ jobs: [formOnly] }).postings[0]!.url).toBe(`${body.jobs[0]!.url}/apply`)
  })

  it("skips a bad job with an error naming it and returns the others", () => {
    const { url: _u, shortlink: _s, application_url: _a, ...noLinks } = body.jobs[1]!
    const jobs = [body.jobs[0], noLinks, { ...body.jobs[2]!, telecommuting: "sometimes" }, { ...body.jobs[3]!, shortcode: "" }, body.jobs[4]]
    const page = parseJson({ name: "Acme Analytics", jobs })
    expect(page.postings.map((p) => p.externalId)).toEqual([body.jobs[0]!.shortcode, body.jobs[4]!.shortcode])
    expect(page.errors).toEqual([
      `workable: ${request.url}: job 2 of 5 (shortcode "${body.jobs[1]!.shortcode}") skipped: it has no url, shortlink or application_url`,
      expect.stringMatching(/job 3 of 5 \(shortcode "W[0-9A-F]+"\) skipped: telecommuting: Expected boolean, actual "sometimes"/),
      expect.stringMatching(/job 4 of 5 \(shortcode ""\) skipped: shortcode: /)
    ])
  })

  it("reports a body that is not JSON, or not an account's job list", () => {
    const page = workableApi.parse('{"jobs": [', request, BOARD)
    expect(page).toEqual({ postings: [], next: [], errors: [expect.stringMatching(/^workable: .*not JSON .*starts with "\{\\"jobs\\": \["/)] })
    expect(parseJson({ error: "Not found" }).errors).toEqual([expect.stringMatching(/not an account's job list \(jobs: is missing\)/)])
  })
})
