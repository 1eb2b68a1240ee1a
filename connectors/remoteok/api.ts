import type { RawFields } from "../../schemas/RawPosting.js"
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
    if (!parsed.ok) return failed(`${SOURCE}: the body is not JSON (${parsed.error}); it starts with: ${excerpt(body)}`)
    if (!Array.isArray(parsed.value)) {
      return failed(`${SOURCE}: expected a JSON array of jobs, got ${describe(parsed.value)}: ${excerpt(body)}`)
    }
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    parsed.value.forEach((item, index) => {
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
  const fields: { -readonly [K in keyof RawFields]: RawFields[K] } = {
    // Everything on Remote OK is listed as remote; this is the board's claim, kept as its marker.
    remote: true
  }
  const title = text(item.position)
  if (title !== undefined) fields.title = title
  const company = text(item.company)
  if (company !== undefined) fields.company = company
  const description = text(item.description)
  if (description !== undefined) fields.description = description
  const location = text(item.location)
  if (location !== undefined) fields.locations = [location]
  const datePosted = text(item.date) ?? epochToIso(item.epoch)
  if (datePosted !== undefined) fields.datePosted = datePosted
  // The feed writes 0 for "not stated"; its amounts are yearly US dollars, as shown on the site.
  const min = positiveNumber(item.salary_min)
  const max = positiveNumber(item.salary_max)
  if (min !== undefined || max !== undefined) {
    fields.salary = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), currency: "USD", unit: "YEAR" }
  }
  return fields
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const failed = (error: string): ApiPage => ({ postings: [], next: [], errors: [error] })

const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, "")}${path}`

const parseJson = (body: string): { ok: true; value: unknown } | { ok: false; error: string } => {
  try {
    return { ok: true, value: JSON.parse(body) as unknown }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

const excerpt = (body: unknown): string => {
  const s = String(body).trim().replace(/\s+/g, " ")
  return s.length > 80 ? `${s.slice(0, 80)}...` : s
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A non-blank string, or a finite number as a string (Remote OK has sent ids and epochs as both). */
const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.trim()
  return typeof value === "number" && Number.isFinite(value) ? String(value) : undefined
}

const positiveNumber = (value: unknown): number | undefined => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined
}

const epochToIso = (value: unknown): string | undefined => {
  const seconds = positiveNumber(value)
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString()
}

const httpUrl = (value: unknown): string | undefined => {
  const s = text(value)
  if (s === undefined) return undefined
  try {
    const { protocol } = new URL(s)
    return protocol === "https:" || protocol === "http:" ? s : undefined
  } catch {
    return undefined
  }
}
