import { describe, expect, it } from "vitest"
import { fixture, glassdoorSalary } from "../demo-site/catalog.js"
import { REMOTEOK_LEGAL, remoteokId, remoteokJobs } from "../replay/feeds.js"
import { remoteokApi } from "./api.js"

const board = { source: "remoteok-all" }
const request = remoteokApi.start(board)[0]!
const rows = fixture().slice(0, 12)
const parse = (body: string) => remoteokApi.parse(body, request, board)

describe("remoteokApi.start", () => {
  it("asks the public feed once, or the same path under baseUrl", () => {
    expect(remoteokApi.start(board)).toEqual([{ url: "https://remoteok.com/api", label: "list" }])
    expect(remoteokApi.start({ ...board, baseUrl: "http://127.0.0.1:9999/remoteok/" })[0]!.url).toBe(
      "http://127.0.0.1:9999/remoteok/api"
    )
    expect(remoteokApi.type).toBe("remoteok")
    expect(remoteokApi.listsWholeBoard).toBe(false)
  })
})

describe("remoteokApi.parse", () => {
  const body = remoteokJobs(rows)
  const items = (JSON.parse(body) as Array<Record<string, unknown>>).slice(1)

  it("skips the legal notice and maps every job field", () => {
    const page = parse(body)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const [row, item, posting] = [rows[0]!, items[0]!, page.postings[0]!]
    expect(posting).toEqual({
      externalId: remoteokId(row),
      url: item.url,
      fields: {
        title: row.title,
        company: row.company,
        description: item.description,
        locations: [row.location],
        remote: true,
        datePosted: item.date,
        salary: { min: 53_000, max: 91_000, currency: "USD", unit: "YEAR" }
      },
      payload: item,
      attribution: { text: "Remote OK", url: item.url }
    })
    expect(String(posting.url)).toMatch(/^https:\/\/remoteOK\.com\/remote-jobs\/remote-data-scientist-tecolote-research-\d+$/)
  })

  it("leaves the salary out when the feed writes 0, for every row without a yearly salary", () => {
    const page = parse(body)
    rows.forEach((row, i) => {
      const pay = glassdoorSalary(row.salaryText)
      const fields = page.postings[i]!.fields
      if (pay === null || pay.unitText === "HOUR") expect(fields.salary).toBeUndefined()
      else expect(fields.salary).toEqual({ min: pay.minValue, max: pay.maxValue, currency: "USD", unit: "YEAR" })
    })
    expect(page.postings.filter((p) => p.fields.salary === undefined).length).toBeGreaterThan(0)
  })

  it("reads numeric ids and an epoch when the date is missing, and builds the url from the slug", () => {
    const item = { id: 42, epoch: "1717405200", slug: "remote-data-engineer-acme-42", position: "Data Engineer" }
    const page = parse(JSON.stringify([{ legal: REMOTEOK_LEGAL }, item]))
    expect(page.errors).toEqual([])
    expect(page.postings[0]).toMatchObject({
      externalId: "42",
      url: "https://remoteok.com/remote-jobs/remote-data-engineer-acme-42",
      fields: { title: "Data Engineer", datePosted: "2024-06-03T09:00:00.000Z", remote: true }
    })
  })

  it("skips one bad element with an error and keeps the others", () => {
    const jobs = JSON.parse(body) as Array<Record<string, unknown>>
    const { id: _id, ...withoutId } = jobs[2]!
    jobs[2] = withoutId
    jobs.splice(4, 0, { id: "77" }, "not a job" as unknown as Record<string, unknown>)
    const page = parse(JSON.stringify(jobs))
    expect(page.postings.map((p) => p.externalId)).toEqual(rows.filter((_, i) => i !== 1).map(remoteokId))
    expect(page.errors).toHaveLength(3)
    expect(page.errors[0]).toMatch(/^remoteok: element 2 has no id; skipped/)
    expect(page.errors[1]).toMatch(/^remoteok: element 4 \(id 77\) has no Remote OK url or slug/)
    expect(page.errors[2]).toMatch(/^remoteok: element 5 is a string/)
  })

  it("reports a body that is not JSON or not an array, quoting at most 80 characters", () => {
    const html = `<!doctype html><html><body>${"Cloudflare says no. ".repeat(20)}</body></html>`
    const notJson = parse(html)
    expect(notJson.postings).toEqual([])
    expect(notJson.errors).toHaveLength(1)
    expect(notJson.errors[0]).toMatch(/^remoteok: the body is not JSON .*it starts with "<!doctype html>/)
    expect(notJson.errors[0]!.length).toBeLessThan(250)
    expect(parse('{"error":"rate limited"}').errors[0]).toBe(
      'remoteok: expected a JSON array of jobs, got an object: {"error":"rate limited"}'
    )
    expect(parse("").errors[0]).toMatch(/^remoteok: the body is not JSON/)
  })
})
