/**
 * The JSON-LD of an HTML page: its `<script type="application/ld+json">` blocks, found without a DOM, parsed
 * leniently (real pages break JSON in a handful of known ways), and walked for JobPosting nodes and `@id`
 * references. Pure, no I/O, never throws on page content; extract.ts maps what is found to postings.
 */

/** Deeper nesting is refused: real JSON-LD is a few levels deep, and hashing recurses. */
export const MAX_DEPTH = 64

/** The text of every JSON-LD script block, in page order (type matched ignoring case, spaces and parameters). */
export const jsonLdBlocks = (html: string): Array<string> =>
  scriptBlocks(html)
    .filter((block) => isJsonLdType(block.type))
    .map((block) => block.text)

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

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

/**
 * JSON.parse, then, if that fails, again after the repairs real pages need: HTML comment and CDATA wrappers,
 * JS comments, trailing commas, raw line breaks and tabs inside strings, and a block HTML-escaped as a whole
 * (`{&quot;@type&quot;: ...}`). Never evaluates anything.
 */
export const parseLenient = (raw: string): Parsed => {
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

export type Node = Record<string, unknown>

export const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

const isJobPosting = (node: Node): boolean => {
  const type = node["@type"]
  const types = Array.isArray(type) ? type : [type]
  return types.some((t) => typeof t === "string" && /(?:^|[/:#])JobPosting$/i.test(t.trim()))
}

/** JobPostings in document order, and every node that has an `@id` (for references), iteratively. */
export const scan = (root: unknown): { jobPostings: Array<Node>; ids: Map<string, Node>; tooDeep: boolean } => {
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

export const nestedDeeperThan = (root: unknown, max: number): boolean => {
  const stack: Array<readonly [unknown, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    if (typeof value !== "object" || value === null) continue
    if (depth > max) return true
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1])
  }
  return false
}

export const resolveRef = (value: unknown, ids: ReadonlyMap<string, Node>): unknown => {
  if (!isNode(value)) return value
  const id = value["@id"]
  return typeof id === "string" && Object.keys(value).length === 1 ? (ids.get(id) ?? value) : value
}

