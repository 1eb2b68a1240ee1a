import { describe, expect, it } from "vitest"
import { fixture, textToHtml } from "../demo-site/catalog.js"
import { leverPostings } from "../replay/boards.js"
import type { ApiRequest, BoardConfig } from "../SourceApi.js"
import { leverApi } from "./api.js"

const BOARD: BoardConfig = { source: "lever-acme", board: "acme" }
const all = leverPostings(fixture(), { board: "acme" })
const first = leverApi.start(BOARD)[0]!
const pageAt = (skip: number, limit: number, firstId?: string): ApiRequest => ({
  url: `https://api.lever.co/v0/postings/acme?mode=json&skip=${skip}&limit=${limit}`,
  label: "list",
  userData: firstId === undefined ? { skip, limit } : { skip, limit, firstId }
})
const parseJson = (json: unknown, request: ApiRequest = first) => leverApi.parse(JSON.stringify(json), request, BOARD)

describe("leverApi.start", () => {
  it("asks the public host for the first page in JSON", () => {
    expect(leverApi.start(BOARD)).toEqual([
      { url: "https://api.lever.co/v0/postings/acme?mode=json&skip=0&limit=100", label: "list", userData: { skip: 0, limit: 100 } }
    ])
  })

  it("appends the same path to a baseUrl", () => {
    expect(leverApi.start({ ...BOARD, baseUrl: "http://127.0.0.1:9999/lever" })[0]!.url).toBe(
      "http://127.0.0.1:9999/lever/v0/postings/acme?mode=json&skip=0&limit=100"
    )
  })

  it("refuses a source without a site, naming the source", () => {
    expect(() => leverApi.start({ source: "lever-nobody" })).toThrow(/lever-nobody.*site/)
  })
})

describe("leverApi.parse", () => {
  it("maps every field of a real posting to RawFields", () => {
    const row = fixture()[0]!
    const lines = row.description.split("\n")
    const list = { text: "Skills Required", content: `<li>${lines[4]}</li><li>${lines[5]}</li>` }
    const posting = { ...all[0]!, lists: [list], additional: "<p>Equal opportunity employer.</p>" }
    const page = parseJson([posting])
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toEqual([
      {
        externalId: posting.id,
        url: `https://jobs.lever.co/acme/${posting.id}`,
        fields: {
          title: "Data Scientist",
          company: "acme",
          description: `${textToHtml(row.description)}\n<h3>Skills Required</h3><ul>${list.content}</ul>\n<p>Equal opportunity employer.</p>`,
          locations: ["Albuquerque, NM"],
          remote: false,
          employmentType: ["Full-time"],
          datePosted: "2024-06-03T14:00:00.000Z",
          salary: { min: 53_000, max: 91_000, currency: "USD", unit: "per-year-salary" }
        },
        payload: posting
      }
    ])
  })

  it("names the company from the source's `company` when given, else the site", () => {
    const named = leverApi.parse(JSON.stringify([all[0]!]), first, { ...BOARD, company: "Acme Corporation" })
    expect(named.postings[0]!.fields.company).toBe("Acme Corporation")
    expect(parseJson([all[0]!]).postings[0]!.fields.company).toBe("acme")
  })

  it("keeps the interval of an hourly range and reads each workplace type", () => {
    const hourly = all.find((p) => p.salaryRange?.interval === "per-hour-wage")!
    expect(parseJson([hourly]).postings[0]!.fields.salary).toEqual({ min: 10, max: 17, currency: "USD", unit: "per-hour-wage" })
    const remoteOf = (workplaceType: string | null) =>
      parseJson([{ ...all[1]!, workplaceType }]).postings[0]!.fields.remote
    expect(remoteOf("remote")).toBe(true)
    expect(remoteOf("hybrid")).toBe(false)
    expect(remoteOf("on-site")).toBe(false)
    expect(remoteOf("unspecified")).toBeUndefined()
    expect(remoteOf(null)).toBeUndefined()
  })

  it("reads `onsite`, the spelling real boards send, as not remote, and an unknown value as not stated", () => {
    const remoteOf = (workplaceType: string) => parseJson([{ ...all[1]!, workplaceType }]).postings[0]!.fields.remote
    expect(remoteOf("onsite")).toBe(false)
    expect(remoteOf("Onsite")).toBe(false)
    expect(remoteOf(" Remote ")).toBe(true)
    expect(remoteOf("flexible")).toBeUndefined()
    expect(remoteOf("")).toBeUndefined()
    // The replayed board writes what real boards write: every non-remote posting says onsite or hybrid.
    const page = parseJson(all)
    expect(all.filter((p) => p.workplaceType === "onsite").length).toBeGreaterThan(0)
    page.postings.forEach((posting, i) => expect(posting.fields.remote, all[i]!.workplaceType).toBe(all[i]!.workplaceType === "remote"))
  })

  it("merges allLocations with the primary location and falls back to the plain description", () => {
    const posting = {
      ...all[2]!,
      categories: { ...all[2]!.categories, allLocations: ["Seattle, WA", "Remote - US"] },
      description: "",
      salaryRange: { min: null, max: null, currency: "USD", interval: "per-year-salary" }
    }
    const fields = parseJson([posting]).postings[0]!.fields
    expect(fields.locations).toEqual(["Seattle, WA", "Remote - US"])
    expect(fields.description).toBe(fixture()[2]!.description)
    expect(fields.salary).toBeUndefined()
  })

  it("pages through a board with skip and limit until a page is short", () => {
    const page1 = parseJson(all.slice(0, 25), pageAt(0, 25))
    expect(page1.postings).toHaveLength(25)
    expect(page1.next).toEqual([pageAt(25, 25, all[0]!.id)])
    const page2 = parseJson(all.slice(25, 50), page1.next[0])
    expect(page2.next).toEqual([pageAt(50, 25, all[25]!.id)])
    const page3 = parseJson(all.slice(50, 75), page2.next[0])
    expect(page3.postings).toHaveLength(fixture().length - 50)
    expect(page3.next).toEqual([])
    const ids = [page1, page2, page3].flatMap((p) => p.postings.map((posting) => posting.externalId))
    expect(new Set(ids).size).toBe(fixture().length)
  })

  it("asks for the next page after a full page of the default size, and not after an empty one", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => ({ ...all[i % all.length]!, id: `posting-${i}` }))
    expect(parseJson(hundred).next.map((r) => r.url)).toEqual([
      "https://api.lever.co/v0/postings/acme?mode=json&skip=100&limit=100"
    ])
    expect(parseJson([], pageAt(100, 100, "posting-0"))).toEqual({ postings: [], next: [], errors: [] })
  })

  it("walks a board that is an exact multiple of the page size to the empty page after it", () => {
    const board = all.slice(0, 50)
    const seen: Array<string> = []
    let request: ApiRequest | undefined = pageAt(0, 25)
    let requests = 0
    while (request !== undefined && requests < 10) {
      const { skip, limit } = request.userData as { skip: number; limit: number }
      const page = parseJson(board.slice(skip, skip + limit), request)
      seen.push(...page.postings.map((p) => p.externalId))
      request = page.next[0]
      requests++
    }
    expect(requests).toBe(3)
    expect(seen).toEqual(board.map((p) => p.id))
  })

  it("stops, with an error, when the server repeats a page instead of skipping", () => {
    const page = parseJson(all.slice(0, 25), pageAt(25, 25, all[0]!.id))
    expect(page.next).toEqual([])
    expect(page.errors).toEqual([expect.stringMatching(/^lever: .*repeats the previous one .*ignores skip/)])
  })

  it("skips a bad posting with an error naming it, and still counts it towards a full page", () => {
    const page = parseJson([all[0], { ...all[1]!, hostedUrl: 42 }, { ...all[2]!, id: "" }, all[3]], pageAt(0, 4))
    expect(page.postings.map((p) => p.externalId)).toEqual([all[0]!.id, all[3]!.id])
    expect(page.errors).toEqual([
      expect.stringMatching(new RegExp(`posting 2 of 4 \\(id "${all[1]!.id}"\\) skipped: hostedUrl: Expected string, actual 42`)),
      expect.stringMatching(/posting 3 of 4 \(id ""\) skipped: id: /)
    ])
    expect(page.next).toHaveLength(1)
  })

  it("reports a body that is not JSON, or not a posting array, and asks for no next page", () => {
    const html = leverApi.parse("<html><body>Too many requests, please slow down and try again later</body></html>", first, BOARD)
    expect(html).toEqual({
      postings: [],
      next: [],
      errors: [expect.stringMatching(/^lever: https:\/\/api\.lever\.co\/.*: the body is not JSON .*starts with "<html><body>Too many/)]
    })
    const notFound = parseJson({ ok: false, error: "Document not found" })
    expect(notFound.errors).toEqual([expect.stringMatching(/the body is not a posting list .*starts with "\{\\"ok\\":false/)])
    expect(notFound.next).toEqual([])
  })
})
