import { describe, expect, it } from "vitest"
import { fixture } from "../demo-site/catalog.js"
import { wwrFeed, wwrLink } from "../replay/feeds.js"
import { weworkremotelyApi } from "./api.js"

const board = { source: "wwr-programming", board: "remote-programming-jobs" }
const request = weworkremotelyApi.start(board)[0]!
const rows = fixture().slice(0, 9)
const parse = (body: string) => weworkremotelyApi.parse(body, request, board)

describe("weworkremotelyApi.start", () => {
  it("asks a category feed, the all-jobs feed without a category, and keeps the path under baseUrl", () => {
    expect(request).toEqual({ url: "https://weworkremotely.com/categories/remote-programming-jobs.rss", label: "feed" })
    expect(weworkremotelyApi.start({ source: "wwr" })[0]!.url).toBe("https://weworkremotely.com/remote-jobs.rss")
    expect(weworkremotelyApi.start({ ...board, baseUrl: "http://127.0.0.1:9999/wwr" })[0]!.url).toBe(
      "http://127.0.0.1:9999/wwr/categories/remote-programming-jobs.rss"
    )
    expect(() => weworkremotelyApi.start({ source: "wwr", board: "../admin?x=1" })).toThrow(/not a We Work Remotely category/)
    expect(weworkremotelyApi.listsWholeBoard).toBe(false)
  })
})

describe("weworkremotelyApi.parse", () => {
  const body = wwrFeed(rows)

  it("maps every item field, from CDATA and from escaped descriptions alike", () => {
    const page = parse(body)
    expect(page.errors).toEqual([])
    expect(page.postings).toHaveLength(rows.length)
    const [first, second] = page.postings as [(typeof page.postings)[number], (typeof page.postings)[number]]
    expect(first.externalId).toBe(wwrLink(rows[0]!))
    expect(first.url).toBe(wwrLink(rows[0]!))
    expect(first.attribution).toEqual({ text: "We Work Remotely", url: wwrLink(rows[0]!) })
    expect(first.fields).toEqual({
      remote: true,
      company: rows[0]!.company,
      title: rows[0]!.title,
      description: expect.stringMatching(/^<p>Data Scientist<br>Location: Albuquerque, NM<br>/),
      locations: ["Anywhere in the World"],
      employmentType: ["Full-Time"],
      datePosted: "2024-06-03T09:00:00.000Z",
      validThrough: "2024-07-03T09:00:00.000Z"
    })
    // Item 2 is entity-escaped, not CDATA: the description must still come back as HTML, not as "&lt;p&gt;".
    expect(second.fields.description).toMatch(/^<p>At Wish, our Data Science &amp; Engineering team/)
    expect(second.fields.locations).toEqual(["USA Only", "United States of America"])
    expect(page.postings[2]!.fields.locations).toEqual(["North America Only", "United States of America", "Canada"])
    expect(second.fields.employmentType).toEqual(["Contract"])
    expect(second.payload).toMatchObject({ region: "USA Only", category: "All Other Remote", link: wwrLink(rows[1]!) })
  })

  it("returns a description with a stray ']]>' whole, in CDATA and escaped", () => {
    const row = fixture().find((r) => r.description.trimEnd().endsWith("]]>"))!
    const page = parse(wwrFeed([row, row]))
    expect(page.postings).toHaveLength(2)
    for (const posting of page.postings) expect(posting.fields.description).toMatch(/\]\]&gt;<\/p>$/)
  })

  it("splits the title at the first ': ' only", () => {
    const row = { ...rows[0]!, company: "Varicent", title: "Support Engineer: SQL & Web (Remote - Mexico Only)" }
    expect(parse(wwrFeed([row])).postings[0]!.fields).toMatchObject({
      company: "Varicent",
      title: "Support Engineer: SQL & Web (Remote - Mexico Only)"
    })
  })

  it("skips an item without guid or link with an error and keeps the others", () => {
    const broken = body.replace(`<guid>${wwrLink(rows[3]!)}</guid>`, "").replace(`<link>${wwrLink(rows[3]!)}</link>`, "")
    const page = parse(broken)
    expect(page.postings.map((p) => p.url)).toEqual(rows.filter((_, i) => i !== 3).map(wwrLink))
    expect(page.errors).toEqual([`weworkremotely: item 4 ("${rows[3]!.company}: ${rows[3]!.title}") has no guid or link; skipped`])
  })

  it("leaves out a date it cannot read", () => {
    const page = parse(body.replace(/<pubDate>[^<]*<\/pubDate>/, "<pubDate>sometime last week</pubDate>"))
    expect(page.postings[0]!.fields.datePosted).toBeUndefined()
    expect(page.postings[1]!.fields.datePosted).toBe("2024-06-02T09:00:00.000Z")
  })

  it("reports a body that is not an RSS feed", () => {
    for (const bad of ["", "not xml at all", '{"jobs": []}', "<html><body><h1>Just a moment...</h1></body></html>"]) {
      const page = parse(bad)
      expect(page.postings).toEqual([])
      expect(page.errors).toEqual([`weworkremotely: the body is not an RSS 2.0 feed: ${bad}`])
    }
    const long = parse(`<html>${"x".repeat(500)}</html>`)
    expect(long.errors[0]!.length).toBeLessThan(140)
  })
})
