import { Either } from "effect"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeEntities, excerpt, failed, isoFromEpoch, isRecord, joinUrl, parseJson, text } from "../apiSupport.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"
import { headerLine, parseHeader } from "./header.js"

/**
 * Hacker News "Ask HN: Who is hiring?" through the Algolia HN Search API: a `search` request finds the latest
 * thread posted by `whoishiring`, then a `thread` request (`/api/v1/items/{id}`) returns it with its comments.
 * `board.board` may pin a thread id (the search is then skipped); `board.query` keeps only the comments that
 * contain every one of its words. Pure: no I/O, never throws on response content.
 *
 * Guarantees:
 * - one top-level comment is one posting, with `externalId` = the comment id and `url` = its HN page; replies
 *   are never postings, and deleted or empty comments are skipped without an error (they are normal in a thread);
 * - the search picks the newest hit titled "Who is hiring?" and never the sibling "Who wants to be hired?" or
 *   "Freelancer?" threads; when there is none, that is one entry in `errors`;
 * - a body that is not JSON, or not the shape the label expects, is one entry in `errors` and no postings; a
 *   comment that is not an object with a numeric id is skipped with an error, the others are returned.
 */

const PUBLIC_HOST = "https://hn.algolia.com"
const SOURCE = "hackernews"
const SEARCH_PATH = "/api/v1/search_by_date?tags=story,author_whoishiring&query=who%20is%20hiring"
const HIRING_TITLE = /^Ask HN: Who(?: is|['’]s) hiring\?/i

export const hackernewsApi: SourceApi = {
  type: SOURCE,
  // A thread is complete, but a comment can leave it for reasons other than the job closing (edits, moderation),
  // and a new month starts a new thread; absence is therefore not treated as closed.
  listsWholeBoard: false,
  start: (board: BoardConfig): ReadonlyArray<ApiRequest> => {
    const base = board.baseUrl ?? PUBLIC_HOST
    const pinned = board.board?.trim()
    if (pinned === undefined || pinned === "") return [{ url: joinUrl(base, SEARCH_PATH), label: "search" }]
    if (!/^\d+$/.test(pinned)) throw new Error(`${board.source}: board "${pinned}" is not a Hacker News item id`)
    return [threadRequest(base, pinned)]
  },
  parse: (body: string, request: ApiRequest, board: BoardConfig): ApiPage => {
    const parsed = parseJson(body)
    if (Either.isLeft(parsed)) return failed(`${SOURCE} ${request.label}: ${parsed.left}`)
    return request.label === "search" ? parseSearch(parsed.right, board, body) : parseThread(parsed.right, board, body)
  }
}

const threadRequest = (base: string, id: string): ApiRequest => ({
  url: joinUrl(base, `/api/v1/items/${id}`),
  label: "thread",
  userData: { threadId: id }
})

const parseSearch = (value: unknown, board: BoardConfig, body: string): ApiPage => {
  if (!isRecord(value) || !Array.isArray(value.hits)) {
    return failed(`${SOURCE} search: expected an object with a "hits" array: ${excerpt(body)}`)
  }
  const threads = value.hits
    .filter(isRecord)
    .filter((hit) => typeof hit.title === "string" && HIRING_TITLE.test(hit.title) && idOf(hit.objectID) !== undefined)
    .sort((a, b) => (Number(b.created_at_i) || 0) - (Number(a.created_at_i) || 0))
  const latest = threads[0]
  if (latest === undefined) {
    return failed(`${SOURCE} search: none of the ${value.hits.length} hits is an "Ask HN: Who is hiring?" thread`)
  }
  return { postings: [], next: [threadRequest(board.baseUrl ?? PUBLIC_HOST, idOf(latest.objectID)!)], errors: [] }
}

const parseThread = (value: unknown, board: BoardConfig, body: string): ApiPage => {
  if (!isRecord(value) || !Array.isArray(value.children)) {
    return failed(`${SOURCE} thread: expected an item with a "children" array: ${excerpt(body)}`)
  }
  const words = (board.query ?? "").toLowerCase().split(/\s+/).filter((w) => w !== "")
  const postings: Array<ApiPosting> = []
  const errors: Array<string> = []
  value.children.forEach((comment, index) => {
    const id = isRecord(comment) ? idOf(comment.id) : undefined
    if (!isRecord(comment) || id === undefined) {
      errors.push(`${SOURCE} thread: comment ${index + 1} is not an object with a numeric id; skipped`)
      return
    }
    const html = typeof comment.text === "string" ? comment.text : ""
    // Algolia returns a deleted comment with its id, and `text` and `author` null.
    if (html.trim() === "") return
    const plain = decodeEntities(html.replace(/<[^>]*>/g, " ")).toLowerCase()
    if (!words.every((w) => plain.includes(w))) return
    postings.push({
      externalId: id,
      url: `https://news.ycombinator.com/item?id=${id}`,
      fields: fieldsOf(comment, html),
      payload: comment
    })
  })
  return { postings, next: [], errors }
}

const fieldsOf = (comment: Record<string, unknown>, html: string): RawFields => {
  const { line, href } = headerLine(html)
  const header = parseHeader(line, href)
  return compact({
    title: header.title,
    company: header.company,
    description: html,
    locations: header.locations.length > 0 ? header.locations : undefined,
    remote: header.remote,
    employmentType: header.employmentType.length > 0 ? header.employmentType : undefined,
    datePosted: (typeof comment.created_at === "string" ? text(comment.created_at) : undefined) ?? isoFromEpoch(comment.created_at_i, "s"),
    salary: header.salary
  })
}

/** HN ids are positive integers; Algolia writes them as numbers (`id`) or strings (`objectID`). */
const idOf = (value: unknown): string | undefined => {
  const s = text(value)
  return s !== undefined && /^[1-9]\d*$/.test(s) ? s : undefined
}
