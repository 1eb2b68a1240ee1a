import { describe, expect, it } from "vitest"
import { fixture, textToHtml } from "../demo-site/catalog.js"
import { recruiteeOffers } from "../replay/boards.js"
import type { BoardConfig } from "../SourceApi.js"
import { recruiteeApi } from "./api.js"

const BOARD: BoardConfig = { source: "recruitee-acme", board: "acme" }
const rows = fixture().slice(0, 8)
const body = recruiteeOffers(rows, { board: "acme" })
const request = recruiteeApi.start(BOARD)[0]!
const parseJson = (json: unknown) => recruiteeApi.parse(JSON.stringify(json), request, BOARD)

describe("recruiteeApi.start", () => {
  it("lists the offers on the company's careers host", () => {
    expect(recruiteeApi.start(BOARD)).toEqual([{ url: "https://acme.recruitee.com/api/offers/", label: "list" }])
  })

  it("puts the same path on a baseUrl, which replaces the company's host", () => {
    expect(recruiteeApi.start({ ...BOARD, baseUrl: "http://127.0.0.1:9999/recruitee/acme/" })[0]!.url).toBe(
      "http://127.0.0.1:9999/recruitee/acme/api/offers/"
    )
  })

  it("refuses a source without a company, or with one that cannot be a host name", () => {
    expect(() => recruiteeApi.start({ source: "recruitee-nobody" })).toThrow(/recruitee-nobody.*no company/)
    expect(() => recruiteeApi.start({ source: "recruitee-bad", board: "acme.evil.com/x" })).toThrow(/not a Recruitee subdomain/)
  })
})

describe("recruiteeApi.parse", () => {
  it("maps every field of a real posting to RawFields", () => {
    const page = parseJson(body)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const offer = body.offers[0]!
    expect(page.postings[0]).toEqual({
      externalId: String(900_000 + rows[0]!.sourceRow),
      url: `https://acme.recruitee.com/o/data-scientist-${rows[0]!.sourceRow}`,
      fields: {
        title: "Data Scientist",
        company: "Tecolote Research",
        description: textToHtml(rows[0]!.description),
        locations: ["Albuquerque, NM, United States"],
        remote: false,
        employmentType: ["fulltime_permanent"],
        datePosted: "2024-06-03T09:30:00.000Z",
        salary: { min: 53_000, max: 91_000, currency: "USD", unit: "year" }
      },
      payload: offer
    })
    expect(page.postings[5]!.fields.remote).toBe(true)
  })

  it("appends the requirements, builds the location from city and country, and falls back to created_at", () => {
    const { location: _location, locations: _locations, published_at: _published, company_name: _company, ...offer } = body.offers[1]!
    const fields = parseJson({ offers: [{ ...offer, requirements: "<ul><li>SQL</li></ul>", salary: null }] }).postings[0]!.fields
    expect(fields.description).toBe(`${textToHtml(rows[1]!.description)}\n<ul><li>SQL</li></ul>`)
    expect(fields.locations).toEqual(["San Jose, United States"])
    expect(fields.datePosted).toBe("2024-06-01T08:00:00.000Z")
    expect(fields.company).toBe("acme")
    expect(fields.salary).toBeUndefined()
  })

  it("keeps every place of an offer open in several cities, deduplicated", () => {
    // The replayed third offer is open in its own city and the next row's.
    const offer = body.offers[2]!
    expect(offer.locations).toHaveLength(2)
    expect(parseJson({ offers: [offer] }).postings[0]!.fields.locations).toEqual([
      `${rows[2]!.location}, United States`,
      `${rows[3]!.location}, United States`
    ])
    const amsterdam = { id: 1, name: "Amsterdam HQ", city: "Amsterdam", state: "North Holland", country: "Netherlands", country_code: "NL" }
    const berlin = { id: 2, name: "Berlin", city: "Berlin", state: "Berlin", country: "Germany", country_code: "DE" }
    const named = { id: 3, name: "Remote (EU)", city: null, state: null, country: null, country_code: null }
    const multi = {
      ...offer,
      location: "Amsterdam, North Holland, Netherlands",
      locations: [amsterdam, berlin, { ...berlin, id: 4 }, named]
    }
    expect(parseJson({ offers: [multi] }).postings[0]!.fields.locations).toEqual([
      "Amsterdam, North Holland, Netherlands",
      "Berlin, Berlin, Germany",
      "Remote (EU)"
    ])
  })

  it("reads numeric and numeric-string salary bounds, ignores others, and reads ISO dates", () => {
    const offer = body.offers[0]!
    const salary = { min: 3000, max: "4000.50", currency: "EUR", period: "month" }
    const fields = parseJson({ offers: [{ ...offer, salary, published_at: "2024-05-01T10:00:00+02:00" }] }).postings[0]!.fields
    expect(fields.salary).toEqual({ min: 3000, max: 4000.5, currency: "EUR", unit: "month" })
    expect(fields.datePosted).toBe("2024-05-01T08:00:00.000Z")
    const vague = parseJson({ offers: [{ ...offer, salary: { min: "competitive", max: "" }, published_at: "last week", created_at: null }] })
    expect(vague.postings[0]!.fields.salary).toBeUndefined()
    expect(vague.postings[0]!.fields.datePosted).toBeUndefined()
  })

  it("skips a bad offer with an error naming it and returns the others", () => {
    const offers = [body.offers[0], { ...body.offers[1]!, careers_url: "/o/relative" }, { ...body.offers[2]!, remote: "no", title: 7 }, body.offers[3]]
    const page = parseJson({ offers })
    expect(page.postings.map((p) => p.fields.title)).toEqual([rows[0]!.title, rows[3]!.title])
    expect(page.errors).toEqual([
      expect.stringMatching(/^recruitee: .*offer 2 of 4 \(id "900010"\) skipped: careers_url: /),
      expect.stringMatching(/offer 3 of 4 \(id "900020"\) skipped: title: Expected string, actual 7; remote: /)
    ])
  })

  it("reports a body that is not JSON, or not an offer list", () => {
    const page = recruiteeApi.parse("Company not found", request, BOARD)
    expect(page).toEqual({ postings: [], next: [], errors: [expect.stringMatching(/^recruitee: .*not JSON .*starts with "Company not found"/)] })
    expect(parseJson({ offers: null }).errors).toEqual([expect.stringMatching(/not an offer list \(offers: Expected ReadonlyArray/)])
  })
})
