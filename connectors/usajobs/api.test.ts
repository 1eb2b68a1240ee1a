import { describe, expect, it } from "vitest"
import { fixture, glassdoorSalary } from "../demo-site/catalog.js"
import { usajobsId, usajobsSearch } from "../replay/feeds.js"
import { usajobsApi } from "./api.js"

const board = { source: "usajobs-data", query: "data scientist", credentials: { email: "me@example.com", apiKey: "k3y" } }
const first = usajobsApi.start(board)[0]!
const rows = fixture()
/** Items of a replayed body, typed loosely enough that a test can break one on purpose. */
interface Item {
  MatchedObjectId?: string
  MatchedObjectDescriptor: Record<string, unknown> & { UserArea: { Details: Record<string, unknown> } }
}
const raw = (body: string) => JSON.parse(body) as { SearchResult: { SearchResultItems: Array<Item> } }
const itemsOf = (body: string) =>
  (JSON.parse(body) as { SearchResult: { SearchResultItems: Array<Record<string, unknown>> } }).SearchResult.SearchResultItems

describe("usajobsApi.start", () => {
  it("sends the keyword, page 1 of 500 and the three documented headers", () => {
    expect(first).toEqual({
      url: "https://data.usajobs.gov/api/search?Keyword=data+scientist&Page=1&ResultsPerPage=500",
      headers: { Host: "data.usajobs.gov", "User-Agent": "me@example.com", "Authorization-Key": "k3y" },
      label: "search",
      userData: { page: 1 }
    })
    const local = usajobsApi.start({ ...board, baseUrl: "http://127.0.0.1:9999/usajobs" })[0]!
    expect(local.url).toBe("http://127.0.0.1:9999/usajobs/api/search?Keyword=data+scientist&Page=1&ResultsPerPage=500")
    expect(local.headers?.Host).toBe("127.0.0.1:9999")
    expect(usajobsApi.listsWholeBoard).toBe(false)
  })

  it("throws naming the environment variables when the e-mail or the key is missing", () => {
    const partial: Array<Record<string, string> | undefined> = [undefined, { email: "me@example.com" }, { apiKey: "k3y" }, { email: "", apiKey: "k3y" }]
    for (const credentials of partial) {
      expect(() => usajobsApi.start({ ...board, credentials })).toThrow(/set JOBSTREAM_USAJOBS_EMAIL and JOBSTREAM_USAJOBS_API_KEY/)
    }
  })
})

describe("usajobsApi.parse", () => {
  const body = usajobsSearch(rows, 1, 25)
  const items = itemsOf(body)

  it("maps every descriptor field", () => {
    const page = usajobsApi.parse(body, first, board)
    expect(page.errors).toEqual([])
    expect(page.postings).toHaveLength(25)
    const [row, item, posting] = [rows[0]!, items[0]!, page.postings[0]!]
    const details = (item.MatchedObjectDescriptor as { UserArea: { Details: { JobSummary: string; MajorDuties: Array<string> } } })
      .UserArea.Details
    expect(posting).toEqual({
      externalId: usajobsId(row),
      url: `https://www.usajobs.gov:443/GetJob/ViewDetails/${usajobsId(row)}`,
      fields: {
        title: row.title,
        company: row.company,
        description: [
          details.JobSummary,
          ...details.MajorDuties,
          "Applicants must show one year of specialized experience (Tecolote Research, Albuquerque, NM)."
        ].join("\n\n"),
        locations: ["Albuquerque, NM"],
        remote: false,
        employmentType: ["Full-time", "Permanent"],
        datePosted: "2024-06-03T00:00:00.0000",
        validThrough: "2024-06-17T23:59:59.9970",
        requisitionId: "DS-24-0",
        salary: { min: 53_000, max: 91_000, currency: "USD", unit: "Per Year" }
      },
      payload: item
    })
    expect(details.MajorDuties.length).toBeGreaterThan(2)
  })

  it("reads RemoteIndicator (not TeleworkEligible) as remote, and hourly pay as per hour", () => {
    const page = usajobsApi.parse(body, first, board)
    expect(page.postings.map((p) => p.fields.remote)).toEqual(items.map((_, i) => i % 6 === 5))
    const hourly = rows.findIndex((row) => glassdoorSalary(row.salaryText)?.unitText === "HOUR")
    const one = usajobsApi.parse(usajobsSearch([rows[hourly]!], 1), first, board).postings[0]!
    expect(one.fields.salary).toEqual({ min: 10, max: 17, currency: "USD", unit: "Per Hour" })
  })

  it("spells out a bare rate interval code, and leaves the salary out when there is none", () => {
    const edited = raw(usajobsSearch(rows.slice(0, 5), 1))
    const [a, , , , e] = edited.SearchResult.SearchResultItems as [Item, Item, Item, Item, Item]
    a.MatchedObjectDescriptor.PositionRemuneration = [{ MinimumRange: "71637", MaximumRange: "93133", RateIntervalCode: "PA" }]
    a.MatchedObjectDescriptor.UserArea.Details.MajorDuties = "Lead the data program."
    const page = usajobsApi.parse(JSON.stringify(edited), first, board)
    expect(page.postings[0]!.fields.salary).toEqual({ min: 71_637, max: 93_133, currency: "USD", unit: "Per Year" })
    expect(page.postings[0]!.fields.description).toContain("\n\nLead the data program.\n\n")
    expect(e.MatchedObjectDescriptor.PositionRemuneration).toEqual([])
    expect(page.postings[4]!.fields.salary).toBeUndefined()
  })

  it("follows pages by Page while NumberOfPages says there are more", () => {
    const page1 = usajobsApi.parse(usajobsSearch(rows, 1, 25), first, board)
    expect(page1.next).toEqual([{ ...first, url: first.url.replace("Page=1", "Page=2"), userData: { page: 2 } }])
    const page2 = usajobsApi.parse(usajobsSearch(rows, 2, 25), page1.next[0]!, board)
    expect(page2.next[0]!.url).toContain("Page=3")
    expect(page2.postings[0]!.externalId).toBe(usajobsId(rows[25]!))
    expect(usajobsApi.parse(usajobsSearch(rows, 3, 25), page2.next[0]!, board).next).toEqual([])
  })

  it("skips an item without id or PositionURI with an error and keeps the others", () => {
    const edited = raw(body)
    delete edited.SearchResult.SearchResultItems[1]!.MatchedObjectId
    delete edited.SearchResult.SearchResultItems[2]!.MatchedObjectDescriptor.PositionURI
    const page = usajobsApi.parse(JSON.stringify(edited), first, board)
    expect(page.postings.map((p) => p.externalId)).toEqual(rows.slice(0, 25).filter((_, i) => i !== 1 && i !== 2).map(usajobsId))
    expect(page.errors).toHaveLength(2)
    expect(page.errors[0]).toMatch(/^usajobs page 1, item 2: no MatchedObjectId or MatchedObjectDescriptor\.PositionURI; skipped: /)
  })

  it("reports a body that is not JSON or has no SearchResultItems", () => {
    expect(usajobsApi.parse("Unauthorized", first, board)).toEqual({
      postings: [],
      next: [],
      errors: [expect.stringMatching(/^usajobs page 1: the body is not JSON \(.*\); it starts with "Unauthorized"$/)]
    })
    expect(usajobsApi.parse('{"SearchResult":{"SearchResultCount":0}}', first, board).errors).toEqual([
      'usajobs page 1: expected SearchResult.SearchResultItems: {"SearchResult":{"SearchResultCount":0}}'
    ])
  })

  it("never puts the API key in an error, even when the body echoes it", () => {
    const keyed = { ...board, credentials: { email: "me@example.com", apiKey: "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==" } }
    const request = usajobsApi.start(keyed)[0]!
    const echo = `Authorization-Key ${keyed.credentials.apiKey} is not registered for me@example.com`
    const errors = [echo, JSON.stringify({ SearchResult: echo })].flatMap((body) => usajobsApi.parse(body, request, keyed).errors)
    expect(errors).toHaveLength(2)
    for (const error of errors) {
      expect(error).toContain("***")
      expect(error).not.toContain("Zm9vYmFy")
    }
  })
})
