import { describe, expect, it } from "vitest"
import { escapeHtml, fixture, textToHtml } from "../demo-site/catalog.js"
import { smartRecruitersId, smartRecruitersPosting, smartRecruitersPostings } from "../replay/boards.js"
import type { ApiRequest, BoardConfig } from "../SourceApi.js"
import { smartRecruitersApi } from "./api.js"

const BOARD: BoardConfig = { source: "smartrecruiters-acme", board: "acme" }
const OPTS = { board: "acme" }
const rows = fixture()
const HOST = "https://api.smartrecruiters.com/v1/companies/acme/postings"
const listAt = (offset: number): ApiRequest => ({ url: `${HOST}?offset=${offset}&limit=100`, label: "list", userData: { offset } })
const detailOf = (id: string): ApiRequest => ({ url: `${HOST}/${id}`, label: "detail", userData: { id } })
const parseJson = (json: unknown, request: ApiRequest) => smartRecruitersApi.parse(JSON.stringify(json), request, BOARD)

describe("smartRecruitersApi.start", () => {
  it("asks the public host for the first page of the company's postings", () => {
    expect(smartRecruitersApi.start(BOARD)).toEqual([listAt(0)])
  })

  it("appends the same path to a baseUrl, for the list and for the detail requests", () => {
    const board = { ...BOARD, baseUrl: "http://127.0.0.1:9999/smartrecruiters" }
    const [list] = smartRecruitersApi.start(board)
    expect(list!.url).toBe("http://127.0.0.1:9999/smartrecruiters/v1/companies/acme/postings?offset=0&limit=100")
    const body = smartRecruitersPostings(rows.slice(0, 1), OPTS, { offset: 0, limit: 100 })
    const page = smartRecruitersApi.parse(JSON.stringify(body), list!, board)
    expect(page.next.map((r) => r.url)).toEqual([
      `http://127.0.0.1:9999/smartrecruiters/v1/companies/acme/postings/${smartRecruitersId(rows[0]!)}`
    ])
  })

  it("refuses a source without a company identifier, naming the source", () => {
    expect(() => smartRecruitersApi.start({ source: "sr-nobody" })).toThrow(/sr-nobody.*company identifier/)
  })
})

describe("smartRecruitersApi.parse, list pages", () => {
  it("requests each listed posting's detail, then the next page, until totalFound is read", () => {
    const at = (offset: number) => smartRecruitersPostings(rows, OPTS, { offset, limit: 25 })
    const page1 = parseJson(at(0), listAt(0))
    expect(page1.postings).toEqual([])
    expect(page1.errors).toEqual([])
    expect(page1.next).toEqual([...rows.slice(0, 25).map((r) => detailOf(smartRecruitersId(r))), listAt(25)])
    const page2 = parseJson(at(25), page1.next.at(-1)!)
    expect(page2.next.at(-1)).toEqual(listAt(50))
    const page3 = parseJson(at(50), page2.next.at(-1)!)
    expect(page3.next).toHaveLength(rows.length - 50)
    expect(page3.next.every((r) => r.label === "detail")).toBe(true)
    const requested = [page1, page2, page3].flatMap((p) => p.next.filter((r) => r.label === "detail").map((r) => r.url))
    expect(new Set(requested).size).toBe(rows.length)
  })

  it("stops at an empty page even when totalFound says there are more", () => {
    expect(parseJson({ offset: 100, limit: 100, totalFound: 250, content: [] }, listAt(100))).toEqual({ postings: [], next: [], errors: [] })
  })

  it("skips a listed item without an id with an error, and still requests the others", () => {
    const body = smartRecruitersPostings(rows.slice(0, 3), OPTS, { offset: 0, limit: 100 })
    const content = [body.content[0], { ...body.content[1]!, id: null }, body.content[2]]
    const page = parseJson({ ...body, content }, listAt(0))
    expect(page.next).toEqual([detailOf(smartRecruitersId(rows[0]!)), detailOf(smartRecruitersId(rows[2]!))])
    expect(page.errors).toEqual([expect.stringMatching(/^smartrecruiters: .*posting 2 of 3 skipped: id: Expected string, actual null/)])
  })

  it("reports a list body that is not JSON, or has no totalFound", () => {
    const html = smartRecruitersApi.parse("<html><body>502 Bad Gateway</body></html>", listAt(0), BOARD)
    expect(html).toEqual({ postings: [], next: [], errors: [expect.stringMatching(/not JSON .*starts with "<html><body>502 Bad Gateway/)] })
    const wrong = parseJson({ content: [] }, listAt(0))
    expect(wrong.errors).toEqual([expect.stringMatching(/^smartrecruiters: .*not a posting list \(totalFound: is missing\)/)])
  })
})

describe("smartRecruitersApi.parse, detail pages", () => {
  it("maps every field of a real posting to RawFields", () => {
    const row = rows[0]!
    const detail = smartRecruitersPosting(row, 0, OPTS)
    const page = parseJson(detail, detailOf(detail.id))
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toEqual([
      {
        externalId: smartRecruitersId(row),
        url: `https://jobs.smartrecruiters.com/acme/${detail.id}-data-scientist`,
        fields: {
          title: "Data Scientist",
          company: "Tecolote Research",
          description: `<h3>Company Description</h3>\n<p>Tecolote Research</p>\n<h3>Job Description</h3>\n${textToHtml(row.description)}`,
          locations: ["Albuquerque, NM, United States"],
          remote: false,
          employmentType: ["Full-time"],
          datePosted: "2024-06-03T19:36:42.346Z",
          requisitionId: `REF${row.sourceRow}`
        },
        payload: detail
      }
    ])
  })

  it("builds the location from its parts, escapes section titles, and falls back to applyUrl", () => {
    const detail = smartRecruitersPosting(rows[5]!, 5, OPTS)
    const { postingUrl: _url, ...rest } = detail
    const changed = {
      ...rest,
      company: { identifier: "acme", name: null },
      location: { city: "Phoenix", region: "AZ", country: "us", remote: true },
      jobAd: { sections: { jobDescription: { title: "Skills & <Tools>", text: "<p>SQL</p>" }, qualifications: { title: "", text: "<p>BSc</p>" } } }
    }
    const posting = parseJson(changed, detailOf(detail.id)).postings[0]!
    expect(posting.url).toBe(detail.applyUrl)
    expect(posting.fields.locations).toEqual(["Phoenix, AZ, us"])
    expect(posting.fields.remote).toBe(true)
    expect(posting.fields.company).toBe("acme")
    expect(posting.fields.description).toBe(`<h3>${escapeHtml("Skills & ")}&lt;Tools&gt;</h3>\n<p>SQL</p>\n<p>BSc</p>`)
  })

  it("skips a posting with no public page, and reports a detail body of the wrong shape", () => {
    const { postingUrl: _p, applyUrl: _a, ...detail } = smartRecruitersPosting(rows[1]!, 1, OPTS)
    const noPage = parseJson(detail, detailOf(detail.id))
    expect(noPage.postings).toEqual([])
    expect(noPage.errors).toEqual([expect.stringMatching(/posting skipped: it has neither postingUrl nor applyUrl/)])
    const wrong = parseJson({ message: "Posting not found" }, detailOf("744000000000999"))
    expect(wrong.postings).toEqual([])
    expect(wrong.errors).toEqual([
      expect.stringMatching(/^smartrecruiters: https:\/\/api\.smartrecruiters\.com\/.*\/744000000000999: the body is not a posting \(id: is missing; name: is missing\)/)
    ])
  })
})
