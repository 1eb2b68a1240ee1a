import { Either } from "effect"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, excerpt, failed, isRecord, joinUrl, parseJson, positiveNumber, redactErrors, text } from "../apiSupport.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Adzuna's job search API (`GET /v1/api/jobs/{country}/search/{page}`): `board.board` is the country code (the
 * API has no default country), `board.query` the `what` terms, `board.credentials.appId`/`appKey` the keys.
 * Pure: no I/O, never throws on response content.
 *
 * Guarantees:
 * - `start` throws when the keys or the country are missing: that is configuration, not content;
 * - pages are followed while the response's `count` says there are more, up to `MAX_PAGES` pages;
 * - a body that is not JSON, an Adzuna exception (`{"exception": "AUTH_FAIL", ...}`) or a body without a
 *   `results` array is one entry in `errors`; a result without `id` or `redirect_url` is skipped with an error;
 * - a salary Adzuna predicted (`salary_is_predicted` = 1) is not put in `fields` (it stays in `payload`): the
 *   employer never stated it;
 * - every posting carries the "Jobs by Adzuna" attribution linked to the country's Adzuna site, as Adzuna's API
 *   terms require;
 * - no entry in `errors` holds the app id or key (request URLs carry both): see `redactErrors`.
 */

const PUBLIC_HOST = "https://api.adzuna.com"
const SOURCE = "adzuna"
const RESULTS_PER_PAGE = 50
/** The default API limits are 25 calls a minute and 250 a day; five pages keep one crawl well inside them. */
const MAX_PAGES = 5

/** Each country index quotes salaries in its own currency and has its own site for the attribution link. */
const COUNTRIES: Readonly<Record<string, readonly [currency: string, site: string]>> = {
  at: ["EUR", "https://www.adzuna.at"],
  au: ["AUD", "https://www.adzuna.com.au"],
  be: ["EUR", "https://www.adzuna.be"],
  br: ["BRL", "https://www.adzuna.com.br"],
  ca: ["CAD", "https://www.adzuna.ca"],
  ch: ["CHF", "https://www.adzuna.ch"],
  de: ["EUR", "https://www.adzuna.de"],
  es: ["EUR", "https://www.adzuna.es"],
  fr: ["EUR", "https://www.adzuna.fr"],
  gb: ["GBP", "https://www.adzuna.co.uk"],
  in: ["INR", "https://www.adzuna.in"],
  it: ["EUR", "https://www.adzuna.it"],
  mx: ["MXN", "https://www.adzuna.com.mx"],
  nl: ["EUR", "https://www.adzuna.nl"],
  nz: ["NZD", "https://www.adzuna.co.nz"],
  pl: ["PLN", "https://www.adzuna.pl"],
  sg: ["SGD", "https://www.adzuna.sg"],
  us: ["USD", "https://www.adzuna.com"],
  za: ["ZAR", "https://www.adzuna.co.za"]
}

export const adzunaApi: SourceApi = {
  type: SOURCE,
  // A search returns what matches the query, not a board: absence means nothing.
  listsWholeBoard: false,
  start: (board: BoardConfig): ReadonlyArray<ApiRequest> => {
    const appId = board.credentials?.appId?.trim()
    const appKey = board.credentials?.appKey?.trim()
    if (!appId || !appKey) {
      throw new Error(
        `${board.source}: Adzuna needs an app id and key; set JOBSTREAM_ADZUNA_APP_ID and JOBSTREAM_ADZUNA_APP_KEY`
      )
    }
    const country = board.board?.trim().toLowerCase() ?? ""
    if (!Object.hasOwn(COUNTRIES, country)) {
      throw new Error(
        `${board.source}: board "${board.board ?? ""}" is not an Adzuna country; use one of ${Object.keys(COUNTRIES).join(", ")}`
      )
    }
    const params = new URLSearchParams({ app_id: appId, app_key: appKey, results_per_page: String(RESULTS_PER_PAGE) })
    if (board.query?.trim()) params.set("what", board.query.trim())
    params.set("content-type", "application/json")
    const url = `${joinUrl(board.baseUrl ?? PUBLIC_HOST, `/v1/api/jobs/${country}/search/1`)}?${params}`
    return [{ url, label: "search", userData: { page: 1 } }]
  },
  parse: (body: string, request: ApiRequest, board: BoardConfig): ApiPage => redactErrors(parseSearch(body, request), board, request)
}

const parseSearch = (body: string, request: ApiRequest): ApiPage => {
  const page = typeof request.userData?.page === "number" ? request.userData.page : 1
  // The country is in the path; it decides the currency and the attribution link.
  const country = /\/jobs\/([a-z]{2})\/search\//.exec(request.url)?.[1] ?? ""
  const parsed = parseJson(body)
  if (Either.isLeft(parsed)) return failed(`${SOURCE} page ${page}: ${parsed.left}`)
  const value = parsed.right
  if (isRecord(value) && typeof value.exception === "string") {
    return failed(`${SOURCE} page ${page}: the API answered ${value.exception}: ${excerpt(value.display ?? value.doc ?? "")}`)
  }
  if (!isRecord(value) || !Array.isArray(value.results)) {
    return failed(`${SOURCE} page ${page}: expected an object with a "results" array: ${excerpt(body)}`)
  }
  const postings: Array<ApiPosting> = []
  const errors: Array<string> = []
  value.results.forEach((result, index) => {
    const posting = postingOf(result, country)
    if (typeof posting === "string") errors.push(`${SOURCE} page ${page}, result ${index + 1}: ${posting}`)
    else postings.push(posting)
  })
  const pages = Math.ceil((typeof value.count === "number" ? value.count : 0) / RESULTS_PER_PAGE)
  const more = page < Math.min(pages, MAX_PAGES) && value.results.length > 0
  return { postings, next: more ? [nextPage(request, page + 1)] : [], errors }
}

/** The same search one page further: only the page segment of the path changes, keys and query are kept. */
const nextPage = (request: ApiRequest, page: number): ApiRequest => {
  const url = new URL(request.url)
  url.pathname = url.pathname.replace(/\/search\/\d+$/, `/search/${page}`)
  return { url: url.href, label: request.label, userData: { ...request.userData, page } }
}

const postingOf = (result: unknown, country: string): ApiPosting | string => {
  if (!isRecord(result)) return "not an object; skipped"
  const id = text(result.id)
  const url = text(result.redirect_url)
  if (id === undefined || url === undefined) return `no id or redirect_url; skipped: ${excerpt(JSON.stringify(result))}`
  const [currency, site] = Object.hasOwn(COUNTRIES, country) ? COUNTRIES[country]! : [undefined, "https://www.adzuna.com"]
  return {
    externalId: id,
    url,
    fields: fieldsOf(result, currency),
    payload: result,
    attribution: { text: "Jobs by Adzuna", url: site }
  }
}

const fieldsOf = (result: Record<string, unknown>, currency: string | undefined): RawFields => {
  const location = isRecord(result.location) ? locationOf(result.location) : undefined
  // The normalizer takes the first type it understands: "contract" says more than "full_time", which says more
  // than "permanent" (a permanent part-time job is part-time).
  const contractType = text(result.contract_type)
  const contractTime = text(result.contract_time)
  const types = contractType === "contract" ? [contractType, contractTime] : [contractTime, contractType]
  const employmentType = types.filter((t): t is string => t !== undefined)
  const predicted = String(result.salary_is_predicted ?? "0") === "1"
  const min = positiveNumber(result.salary_min)
  const max = positiveNumber(result.salary_max)
  return compact({
    title: text(result.title),
    company: isRecord(result.company) ? text(result.company.display_name) : undefined,
    // A snippet of the ad (Adzuna cuts it at about 500 characters); the full text is behind `redirect_url`.
    description: text(result.description),
    locations: location === undefined ? undefined : [location],
    employmentType: employmentType.length > 0 ? employmentType : undefined,
    datePosted: text(result.created),
    salary: predicted || (min === undefined && max === undefined) ? undefined : compact({ min, max, currency })
  })
}

/** `display_name` ("Marlow, Buckinghamshire"), else the `area` path from country down, most specific first. */
const locationOf = (location: Record<string, unknown>): string | undefined => {
  const name = text(location.display_name)
  if (name !== undefined) return name
  const area = Array.isArray(location.area) ? location.area.map(text).filter((a): a is string => a !== undefined) : []
  return area.length > 0 ? area.reverse().join(", ") : undefined
}
