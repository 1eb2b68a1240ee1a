import { describe, expect, it } from "vitest"
import { fixture, glassdoorSalary } from "../demo-site/catalog.js"
import { adzunaId, adzunaSearch } from "../replay/feeds.js"
import { adzunaApi } from "./api.js"

const board = { source: "adzuna-us", board: "us", query: "data scientist", credentials: { appId: "id1", appKey: "key1" } }
const first = adzunaApi.start(board)[0]!
const rows = fixture()

describe("adzunaApi.start", () => {
  it("builds page 1 of the country search with the keys, the query and 50 results a page", () => {
    expect(first).toEqual({
      url:
        "https://api.adzuna.com/v1/api/jobs/us/search/1?app_id=id1&app_key=key1&results_per_page=50" +
        "&what=data+scientist&content-type=application%2Fjson",
      label: "search",
      userData: { page: 1 }
    })
    expect(adzunaApi.start({ ...board, baseUrl: "http://127.0.0.1:9999/adzuna" })[0]!.url).toMatch(
      /^http:\/\/127\.0\.0\.1:9999\/adzuna\/v1\/api\/jobs\/us\/search\/1\?app_id=id1&/
    )
    expect(adzunaApi.start({ ...board, query: undefined })[0]!.url).not.toContain("what=")
    expect(adzunaApi.listsWholeBoard).toBe(false)
  })

  it("throws naming the environment variables when a key is missing, and on a missing or unknown country", () => {
    const partial: Array<Record<string, string> | undefined> = [undefined, {}, { appId: "id1" }, { appId: " ", appKey: "key1" }]
    for (const credentials of partial) {
      expect(() => adzunaApi.start({ ...board, credentials })).toThrow(
        "adzuna-us: Adzuna needs an app id and key; set JOBSTREAM_ADZUNA_APP_ID and JOBSTREAM_ADZUNA_APP_KEY"
      )
    }
    expect(() => adzunaApi.start({ ...board, board: undefined })).toThrow(/not an Adzuna country; use one of at, au/)
    expect(() => adzunaApi.start({ ...board, board: "constructor" })).toThrow(/not an Adzuna country/)
    expect(adzunaApi.start({ ...board, board: "GB" })[0]!.url).toContain("/jobs/gb/search/1?")
  })
})

describe("adzunaApi.parse", () => {
  const body = adzunaSearch(rows, 1)
  const results = (JSON.parse(body) as { results: Array<Record<string, unknown>> }).results

  it("maps every result field, with the country's currency and the Adzuna attribution", () => {
    const page = adzunaApi.parse(body, first, board)
    expect(page.errors).toEqual([])
    expect(page.postings).toHaveLength(50)
    expect(page.postings[0]).toEqual({
      externalId: adzunaId(rows[0]!),
      url: results[0]!.redirect_url,
      fields: {
        title: rows[0]!.title,
        company: rows[0]!.company,
        description: results[0]!.description,
        locations: ["Albuquerque, NM"],
        employmentType: ["full_time", "permanent"],
        datePosted: "2024-06-03T09:00:00Z",
        salary: { min: 53_000, max: 91_000, currency: "USD" }
      },
      payload: results[0],
      attribution: { text: "Jobs by Adzuna", url: "https://www.adzuna.com" }
    })
    expect(String(results[0]!.description).length).toBeLessThanOrEqual(501)
  })

  it("puts 'contract' first and keeps a part-time permanent job part-time", () => {
    const page = adzunaApi.parse(body, first, board)
    expect(page.postings[3]!.fields.employmentType).toEqual(["contract", "full_time"])
    expect(page.postings[4]!.fields.employmentType).toEqual(["part_time", "permanent"])
  })

  it("leaves out a salary Adzuna predicted, and keeps it in the payload", () => {
    const page = adzunaApi.parse(body, first, board)
    rows.slice(0, 50).forEach((row, i) => {
      const pay = glassdoorSalary(row.salaryText)
      const posting = page.postings[i]!
      if (pay === null) {
        expect(posting.fields.salary).toBeUndefined()
        expect(posting.payload).toMatchObject({ salary_is_predicted: "1" })
      } else if (pay.unitText === "YEAR") expect(posting.fields.salary).toEqual({ min: pay.minValue, max: pay.maxValue, currency: "USD" })
    })
  })

  it("uses the currency and site of the country in the request path", () => {
    const gb = adzunaApi.start({ ...board, board: "gb" })[0]!
    const posting = adzunaApi.parse(body, gb, board).postings[0]!
    expect(posting.fields.salary?.currency).toBe("GBP")
    expect(posting.attribution).toEqual({ text: "Jobs by Adzuna", url: "https://www.adzuna.co.uk" })
  })

  it("follows pages while count says there are more, keeping keys and query, and stops at five pages", () => {
    const two = adzunaApi.parse(adzunaSearch(rows, 1), first, board)
    expect(two.next).toEqual([{ ...first, url: first.url.replace("/search/1?", "/search/2?"), userData: { page: 2 } }])
    expect(adzunaApi.parse(adzunaSearch(rows, 2), two.next[0]!, board).next).toEqual([])
    const many = [...rows, ...rows, ...rows, ...rows, ...rows, ...rows]
    const fifth = { ...first, url: first.url.replace("/search/1?", "/search/5?"), userData: { page: 5 } }
    expect(adzunaApi.parse(adzunaSearch(many, 4), { ...fifth, userData: { page: 4 } }, board).next).toHaveLength(1)
    expect(adzunaApi.parse(adzunaSearch(many, 5), fifth, board).next).toEqual([])
  })

  it("skips a result without id or redirect_url with an error and keeps the others", () => {
    const broken = JSON.parse(body) as { results: Array<Record<string, unknown>> }
    delete broken.results[1]!.redirect_url
    broken.results[2] = null as unknown as Record<string, unknown>
    const page = adzunaApi.parse(JSON.stringify(broken), first, board)
    expect(page.postings).toHaveLength(48)
    expect(page.errors[0]).toMatch(/^adzuna page 1, result 2: no id or redirect_url; skipped: \{"__CLASS__"/)
    expect(page.errors[1]).toBe("adzuna page 1, result 3: not an object; skipped")
  })

  it("reports an Adzuna exception, a body that is not JSON, and a body without results", () => {
    const auth = '{"__CLASS__":"Adzuna::API::Response::Exception","exception":"AUTH_FAIL","display":"Authorisation failed","doc":"http://api.adzuna.com/v1/doc"}'
    expect(adzunaApi.parse(auth, first, board)).toEqual({
      postings: [],
      next: [],
      errors: ["adzuna page 1: the API answered AUTH_FAIL: Authorisation failed"]
    })
    expect(adzunaApi.parse("<h1>Service Unavailable</h1>", first, board).errors[0]).toMatch(
      /^adzuna page 1: the body is not JSON \(.*\); it starts with "<h1>Service Unavailable<\/h1>"$/
    )
    expect(adzunaApi.parse('{"count":3}', first, board).errors).toEqual([
      'adzuna page 1: expected an object with a "results" array: {"count":3}'
    ])
  })

  it("never puts the app id or key in an error, even when the body echoes the request", () => {
    const keys = { appId: "4f9a1c2e", appKey: "0123456789abcdef0123456789abcdef" }
    const keyed = { ...board, credentials: keys }
    const request = adzunaApi.start(keyed)[0]!
    expect(request.url).toContain(keys.appKey)
    const bodies = [
      `<html><body>502 Bad Gateway: ${request.url}</body></html>`,
      `Invalid key ${keys.appKey} for app ${keys.appId}`,
      `  ${"x".repeat(70)} ${keys.appKey}`,
      JSON.stringify({ exception: "AUTH_FAIL", display: `Authorisation failed for app_key=${keys.appKey}` }),
      JSON.stringify({ exception: "AUTH_FAIL", display: `Key ${keys.appKey} unknown` })
    ]
    const errors = bodies.flatMap((body) => adzunaApi.parse(body, request, keyed).errors)
    expect(errors).toHaveLength(bodies.length)
    for (const error of errors) {
      expect(error).not.toContain(keys.appId)
      expect(error).not.toContain(keys.appKey.slice(0, 4))
    }
    expect(errors.slice(1).every((error) => error.includes("***"))).toBe(true)
  })
})
