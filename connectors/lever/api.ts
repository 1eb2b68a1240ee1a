import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import {
  compact,
  decodeBody,
  decodeItems,
  escapeHtml,
  failed,
  idOf,
  isoFromEpoch,
  joinUrl,
  Nullable,
  quote,
  requireBoard,
  text,
  where
} from "../apiSupport.js"
import type { ApiRequest, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Lever Postings API (github.com/lever/postings-api): `GET {host}/v0/postings/{site}?mode=json&skip=&limit=`
 * returns a bare array of published postings, a page at a time. Pure: no I/O, never throws on a response body.
 *
 * Guarantees:
 * - a full page (as many postings as the `limit` asked for) is followed by a request for the next one; a shorter
 *   page ends the listing; a page that starts with the same posting as the page before (a server ignoring
 *   `skip`) ends it too, with an error, instead of looping;
 * - a body that is not JSON, or not an array, is one entry in `errors` and yields no postings or next page;
 * - a posting without a string `id`, a string `text` or an http(s) `hostedUrl`, or with a field of the wrong
 *   type, is skipped with one error naming it; it still counts towards the page being full;
 * - the description is Lever's `description` (HTML: opening and body), then each of `lists` as a titled list,
 *   then `additional`, as the hosted posting page shows them; `createdAt` (epoch ms) becomes an ISO instant.
 */
export const leverApi: SourceApi = {
  type: "lever",
  listsWholeBoard: true,
  start: (board) => [pageRequest(board, 0, PAGE_SIZE)],
  parse: (body, request, board) => {
    const at = where("lever", request)
    const list = decodeBody(Schema.Array(Schema.Unknown), body, "a posting list")
    if (Either.isLeft(list)) return failed(`${at}: ${list.left}`)
    const items = list.right.value
    const { decoded, errors } = decodeItems(Posting, items, { where: at, noun: "posting" })
    const postings = decoded.map(({ item, value }) => ({
      externalId: value.id,
      url: value.hostedUrl,
      fields: fieldsOf(value, board),
      payload: item
    }))
    const { skip, limit, firstId } = positionOf(request)
    const first = idOf(items[0])
    if (first !== undefined && first === firstId) {
      errors.push(`${at}: the page repeats the previous one (first posting ${quote(first)}); the server ignores skip, listing stopped`)
      return { postings, next: [], errors }
    }
    const next = items.length >= limit ? [pageRequest(board, skip + limit, limit, first)] : []
    return { postings, next, errors }
  }
}

/** Lever's documentation sets no maximum; 100 keeps a page well under a megabyte with descriptions. */
const PAGE_SIZE = 100
const PUBLIC_HOST = "https://api.lever.co"

const pageRequest = (board: BoardConfig, skip: number, limit: number, firstId?: string): ApiRequest => {
  const site = encodeURIComponent(requireBoard(board, "lever", "site name"))
  return {
    url: joinUrl(board.baseUrl ?? PUBLIC_HOST, `/v0/postings/${site}?mode=json&skip=${skip}&limit=${limit}`),
    label: "list",
    userData: firstId === undefined ? { skip, limit } : { skip, limit, firstId }
  }
}

const Position = Schema.Struct({
  skip: Schema.Int.pipe(Schema.nonNegative()),
  limit: Schema.Int.pipe(Schema.positive()),
  firstId: Schema.optional(Schema.String)
})

/** Where the page stands in the listing; a request built elsewhere, without userData, is the first page. */
const positionOf = (request: ApiRequest): typeof Position.Type =>
  Schema.decodeUnknownEither(Position)(request.userData).pipe(Either.getOrElse(() => ({ skip: 0, limit: PAGE_SIZE })))

const Posting = Schema.Struct({
  id: Schema.NonEmptyTrimmedString,
  text: Schema.String,
  hostedUrl: HttpUrl,
  categories: Nullable(
    Schema.Struct({
      location: Nullable(Schema.String),
      commitment: Nullable(Schema.String),
      allLocations: Nullable(Schema.Array(Schema.String))
    })
  ),
  createdAt: Nullable(Schema.Number),
  description: Nullable(Schema.String),
  descriptionPlain: Nullable(Schema.String),
  lists: Nullable(Schema.Array(Schema.Struct({ text: Schema.String, content: Schema.String }))),
  additional: Nullable(Schema.String),
  workplaceType: Nullable(Schema.String),
  salaryRange: Nullable(
    Schema.Struct({
      min: Nullable(Schema.Number),
      max: Nullable(Schema.Number),
      currency: Nullable(Schema.String),
      interval: Nullable(Schema.String)
    })
  )
})
type Posting = typeof Posting.Type

const fieldsOf = (posting: Posting, board: BoardConfig): RawFields => {
  const categories = posting.categories ?? {}
  const locations = [categories.location, ...(categories.allLocations ?? [])].flatMap((l) => text(l) ?? [])
  const commitment = text(categories.commitment)
  const range = posting.salaryRange
  return compact({
    title: posting.text,
    company: board.company ?? board.board,
    description: descriptionOf(posting),
    locations: locations.length > 0 ? [...new Set(locations)] : undefined,
    remote: REMOTE.get((posting.workplaceType ?? "").trim().toLowerCase()),
    employmentType: commitment === undefined ? undefined : [commitment],
    datePosted: isoFromEpoch(posting.createdAt, "ms"),
    salary:
      range == null || (typeof range.min !== "number" && typeof range.max !== "number")
        ? undefined
        : compact({ min: range.min ?? undefined, max: range.max ?? undefined, currency: text(range.currency), unit: text(range.interval) })
  })
}

/**
 * Lever documents `on-site`, and real boards send `onsite`; `unspecified`, and any value not listed here, says
 * nothing either way rather than being guessed at.
 */
const REMOTE: ReadonlyMap<string, boolean> = new Map([
  ["remote", true],
  ["onsite", false],
  ["on-site", false],
  ["hybrid", false]
])

const descriptionOf = (posting: Posting): string | undefined => {
  const parts = [
    text(posting.description) ?? text(posting.descriptionPlain),
    ...(posting.lists ?? []).map((list) => `<h3>${escapeHtml(list.text)}</h3><ul>${list.content}</ul>`),
    text(posting.additional)
  ].filter((part): part is string => part !== undefined)
  return parts.length > 0 ? parts.join("\n") : undefined
}
