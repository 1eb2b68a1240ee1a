import { Either, ParseResult, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import type { ApiPage, ApiPosting, ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * SmartRecruiters Posting API (developers.smartrecruiters.com, Posting API): the list
 * `GET {host}/v1/companies/{companyIdentifier}/postings?offset=&limit=` gives postings without their job ad, so
 * each listed posting is read again from `.../postings/{id}`. Pure: no I/O, never throws on a response body.
 *
 * Guarantees:
 * - a list page yields no postings, only requests: one `detail` request per listed posting (built on the
 *   configured host, not from the item's `ref`, so that replay servers and tests see them), then the next list
 *   page while `offset` + postings read is below `totalFound`; an empty page ends the listing;
 * - a detail page yields its posting: `externalId` is the posting `id`, `url` its `postingUrl` (else `applyUrl`);
 *   the description is the job ad's sections in their order, each under its own title;
 * - a body that is not JSON or not of the expected shape is one entry in `errors`; a listed item without an
 *   `id` is skipped with an error naming its place, and the others are still requested.
 */
export const smartRecruitersApi: SourceApi = {
  type: "smartrecruiters",
  listsWholeBoard: true,
  start: (board) => [listRequest(board, 0)],
  parse: (body, request, board) => (request.label === "detail" ? parseDetail(body, request, board) : parseList(body, request, board))
}

/** The API's maximum page size. */
const PAGE_SIZE = 100
const PUBLIC_HOST = "https://api.smartrecruiters.com"

const postingsPath = (board: BoardConfig): string => {
  const company = board.board?.trim()
  if (company === undefined || company === "") {
    throw new Error(`smartrecruiters source "${board.source}": no company identifier (set \`board\`)`)
  }
  return `${(board.baseUrl ?? PUBLIC_HOST).replace(/\/+$/, "")}/v1/companies/${encodeURIComponent(company)}/postings`
}

const listRequest = (board: BoardConfig, offset: number): ApiRequest => ({
  url: `${postingsPath(board)}?offset=${offset}&limit=${PAGE_SIZE}`,
  label: "list",
  userData: { offset }
})

const Nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

const ListPage = Schema.Struct({ totalFound: Schema.Int.pipe(Schema.nonNegative()), content: Schema.Array(Schema.Unknown) })
const ListItem = Schema.Struct({ id: Schema.NonEmptyTrimmedString })
const Offset = Schema.Struct({ offset: Schema.Int.pipe(Schema.nonNegative()) })

const parseList = (body: string, request: ApiRequest, board: BoardConfig): ApiPage => {
  const page = decodeBody(ListPage, body, "a posting list")
  if (Either.isLeft(page)) return { postings: [], next: [], errors: [`smartrecruiters: ${request.url}: ${page.left}`] }
  const { content, totalFound } = page.right.value
  const errors: Array<string> = []
  const details = content.flatMap((item, i): Array<ApiRequest> => {
    const listed = Schema.decodeUnknownEither(ListItem, { errors: "all" })(item)
    if (Either.isLeft(listed)) {
      errors.push(`smartrecruiters: ${request.url}: posting ${i + 1} of ${content.length} skipped: ${issues(listed.left)}`)
      return []
    }
    return [{ url: `${postingsPath(board)}/${encodeURIComponent(listed.right.id)}`, label: "detail", userData: { id: listed.right.id } }]
  })
  const { offset } = Schema.decodeUnknownEither(Offset)(request.userData).pipe(Either.getOrElse(() => ({ offset: 0 })))
  const read = offset + content.length
  const more = content.length > 0 && read < totalFound
  return { postings: [], next: more ? [...details, listRequest(board, read)] : details, errors }
}

const Section = Nullable(Schema.Struct({ title: Nullable(Schema.String), text: Nullable(Schema.String) }))

const Detail = Schema.Struct({
  id: Schema.NonEmptyTrimmedString,
  name: Schema.String,
  postingUrl: Nullable(HttpUrl),
  applyUrl: Nullable(HttpUrl),
  refNumber: Nullable(Schema.String),
  company: Nullable(Schema.Struct({ name: Nullable(Schema.String) })),
  releasedDate: Nullable(Schema.String),
  location: Nullable(
    Schema.Struct({
      city: Nullable(Schema.String),
      region: Nullable(Schema.String),
      country: Nullable(Schema.String),
      remote: Nullable(Schema.Boolean),
      fullLocation: Nullable(Schema.String)
    })
  ),
  typeOfEmployment: Nullable(Schema.Struct({ label: Nullable(Schema.String) })),
  jobAd: Nullable(
    Schema.Struct({
      sections: Nullable(
        Schema.Struct({ companyDescription: Section, jobDescription: Section, qualifications: Section, additionalInformation: Section })
      )
    })
  )
})
type Detail = typeof Detail.Type

const parseDetail = (body: string, request: ApiRequest, board: BoardConfig): ApiPage => {
  const detail = decodeBody(Detail, body, "a posting")
  if (Either.isLeft(detail)) return { postings: [], next: [], errors: [`smartrecruiters: ${request.url}: ${detail.left}`] }
  const { json, value } = detail.right
  const url = value.postingUrl ?? value.applyUrl
  if (url == null) {
    return { postings: [], next: [], errors: [`smartrecruiters: ${request.url}: posting skipped: it has neither postingUrl nor applyUrl`] }
  }
  const posting: ApiPosting = { externalId: value.id, url, fields: fieldsOf(value, board), payload: json }
  return { postings: [posting], next: [], errors: [] }
}

const fieldsOf = (detail: Detail, board: BoardConfig): RawFields => {
  const place = detail.location ?? {}
  const location = text(place.fullLocation) ?? ([place.city, place.region, place.country].flatMap((p) => text(p) ?? []).join(", ") || undefined)
  const employment = text(detail.typeOfEmployment?.label)
  return compact({
    title: detail.name,
    company: text(detail.company?.name) ?? board.board,
    description: descriptionOf(detail),
    locations: location === undefined ? undefined : [location],
    remote: place.remote ?? undefined,
    employmentType: employment === undefined ? undefined : [employment],
    datePosted: text(detail.releasedDate),
    requisitionId: text(detail.refNumber)
  })
}

/** The sections as the posting page shows them: company, job, qualifications, additional information. */
const descriptionOf = (detail: Detail): string | undefined => {
  const sections = detail.jobAd?.sections ?? {}
  const parts = [sections.companyDescription, sections.jobDescription, sections.qualifications, sections.additionalInformation]
    .flatMap((section) => {
      const html = text(section?.text)
      if (html === undefined) return []
      const title = text(section?.title)
      return [title === undefined ? html : `<h3>${escapeHtml(title)}</h3>\n${html}`]
    })
  return parts.length > 0 ? parts.join("\n") : undefined
}

const escapeHtml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

// ---------------------------------------------------------------------------------------------------------------

const text = (value: string | null | undefined): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined

const compact = <T extends object>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

/** The body as JSON, and decoded to the expected shape; or what is wrong with it, quoting its start. */
const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
  body: string,
  what: string
): Either.Either<{ readonly json: unknown; readonly value: A }, string> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    return Either.left(`the body is not JSON (${error instanceof Error ? error.message : String(error)}); it starts with ${quote(body)}`)
  }
  return Schema.decodeUnknownEither(schema, { errors: "all" })(json).pipe(
    Either.map((value) => ({ json, value })),
    Either.mapLeft((e) => `the body is not ${what} (${issues(e)}); it starts with ${quote(body)}`)
  )
}

/** Every wrong field, each message and the whole kept short: `actual` can quote a large value. */
/** Every wrong field; each message and the whole kept short, as `actual` can quote a large value. */
const issues = (error: ParseResult.ParseError): string =>
  clip(
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => `${issue.path.join(".") || "item"}: ${clip(issue.message, 120)}`)
      .join("; "),
    400
  )

const quote = (content: string): string => JSON.stringify(clip(content.trim().replace(/\s+/g, " "), 80))

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s)
