import { Either, ParseResult, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import type { ApiPage, ApiPosting, BoardConfig, SourceApi } from "../SourceApi.js"

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
  start: (board) => [{ url: `${hostOf(board)}/v1/boards/${encodeURIComponent(boardId(board))}/jobs?content=true`, label: "list" }],
  parse: (body, request, board) => {
    const list = decodeBody(JobList, body)
    if (Either.isLeft(list)) return { postings: [], next: [], errors: [`greenhouse: ${request.url}: ${list.left}`] }
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    const items = list.right.jobs
    items.forEach((item, i) => {
      const job = Schema.decodeUnknownEither(Job, { errors: "all" })(item)
      if (Either.isLeft(job)) {
        errors.push(`greenhouse: ${request.url}: job ${i + 1} of ${items.length}${idHint(item)} skipped: ${issues(job.left)}`)
        return
      }
      postings.push({ externalId: String(job.right.id), url: job.right.absolute_url, fields: fieldsOf(job.right, board), payload: item })
    })
    return { postings, next: [], errors } satisfies ApiPage
  }
}

const PUBLIC_HOST = "https://boards-api.greenhouse.io"

const Nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

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

const hostOf = (board: BoardConfig): string => (board.baseUrl ?? PUBLIC_HOST).replace(/\/+$/, "")

const boardId = (board: BoardConfig): string => {
  const id = board.board?.trim()
  if (id === undefined || id === "") throw new Error(`greenhouse source "${board.source}": no board token (set \`board\`)`)
  return id
}

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
const unescapeOnce = (content: string): string => {
  if (!ESCAPED_TAG.test(content) || RAW_TAG.test(content)) return content
  return content.replace(/&(?:(lt|gt|quot|apos|amp)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi, (entity, name, dec, hex) => {
    if (name !== undefined) return { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[(name as string).toLowerCase()]!
    const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16)
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity
  })
}

// ---------------------------------------------------------------------------------------------------------------

const text = (value: string | null | undefined): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value : undefined

const compact = <T extends object>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

/** The body as JSON of the expected shape, or what is wrong with it, quoting its start. */
const decodeBody = <A, I>(schema: Schema.Schema<A, I>, body: string): Either.Either<A, string> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch (error) {
    return Either.left(`the body is not JSON (${error instanceof Error ? error.message : String(error)}); it starts with ${quote(body)}`)
  }
  return Schema.decodeUnknownEither(schema, { errors: "all" })(json).pipe(
    Either.mapLeft((e) => `the body is not a job list (${issues(e)}); it starts with ${quote(body)}`)
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

const idHint = (item: unknown): string =>
  typeof item === "object" && item !== null && "id" in item ? ` (id ${quote(String(item.id))})` : ""

const quote = (content: string): string => JSON.stringify(clip(content.trim().replace(/\s+/g, " "), 80))

const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s)
