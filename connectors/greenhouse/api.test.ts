import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, textToHtml } from "../demo-site/catalog.js"
import { greenhouseJob, greenhouseJobs } from "../replay/boards.js"
import type { ApiRequest, BoardConfig } from "../SourceApi.js"
import { greenhouseApi } from "./api.js"

const BOARD: BoardConfig = { source: "greenhouse-acme", board: "acme" }
const rows = fixture().slice(0, 6)
const request = (board: BoardConfig = BOARD): ApiRequest => greenhouseApi.start(board)[0]!
const parseJson = (json: unknown) => greenhouseApi.parse(JSON.stringify(json), request(), BOARD)

describe("greenhouseApi.start", () => {
  it("lists the board on the public host, with content", () => {
    expect(greenhouseApi.start(BOARD)).toEqual([
      { url: "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true", label: "list" }
    ])
  })

  it("appends the same path to a baseUrl, and encodes the token", () => {
    const [first] = greenhouseApi.start({ source: "gh", board: "acme labs", baseUrl: "http://127.0.0.1:9999/greenhouse/" })
    expect(first!.url).toBe("http://127.0.0.1:9999/greenhouse/v1/boards/acme%20labs/jobs?content=true")
  })

  it("refuses a source without a board token, naming the source", () => {
    expect(() => greenhouseApi.start({ source: "greenhouse-nobody" })).toThrow(/greenhouse-nobody/)
    expect(() => greenhouseApi.start({ source: "greenhouse-blank", board: "  " })).toThrow(/board token/)
  })
})

describe("greenhouseApi.parse", () => {
  it("maps every field of a real posting to RawFields, and names the single job's pay request", () => {
    const body = greenhouseJobs(rows, { board: "acme" })
    const page = parseJson(body)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const row = rows[0]!
    expect(page.postings[0]).toEqual({
      externalId: String(4_000_000 + row.sourceRow),
      url: `https://job-boards.greenhouse.io/acme/jobs/${4_000_000 + row.sourceRow}`,
      fields: {
        title: "Data Scientist",
        company: "Tecolote Research",
        description: textToHtml(row.description),
        locations: ["Albuquerque, NM"],
        datePosted: "2024-06-03T09:30:00-05:00",
        requisitionId: `REQ-${row.sourceRow}`
      },
      payload: body.jobs[0],
      detail: {
        url: `https://boards-api.greenhouse.io/v1/boards/acme/jobs/${4_000_000 + row.sourceRow}?pay_transparency=true`,
        label: "pay"
      }
    })
  })

  it("keeps each place of a packed location name and each office's place, without repeats", () => {
    const { jobs } = greenhouseJobs(rows, { board: "acme" })
    // The replayed second job packs its place and the third row's into its name, and lists an office for each.
    expect(jobs[1]!.location.name).toBe(`${rows[1]!.location} | ${rows[2]!.location}`)
    expect(parseJson({ jobs: [jobs[1]] }).postings[0]!.fields.locations).toEqual([rows[1]!.location, rows[2]!.location])
    const [job] = jobs
    const office = (name: string, location: string | null) => ({ id: 1, name, location, parent_id: null, child_ids: [] })
    const packed = {
      ...job,
      location: { name: "San Francisco, CA | New York City, NY | Seattle, WA" },
      offices: [office("SF", "San Francisco, CA"), office("Austin", "Austin, TX"), office("Remote", null), office("HQ", null)]
    }
    expect(parseJson({ jobs: [packed] }).postings[0]!.fields.locations).toEqual([
      "San Francisco, CA",
      "New York City, NY",
      "Seattle, WA",
      "Austin, TX",
      "Remote"
    ])
    const semicolons = { ...job, location: { name: "London, UK; Ontario, CAN" }, offices: [] }
    expect(parseJson({ jobs: [semicolons] }).postings[0]!.fields.locations).toEqual(["London, UK", "Ontario, CAN"])
    const officesOnly = { ...job, location: { name: "" }, offices: [office("Remote - US", null)] }
    expect(parseJson({ jobs: [officesOnly] }).postings[0]!.fields.locations).toEqual(["Remote - US"])
  })

  it("unescapes the entity-escaped content exactly once", () => {
    const withAmpersand = fixture().find((r) => r.description.includes("&"))!
    const [job] = greenhouseJobs([withAmpersand], { board: "acme" }).jobs
    expect(job!.content).toMatch(/^&lt;p&gt;/)
    expect(job!.content).toContain("&amp;amp;")
    const description = parseJson({ jobs: [job] }).postings[0]!.fields.description!
    expect(description).toMatch(/^<p>/)
    // The posting's own "&" was HTML-escaped once before Greenhouse escaped the whole: one level remains.
    expect(description).toContain("&amp;")
    expect(description).not.toContain("&amp;amp;")
    expect(description).toBe(textToHtml(withAmpersand.description))
  })

  it("decodes numeric entities and keeps content that already holds tags", () => {
    const [job] = greenhouseJobs(rows.slice(0, 1), { board: "acme" }).jobs
    const escaped = parseJson({ jobs: [{ ...job, content: "&lt;p&gt;R&amp;#38;D &#x2014; 5&#43; years&lt;/p&gt;" }] })
    expect(escaped.postings[0]!.fields.description).toBe("<p>R&#38;D \u2014 5+ years</p>")
    const raw = parseJson({ jobs: [{ ...job, content: "<p>Write &lt;b&gt; for bold; fish &amp; chips</p>" }] })
    expect(raw.postings[0]!.fields.description).toBe("<p>Write &lt;b&gt; for bold; fish &amp; chips</p>")
  })

  it("falls back to the board token for the company and to updated_at for the date", () => {
    const [job] = greenhouseJobs(rows.slice(1, 2), { board: "acme" }).jobs
    const { company_name: _company, first_published: _published, ...older } = job!
    const fields = parseJson({ jobs: [{ ...older, requisition_id: null, location: { name: "" }, offices: null }] }).postings[0]!.fields
    expect(fields.company).toBe("acme")
    expect(fields.datePosted).toBe("2024-06-03T10:55:28-05:00")
    expect(fields.requisitionId).toBeUndefined()
    expect(fields.locations).toBeUndefined()
    expect(fields.salary).toBeUndefined()
  })

  it("skips a bad job with an error naming it and returns the others", () => {
    const { jobs } = greenhouseJobs(rows.slice(0, 4), { board: "acme" })
    const broken = [jobs[0], { ...jobs[1], title: null }, { ...jobs[2], absolute_url: "javascript:alert(1)" }, jobs[3]]
    const page = parseJson({ jobs: broken, meta: { total: 4 } })
    expect(page.postings.map((p) => p.fields.title)).toEqual([rows[0]!.title, rows[3]!.title])
    expect(page.errors).toHaveLength(2)
    expect(page.errors[0]).toMatch(/^greenhouse: .*job 2 of 4 \(id "4000010"\) skipped: title: Expected string, actual null/)
    expect(page.errors[1]).toMatch(/job 3 of 4 \(id "4000020"\) skipped: absolute_url: /)
  })

  it("reports a body that is not JSON, quoting at most 80 characters of it", () => {
    const html = `<!doctype html><html><head><title>Service Unavailable</title></head><body>${"x".repeat(500)}</body></html>`
    const page = greenhouseApi.parse(html, request(), BOARD)
    expect(page.postings).toEqual([])
    expect(page.errors).toHaveLength(1)
    expect(page.errors[0]).toMatch(/^greenhouse: https:\/\/boards-api\.greenhouse\.io\/v1\/boards\/acme\/jobs\?content=true: the body is not JSON/)
    expect(page.errors[0]).toContain('"<!doctype html><html><head><title>Service Unavailable')
    expect(page.errors[0]).not.toContain("x".repeat(81))
  })

  it("reports JSON that is not a job list", () => {
    const page = parseJson({ status: 404, error: "Job board not found" })
    expect(page.postings).toEqual([])
    expect(page.errors).toEqual([expect.stringMatching(/greenhouse: .*not a job list \(jobs: is missing\)/)])
    expect(parseJson({ jobs: "none" }).errors[0]).toMatch(/jobs: Expected ReadonlyArray<unknown>/)
  })
})

describe("greenhouseApi.complete", () => {
  const listed = parseJson(greenhouseJobs(rows, { board: "acme" })).postings[0]!
  const complete = (json: unknown, posting = listed) => greenhouseApi.complete!(JSON.stringify(json), posting.detail!, posting)

  it("fills the salary from the single job's pay ranges and keeps them in the payload", () => {
    const job = greenhouseJob(rows, 0, { board: "acme", payTransparency: true })
    const completed = Either.getOrThrow(complete(job))
    expect(completed.fields).toEqual({ ...listed.fields, salary: { min: 53_000, max: 91_000, currency: "USD" } })
    expect(completed.payload).toEqual({ ...(listed.payload as object), pay_input_ranges: job.pay_input_ranges })
    expect(completed.externalId).toBe(listed.externalId)
  })

  it("takes the envelope of several pay ranges in the first range's currency", () => {
    const pay_input_ranges = [
      { min_cents: 9_000_000, max_cents: 12_000_000, currency_type: "USD", title: "NYC", blurb: null },
      { min_cents: 7_500_000, max_cents: 10_000_000, currency_type: "USD", title: "Elsewhere in the US", blurb: null },
      { min_cents: 100, max_cents: 99_999_999, currency_type: "CAD", title: "Canada", blurb: null }
    ]
    const job = greenhouseJob(rows, 0, { board: "acme", payTransparency: false })
    expect(Either.getOrThrow(complete({ ...job, pay_input_ranges })).fields.salary).toEqual({ min: 75_000, max: 120_000, currency: "USD" })
  })

  it("leaves a posting whose job states no pay without a salary", () => {
    const job = greenhouseJob(rows, 0, { board: "acme", payTransparency: false })
    expect(Either.getOrThrow(complete(job)).fields).toEqual(listed.fields)
    expect(Either.getOrThrow(complete({ ...job, pay_input_ranges: [] })).fields.salary).toBeUndefined()
  })

  it("says why an answer that is not this job cannot complete it", () => {
    const other = greenhouseJob(rows, 1, { board: "acme", payTransparency: true })
    expect(complete(other)).toEqual(Either.left(expect.stringMatching(/^greenhouse: .*\/jobs\/\d+\?pay_transparency=true: the answer is job "\d+", not job "\d+"$/)))
    const notJson = greenhouseApi.complete!("<html>502</html>", listed.detail!, listed)
    expect(notJson).toEqual(Either.left(expect.stringMatching(/the body is not JSON/)))
    expect(complete({ status: 404, error: "Job not found" })).toEqual(Either.left(expect.stringMatching(/not a job \(id: is missing\)/)))
  })
})
