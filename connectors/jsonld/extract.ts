import { createHash } from "node:crypto"
import type { RawFields } from "../../schemas/RawPosting.js"
import { jsonLdBlocks, MAX_DEPTH, nestedDeeperThan, parseLenient, resolveRef, scan } from "./jsonLdBlocks.js"
import { fieldsOf, text1 } from "./postingFields.js"

/**
 * schema.org JobPosting JSON-LD from an HTML page: pure, no I/O, never throws on page content. The blocks are
 * found, parsed and walked by jsonLdBlocks.ts; each posting's fields are read by postingFields.ts.
 *
 * Guarantees:
 * - every `<script type="application/ld+json">` block is read (type matched ignoring case, spaces and
 *   parameters); a block that is not JSON even after lenient repair becomes one entry in `errors`, naming the
 *   block, and the other blocks are still read;
 * - JobPostings are found anywhere in a block: top level, arrays, `@graph`, nested objects; `@id` references
 *   (a `hiringOrganization` that is only `{"@id": "#org"}`) are resolved within the block;
 * - `externalId` is unique among the postings returned for one page; a posting repeated on the page (same id,
 *   same content) is returned once.
 */

export interface FoundPosting {
  /** The posting's `identifier` value, else its `url`, else the page URL. */
  readonly externalId: string
  /** The posting's `url` resolved against the page, else the page URL. */
  readonly url: string
  readonly fields: RawFields
  /** The JobPosting object as found. */
  readonly payload: unknown
}

export interface Extraction {
  readonly postings: Array<FoundPosting>
  readonly errors: Array<string>
}

/** Larger blocks are refused: no real JobPosting comes near this, and parsing them costs memory. */
const MAX_BLOCK_LENGTH = 5_000_000
const MAX_EXTERNAL_ID_LENGTH = 500

export const extractJobPostings = (html: string, pageUrl: string): Extraction => {
  const postings: Array<FoundPosting> = []
  const errors: Array<string> = []
  if (typeof html !== "string" || html === "") return { postings, errors }
  const blocks = jsonLdBlocks(html)
  const seenById = new Map<string, Array<string>>()
  blocks.forEach((text, index) => {
    const where = `JSON-LD block ${index + 1} of ${blocks.length}`
    if (text.length > MAX_BLOCK_LENGTH) {
      errors.push(`${where}: ${text.length} characters, over the ${MAX_BLOCK_LENGTH} limit; not parsed`)
      return
    }
    const parsed = parseLenient(text)
    if (!parsed.ok) {
      const start = text.trim().slice(0, 80).replace(/\s+/g, " ")
      errors.push(`${where}: invalid JSON (${parsed.error}); the block starts with: ${start}`)
      return
    }
    const { jobPostings, ids, tooDeep } = scan(parsed.value)
    if (tooDeep) errors.push(`${where}: nested deeper than ${MAX_DEPTH} levels; the deeper part was not read`)
    jobPostings.forEach((posting, i) => {
      if (nestedDeeperThan(posting, MAX_DEPTH)) {
        errors.push(`${where}, JobPosting ${i + 1}: nested deeper than ${MAX_DEPTH} levels; skipped`)
        return
      }
      const hash = contentHashOf(posting)
      const url = resolveUrl(text1(posting.url), pageUrl) ?? pageUrl
      const fields = fieldsOf(posting, (node) => resolveRef(node, ids))
      const id = boundedId(fields.requisitionId ?? "") ?? boundedId(url) ?? pageUrl
      const seen = seenById.get(id) ?? []
      if (seen.includes(hash)) return
      seenById.set(id, [...seen, hash])
      // Postings that share an id (typically none has an identifier or url) are told apart by their order.
      const externalId = seen.length === 0 ? id : `${id}#${seen.length + 1}`
      postings.push({ externalId, url, fields, payload: posting })
    })
  })
  return { postings, errors }
}

/** SHA-256 (hex) of the payload's canonical JSON: keys sorted, no whitespace, `undefined` members left out. */
export const contentHashOf = (payload: unknown): string =>
  createHash("sha256").update(canonicalJson(payload, new Set()), "utf8").digest("hex")

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const resolveUrl = (url: string | undefined, base: string): string | undefined => {
  if (url === undefined) return undefined
  try {
    const resolved = new URL(url.trim(), base)
    return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : undefined
  } catch {
    return undefined
  }
}

/** An id within the `RawPosting` limit; a longer one is replaced by its hash so that it stays stable. */
const boundedId = (id: string): string | undefined => {
  const trimmed = id.trim()
  if (trimmed === "") return undefined
  return trimmed.length <= MAX_EXTERNAL_ID_LENGTH
    ? trimmed
    : `sha256:${createHash("sha256").update(trimmed, "utf8").digest("hex")}`
}

const canonicalJson = (value: unknown, ancestors: Set<object>): string => {
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value)
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null"
  if (typeof value === "bigint") return JSON.stringify(value.toString())
  if (typeof value !== "object" || value === null) return "null"
  const withJson = value as { toJSON?: () => unknown }
  if (typeof withJson.toJSON === "function") return canonicalJson(withJson.toJSON(), ancestors)
  if (ancestors.has(value)) throw new TypeError("contentHashOf: the payload contains a cycle")
  ancestors.add(value)
  let json: string
  if (Array.isArray(value)) {
    json = `[${value.map((item) => canonicalJson(item, ancestors)).join(",")}]`
  } else {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined && typeof record[k] !== "function" && typeof record[k] !== "symbol")
      .sort()
    json = `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], ancestors)}`).join(",")}}`
  }
  ancestors.delete(value)
  return json
}
