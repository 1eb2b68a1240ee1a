import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeBody, decodeEntities, decodeItems, failed, joinUrl, Nullable, requireBoard, text, where } from "../apiSupport.js"
import type { BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Greenhouse Job Board API (developers.greenhouse.io/job-board.html): one request lists a whole board,
 * `GET {host}/v1/boards/{board_token}/jobs?content=true`. Pure: no I/O, never throws on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `jobs` array, is one entry in `errors` and yields no postings;
 * - a job without an `id`, a string `title` or an http(s) `absolute_url`, or with a field of the wrong type, is
 *   skipped with one error naming it; the other jobs are returned;
 * - Greenhouse entity-escapes `content` (`&lt;p&gt;`); it is unescaped exactly once, so the description is HTML
 *   and text that was itself escaped (`&amp;lt;`) stays escaped; content that already holds tags is kept;
 * - `externalId` is the job `id` as a string; `url` is `absolute_url`; `payload` is the job as received.
 */
export const greenhouseApi: SourceApi = {
  type: "greenhouse",
  listsWholeBoard: true,
  start: (board) => {
    const token = encodeURIComponent(requireBoard(board, "greenhouse", "board token"))
    return [{ url: joinUrl(board.baseUrl ?? PUBLIC_HOST, `/v1/boards/${token}/jobs?content=true`), label: "list" }]
  },
  parse: (body, request, board) => {
    const at = where("greenhouse", request)
    const list = decodeBody(JobList, body, "a job list")
    if (Either.isLeft(list)) return failed(`${at}: ${list.left}`)
    const { decoded, errors } = decodeItems(Job, list.right.value.jobs, { where: at, noun: "job" })
    const postings = decoded.map(({ item, value }) => ({
      externalId: String(value.id),
      url: value.absolute_url,
      fields: fieldsOf(value, board),
      payload: item
    }))
    return { postings, next: [], errors }
  }
}

const PUBLIC_HOST = "https://boards-api.greenhouse.io"

/** One range per pay-transparency rule; present only when the board is asked with `pay_transparency=true`. */
const PayRange = Schema.Struct({
  min_cents: Nullable(Schema.Number),
  max_cents: Nullable(Schema.Number),
  currency_type: Nullable(Schema.String)
})

const Job = Schema.Struct({
  id: Schema.Union(Schema.Number, Schema.NonEmptyTrimmedString),
  title: Schema.String,
  absolute_url: HttpUrl,
  company_name: Nullable(Schema.String),
  location: Nullable(Schema.Struct({ name: Nullable(Schema.String) })),
  content: Nullable(Schema.String),
  first_published: Nullable(Schema.String),
  updated_at: Nullable(Schema.String),
  requisition_id: Nullable(Schema.String),
  pay_input_ranges: Nullable(Schema.Array(PayRange))
})
type Job = typeof Job.Type

const JobList = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

const fieldsOf = (job: Job, board: BoardConfig): RawFields => {
  const content = text(job.content)
  const location = text(job.location?.name)
  return compact({
    title: job.title,
    company: text(job.company_name) ?? board.board,
    description: content === undefined ? undefined : unescapeOnce(content),
    locations: location === undefined ? undefined : [location],
    // `first_published` is newer than the rest of the API; `updated_at` is the only date older boards give.
    datePosted: text(job.first_published) ?? text(job.updated_at),
    requisitionId: text(job.requisition_id),
    salary: salaryOf(job.pay_input_ranges ?? [])
  })
}

/**
 * The envelope of the ranges in the first range's currency (one range per pay zone, e.g. NYC and elsewhere).
 * Greenhouse gives no interval, so `unit` stays unset and the normalizer infers the period from the amounts.
 */
const salaryOf = (ranges: ReadonlyArray<typeof PayRange.Type>): RawFields["salary"] => {
  const currency = text(ranges[0]?.currency_type)
  const same = ranges.filter((r) => text(r.currency_type) === currency)
  const mins = same.flatMap((r) => (typeof r.min_cents === "number" ? [r.min_cents / 100] : []))
  const maxes = same.flatMap((r) => (typeof r.max_cents === "number" ? [r.max_cents / 100] : []))
  if (mins.length === 0 && maxes.length === 0) return undefined
  return compact({
    min: mins.length > 0 ? Math.min(...mins) : undefined,
    max: maxes.length > 0 ? Math.max(...maxes) : undefined,
    currency
  })
}

const ESCAPED_TAG = /&lt;\/?[a-z!]/i
const RAW_TAG = /<\/?[a-z!]/i

/** One level of entity escaping removed, in a single pass so that `&amp;lt;` becomes `&lt;`, not `<`. */
const unescapeOnce = (content: string): string =>
  !ESCAPED_TAG.test(content) || RAW_TAG.test(content) ? content : decodeEntities(content)
