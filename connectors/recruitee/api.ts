import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeBody, decodeItems, failed, joinUrl, Nullable, placeOf, requireBoard, text, where } from "../apiSupport.js"
import type { BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Recruitee Careers Site API (career.recruitee.com/docs): one request lists every published offer,
 * `GET https://{company}.recruitee.com/api/offers/`. The company is in the host name, so a `baseUrl` replaces
 * the whole origin and must itself name the board (e.g. `http://127.0.0.1:8788/recruitee/acme`). Pure: no I/O,
 * never throws on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `offers` array, is one entry in `errors` and yields no postings;
 * - an offer without an `id`, a string `title` or an http(s) `careers_url`, or with a field of the wrong type,
 *   is skipped with one error naming it; the other offers are returned;
 * - the description is the offer's `description` then its `requirements` (both HTML);
 * - the locations are the offer's `location` then each of its `locations` (city, state, country, else the
 *   place's `name`), without repeats; the offer's own city and country only when it names no place at all;
 * - Recruitee writes dates as `2024-06-03 09:30:00 UTC`; `datePosted` is that instant in ISO 8601;
 * - salary bounds given as numeric strings ("3000.0") are read as numbers.
 */
export const recruiteeApi: SourceApi = {
  type: "recruitee",
  listsWholeBoard: true,
  start: (board) => [{ url: joinUrl(originOf(board), "/api/offers/"), label: "list" }],
  parse: (body, request, board) => {
    const at = where("recruitee", request)
    const list = decodeBody(OfferList, body, "an offer list")
    if (Either.isLeft(list)) return failed(`${at}: ${list.left}`)
    const { decoded, errors } = decodeItems(Offer, list.right.value.offers, { where: at, noun: "offer" })
    const postings = decoded.map(({ item, value }) => ({
      externalId: String(value.id),
      url: value.careers_url,
      fields: fieldsOf(value, board),
      payload: item
    }))
    return { postings, next: [], errors }
  }
}

/** Recruitee subdomains are host-name labels; anything else cannot be put in a URL's host. */
const originOf = (board: BoardConfig): string => {
  const company = requireBoard(board, "recruitee", "company")
  if (board.baseUrl !== undefined) return board.baseUrl
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(company)) {
    throw new Error(`recruitee source "${board.source}": ${JSON.stringify(company)} is not a Recruitee subdomain`)
  }
  return `https://${company}.recruitee.com`
}

const Amount = Nullable(Schema.Union(Schema.Number, Schema.String))

/** One place an offer is open in; `name` is what the employer calls it (an office, "Remote"). */
const Location = Schema.Struct({
  name: Nullable(Schema.String),
  city: Nullable(Schema.String),
  state: Nullable(Schema.String),
  country: Nullable(Schema.String)
})

const Offer = Schema.Struct({
  id: Schema.Union(Schema.Number, Schema.NonEmptyTrimmedString),
  title: Schema.String,
  careers_url: HttpUrl,
  company_name: Nullable(Schema.String),
  description: Nullable(Schema.String),
  requirements: Nullable(Schema.String),
  location: Nullable(Schema.String),
  city: Nullable(Schema.String),
  country: Nullable(Schema.String),
  locations: Nullable(Schema.Array(Location)),
  remote: Nullable(Schema.Boolean),
  employment_type_code: Nullable(Schema.String),
  created_at: Nullable(Schema.String),
  published_at: Nullable(Schema.String),
  salary: Nullable(Schema.Struct({ min: Amount, max: Amount, currency: Nullable(Schema.String), period: Nullable(Schema.String) }))
})
type Offer = typeof Offer.Type

const OfferList = Schema.Struct({ offers: Schema.Array(Schema.Unknown) })

const fieldsOf = (offer: Offer, board: BoardConfig): RawFields => {
  const places = [
    text(offer.location),
    ...(offer.locations ?? []).map((l) => placeOf(l.city, l.state, l.country) ?? text(l.name))
  ].flatMap((p) => p ?? [])
  const locations = places.length > 0 ? [...new Set(places)] : [placeOf(offer.city, offer.country)].flatMap((p) => p ?? [])
  const description = [offer.description, offer.requirements].flatMap((p) => text(p) ?? [])
  const employment = text(offer.employment_type_code)
  return compact({
    title: offer.title,
    company: text(offer.company_name) ?? board.board,
    description: description.length > 0 ? description.join("\n") : undefined,
    locations: locations.length > 0 ? locations : undefined,
    remote: offer.remote ?? undefined,
    employmentType: employment === undefined ? undefined : [employment],
    datePosted: isoOf(offer.published_at) ?? isoOf(offer.created_at),
    salary: salaryOf(offer.salary)
  })
}

const salaryOf = (salary: Offer["salary"]): RawFields["salary"] => {
  const min = amountOf(salary?.min)
  const max = amountOf(salary?.max)
  if (min === undefined && max === undefined) return undefined
  return compact({ min, max, currency: text(salary?.currency), unit: text(salary?.period) })
}

const amountOf = (value: number | string | null | undefined): number | undefined => {
  const n = typeof value === "string" && /^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value
  return typeof n === "number" && Number.isFinite(n) ? n : undefined
}

/**
 * `2024-06-03 09:30:00 UTC` (Recruitee's own format) or an ISO 8601 date or date-time, as an ISO instant. Other
 * spellings are left out rather than handed to `Date.parse`, which guesses at them differently per engine.
 */
const isoOf = (date: string | null | undefined): string | undefined => {
  const trimmed = typeof date === "string" ? date.trim() : ""
  const utc = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(?:UTC|Z)$/i.exec(trimmed)
  const iso = utc !== null ? `${utc[1]}T${utc[2]}Z` : /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed) ? trimmed : ""
  const ms = Date.parse(iso)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}
