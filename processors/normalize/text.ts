import { load } from "cheerio/slim"

/**
 * Text as sources send it to text as readers, tokenizers and PostgreSQL take it: HTML rendered to lines, entities
 * decoded, damaged characters fixed, lengths bounded without splitting a character.
 */

/** HTML beyond this is dropped before parsing; real postings are under 100 kB. */
const MAX_HTML_INPUT = 2_000_000

const TAG_NAMES =
  "p|br|div|span|li|ul|ol|h[1-6]|strong|b|i|em|u|a|table|thead|tbody|tfoot|tr|td|th|section|article|header|" +
  "footer|nav|main|aside|blockquote|pre|code|hr|img|font|script|style|noscript|template|body|html|head|meta|" +
  "link|title|center|small|big|sup|sub|dl|dt|dd|figure|figcaption|address|label|input|button|form|select|" +
  "option|textarea|iframe|svg|mark|s|strike|del|ins|abbr|cite|q|tt|wbr|caption|colgroup|col"
const KNOWN_TAG = new RegExp(`<\\/?(?:${TAG_NAMES})(?=[\\s/>])[^>]*>|<!--`, "i")
const ESCAPED_TAG = new RegExp(`&lt;\\/?(?:${TAG_NAMES})(?=\\s|/|&gt;)`, "i")
/** Tags that give an HTML text its line structure; without one, the source's own newlines are the structure. */
const STRUCTURAL_TAG = /<(?:p|br|div|li|tr|td|table|ul|ol|section|article|blockquote|pre|dl|dt|dd)(?=[\s/>])/i
const ENTITY = /&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i

/**
 * HTML, double-escaped HTML (`&lt;p&gt;`) or plain text to plain text: paragraphs and headings separated by a
 * blank line, list items (`• `), table rows, divs and `<br>` on their own lines, entities decoded, whitespace
 * collapsed, scripts and styles dropped. Text with no HTML structure keeps its own line breaks, so a plain
 * description with one stray tag (real Glassdoor data has `<h>The Startup</h2>`) is not flattened.
 */
export const htmlToText = (input: string): string => {
  if (typeof input !== "string" || input === "") return ""
  // CDATA markers are scraper leftovers (25 Glassdoor descriptions end in a stray "]]>"); their content is text.
  let html = (input.length > MAX_HTML_INPUT ? input.slice(0, MAX_HTML_INPUT) : input).replace(/<!\[CDATA\[|\]\]>/g, "")
  if (!/<[a-z!/]/i.test(html) && ESCAPED_TAG.test(html)) html = decodeEntities(html)
  if (!KNOWN_TAG.test(html)) return tidy(fixCharacters(decodeEntities(html)))
  if (!STRUCTURAL_TAG.test(html)) html = html.replace(/\r\n?|\n/g, "<br>")
  if (nestingExceeds(html, MAX_NESTING)) return tidy(fixCharacters(decodeEntities(stripTags(html))))
  const root: DomNode | undefined = load(html, null, false).root()[0]
  return root === undefined ? "" : tidy(fixCharacters(renderText(root)))
}

/** Real HTML nests a few dozen levels; the parser's cost grows with the square of the depth. */
const MAX_NESTING = 1_000
const VOID_TAGS = new Set(["br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source", "track", "embed", "param"])

const nestingExceeds = (html: string, max: number): boolean => {
  let depth = 0
  for (const m of html.matchAll(/<(\/?)([a-z][a-z0-9]*)\b[^>]*?(\/?)>/gi)) {
    if (m[3] === "/" || VOID_TAGS.has(m[2]!.toLowerCase())) continue
    depth = m[1] === "/" ? Math.max(0, depth - 1) : depth + 1
    if (depth > max) return true
  }
  return false
}

/** The linear fallback for pathological markup: line structure from the common tags, every other tag removed. */
const stripTags = (html: string): string =>
  html
    .replace(/\s+/g, " ")
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<br\b[^>]*>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "\n• ")
    .replace(/<\/?(?:p|h[1-6]|ul|ol|table|blockquote|pre)\b[^>]*>/gi, "\n\n")
    .replace(/<\/?(?:div|section|article|header|footer|tr|dt|dd)\b[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, "")

/** One line of text: markup removed, entities decoded, all whitespace collapsed. `undefined` gives `""`. */
export const cleanText = (input: string | undefined): string => {
  if (typeof input !== "string") return ""
  const text = KNOWN_TAG.test(input) ? htmlToText(input) : fixCharacters(decodeEntities(input))
  return text.replace(/\s+/g, " ").trim()
}

const decodeEntities = (text: string): string =>
  ENTITY.test(text) || /&[a-z]+(?![a-z0-9;])/i.test(text)
    ? load(text.replace(/</g, "&lt;"), null, false).root().text()
    : text

/** Fixes for characters that real descriptions carry but readers and tokenizers should not see. */
const fixCharacters = (text: string): string =>
  text
    .replace(/\r\n?|[\u2028\u2029]/g, "\n")
    .replace(/<!\[CDATA\[|\]\]>/g, "")
    // "Â" + no-break space: UTF-8 for U+00A0 read as Latin-1 somewhere upstream (in the Glassdoor data).
    .replace(/\u00c2(?=[\u00a0 ])/g, "")
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]/g, " ")
    .replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, "")
    .replace(/(?!\n)\p{Cc}/gu, "")
    .replace(/\ufb00/g, "ff")
    .replace(/\ufb01/g, "fi")
    .replace(/\ufb02/g, "fl")
    .replace(/\ufb03/g, "ffi")
    .replace(/\ufb04/g, "ffl")
    // Symbol/Wingdings bullets pasted from Word land in the private use area.
    .replace(/(^|\n)[ ]*[\uf000-\uf0ff][ ]*/g, "$1• ")
    .replace(/[\ue000-\uf8ff]/g, "")
    // Half a surrogate pair (a bad `\u` escape, a cut emoji) is no character, and PostgreSQL refuses it.
    .replace(/[\ud800-\udfff]/gu, "")

const tidy = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, " ").trim())
    .join("\n")
    .replace(/^(• )+[•·●▪◦‣*-] */gm, "• ")
    .replace(/^•$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim()

/** Cuts at the last line break before `max` when there is one in the last tenth, else at `max`. */
export const truncateText = (text: string, max: number): string => {
  if (text.length <= max) return text
  const cut = text.lastIndexOf("\n", max)
  return (cut > max * 0.9 ? text.slice(0, cut) : prefix(text, max)).trimEnd()
}

/** The first `max` UTF-16 units, one fewer when the cut would split a surrogate pair (into text PostgreSQL refuses). */
export const prefix = (text: string, max: number): string =>
  text.length <= max ? text : text.slice(0, /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max)

/**
 * Text copied as the connector sent it (ids, URLs) without what PostgreSQL cannot store: NUL and half a
 * surrogate pair. Crawled pages carry both; one such posting would otherwise stop the sinks' batches.
 */
export const storable = (text: string): string => text.replaceAll("\u0000", "").replace(/[\ud800-\udfff]/gu, "")

/** The part of a domhandler node that text rendering reads. */
interface DomNode {
  readonly type: string
  readonly name?: string
  readonly data?: string
  readonly children?: ReadonlyArray<DomNode>
}

const SKIPPED = new Set([
  "script", "style", "noscript", "template", "head", "title", "svg", "iframe", "object", "button", "select", "input", "textarea"
])
const PARAGRAPH = new Set([
  "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "dl", "figure", "form", "address", "hr"
])
const LINE = new Set([
  "div", "section", "article", "header", "footer", "main", "nav", "aside", "tr", "dt", "dd", "caption",
  "figcaption", "fieldset", "details", "summary", "center", "legend"
])

/** Text, or a block boundary: 1 = line break, 2 = blank line. Adjacent boundaries merge; `<br>`s add up. */
type Piece = string | 1 | 2
type Step = DomNode | { readonly emit: Piece } | { readonly leavePre: true }

/** Depth-first text rendering with an explicit stack, so deeply nested input cannot overflow the call stack. */
const renderText = (root: DomNode): string => {
  const out: Array<Piece> = []
  const stack: Array<Step> = [root]
  let pre = 0
  while (stack.length > 0) {
    const step = stack.pop()!
    if ("emit" in step) {
      out.push(step.emit)
      continue
    }
    if ("leavePre" in step) {
      pre--
      continue
    }
    if (step.type === "text") {
      const data = step.data ?? ""
      out.push(pre > 0 ? data : data.replace(/\s+/g, " "))
      continue
    }
    if (step.type !== "tag" && step.type !== "root") continue // comments, CDATA, doctype, script, style
    const name = step.name?.toLowerCase() ?? ""
    if (SKIPPED.has(name)) continue
    if (name === "br") {
      out.push("\n")
      continue
    }
    let after: Piece = ""
    if (PARAGRAPH.has(name)) out.push((after = 2))
    else if (LINE.has(name)) out.push((after = 1))
    else if (name === "li") out.push((after = 1), "• ")
    else if (name === "td" || name === "th") out.push((after = " "))
    if (name === "pre") {
      pre++
      stack.push({ leavePre: true })
    }
    stack.push({ emit: after })
    const children = step.children ?? []
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
  }
  let text = ""
  let pending = 0
  for (const piece of out) {
    if (typeof piece === "number") pending = Math.max(pending, piece)
    else if (pending === 0) text += piece
    else if (/\S|\n/.test(piece)) {
      text += "\n".repeat(pending) + piece
      pending = 0
    }
  }
  return text
}
