import { Either } from "effect"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, excerpt, failed, isRecord, joinUrl, list, parseJson, positiveNumber, redactErrors, text } from "../apiSupport.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * The USAJOBS Search API (`GET https://data.usajobs.gov/api/search`), authenticated with the `Host`,
 * `User-Agent` (the registered e-mail) and `Authorization-Key` headers; `board.query` is the `Keyword`.
 * Pure: no I/O, never throws on response content.
 *
 * Guarantees:
 * - `start` throws when the e-mail or the key is missing: that is configuration, not content;
 * - pages are followed by `Page` while `UserArea.NumberOfPages` says there are more, up to `MAX_PAGES`;
 * - a body that is not JSON or has no `SearchResult.SearchResultItems` array is one entry in `errors`; an item
 *   without `MatchedObjectId` or `PositionURI` is skipped with an error, the others are returned;
 * - the description is the announcement's summary, major duties and qualification summary, as given, in that
 *   order and separated by blank lines (the search API has no single description field);
 * - no entry in `errors` holds the API key (sent as a header, but a body may echo it): see `redactErrors`.
 */

const PUBLIC_HOST = "https://data.usajobs.gov"
const SOURCE = "usajobs"
/** The API's maximum page size; fewer, larger pages are kinder to its rate limits. */
const RESULTS_PER_PAGE = 500
const MAX_PAGES = 10
/** The interval codes USAJOBS documents, spelled out so that the normalizer can read the salary period. */
const RATE_INTERVALS: Readonly<Record<string, string>> = {
  PA: "Per Year",
  PH: "Per Hour",
  PD: "Per Day",
  PW: "Per Week",
  PM: "Per Month",
  BW: "Bi-weekly"
}

export const usajobsApi: SourceApi = {
  type: SOURCE,
  // A keyword search, not a board: a posting missing from it may still be open.
  listsWholeBoard: false,
  start: (board: BoardConfig): ReadonlyArray<ApiRequest> => {
    const email = board.credentials?.email?.trim()
    const apiKey = board.credentials?.apiKey?.trim()
    if (!email || !apiKey) {
      throw new Error(
        `${board.source}: USAJOBS needs the registered e-mail and an API key; set JOBSTREAM_USAJOBS_EMAIL and JOBSTREAM_USAJOBS_API_KEY`
      )
    }
    const base = board.baseUrl ?? PUBLIC_HOST
    const params = new URLSearchParams()
    if (board.query?.trim()) params.set("Keyword", board.query.trim())
    params.set("Page", "1")
    params.set("ResultsPerPage", String(RESULTS_PER_PAGE))
    return [
      {
        url: `${joinUrl(base, "/api/search")}?${params}`,
        // `Host` is the host actually called, so that a replay server behind `baseUrl` still matches.
        headers: { Host: new URL(base).host, "User-Agent": email, "Authorization-Key": apiKey },
        label: "search",
        userData: { page: 1 }
      }
    ]
  },
  parse: (body: string, request: ApiRequest, board: BoardConfig): ApiPage => redactErrors(parseSearch(body, request), board, request)
}

const parseSearch = (body: string, request: ApiRequest): ApiPage => {
  const page = typeof request.userData?.page === "number" ? request.userData.page : 1
  const parsed = parseJson(body)
  if (Either.isLeft(parsed)) return failed(`${SOURCE} page ${page}: ${parsed.left}`)
  const result = isRecord(parsed.right) ? parsed.right.SearchResult : undefined
  if (!isRecord(result) || !Array.isArray(result.SearchResultItems)) {
    return failed(`${SOURCE} page ${page}: expected SearchResult.SearchResultItems: ${excerpt(body)}`)
  }
  const postings: Array<ApiPosting> = []
  const errors: Array<string> = []
  result.SearchResultItems.forEach((item, index) => {
    const posting = postingOf(item)
    if (typeof posting === "string") errors.push(`${SOURCE} page ${page}, item ${index + 1}: ${posting}`)
    else postings.push(posting)
  })
  const pages = Number(isRecord(result.UserArea) ? result.UserArea.NumberOfPages : undefined) || 1
  const more = page < Math.min(pages, MAX_PAGES) && result.SearchResultItems.length > 0
  return { postings, next: more ? [nextPage(request, page + 1)] : [], errors }
}

const nextPage = (request: ApiRequest, page: number): ApiRequest => {
  const url = new URL(request.url)
  url.searchParams.set("Page", String(page))
  return { ...request, url: url.href, userData: { ...request.userData, page } }
}

const postingOf = (item: unknown): ApiPosting | string => {
  if (!isRecord(item)) return "not an object; skipped"
  const id = text(item.MatchedObjectId)
  const job = item.MatchedObjectDescriptor
  const url = isRecord(job) ? text(job.PositionURI) : undefined
  if (id === undefined || !isRecord(job) || url === undefined) {
    return `no MatchedObjectId or MatchedObjectDescriptor.PositionURI; skipped: ${excerpt(JSON.stringify(item))}`
  }
  return { externalId: id, url, fields: fieldsOf(job), payload: item }
}

const fieldsOf = (job: Record<string, unknown>): RawFields => {
  const details = isRecord(job.UserArea) && isRecord(job.UserArea.Details) ? job.UserArea.Details : {}
  // Documented as an array; some announcements carry a single string.
  const duties = (typeof details.MajorDuties === "string" ? [details.MajorDuties] : list(details.MajorDuties))
    .map(text)
    .filter((d): d is string => d !== undefined)
  const description = [text(details.JobSummary), ...duties, text(job.QualificationSummary)]
    .filter((part): part is string => part !== undefined)
    .join("\n\n")
  const locations = list(job.PositionLocation)
    .map((place) => (isRecord(place) ? text(place.LocationName) : undefined))
    .filter((name): name is string => name !== undefined)
  const display = text(job.PositionLocationDisplay)
  const employmentType = [...list(job.PositionSchedule), ...list(job.PositionOfferingType)]
    .map((entry) => (isRecord(entry) ? text(entry.Name) : undefined))
    .filter((name): name is string => name !== undefined)
  return compact({
    title: text(job.PositionTitle),
    // The hiring agency ("Internal Revenue Service"); its department is the fallback.
    company: text(job.OrganizationName) ?? text(job.DepartmentName),
    description: description === "" ? undefined : description,
    locations: locations.length > 0 ? [...new Set(locations)] : display === undefined ? undefined : [display],
    // `TeleworkEligible` means some days at home, not a remote job; only `RemoteIndicator` says remote.
    remote: typeof details.RemoteIndicator === "boolean" ? details.RemoteIndicator : undefined,
    employmentType: employmentType.length > 0 ? employmentType : undefined,
    datePosted: text(job.PublicationStartDate),
    validThrough: text(job.ApplicationCloseDate),
    requisitionId: text(job.PositionID),
    salary: salaryOf(list(job.PositionRemuneration)[0])
  })
}

/** `{MinimumRange: "53000.0", MaximumRange: "91000.0", RateIntervalCode: "PA", Description: "Per Year"}`. */
const salaryOf = (pay: unknown): RawFields["salary"] => {
  if (!isRecord(pay)) return undefined
  const min = positiveNumber(pay.MinimumRange)
  const max = positiveNumber(pay.MaximumRange)
  if (min === undefined && max === undefined) return undefined
  const code = text(pay.RateIntervalCode)
  const unit = text(pay.Description) ?? (code !== undefined && Object.hasOwn(RATE_INTERVALS, code) ? RATE_INTERVALS[code] : code)
  return compact({ min, max, currency: "USD", unit })
}
