import type { RawFields } from "../../schemas/RawPosting.js"
import { decodeEntities } from "../apiSupport.js"

/**
 * The header line of a "Who is hiring?" comment, by the thread's convention
 * `Company | Title | Location | REMOTE/ONSITE | salary | URL`, in any order after the company, with pipes or
 * other separators, or as a sentence ("Acme is hiring a Data Engineer in Berlin"). Heuristic by nature: it
 * leaves a field out rather than fill it with a segment it cannot place. Pure; never throws.
 */
export interface Header {
  readonly company?: string
  readonly title?: string
  readonly locations: ReadonlyArray<string>
  /** True when a segment says remote; false when it says only onsite/hybrid; absent when it says neither. */
  readonly remote?: boolean
  readonly employmentType: ReadonlyArray<string>
  readonly salary?: NonNullable<RawFields["salary"]>
  /** The employer's link: the first `<a href>` of the line (HN shortens link text), else a URL written in it. */
  readonly url?: string
}

/** Longer first "lines" are prose without a header; only their start is read. */
const MAX_HEADER = 400

/**
 * The first line of a comment's HTML with any text, as text, and its first link. Algolia has served the paragraphs
 * as `header<p>body` and, in captures from 2020 and 2023, wrapped as `<p>header<p>body` or
 * `<p>header</p><p>body</p>`: every `<p>`, `</p>` and newline ends a line, and empty lines are passed over.
 */
export const headerLine = (html: string): { readonly line: string; readonly href?: string } => {
  const lines = html.split(/<\/?p>|\n/i).map((part) => ({ part, line: textOf(part) }))
  const { part, line } = lines.find((l) => l.line !== "") ?? { part: "", line: "" }
  const href = /<a\s[^>]*href="([^"]+)"/i.exec(part)?.[1]
  return href === undefined ? { line } : { line, href: decodeEntities(href) }
}

/** One line of HTML as text: tags dropped, entities decoded, white space folded, at most `MAX_HEADER` characters. */
const textOf = (html: string): string =>
  decodeEntities(html.replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim().slice(0, MAX_HEADER)

export const parseHeader = (line: string, href?: string): Header => {
  const segments = splitSegments(line)
  const prose = segments.length < 2
  const company = prose ? /^(.+?)\s+(?:is|are)\s+hiring\b/i.exec(line)?.[1] : segments[0]
  const rest = prose ? [line] : segments.slice(1)
  const locations: Array<string> = []
  const employmentType: Array<string> = []
  const open: Array<string> = []
  let salary: Header["salary"]
  let url = href !== undefined && /^https?:\/\//i.test(href) ? href : undefined
  let saysRemote = false
  let saysOnsite = false
  for (const segment of rest) {
    if (prose || REMOTE.test(segment) || ONSITE.test(segment)) {
      saysRemote ||= REMOTE.test(segment) && !NOT_REMOTE.test(segment)
      saysOnsite ||= ONSITE.test(segment)
    }
    if (!prose && URL_SEGMENT.test(segment)) url ??= absoluteUrl(segment)
    else if (!prose && SALARY.test(segment)) salary ??= salaryOf(segment)
    else if (!prose && isEmploymentType(segment)) employmentType.push(...segment.split(LIST_SEPARATOR))
    else if (!prose && (REMOTE.test(segment) || ONSITE.test(segment)) && !ROLE.test(segment)) {
      locations.push(...placesIn(segment, employmentType))
    }
    else if (!prose && !VISA.test(segment)) open.push(segment)
  }
  const title = prose ? proseTitle(line) : (open.find((s) => ROLE.test(s)) ?? open[0])
  const unplaced = open.filter((s) => s !== title)
  const placed = prose ? proseLocation(line) : (unplaced.find(isPlace) ?? unplaced.find(mayBePlace))
  if (placed !== undefined) locations.unshift(...placed.split(PLACE_SEPARATOR).map((p) => p.trim()).filter(Boolean))
  if (prose) {
    const written = /\b(?:https?:\/\/|www\.)\S+/i.exec(line)?.[0]?.replace(/[.,;)]+$/, "")
    url ??= written === undefined ? undefined : absoluteUrl(written)
    const money = SALARY_IN_PROSE.exec(line)?.[0]
    salary = money === undefined ? undefined : salaryOf(money)
  }
  const remote = saysRemote ? true : saysOnsite ? false : undefined
  return {
    ...(company === undefined ? {} : { company: company.replace(YC_BATCH, "").trim() }),
    ...(title === undefined ? {} : { title }),
    locations: [...new Set(locations)],
    ...(remote === undefined ? {} : { remote }),
    employmentType,
    ...(salary === undefined ? {} : { salary }),
    ...(url === undefined ? {} : { url })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Segments

const SEPARATORS = [/\s*\|\s*/, /\s+[•·]\s+/, /\s+[—–]\s+/, /\s+-\s+/]

/** Pipes when there are any; else the first other separator that gives at least three parts. */
const splitSegments = (line: string): Array<string> => {
  for (const [i, separator] of SEPARATORS.entries()) {
    const parts = line.split(separator).map((p) => p.trim()).filter((p) => p !== "")
    if (parts.length >= (i === 0 ? 2 : 3)) return parts
  }
  return [line]
}

const REMOTE = /\bremote(?:ly)?\b/i
const NOT_REMOTE = /\b(?:no|not)\s+remote\b/i
const ONSITE = /\b(?:on-?site|in[- ](?:office|person)|hybrid)\b/i
const VISA = /\bvisas?\b|\bsponsorship\b/i
const YC_BATCH = /\s*\((?:YC|Y Combinator)\b[^)]*\)/i
const URL_SEGMENT = /^(?:https?:\/\/\S+|www\.\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|io|ai|co|org|net|dev|app|tech|jobs|so|xyz|eu|uk|de|fr|ca)(?:\/\S*)?)$/i
const ROLE =
  /\b(?:engineers?|developers?|scientists?|managers?|designers?|analysts?|architects?|leads?|head|director|researchers?|specialists?|consultants?|administrators?|sre|devops|recruiters?|officer|interns?|product|marketing|sales|support|technicians?|writers?|executives?|vp|cto|founding|staff|principal|statistician|biologist|hire|roles?|positions?)\b/i
const EMPLOYMENT = /^(?:full[- ]?time|part[- ]?time|contract(?:or)?(?:[- ]to[- ]hire)?|freelance|intern(?:ship)?s?|permanent|temporary|fte)$/i
const LIST_SEPARATOR = /\s*(?:\/|,|&|\+|\bor\b|\band\b)\s*/i
const PLACE_SEPARATOR = /\s*(?:;|\s\/\s|\bor\b|&|\+)\s*/i
const KNOWN_PLACE =
  /\b(?:US|USA|U\.S\.|UK|EU|EMEA|APAC|LATAM|Europe|Americas|Canada|Worldwide|Anywhere|Global|NYC|New York|SF|Bay Area|San Francisco|Los Angeles|Seattle|Boston|Austin|Chicago|Denver|Toronto|Vancouver|London|Berlin|Munich|Paris|Amsterdam|Dublin|Zurich|Stockholm|Tel Aviv|Singapore|Sydney|Bangalore|Germany|France|Netherlands|India|Spain|Portugal|Poland)\b/

const isEmploymentType = (segment: string): boolean => segment.split(LIST_SEPARATOR).every((p) => EMPLOYMENT.test(p))

/** "City, ST" or a segment naming a well-known place ("Berlin, Germany", "US only"). */
const isPlace = (segment: string): boolean => /^[A-Z][\w.' -]*,\s*[A-Z]{2}$/.test(segment) || KNOWN_PLACE.test(segment)

/** A short capitalized name ("New Jersey", "Maryland") that is not a role, a technology or a funding stage. */
const mayBePlace = (segment: string): boolean =>
  /^[A-Z][a-z]+(?: [A-Z][a-z]+){0,3}$/.test(segment) && !ROLE.test(segment) && !NOT_A_PLACE.test(segment)

const NOT_A_PLACE =
  /\b(?:Python|Go|Golang|Rust|Java|Ruby|Rails|Django|React|Node|Elixir|Scala|Kotlin|Swift|Typescript|Javascript|Postgres|Kubernetes|Haskell|Clojure|Flutter|Seed|Series|Equity|Benefits|Startup)\b/

/**
 * The places a remote/onsite segment names: "SF or Remote (US)" gives "SF" and "Remote (US)", "ONSITE (NYC)"
 * gives "NYC"; bare markers are dropped and employment types ("Full-time, Remote") go to `employmentType`.
 */
const placesIn = (segment: string, employmentType: Array<string>): Array<string> =>
  segment.split(PLACE_SEPARATOR).flatMap((part) => {
    const kept = part.split(/\s*,\s*/).filter((piece) => {
      if (EMPLOYMENT.test(piece)) employmentType.push(piece)
      return !EMPLOYMENT.test(piece) && !MARKER_ONLY.test(piece)
    })
    const place = kept
      .join(", ")
      .replace(/^(?:on-?site|hybrid|in[- ](?:office|person))\b\s*(?:in\s+)?/i, "")
      .replace(/^\((.*)\)$/, "$1")
      .trim()
    return place === "" || MARKER_ONLY.test(place) ? [] : [place]
  })

const MARKER_ONLY = /^(?:remote(?:ly)?|on-?site|hybrid|in[- ](?:office|person)|ok|friendly|remote[- ]friendly)$/i

const proseTitle = (line: string): string | undefined =>
  /\bhiring\s+(?:an?\s+|our\s+first\s+)?(.+?)(?=\s+(?:in|at|for|to|with|who|\()\b|[.,;!(]|$)/i.exec(line)?.[1]?.trim() ||
  undefined

const proseLocation = (line: string): string | undefined =>
  /\s(?:in|based in)\s+([A-Z][\w' ]*(?:,\s*[A-Z][\w' ]*)?)(?=[.;!(]|\s+(?:and|or|with)\b|$)/.exec(line)?.[1]?.trim()

const absoluteUrl = (written: string): string => (/^https?:\/\//i.test(written) ? written : `https://${written}`)

// ---------------------------------------------------------------------------------------------------------------
// Salary

const CURRENCY_SIGN = /[$€£]/
const CURRENCY_CODE = /\b(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|PLN|INR|SGD|NZD|JPY)\b/i
const SALARY = /[$€£]\s?\d|\d\s?[kK]?\s?(?:USD|EUR|GBP|CAD|AUD|CHF)\b|\b(?:USD|EUR|GBP|CAD|AUD|CHF)\s?\d|\d+\s?[kK]\s?[-–]\s?\d+\s?[kK]/
const SALARY_IN_PROSE = /(?:[$€£]\s?\d[\d,.]*\s?[kK]?(?:\s?[-–]\s?[$€£]?\s?\d[\d,.]*\s?[kK]?)?)(?:\s?(?:USD|EUR|GBP))?/
const SIGNS: Readonly<Record<string, string>> = { $: "USD", "€": "EUR", "£": "GBP" }

/** "$150k-$200k", "120-160k EUR", "£70,000 - £90,000", "$180k+", "up to €90k", "$60-80/hr". */
const salaryOf = (text: string): NonNullable<RawFields["salary"]> => {
  const lower = text.toLowerCase()
  const numbers = [...text.matchAll(/(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?([kK])?(?![\d%])/g)].map((m) => ({
    value: Number(m[1]!.replace(/,/g, "")),
    thousands: m[2] !== undefined,
    end: m.index + m[0].length
  }))
  // "120-160k": a suffix written once applies to both ends.
  if (numbers.length >= 2 && numbers[1]!.thousands && !numbers[0]!.thousands && numbers[0]!.value < 1000) {
    numbers[0]!.thousands = true
  }
  const [a, b] = numbers.map((n) => (n.thousands ? n.value * 1000 : n.value))
  const code = CURRENCY_CODE.exec(text)?.[1]?.toUpperCase() ?? SIGNS[CURRENCY_SIGN.exec(text)?.[0] ?? ""]
  const unit = /\/\s*(?:hr|hour|h)\b|per hour|hourly/.test(lower)
    ? "HOUR"
    : /\/\s*(?:yr|year|y)\b|per (?:year|annum)|annual|yearly/.test(lower)
      ? "YEAR"
      : undefined
  const upTo = /\b(?:up to|max(?:imum)?)\b/.test(lower)
  const plus = numbers.length === 1 && /^\s*\+/.test(text.slice(numbers[0]!.end))
  const min = upTo ? undefined : a
  const max = b ?? (plus ? undefined : a)
  return {
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    ...(code === undefined ? {} : { currency: code }),
    ...(unit === undefined ? {} : { unit }),
    text
  }
}
