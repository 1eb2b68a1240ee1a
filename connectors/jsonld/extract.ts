import { createHash } from "node:crypto"
import type { RawFields } from "../../schemas/RawPosting.js"

/**
 * schema.org JobPosting JSON-LD from an HTML page: pure, no I/O, never throws on page content.
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
/** Deeper nesting is refused: real JSON-LD is a few levels deep, and hashing recurses. */
const MAX_DEPTH = 64
const MAX_EXTERNAL_ID_LENGTH = 500

export const extractJobPostings = (html: string, pageUrl: string): Extraction => {
  const postings: Array<FoundPosting> = []
  const errors: Array<string> = []
  if (typeof html !== "string" || html === "") return { postings, errors }
  const blocks = scriptBlocks(html)
    .filter((block) => isJsonLdType(block.type))
    .map((block) => block.text)
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
// Parsing

/**
 * The `<script>` elements of a page, in one linear pass: script content ends at the first `</script`, as in
 * the HTML tokenizer, and commented-out markup is skipped. A DOM parser would do the same work at a cost that
 * grows with the square of the nesting depth of broken pages.
 */
const scriptBlocks = (html: string): Array<{ readonly type: string | undefined; readonly text: string }> => {
  const blocks: Array<{ type: string | undefined; text: string }> = []
  const next = /<!--|<script(?=[\s/>])/gi
  const close = /<\/script(?=[\s/>]|$)/gi
  for (let m = next.exec(html); m !== null; m = next.exec(html)) {
    if (m[0] === "<!--") {
      const end = html.indexOf("-->", m.index + 4)
      if (end < 0) break
      next.lastIndex = end + 3
      continue
    }
    const open = /^<script\b(?:[^>"']|"[^"]*"|'[^']*')*>/i.exec(html.slice(m.index, m.index + 4096))
    if (open === null) continue
    const start = m.index + open[0].length
    close.lastIndex = start
    const end = close.exec(html)
    blocks.push({ type: attribute(open[0], "type"), text: html.slice(start, end === null ? html.length : end.index) })
    if (end === null) break
    next.lastIndex = end.index + 8
  }
  return blocks
}

const attribute = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag)
  return m === null ? undefined : (m[1] ?? m[2] ?? m[3])
}

const isJsonLdType = (type: string | undefined): boolean =>
  typeof type === "string" && type.split(";")[0]!.trim().toLowerCase() === "application/ld+json"

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

/**
 * JSON.parse, then, if that fails, again after the repairs real pages need: HTML comment and CDATA wrappers,
 * JS comments, trailing commas, raw line breaks and tabs inside strings, and a block HTML-escaped as a whole
 * (`{&quot;@type&quot;: ...}`). Never evaluates anything.
 */
const parseLenient = (raw: string): Parsed => {
  const text = unwrap(raw)
  if (text === "") return { ok: false, error: "the block is empty" }
  const first = tryParse(text)
  if (first.ok) return first
  const repaired = tryParse(repairJson(text))
  if (repaired.ok) return repaired
  if (/&quot;|&#34;/.test(text)) {
    const unescaped = text
      .replace(/&quot;|&#34;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&")
    const decoded = tryParse(repairJson(unescaped))
    if (decoded.ok) return decoded
  }
  return first
}

const tryParse = (text: string): Parsed => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
}

const unwrap = (raw: string): string => {
  let text = raw.replace(/^\ufeff/, "").trim()
  for (let changed = true; changed; ) {
    const before = text
    text = text
      .replace(/^(?:\/\/\s*|\/\*\s*)?<!\[CDATA\[(?:\s*\*\/)?/, "")
      .replace(/(?:\/\/\s*|\/\*\s*)?\]\]>(?:\s*\*\/)?$/, "")
      .replace(/^<!--/, "")
      .replace(/(?:\/\/\s*)?-->$/, "")
      .trim()
    changed = text !== before
  }
  return text
}

/** One pass over the text that knows where strings are: the only safe way to touch commas and comments. */
const repairJson = (text: string): string => {
  let out = ""
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === "\\") {
        out += c + (text[i + 1] ?? "")
        i++
      } else if (c === '"') {
        inString = false
        out += c
      } else if (c === "\n") out += "\\n"
      else if (c === "\r") out += "\\r"
      else if (c === "\t") out += "\\t"
      else if (c < " ") out += `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
      else out += c
      continue
    }
    if (c === '"') {
      inString = true
      out += c
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2)
      i = end < 0 ? text.length : end + 1
    } else if (c === ",") {
      let j = i + 1
      while (j < text.length && /\s/.test(text[j]!)) j++
      if (text[j] !== "}" && text[j] !== "]") out += c
    } else out += c
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Walking

type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

const isJobPosting = (node: Node): boolean => {
  const type = node["@type"]
  const types = Array.isArray(type) ? type : [type]
  return types.some((t) => typeof t === "string" && /(?:^|[/:#])JobPosting$/i.test(t.trim()))
}

/** JobPostings in document order, and every node that has an `@id` (for references), iteratively. */
const scan = (root: unknown): { jobPostings: Array<Node>; ids: Map<string, Node>; tooDeep: boolean } => {
  const jobPostings: Array<Node> = []
  const ids = new Map<string, Node>()
  let tooDeep = false
  const stack: Array<readonly [unknown, number, boolean]> = [[root, 0, false]]
  while (stack.length > 0) {
    const [value, depth, insidePosting] = stack.pop()!
    if (typeof value !== "object" || value === null) continue
    if (depth > MAX_DEPTH) {
      tooDeep = true
      continue
    }
    const children: Array<unknown> = Array.isArray(value) ? value : Object.values(value)
    let inside = insidePosting
    if (isNode(value)) {
      const id = value["@id"]
      if (typeof id === "string" && Object.keys(value).length > 1 && !ids.has(id)) ids.set(id, value)
      if (!insidePosting && isJobPosting(value)) {
        jobPostings.push(value)
        inside = true
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], depth + 1, inside])
  }
  return { jobPostings, ids, tooDeep }
}

const nestedDeeperThan = (root: unknown, max: number): boolean => {
  const stack: Array<readonly [unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    if (typeof value !== "object" || value === null) continue
    if (depth > max) return true
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1])
  }
  return false
}

const resolveRef = (value: unknown, ids: ReadonlyMap<string, Node>): unknown => {
  if (!isNode(value)) return value
  const id = value["@id"]
  return typeof id === "string" && Object.keys(value).length === 1 ? (ids.get(id) ?? value) : value
}

// ---------------------------------------------------------------------------------------------------------------
// Mapping schema.org to RawFields

type Resolve = (value: unknown) => unknown

const fieldsOf = (posting: Node, resolve: Resolve): RawFields => {
  const locations = [
    ...many(posting.jobLocation).flatMap((place) => placeName(resolve(place), resolve)),
    ...many(posting.applicantLocationRequirements).flatMap((area) => placeName(resolve(area), resolve))
  ]
  const employmentType = many(posting.employmentType)
    .map(text1)
    .filter((t): t is string => t !== undefined)
    .flatMap((t) => t.split(/\s*,\s*/))
    .filter((t) => t.trim() !== "")
  const fields: { -readonly [K in keyof RawFields]: RawFields[K] } = {}
  const title = text1(posting.title) ?? text1(posting.name)
  if (title !== undefined) fields.title = title
  const company = organizationName(posting.hiringOrganization, resolve)
  if (company !== undefined) fields.company = company
  const description = text1(posting.description)
  if (description !== undefined) fields.description = description
  if (locations.length > 0) fields.locations = [...new Set(locations)]
  if (many(posting.jobLocationType).some((t) => text1(t)?.trim().toUpperCase() === "TELECOMMUTE")) fields.remote = true
  if (employmentType.length > 0) fields.employmentType = employmentType
  const datePosted = text1(posting.datePosted)
  if (datePosted !== undefined) fields.datePosted = datePosted
  const validThrough = text1(posting.validThrough)
  if (validThrough !== undefined) fields.validThrough = validThrough
  const requisitionId = identifierValue(posting.identifier, resolve)
  if (requisitionId !== undefined) fields.requisitionId = requisitionId
  const salary = salaryOf(resolve(posting.baseSalary) ?? resolve(posting.estimatedSalary), resolve)
  if (salary !== undefined) fields.salary = salary
  return fields
}

const many = (value: unknown): Array<unknown> => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value])

/** A text value: a string, a number, `{"@value": ...}`, or the first of an array of those. */
const text1 = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim() === "" ? undefined : value
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  if (Array.isArray(value)) {
    for (const item of value) {
      const t = text1(item)
      if (t !== undefined) return t
    }
    return undefined
  }
  return isNode(value) && "@value" in value ? text1(value["@value"]) : undefined
}

const organizationName = (value: unknown, resolve: Resolve): string | undefined => {
  for (const item of many(value)) {
    const org = resolve(item)
    const name = isNode(org) ? (text1(org.name) ?? text1(org.legalName)) : text1(org)
    if (name !== undefined) return name
  }
  return undefined
}

/** A Place, PostalAddress, Country/State or plain string to one "Locality, Region, Country" string. */
const placeName = (value: unknown, resolve: Resolve): Array<string> => {
  if (!isNode(value)) {
    const t = text1(value)
    return t === undefined ? [] : [t]
  }
  const addresses = many(value.address).map(resolve)
  const fromAddresses = addresses.flatMap((address) => {
    if (!isNode(address)) return many(text1(address))
    const country = resolve(address.addressCountry)
    const parts = [
      text1(address.addressLocality),
      text1(address.addressRegion),
      isNode(country) ? text1(country.name) : text1(country)
    ].filter((p): p is string => p !== undefined && p.trim() !== "")
    return parts.length > 0 ? [parts.map((p) => p.trim()).join(", ")] : []
  })
  if (fromAddresses.length > 0) return fromAddresses.filter((a): a is string => typeof a === "string")
  const name = text1(value.name)
  return name === undefined ? [] : [name]
}

const identifierValue = (value: unknown, resolve: Resolve): string | undefined => {
  for (const item of many(value)) {
    const id = resolve(item)
    const t = isNode(id) ? (text1(id.value) ?? text1(id["@value"])) : text1(id)
    if (t !== undefined) return t.trim()
  }
  return undefined
}

/** MonetaryAmount (value: QuantitativeValue, number or text), a number or a text, to `RawFields.salary`. */
const salaryOf = (value: unknown, resolve: Resolve): RawFields["salary"] => {
  const amount = resolve(Array.isArray(value) ? value[0] : value)
  if (amount === undefined || amount === null) return undefined
  if (!isNode(amount)) return amountOf(amount)
  const quantity = resolve(Array.isArray(amount.value) ? amount.value[0] : amount.value)
  const q = isNode(quantity) ? quantity : {}
  const salary: { -readonly [K in keyof NonNullable<RawFields["salary"]>]: NonNullable<RawFields["salary"]>[K] } = {}
  const single = isNode(quantity) ? amountOf(quantity.value) : amountOf(quantity)
  const min = amountOf(q.minValue ?? amount.minValue)
  const max = amountOf(q.maxValue ?? amount.maxValue)
  if (min?.min !== undefined) salary.min = min.min
  if (max?.max !== undefined) salary.max = max.max
  if (salary.min === undefined && salary.max === undefined && single?.min !== undefined) {
    salary.min = single.min
    salary.max = single.max
  }
  const text = single?.text ?? min?.text ?? max?.text
  if (text !== undefined) salary.text = text
  const currency = text1(amount.currency) ?? text1(q.currency)
  if (currency !== undefined) salary.currency = currency
  const unit = text1(q.unitText) ?? text1(amount.unitText) ?? text1(q.unitCode)
  if (unit !== undefined) salary.unit = unit
  return Object.keys(salary).length > 0 ? salary : undefined
}

/** A number, a numeric string ("85,000.00") as min = max, or any other string as salary text. */
const amountOf = (value: unknown): { min?: number; max?: number; text?: string } | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? { min: value, max: value } : undefined
  const t = text1(value)
  if (t === undefined) return undefined
  if (/^\s*\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*$|^\s*\d+(?:\.\d+)?\s*$/.test(t)) {
    const n = Number(t.replace(/[,\s]/g, ""))
    return { min: n, max: n }
  }
  return { text: t }
}

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
