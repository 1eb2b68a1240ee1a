import { load } from "cheerio/slim"
import { Data, Either, ParseResult, Schema } from "effect"
import type { EmploymentType, Salary, SalaryPeriod } from "../schemas/common.js"
import { Job, jobIdOf } from "../schemas/Job.js"
import type { RawFields, RawPosting } from "../schemas/RawPosting.js"

/**
 * Turning a `RawPosting` into a `Job`: pure functions, no I/O. Tuned on the real postings in
 * `processors/sampleData/` (Glassdoor descriptions, SimplifyJobs locations and URLs), not on the demo fixtures.
 *
 * Guarantees:
 * - `normalizePosting` returns either a value that passes `Job` validation or a `NormalizeError` saying what to
 *   fix; it never throws.
 * - Nothing is guessed that could be wrong: an ambiguous salary, date or employment type becomes `null`.
 */

/** A posting that cannot become a `Job`; the message says what is missing. Skip it to the dead-letter topic. */
export class NormalizeError extends Data.TaggedError("NormalizeError")<{
  readonly reason: string
  readonly field?: string
}> {}

/** Longer titles are a description or a whole page pasted into the title field. */
export const MAX_TITLE_LENGTH = 300
/** Descriptions are cut here (at a line break when one is near) to keep messages well below Kafka's 1 MB. */
export const MAX_DESCRIPTION_LENGTH = 100_000
/** HTML beyond this is dropped before parsing; real postings are under 100 kB. */
const MAX_HTML_INPUT = 2_000_000
const MAX_LOCATIONS = 50
const MAX_LOCATION_LENGTH = 200

export const normalizePosting = (raw: RawPosting, now: Date): Either.Either<Job, NormalizeError> => {
  if (Number.isNaN(now.getTime())) {
    return Either.left(new NormalizeError({ reason: "the normalization clock gave an invalid date", field: "now" }))
  }
  const fields: RawFields = raw.fields ?? {}
  const title = cleanText(fields.title)
  const company = cleanCompanyName(fields.company)
  const missing = [title === "" ? "title" : null, company === "" ? "company" : null].filter((f) => f !== null)
  if (missing.length > 0) {
    return Either.left(
      new NormalizeError({
        reason:
          `posting ${raw.source}:${raw.externalId} has no ${missing.join(" and no ")} ` +
          `(empty after removing markup and whitespace); check what the ${raw.sourceType} connector extracts ` +
          `from ${raw.url}`,
        field: missing[0]!
      })
    )
  }
  if (title.length > MAX_TITLE_LENGTH) {
    return Either.left(
      new NormalizeError({
        reason:
          `title of ${raw.source}:${raw.externalId} is ${title.length} characters (at most ${MAX_TITLE_LENGTH}); ` +
          `the ${raw.sourceType} connector probably put the description or the page text in the title`,
        field: "title"
      })
    )
  }
  const key = companyKey(company)
  if (key === "") {
    return Either.left(
      new NormalizeError({
        reason: `company "${company}" of ${raw.source}:${raw.externalId} has no letters or digits`,
        field: "company"
      })
    )
  }
  const url = typeof raw.url === "string" ? storable(raw.url).trim() : ""
  const canonical = canonicalUrl(url)
  if (canonical === null) {
    return Either.left(
      new NormalizeError({
        reason: `url "${url.slice(0, 200)}" of ${raw.source}:${raw.externalId} is not an absolute http(s) URL`,
        field: "url"
      })
    )
  }
  const locations = cleanLocations(fields.locations)
  const postedAt = toCalendarDate(fields.datePosted, now)
  const validThrough = toCalendarDate(fields.validThrough, now)
  const requisitionId = prefix(cleanText(fields.requisitionId), 200).trimEnd()
  const job: Job = {
    jobId: jobIdOf(raw.source, raw.externalId),
    source: storable(raw.source),
    sourceType: storable(raw.sourceType),
    externalId: storable(raw.externalId),
    url,
    canonicalUrl: canonical,
    title,
    company,
    companyKey: key,
    locations,
    remote: isRemote(fields.remote, locations, title),
    employmentType: normalizeEmploymentType(fields.employmentType, title),
    salary: parseSalary(fields.salary),
    description: truncateText(htmlToText(fields.description ?? ""), MAX_DESCRIPTION_LENGTH),
    requisitionId: requisitionId === "" ? null : requisitionId,
    // A posting date after tomorrow is a source error (time zones allow one day); a wrong date would
    // distort freshness, so it is dropped.
    postedAt: postedAt !== null && postedAt > (isoDate(addDays(now, 1)) ?? "") ? null : postedAt,
    validThrough,
    contentHash: raw.contentHash,
    fetchedAt: raw.fetchedAt,
    normalizedAt: now.toISOString(),
    ...(raw.attribution === undefined
      ? {}
      : { attribution: { text: storable(raw.attribution.text), url: storable(raw.attribution.url) } })
  }
  return Schema.validateEither(Job)(job).pipe(
    Either.mapLeft(
      (error) =>
        new NormalizeError({
          reason:
            `posting ${raw.source}:${raw.externalId} does not fit the Job schema after normalization: ` +
            ParseResult.TreeFormatter.formatErrorSync(error)
        })
    )
  )
}

// ---------------------------------------------------------------------------------------------------------------
// Text

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

/**
 * A company name for display: markup and whitespace cleaned, and the rating that Glassdoor appends on its own
 * line ("Tecolote Research\n3.8") removed.
 */
export const cleanCompanyName = (input: string | undefined): string => {
  if (typeof input !== "string") return ""
  const lines = input.split(/\r?\n/)
  while (lines.length > 1 && /^\s*(?:[0-5](?:[.,]\d)?)?\s*$/.test(lines[lines.length - 1]!)) lines.pop()
  return cleanText(lines.join(" "))
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
const truncateText = (text: string, max: number): string => {
  if (text.length <= max) return text
  const cut = text.lastIndexOf("\n", max)
  return (cut > max * 0.9 ? text.slice(0, cut) : prefix(text, max)).trimEnd()
}

/** The first `max` UTF-16 units, one fewer when the cut would split a surrogate pair (into text PostgreSQL refuses). */
const prefix = (text: string, max: number): string =>
  text.length <= max ? text : text.slice(0, /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max)

/**
 * Text copied as the connector sent it (ids, URLs) without what PostgreSQL cannot store: NUL and half a
 * surrogate pair. Crawled pages carry both; one such posting would otherwise stop the sinks' batches.
 */
const storable = (text: string): string => text.replaceAll("\u0000", "").replace(/[\ud800-\udfff]/gu, "")

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

// ---------------------------------------------------------------------------------------------------------------
// Salary

const PERIOD_WORDS: ReadonlyArray<readonly [SalaryPeriod, RegExp]> = [
  ["HOUR", /\b(?:per|an?|each)\s+(?:hour|hr)\b|\/\s*(?:hour|hr|h)\b|\bhourly\b|\bp\/h\b/],
  ["DAY", /\b(?:per|an?)\s+day\b|\/\s*day\b|\bdaily\b|\bday\s*rate\b/],
  ["WEEK", /\b(?:per|an?)\s+week\b|\/\s*(?:week|wk)\b|\bweekly\b/],
  ["MONTH", /\b(?:per|an?)\s+month\b|\/\s*(?:month|mo|mth)\b|\bmonthly\b|\bpcm\b/],
  ["YEAR", /\b(?:per|an?)\s+(?:year|annum|yr)\b|\/\s*(?:year|yr|annum|a)\b|\b(?:annual|annually|yearly|p\.\s?a\.)/]
]

/**
 * Salary unit spellings (`HOUR`, `per hour`, `Hourly`, `hr`, ISO `PT1H`, Ashby's `1 YEAR`, Lever's
 * `per-year-salary` and `per-hour-wage`, ...) to a period, in any case and with any separators; a trailing
 * `salary`, `wage`, `rate` or `pay` is ignored. Unknown, and Lever's `one-time` (a payment, not a rate), give null.
 */
export const salaryPeriodOf = (unit: string | undefined): SalaryPeriod | null => {
  if (typeof unit !== "string") return null
  const iso = /^\s*p(t?)1?([hdwmy])\s*$/i.exec(unit)
  if (iso) {
    const letter = iso[2]!.toLowerCase()
    if (iso[1] !== "") return letter === "h" ? "HOUR" : null
    return ({ d: "DAY", w: "WEEK", m: "MONTH", y: "YEAR" } as const)[letter as "d" | "w" | "m" | "y"] ?? null
  }
  const word = unit
    .toLowerCase()
    .replace(/[^a-z]/g, "")
    .replace(/(?<=.)(?:salary|wages?|rate|pay)$/, "")
  if (/^(?:per|an?|each)?(?:hour|hours|hourly|hr|hrs|h)$/.test(word)) return "HOUR"
  if (/^(?:per|an?|each)?(?:day|days|daily|d)$/.test(word)) return "DAY"
  if (/^(?:per|an?|each)?(?:week|weeks|weekly|wk|wks|w)$/.test(word)) return "WEEK"
  if (/^(?:per|an?|each)?(?:month|months|monthly|mo|mon|mth|m)$/.test(word)) return "MONTH"
  if (/^(?:per|an?|each)?(?:year|years|yearly|annual|annually|annum|yr|yrs|y|pa)$/.test(word)) return "YEAR"
  return null
}

/** "C$", "CA $", "AU$": one-letter prefixes only when written against the sign ("a $50k bonus" is no AUD). */
const CURRENCY_PREFIXED_DOLLAR: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bus\s?\$|\busd\s?\$/g, "USD"],
  [/\b(?:ca|can|cad)\s?\$|\bc\$/g, "CAD"],
  [/\b(?:au|aud)\s?\$|\ba\$/g, "AUD"],
  [/\b(?:nz|nzd)\s?\$/g, "NZD"],
  [/\b(?:sg|sgd)\s?\$|\bs\$/g, "SGD"],
  [/\b(?:hk|hkd)\s?\$/g, "HKD"],
  [/\br\$|\bbrl\s?\$/g, "BRL"],
  [/\b(?:mx|mxn)\s?\$/g, "MXN"]
]
const DOLLAR_CURRENCIES = new Set(["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "BRL", "MXN"])
const CURRENCY_SYMBOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/€/g, "EUR"],
  [/£/g, "GBP"],
  [/₹/g, "INR"],
  [/₩/g, "KRW"],
  [/₽/g, "RUB"],
  [/₪/g, "ILS"],
  [/₺/g, "TRY"],
  [/₱/g, "PHP"],
  [/\bcn\s?¥/g, "CNY"],
  [/\bjp\s?¥/g, "JPY"],
  [/\bzł/g, "PLN"],
  [/\beuros?\b/g, "EUR"],
  [/\bpounds?\s+sterling\b/g, "GBP"]
]
/** ISO codes found as words in salary text. Words that are also English (try, pen, all, ...) are left out. */
const CURRENCY_CODES =
  /\b(usd|eur|gbp|cad|aud|nzd|chf|jpy|cny|rmb|inr|sgd|hkd|sek|nok|dkk|pln|czk|huf|brl|mxn|zar|ils|krw|aed|sar|php|idr|myr|thb|twd|ron|bgn|uah|ngn|kes|egp|clp|cop|ars)\b/g
/**
 * Currencies whose yearly pay is far above any monthly pay, with the amount from which a salary without a period
 * is a year's pay: sources there quote months rarely, and never in these amounts (Swiss and Singapore monthly
 * pay runs higher). Other currencies never get a period inferred.
 */
const YEARLY_FROM: Readonly<Record<string, number>> = {
  USD: 12_000, CAD: 15_000, AUD: 15_000, NZD: 15_000, EUR: 15_000, GBP: 15_000, CHF: 30_000, SGD: 30_000
}
/** Plausible amounts per period for the currencies above; anything outside is a unit mix-up, not a salary. */
const PLAUSIBLE: Record<SalaryPeriod, readonly [number, number]> = {
  HOUR: [1, 1_000],
  DAY: [10, 10_000],
  WEEK: [50, 50_000],
  MONTH: [100, 100_000],
  YEAR: [1_000, 10_000_000]
}

/** A currency as sources write it (`usd`, `US$`, `€`, `£`) to an ISO 4217 code; unknown gives null. */
export const currencyCodeOf = (currency: string | undefined): string | null => {
  if (typeof currency !== "string") return null
  const found = currenciesIn(currency.trim().toLowerCase())
  if (found.size === 1) return [...found][0]!
  return /^[a-z]{3}$/i.test(currency.trim()) ? currency.trim().toUpperCase() : null
}

const currenciesIn = (lower: string): Set<string> => {
  const found = new Set<string>()
  let rest = lower
  for (const [re, code] of CURRENCY_PREFIXED_DOLLAR) {
    if (rest.match(re)) {
      found.add(code)
      rest = rest.replace(re, " ")
    }
  }
  for (const [re, code] of CURRENCY_SYMBOLS) if (rest.match(re)) found.add(code)
  for (const m of rest.matchAll(CURRENCY_CODES)) found.add(m[1] === "rmb" ? "CNY" : m[1]!.toUpperCase())
  // A bare "$" is USD unless the text names another dollar ("$50,000 CAD").
  if (rest.includes("$") && ![...found].some((code) => DOLLAR_CURRENCIES.has(code))) found.add("USD")
  return found
}

/**
 * A salary from a connector's structured fields (numbers, currency, unit), falling back to its text.
 * Null when the currency or the period is unknown, or the amounts are implausible for the period.
 */
export const parseSalary = (salary: RawFields["salary"] | undefined): Salary | null => {
  if (salary === undefined || salary === null || typeof salary !== "object") return null
  const currency = currencyCodeOf(salary.currency)
  const unitGiven = typeof salary.unit === "string" && salary.unit.trim() !== ""
  const period = salaryPeriodOf(salary.unit)
  if (unitGiven && period === null) return null
  const min = positive(salary.min)
  const max = positive(salary.max)
  if (min === null && max === null) {
    return typeof salary.text === "string" ? parseSalaryText(salary.text, { currency, period }) : null
  }
  const fromText = typeof salary.text === "string" ? parseSalaryText(salary.text, { currency, period }) : null
  return finishSalary(min, max, currency ?? fromText?.currency ?? null, period ?? fromText?.period ?? null)
}

/**
 * A salary written as text: "$53K-$91K (Glassdoor est.)", "$25-$35 Per Hour", "£40,000 - £50,000 a year",
 * "€60k", "USD 120,000-150,000", "Up to $100k". `defaults` come from the source's structured fields.
 * A bare `$` is USD. A missing period is inferred only for large amounts in a few currencies (see
 * `YEARLY_FROM`); two currencies, two periods or unconnected numbers give null.
 */
export const parseSalaryText = (
  text: string,
  defaults: { readonly currency?: string | null; readonly period?: SalaryPeriod | null } = {}
): Salary | null => {
  if (typeof text !== "string" || text.length > 500) return null
  const lower = text
    .toLowerCase()
    .replace(/[\u00a0\u202f]/g, " ")
    .replace(/401\s*\(?k\)?/g, " ")
  const currencies = currenciesIn(lower)
  if (currencies.size > 1) return null
  const currency = [...currencies][0] ?? defaults.currency ?? null
  const periods = new Set(PERIOD_WORDS.filter(([, re]) => re.test(lower)).map(([p]) => p))
  if (periods.size > 1) return null
  const period = [...periods][0] ?? defaults.period ?? null

  const amounts = [
    ...lower.matchAll(/(\d{1,3}(?:[,. ]\d{3})+|\d+)(?:[.,](\d{1,2}))?(?!\d)(?:\s?(k|mm|m)(?![a-z]))?/g)
  ].filter((m) => !/^\s*%/.test(lower.slice(m.index + m[0].length)))
  if (amounts.length === 0 || amounts.length > 2) return null
  const values = amounts.map((m) => {
    const whole = Number(m[1]!.replace(/[,. ]/g, ""))
    const value = whole + (m[2] ? Number(`0.${m[2]}`) : 0)
    return { value, multiplier: m[3] === "k" ? 1_000 : m[3] ? 1_000_000 : 1 }
  })
  let min: number | null
  let max: number | null
  if (values.length === 2) {
    const [a, b] = amounts as [RegExpExecArray, RegExpExecArray]
    const between = lower
      .slice(a.index + a[0].length, b.index)
      .replace(CURRENCY_CODES, " ")
      .replace(/[$€£₹₩₽₪₺₱¥]|\b(?:us|ca|c|au|a|nz|sg|s|hk)\$/g, " ")
      .trim()
    if (!/^(?:-|–|—|~|to|and)$/.test(between)) return null
    const [x, y] = values as [{ value: number; multiplier: number }, { value: number; multiplier: number }]
    // "$53-91K": the suffix written once applies to both ends.
    if (x.multiplier === 1 && y.multiplier > 1 && x.value < y.value) x.multiplier = y.multiplier
    if (y.multiplier === 1 && x.multiplier > 1 && y.value < 1_000) y.multiplier = x.multiplier
    min = x.value * x.multiplier
    max = y.value * y.multiplier
  } else {
    const [m] = amounts as [RegExpExecArray]
    const v = values[0]!.value * values[0]!.multiplier
    const before = lower.slice(0, m.index)
    const after = lower.slice(m.index + m[0].length)
    if (/(?:up to|upto|max(?:imum)?|under|below|less than|<)\W*(?:[a-z]{3})?\W*$/.test(before)) [min, max] = [null, v]
    else if (/(?:from|starting(?: at)?|min(?:imum)?|at least|over|above|more than|>)\W*(?:[a-z]{3})?\W*$/.test(before) || /^\s*\+/.test(after)) [min, max] = [v, null]
    else [min, max] = [v, v]
  }
  return finishSalary(min, max, currency, period)
}

const finishSalary = (
  rawMin: number | null,
  rawMax: number | null,
  currency: string | null,
  givenPeriod: SalaryPeriod | null
): Salary | null => {
  if (currency === null || !/^[A-Z]{3}$/.test(currency)) return null
  let min = rawMin === null || rawMin <= 0 ? null : round2(rawMin)
  let max = rawMax === null || rawMax <= 0 ? null : round2(rawMax)
  if (min === null && max === null) return null
  if (min !== null && max !== null && min > max) [min, max] = [max, min]
  const low = Math.min(min ?? Infinity, max ?? Infinity)
  const yearlyFrom = YEARLY_FROM[currency]
  const period = givenPeriod ?? (yearlyFrom !== undefined && low >= yearlyFrom ? "YEAR" : null)
  if (period === null) return null
  if (yearlyFrom !== undefined) {
    const [lo, hi] = PLAUSIBLE[period]
    for (const v of [min, max]) if (v !== null && (v < lo || v > hi)) return null
  }
  return { min, max, currency, period }
}

const positive = (n: unknown): number | null => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : null)
const round2 = (n: number): number => Math.round(n * 100) / 100

// ---------------------------------------------------------------------------------------------------------------
// Employment type, remote, locations

const EMPLOYMENT_EXACT: ReadonlyArray<readonly [RegExp, EmploymentType]> = [
  [/^(?:full ?time|ft|fte|permanent|perm|regular|full ?time permanent|permanent full ?time)$/, "FULL_TIME"],
  [/^(?:part ?time|pt)$/, "PART_TIME"],
  [/^(?:contract|contractor|contract to hire|contract to perm|freelance|freelancer|consultant|consulting|1099|c2c|corp to corp|w2 contract|independent contractor)$/, "CONTRACTOR"],
  [/^(?:temp|temporary|seasonal|temp to hire|temp to perm|fixed term)$/, "TEMPORARY"],
  [/^(?:intern|internship|co ?op|working student|werkstudent|apprentice|apprenticeship|trainee|traineeship)$/, "INTERN"],
  [/^(?:volunteer|volunteering|unpaid)$/, "VOLUNTEER"],
  [/^(?:per ?diem|prn)$/, "PER_DIEM"],
  [/^other$/, "OTHER"]
]
const EMPLOYMENT_WORDS: ReadonlyArray<readonly [RegExp, EmploymentType]> = [
  [/\b(?:intern|internship|co ?op)\b/, "INTERN"],
  [/\b(?:per ?diem|prn)\b/, "PER_DIEM"],
  [/\bpart ?time\b/, "PART_TIME"],
  [/\b(?:temporary|temp to hire|seasonal)\b/, "TEMPORARY"],
  [/\b(?:contract|contractor|freelance)\b/, "CONTRACTOR"],
  [/\b(?:full ?time|permanent)\b/, "FULL_TIME"]
]

/**
 * The first of the source's employment types that maps to an `EmploymentType` ("Full-time", "FULL_TIME",
 * "contract-to-hire", ...). Without one, a qualifier in the title ("Data Engineer - Contract (Remote)",
 * "Summer Intern", "Part Time – ...") decides; a bare "Contract Manager" does not. Otherwise null.
 */
export const normalizeEmploymentType = (
  types: ReadonlyArray<string> | undefined,
  title = ""
): EmploymentType | null => {
  const keys = (Array.isArray(types) ? types : [])
    .filter((t): t is string => typeof t === "string")
    .map((t) => t.toLowerCase().replace(/[_\-/.]+/g, " ").replace(/\s+/g, " ").trim())
  for (const key of keys) for (const [re, type] of EMPLOYMENT_EXACT) if (re.test(key)) return type
  for (const key of keys) for (const [re, type] of EMPLOYMENT_WORDS) if (re.test(key)) return type
  return typeof title === "string" ? employmentTypeFromTitle(title) : null
}

const employmentTypeFromTitle = (title: string): EmploymentType | null => {
  const t = title.toLowerCase()
  const part = /\bpart[\s-]?time\b/.test(t)
  if (part && /\bfull[\s-]?time\b/.test(t)) return null
  if (/\b(?:intern|internship|co-?op)\b/.test(t)) return "INTERN"
  if (part) return "PART_TIME"
  if (/\b(?:per diem|prn)\b/.test(t)) return "PER_DIEM"
  if (/\btemp(?:orary)?\b|\btemp-to-hire\b/.test(t)) return "TEMPORARY"
  if (
    /(?:^|[-–—(,|/:]\s*)(?:contract(?:or)?|freelance|1099|c2c)(?:[\s-]*to[\s-]*hire)?\s*(?:$|[-–—(),|/:])/.test(t) ||
    /\b\d+[\s-]*(?:month|mo)s?\s+contract\b/.test(t)
  ) return "CONTRACTOR"
  return null
}

const REMOTE_WORDS = /\b(?:remote|remotely|work(?:ing)?[\s-]from[\s-]home|wfh|telecommut\w*|home[\s-]based|anywhere)\b/i
/** Phrases that name "remote" without meaning the job is remote; hybrid is not fully remote. */
const NOT_REMOTE = /\b(?:non[\s-]?remote|not remote|no remote|remote sens\w*|remote monitor\w*|remote patient|remote pilot\w*|hybrid|on[\s-]?site only)\b/i

/** Remote when the source says so, or a location or the title says remote / work from home / anywhere. */
export const isRemote = (flag: boolean | undefined, locations: ReadonlyArray<string>, title: string): boolean =>
  flag === true || [...locations, title].some((text) => REMOTE_WORDS.test(text) && !NOT_REMOTE.test(text))

const PLACEHOLDER_LOCATION = /^(?:-1|-|n\/?a|none|null|undefined|unknown|tbd|tba|\?)$/i

/**
 * Locations trimmed, markup and whitespace cleaned, placeholders ("-1", "N/A") dropped, duplicates (ignoring
 * case) removed in order. "remote"/"REMOTE" becomes "Remote" so that it stays a meaningful location.
 */
export const cleanLocations = (locations: ReadonlyArray<string> | undefined): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<string>()
  for (const raw of Array.isArray(locations) ? locations : []) {
    if (out.length >= MAX_LOCATIONS) break
    const cleaned = cleanText(typeof raw === "string" ? raw : undefined)
    if (PLACEHOLDER_LOCATION.test(cleaned)) continue
    // Cut before the edges are trimmed, so a cut never leaves a trailing ", " that a second pass would remove.
    const s = prefix(cleaned.replace(/\s*,\s*(?:,\s*)*/g, ", "), MAX_LOCATION_LENGTH)
      .replace(/^[\s,;|/-]+|[\s,;|/-]+$/g, "")
      .replace(/^remote\b/i, "Remote")
    if (s === "" || PLACEHOLDER_LOCATION.test(s)) continue
    const key = s.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(s)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

/**
 * A date as sources write it to `YYYY-MM-DD`: ISO dates with or without a time (the date as written, not
 * shifted to UTC), `YYYY/MM/DD`, `20240501`, Unix seconds or milliseconds, "1 May 2024", "May 1, 2024", and,
 * given `now`, "today", "yesterday", "3 days ago". Ambiguous ("05/01/2024"), open ("30+ days ago") or invalid
 * dates give null.
 */
export const toCalendarDate = (input: string | undefined, now?: Date): string | null => {
  if (typeof input !== "string") return null
  const s = input.trim().toLowerCase()
  if (s === "" || s.length > 64) return null
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(.*)$/.exec(s)
  if (m) {
    const time = /^(?:[t ](?:[01]?\d|2[0-4]):[0-5]\d(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?\s*(?:z|utc|gmt|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)?)?$/
    return time.test(m[4]!) ? ymd(+m[1]!, +m[2]!, +m[3]!) : null
  }
  if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(s))) return ymd(+m[1]!, +m[2]!, +m[3]!)
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) return ymd(+m[1]!, +m[2]!, +m[3]!)
  if (/^\d{9,10}$/.test(s)) return isoDate(new Date(Number(s) * 1000))
  if (/^\d{12,13}$/.test(s)) return isoDate(new Date(Number(s)))
  if ((m = /^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})$/.exec(s))) {
    return monthIndex(m[2]!) === null ? null : ymd(+m[3]!, monthIndex(m[2]!)! + 1, +m[1]!)
  }
  if ((m = /^([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(s))) {
    return monthIndex(m[1]!) === null ? null : ymd(+m[3]!, monthIndex(m[1]!)! + 1, +m[2]!)
  }
  if (now === undefined || Number.isNaN(now.getTime())) return null
  const rel = s.replace(/^(?:posted|active|updated)\s+/, "")
  if (rel === "today" || rel === "just posted" || rel === "just now") return isoDate(now)
  if (rel === "yesterday") return isoDate(addDays(now, -1))
  if ((m = /^(\d{1,3})\s*(hour|hr|h|day|d|week|wk|w)s?\s+ago$/.exec(rel))) {
    const n = +m[1]!
    const unit = m[2]![0]
    return isoDate(unit === "h" ? new Date(now.getTime() - n * 3_600_000) : addDays(now, unit === "w" ? -7 * n : -n))
  }
  return null
}

const monthIndex = (name: string): number | null => {
  const i = MONTHS.indexOf(name.slice(0, 3))
  return i < 0 ? null : i
}

const ymd = (y: number, m: number, d: number): string | null => {
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return null
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? isoDate(date) : null
}

const isoDate = (date: Date): string | null =>
  Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999
    ? null
    : date.toISOString().slice(0, 10)

const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * 86_400_000)

// ---------------------------------------------------------------------------------------------------------------
// Keys

const TRACKING_PARAMS = new Set([
  "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
  "li_fat_id", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking", "mkt_tok",
  "ref", "referrer", "referer", "ref_src", "source", "src", "gh_src", "lever-source", "lever-origin", "trk",
  "trkinfo", "trackingid", "refid", "lipi", "_ga", "_gl", "s_kwcid", "ef_id", "oly_anon_id", "oly_enc_id",
  "vero_id", "wickedid", "rb_clickid", "spm", "icid", "sc_cid", "originalsubdomain"
])

const isTrackingParam = (name: string): boolean => {
  const key = name.toLowerCase().replace(/\[\]$/, "")
  return key.startsWith("utm_") || TRACKING_PARAMS.has(key)
}

/**
 * The URL used as an identity: scheme and host lower-cased, a leading `www.` dropped (career sites serve both
 * and the dedup key must not split on it), default port, credentials, trailing slash and fragment dropped,
 * tracking parameters (utm_*, gclid, fbclid, gh_src, lever-source, trk, ...) removed and the rest sorted.
 * Identifying parameters such as Greenhouse's `gh_jid` stay. A `#/...` or `#!...` fragment is a single-page
 * app's route and stays, since dropping it would merge every posting of such a site into one URL.
 * The scheme is kept as it is. Null when `url` is not an absolute http(s) URL.
 */
export const canonicalUrl = (url: string): string | null => {
  if (typeof url !== "string" || url.length > 4096) return null
  let u: URL
  try {
    u = new URL(url.trim())
  } catch {
    return null
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname === "") return null
  let host = u.hostname.replace(/\.$/, "")
  if (/^www\.[^.]+\.[^.]+/.test(host)) host = host.slice(4)
  const port = u.port === "" ? "" : `:${u.port}`
  const path = u.pathname.replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase()).replace(/\/+$/, "")
  const params = [...u.searchParams].filter(([name]) => !isTrackingParam(name))
  params.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : ""
  const hash = /^#!|^#\//.test(u.hash) ? u.hash : ""
  return `${u.protocol}//${host}${port}${path}${query}${hash}`
}

const LEGAL_SUFFIXES = new Set([
  "inc", "incorporated", "llc", "lc", "ltd", "limited", "corp", "corporation", "co", "company", "gmbh", "ag", "sa",
  "sas", "sarl", "plc", "bv", "nv", "llp", "lp", "pllc", "pc", "pty", "pte", "srl", "spa", "kg", "kgaa", "ohg",
  "ab", "oy", "oyj", "as", "asa", "aps", "kk", "se", "ulc", "lda", "bhd", "sdn", "sl", "sau"
])

/**
 * The company's blocking key: lower case, diacritics folded, dots and apostrophes removed ("U.S." = "US"),
 * "&"/"and" and a leading "the" ignored, trailing legal suffixes (Inc, LLC, Ltd, Corp, Co, GmbH, AG, SA, PLC,
 * BV, ...) removed, other punctuation to single `-`. "Tecolote Research, Inc." -> "tecolote-research".
 * Letters of any script are kept. Empty when the name has no letters or digits.
 */
export const companyKey = (name: string): string => {
  const folded = cleanCompanyName(name)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/æ/g, "ae")
    .replace(/œ/g, "oe")
    .replace(/ø/g, "o")
    .replace(/ł/g, "l")
    .replace(/[đð]/g, "d")
    .replace(/þ/g, "th")
    .replace(/ı/g, "i")
    .replace(/\ba\/s\b/g, "as")
    .replace(/[.'’`´]/g, "")
  const tokens = folded.split(/[^\p{L}\p{N}]+/u).filter((t) => t !== "")
  const words = tokens.length > 1 ? tokens.filter((t) => t !== "and") : tokens
  if (words.length > 1 && words[0] === "the") words.shift()
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1]!)) words.pop()
  const key = words.join("-")
  return COMPANY_ALIASES[key] ?? key
}

/**
 * Known other names of one employer (renames, brand and legal names), folded to one key so their postings meet
 * in one dedup block and one partition. Keys as `companyKey` makes them.
 */
const COMPANY_ALIASES: Record<string, string> = {
  "ncr-voyix": "ncr",
  "meta-platforms": "meta",
  facebook: "meta",
  "alphabet": "google",
  "google-llc": "google",
  "amazon-web-services": "amazon",
  aws: "amazon",
  "amazoncom": "amazon",
  "amazoncom-services": "amazon",
  "jpmorgan-chase": "jpmorgan",
  "jp-morgan": "jpmorgan",
  "jp-morgan-chase": "jpmorgan",
  "jpmorganchase": "jpmorgan",
  "international-business-machines": "ibm",
  "hewlett-packard-enterprise": "hpe",
  "twitter": "x",
  "block-formerly-square": "block",
  "square": "block"
}
