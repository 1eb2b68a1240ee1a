import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeBody, decodeItems, failed, joinUrl, Nullable, placeOf, requireBoard, text, where } from "../apiSupport.js"
import type { SourceApi } from "../SourceApi.js"

/**
 * Workable's public widget API (what apply.workable.com career pages and embeds read; Workable documents only
 * its authenticated SPI v3): `GET {host}/api/v1/widget/accounts/{account}?details=true` lists every published
 * job with its HTML description. Pure: no I/O, never throws on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `jobs` array, is one entry in `errors` and yields no postings;
 * - a job without a `shortcode` or a string `title`, without any of `url`, `shortlink`, `application_url` as an
 *   http(s) URL, or with a field of the wrong type, is skipped with one error naming it; the others are returned;
 * - `externalId` is the `shortcode` (Workable's stable job key); `url` the job page, else the short link, else the
 *   application form;
 * - locations are the job's `locations` that are not `hidden`, else its own city, state and country; when every
 *   location is `hidden`, none: the employer chose not to show the place (the `telecommuting` flag still says
 *   whether the job is remote).
 */
export const workableApi: SourceApi = {
  type: "workable",
  listsWholeBoard: true,
  start: (board) => {
    const account = encodeURIComponent(requireBoard(board, "workable", "account"))
    return [{ url: joinUrl(board.baseUrl ?? PUBLIC_HOST, `/api/v1/widget/accounts/${account}?details=true`), label: "list" }]
  },
  parse: (body, request, board) => {
    const at = where("workable", request)
    const account = decodeBody(Account, body, "an account's job list")
    if (Either.isLeft(account)) return failed(`${at}: ${account.left}`)
    const company = board.company ?? text(account.right.value.name) ?? board.board
    const { decoded, errors } = decodeItems(Job, account.right.value.jobs, {
      where: at,
      noun: "job",
      idKey: "shortcode",
      reject: (job) => (urlOf(job) === undefined ? "it has no url, shortlink or application_url" : undefined)
    })
    const postings = decoded.map(({ item, value }) => ({
      externalId: value.shortcode,
      url: urlOf(value)!,
      fields: fieldsOf(value, company),
      payload: item
    }))
    return { postings, next: [], errors }
  }
}

const PUBLIC_HOST = "https://apply.workable.com"

const Location = Schema.Struct({
  city: Nullable(Schema.String),
  region: Nullable(Schema.String),
  country: Nullable(Schema.String),
  hidden: Nullable(Schema.Boolean)
})

const Job = Schema.Struct({
  shortcode: Schema.NonEmptyTrimmedString,
  title: Schema.String,
  url: Nullable(HttpUrl),
  shortlink: Nullable(HttpUrl),
  application_url: Nullable(HttpUrl),
  code: Nullable(Schema.String),
  employment_type: Nullable(Schema.String),
  telecommuting: Nullable(Schema.Boolean),
  published_on: Nullable(Schema.String),
  created_at: Nullable(Schema.String),
  city: Nullable(Schema.String),
  state: Nullable(Schema.String),
  country: Nullable(Schema.String),
  locations: Nullable(Schema.Array(Location)),
  description: Nullable(Schema.String)
})
type Job = typeof Job.Type

const Account = Schema.Struct({ name: Nullable(Schema.String), jobs: Schema.Array(Schema.Unknown) })

/** The job page, else the short link, else the application form. */
const urlOf = (job: Job): string | undefined => job.url ?? job.shortlink ?? job.application_url ?? undefined

const fieldsOf = (job: Job, company: string | undefined): RawFields => {
  const all = job.locations ?? []
  const shown = all.filter((l) => l.hidden !== true)
  const listed = [...new Set(shown.flatMap((l) => placeOf(l.city, l.region, l.country) ?? []))]
  // The job's own city repeats its first location: when the employer hid every location, it is hidden too.
  const own = all.length > 0 && shown.length === 0 ? undefined : placeOf(job.city, job.state, job.country)
  const employment = text(job.employment_type)
  return compact({
    title: job.title,
    company,
    description: text(job.description),
    locations: listed.length > 0 ? listed : own === undefined ? undefined : [own],
    remote: job.telecommuting ?? undefined,
    employmentType: employment === undefined ? undefined : [employment],
    datePosted: text(job.published_on) ?? text(job.created_at),
    requisitionId: text(job.code)
  })
}
