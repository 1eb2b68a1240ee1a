import { Either } from "effect"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, describe, excerpt, failed, httpUrl, isoFromEpoch, isRecord, joinUrl, parseJson, positiveNumber, text } from "../apiSupport.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Remote OK's public JSON feed (`GET https://remoteok.com/api`): the latest jobs on the board, one request, no
 * key. Pure: no I/O, never throws on response content.
 *
 * Guarantees:
 * - the body must be a JSON array; anything else is one entry in `errors` and no postings;
 * - the array's legal notice (the element with a `legal` key and no `id`) is skipped, not reported;
 * - an element without an `id`, or without a Remote OK `url`/`slug` to link back to, is skipped with an error
 *   naming its position; the other elements are still returned;
 * - every posting carries the attribution Remote OK's terms require (name Remote OK, link directly to the job's
 *   Remote OK page), and its `url` is that page, never the employer's apply link.
 */

const PUBLIC_HOST = "https://remoteok.com"
const SOURCE = "remoteok"

export const remoteokApi: SourceApi = {
  type: SOURCE,
  // The feed shows only the latest jobs, so a job missing from it may still be open.
  listsWholeBoard: false,
  start: (board: BoardConfig): ReadonlyArray<ApiRequest> => [
    { url: joinUrl(board.baseUrl ?? PUBLIC_HOST, "/api"), label: "list" }
  ],
  parse: (body: string): ApiPage => {
    const parsed = parseJson(body)
    if (Either.isLeft(parsed)) return failed(`${SOURCE}: ${parsed.left}`)
    if (!Array.isArray(parsed.right)) {
      return failed(`${SOURCE}: expected a JSON array of jobs, got ${describe(parsed.right)}: ${excerpt(body)}`)
    }
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    parsed.right.forEach((item, index) => {
      if (isRecord(item) && "legal" in item && !("id" in item)) return
      const posting = postingOf(item, index)
      if (typeof posting === "string") errors.push(posting)
      else postings.push(posting)
    })
    return { postings, next: [], errors }
  }
}

const postingOf = (item: unknown, index: number): ApiPosting | string => {
  const where = `${SOURCE}: element ${index}`
  if (!isRecord(item)) return `${where} is ${describe(item)}, not a job object; skipped`
  const id = text(item.id)
  if (id === undefined) return `${where} has no id; skipped: ${excerpt(JSON.stringify(item))}`
  const slug = text(item.slug)
  const url = httpUrl(item.url) ?? (slug === undefined ? undefined : `${PUBLIC_HOST}/remote-jobs/${slug}`)
  if (url === undefined) return `${where} (id ${id}) has no Remote OK url or slug to link back to; skipped`
  return {
    externalId: id,
    url,
    fields: fieldsOf(item),
    payload: item,
    attribution: { text: "Remote OK", url }
  }
}

const fieldsOf = (item: Record<string, unknown>): RawFields => {
  const location = text(item.location)
  // The feed writes 0 for "not stated"; its amounts are yearly US dollars, as shown on the site.
  const min = positiveNumber(item.salary_min)
  const max = positiveNumber(item.salary_max)
  return compact({
    title: text(item.position),
    company: text(item.company),
    description: text(item.description),
    locations: location === undefined ? undefined : [location],
    // Everything on Remote OK is listed as remote; this is the board's claim, kept as its marker.
    remote: true,
    datePosted: text(item.date) ?? isoFromEpoch(item.epoch, "s"),
    salary: min === undefined && max === undefined ? undefined : compact({ min, max, currency: "USD", unit: "YEAR" })
  })
}
