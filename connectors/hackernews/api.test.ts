import { describe, expect, it } from "vitest"
import { fixture } from "../demo-site/catalog.js"
import { hnCommentId, hnSearch, hnThread } from "../replay/feeds.js"
import { hackernewsApi } from "./api.js"

const THREAD = 40_571_000
const board = { source: "hn-hiring" }
const rows = fixture().slice(0, 15)
const searchRequest = hackernewsApi.start(board)[0]!
const threadRequest = { url: `https://hn.algolia.com/api/v1/items/${THREAD}`, label: "thread", userData: { threadId: String(THREAD) } }

describe("hackernewsApi.start", () => {
  it("searches for the latest thread, or asks a pinned thread directly, under baseUrl when given", () => {
    expect(searchRequest).toEqual({
      url: "https://hn.algolia.com/api/v1/search_by_date?tags=story,author_whoishiring&query=who%20is%20hiring",
      label: "search"
    })
    expect(hackernewsApi.start({ ...board, baseUrl: "http://127.0.0.1:9999/hn/" })[0]!.url).toBe(
      "http://127.0.0.1:9999/hn/api/v1/search_by_date?tags=story,author_whoishiring&query=who%20is%20hiring"
    )
    expect(hackernewsApi.start({ ...board, board: String(THREAD) })).toEqual([threadRequest])
    expect(() => hackernewsApi.start({ ...board, board: "june" })).toThrow(/not a Hacker News item id/)
    expect(hackernewsApi.listsWholeBoard).toBe(false)
  })
})

describe("hackernewsApi.parse: search", () => {
  it("follows the newest 'Who is hiring?' thread, never the sibling threads", () => {
    const page = hackernewsApi.parse(hnSearch(THREAD), searchRequest, board)
    expect(page).toEqual({ postings: [], next: [threadRequest], errors: [] })
    const local = { ...board, baseUrl: "http://127.0.0.1:9999/hn" }
    expect(hackernewsApi.parse(hnSearch(THREAD), searchRequest, local).next[0]!.url).toBe(
      `http://127.0.0.1:9999/hn/api/v1/items/${THREAD}`
    )
  })

  it("reports a search without a hiring thread, and a body of the wrong shape", () => {
    const hits = (JSON.parse(hnSearch(THREAD)) as { hits: Array<{ title: string }> }).hits.filter((h) => !/hiring\?/.test(h.title))
    expect(hackernewsApi.parse(JSON.stringify({ hits }), searchRequest, board).errors).toEqual([
      'hackernews search: none of the 2 hits is an "Ask HN: Who is hiring?" thread'
    ])
    expect(hackernewsApi.parse('{"message":"Too many requests"}', searchRequest, board).errors[0]).toBe(
      'hackernews search: expected an object with a "hits" array: {"message":"Too many requests"}'
    )
  })
})

describe("hackernewsApi.parse: thread", () => {
  const body = hnThread(rows, THREAD)
  const children = (JSON.parse(body) as { children: Array<Record<string, unknown>> }).children

  it("makes one posting per top-level comment, skipping the deleted comment and every reply", () => {
    const page = hackernewsApi.parse(body, threadRequest, board)
    expect(page.errors).toEqual([])
    expect(page.next).toEqual([])
    expect(page.postings.map((p) => p.externalId)).toEqual(rows.map((_, i) => String(hnCommentId(THREAD, i))))
    expect(children.some((c) => c.text === null)).toBe(true)
    expect(children.some((c) => (c.children as Array<unknown>).length > 0)).toBe(true)
  })

  it("maps a comment to the HN page, its header fields, its HTML and its date", () => {
    const page = hackernewsApi.parse(body, threadRequest, board)
    const [row, comment, posting] = [rows[0]!, children[0]!, page.postings[0]!]
    expect(posting).toEqual({
      externalId: String(comment.id),
      url: `https://news.ycombinator.com/item?id=${comment.id}`,
      fields: {
        description: comment.text,
        title: row.title,
        company: row.company,
        locations: [row.location],
        remote: false,
        salary: { min: 53_000, max: 91_000, currency: "USD", text: "$53k-$91k" },
        datePosted: comment.created_at
      },
      payload: comment
    })
    expect(page.postings[1]!.fields).toMatchObject({
      company: rows[1]!.company,
      remote: true,
      employmentType: ["Full-time"],
      salary: { min: 126_000, max: 201_000, currency: "EUR" }
    })
    expect(page.postings[3]!.fields).toMatchObject({ company: rows[3]!.company, locations: [rows[3]!.location] })
  })

  it("reads the header of comments in each paragraph form Algolia serves", () => {
    const page = hackernewsApi.parse(body, threadRequest, board)
    // Rows 0, 1 and 2: `header<p>body`, `<p>header<p>body`, `<p>header</p><p>body</p>` (the deleted comment is third).
    expect(children[0]!.text).toMatch(/^[^<]+\|/)
    expect(children[1]!.text).toMatch(/^<p>[^<]+\|/)
    expect(children[3]!.text).toMatch(/^<p>[^<]+<\/p><p>/)
    for (const i of [0, 1, 4]) {
      const row = rows[i]!
      expect(page.postings[i]!.fields, `comment ${i}`).toMatchObject({ title: row.title, company: row.company })
    }
    expect(page.postings[1]!.fields.locations).toEqual([rows[1]!.location, "REMOTE (US)"])
    expect(page.postings[4]!.fields).toMatchObject({ locations: [rows[4]!.location], remote: false })
  })

  it("keeps only the comments that contain every word of the query", () => {
    const page = hackernewsApi.parse(body, threadRequest, { ...board, query: "Tableau python" })
    const expected = rows
      .map((row, i) => [row, i] as const)
      .filter(([row]) => /tableau/i.test(row.description) && /python/i.test(row.description))
      .map(([, i]) => String(hnCommentId(THREAD, i)))
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(rows.length)
    expect(page.postings.map((p) => p.externalId)).toEqual(expected)
  })

  it("skips a comment without a numeric id with an error and keeps the others", () => {
    const thread = JSON.parse(body) as { children: Array<unknown> }
    thread.children.splice(1, 0, { id: "abc", text: "Acme | Engineer" }, 17)
    const page = hackernewsApi.parse(JSON.stringify(thread), threadRequest, board)
    expect(page.postings).toHaveLength(rows.length)
    expect(page.errors).toEqual([
      "hackernews thread: comment 2 is not an object with a numeric id; skipped",
      "hackernews thread: comment 3 is not an object with a numeric id; skipped"
    ])
  })

  it("reports a body that is not JSON or not an item", () => {
    const notJson = hackernewsApi.parse("<html>502 Bad Gateway</html>", threadRequest, board)
    expect(notJson.postings).toEqual([])
    expect(notJson.errors).toHaveLength(1)
    expect(notJson.errors[0]).toMatch(/^hackernews thread: the body is not JSON \(.*\); it starts with "<html>502 Bad Gateway<\/html>"$/)
    expect(hackernewsApi.parse(`{"id":${THREAD},"title":"x"}`, threadRequest, board).errors[0]).toMatch(
      /^hackernews thread: expected an item with a "children" array/
    )
  })
})
