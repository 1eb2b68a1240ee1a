import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeBody, decodeItems, escapeHtml, failed, joinUrl, Nullable, requireBoard, text, where } from "../apiSupport.js"
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
  const company = encodeURIComponent(requireBoard(board, "smartrecruiters", "company identifier"))
  return joinUrl(board.baseUrl ?? PUBLIC_HOST, `/v1/companies/${company}/postings`)
}

const listRequest = (board: BoardConfig, offset: number): ApiRequest => ({
  url: `${postingsPath(board)}?offset=${offset}&limit=${PAGE_SIZE}`,
  label: "list",
  userData: { offset }
})

const ListPage = Schema.Struct({ totalFound: Schema.Int.pipe(Schema.nonNegative()), content: Schema.Array(Schema.Unknown) })
const ListItem = Schema.Struct({ id: Schema.NonEmptyTrimmedString })
const Offset = Schema.Struct({ offset: Schema.Int.pipe(Schema.nonNegative()) })

const parseList = (body: string, request: ApiRequest, board: BoardConfig): ApiPage => {
  const at = where("smartrecruiters", request)
  const page = decodeBody(ListPage, body, "a posting list")
  if (Either.isLeft(page)) return failed(`${at}: ${page.left}`)
  const { content, totalFound } = page.right.value
  const { decoded, errors } = decodeItems(ListItem, content, { where: at, noun: "posting" })
  const details = decoded.map(({ value }): ApiRequest => ({
    url: `${postingsPath(board)}/${encodeURIComponent(value.id)}`,
    label: "detail",
    userData: { id: value.id }
  }))
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
  const at = where("smartrecruiters", request)
  const detail = decodeBody(Detail, body, "a posting")
  if (Either.isLeft(detail)) return failed(`${at}: ${detail.left}`)
  const { json, value } = detail.right
  const url = value.postingUrl ?? value.applyUrl
  if (url == null) return failed(`${at}: posting skipped: it has neither postingUrl nor applyUrl`)
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
