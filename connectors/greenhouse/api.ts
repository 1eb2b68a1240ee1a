import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import {
  compact,
  decodeBody,
  decodeEntities,
  decodeItems,
  failed,
  isRecord,
  joinUrl,
  Nullable,
  quote,
  requireBoard,
  text,
  where
} from "../apiSupport.js"
import type { ApiPosting, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Greenhouse Job Board API (developers.greenhouse.io/job-board.html): one request lists a whole board,
 * `GET {host}/v1/boards/{board_token}/jobs?content=true`; pay ranges come only from the single-job endpoint,
 * `GET {host}/v1/boards/{board_token}/jobs/{id}?pay_transparency=true`, which each listed posting names as its
 * `detail` (the runtime asks it only for postings new or changed since the last crawl). Pure: no I/O, never
 * throws on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `jobs` array, is one entry in `errors` and yields no postings;
 * - a job without an `id`, a string `title` or an http(s) `absolute_url`, or with a field of the wrong type, is
 *   skipped with one error naming it; the other jobs are returned;
 * - Greenhouse entity-escapes `content` (`&lt;p&gt;`); it is unescaped exactly once, so the description is HTML
 *   and text that was itself escaped (`&amp;lt;`) stays escaped; content that already holds tags is kept;
 * - locations are the places packed in `location.name` ("A | B", "A; B") then each office's `location` (an
 *   office without one counts only when its name says remote), without repeats;
 * - `complete` takes the salary from the single job's `pay_input_ranges` and adds them to the payload; a body
 *   that is not that job is a message, and the posting stays as listed;
 * - `externalId` is the job `id` as a string; `url` is `absolute_url`; `payload` is the job as received.
 */
export const greenhouseApi: SourceApi = {
  type: "greenhouse",
  listsWholeBoard: true,
  start: (board) => [{ url: joinUrl(boardPath(board), "/jobs?content=true"), label: "list" }],
  parse: (body, request, board) => {
    const at = where("greenhouse", request)
    const list = decodeBody(JobList, body, "a job list")
    if (Either.isLeft(list)) return failed(`${at}: ${list.left}`)
    const { decoded, errors } = decodeItems(Job, list.right.value.jobs, { where: at, noun: "job" })
    const postings = decoded.map(({ item, value }): ApiPosting => {
      const externalId = String(value.id)
      return {
        externalId,
        url: value.absolute_url,
        fields: fieldsOf(value, board),
        payload: item,
        detail: {
          url: joinUrl(boardPath(board), `/jobs/${encodeURIComponent(externalId)}?pay_transparency=true`),
          label: "pay"
        }
      }
    })
    return { postings, next: [], errors }
  },
  complete: (body, request, posting) => {
    const at = where("greenhouse", request)
    const detail = decodeBody(PayDetail, body, "a job")
    if (Either.isLeft(detail)) return Either.left(`${at}: ${detail.left}`)
    const { json, value } = detail.right
    if (String(value.id) !== posting.externalId)
      return Either.left(`${at}: the answer is job ${quote(value.id)}, not job ${quote(posting.externalId)}`)
    const salary = salaryOf(value.pay_input_ranges ?? [])
    const ranges = isRecord(json) ? json.pay_input_ranges : undefined
    return Either.right({
      ...posting,
      fields: salary === undefined ? posting.fields : { ...posting.fields, salary },
      payload: isRecord(posting.payload) && ranges !== undefined ? { ...posting.payload, pay_input_ranges: ranges } : posting.payload
    })
  }
}

const PUBLIC_HOST = "https://boards-api.greenhouse.io"

const boardPath = (board: BoardConfig): string =>
  joinUrl(board.baseUrl ?? PUBLIC_HOST, `/v1/boards/${encodeURIComponent(requireBoard(board, "greenhouse", "board token"))}`)

/** One range per pay-transparency rule; only the single-job endpoint gives them, asked with `pay_transparency=true`. */
const PayRange = Schema.Struct({
  min_cents: Nullable(Schema.Number),
  max_cents: Nullable(Schema.Number),
  currency_type: Nullable(Schema.String)
})

/** What `complete` reads of the single-job answer. */
const PayDetail = Schema.Struct({
  id: Schema.Union(Schema.Number, Schema.NonEmptyTrimmedString),
  pay_input_ranges: Nullable(Schema.Array(PayRange))
})

/** An office of the board; `location` is its place ("San Francisco, CA"), often missing for "Remote". */
const Office = Schema.Struct({ name: Nullable(Schema.String), location: Nullable(Schema.String) })

const Job = Schema.Struct({
  id: Schema.Union(Schema.Number, Schema.NonEmptyTrimmedString),
  title: Schema.String,
  absolute_url: HttpUrl,
  company_name: Nullable(Schema.String),
  location: Nullable(Schema.Struct({ name: Nullable(Schema.String) })),
  offices: Nullable(Schema.Array(Office)),
  content: Nullable(Schema.String),
  first_published: Nullable(Schema.String),
  updated_at: Nullable(Schema.String),
  requisition_id: Nullable(Schema.String)
})
type Job = typeof Job.Type

const JobList = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

const fieldsOf = (job: Job, board: BoardConfig): RawFields => {
  const content = text(job.content)
  const locations = locationsOf(job)
  return compact({
    title: job.title,
    company: text(job.company_name) ?? board.board,
    description: content === undefined ? undefined : unescapeOnce(content),
    locations: locations.length > 0 ? locations : undefined,
    // `first_published` is newer than the rest of the API; `updated_at` is the only date older boards give.
    datePosted: text(job.first_published) ?? text(job.updated_at),
    requisitionId: text(job.requisition_id)
  })
}

/** How boards pack several places into one `location.name`: "A, CA | B, NY", "London, UK; Ontario, CAN". */
const PACKED = /\s*[|;]\s*/

/**
 * The places of `location.name`, one by one, then the offices' places. An office without a `location` is a
 * place only when its name says remote ("Remote", "Remote - US"): a name like "HQ" says nowhere.
 */
const locationsOf = (job: Job): Array<string> => {
  const named = (text(job.location?.name) ?? "").split(PACKED)
  const offices = (job.offices ?? []).map((o) => text(o.location) ?? (/\bremote\b/i.test(o.name ?? "") ? text(o.name) : undefined))
  return [...new Set([...named, ...offices].flatMap((p) => text(p) ?? []))]
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
