import { Either, ParseResult, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import type { ApiPosting, BoardConfig, SourceApi } from "../SourceApi.js"

/**
 * Ashby public job posting API (developers.ashbyhq.com/docs/public-job-posting-api): one request lists a whole
 * board, `GET {host}/posting-api/job-board/{jobBoardName}?includeCompensation=true`. Pure: no I/O, never throws
 * on a response body.
 *
 * Guarantees:
 * - a body that is not JSON, or has no `jobs` array, is one entry in `errors` and yields no postings;
 * - a job with `isListed: false` is left out without an error: the board hides it, so it is not open to the
 *   public (and, the listing being whole, counts as closed);
 * - any other job without a string `id`, a string `title` or an http(s) `jobUrl`, or with a field of the wrong
 *   type, is skipped with one error naming it; the other jobs are returned;
 * - the salary is the first `Salary` component of the compensation summary (else of the tiers); equity and
 *   bonus components are not salaries.
 */
export const ashbyApi: SourceApi = {
  type: "ashby",
  listsWholeBoard: true,
  start: (board) => [
    {
      url: `${(board.baseUrl ?? PUBLIC_HOST).replace(/\/+$/, "")}/posting-api/job-board/${encodeURIComponent(boardName(board))}?includeCompensation=true`,
      label: "list"
    }
  ],
  parse: (body, request, board) => {
    const list = decodeBody(JobBoard, body)
    if (Either.isLeft(list)) return { postings: [], next: [], errors: [`ashby: ${request.url}: ${list.left}`] }
    const items = list.right.jobs
    const postings: Array<ApiPosting> = []
    const errors: Array<string> = []
    items.forEach((item, i) => {
      if (typeof item === "object" && item !== null && "isListed" in item && item.isListed === false) return
      const job = Schema.decodeUnknownEither(Job, { errors: "all" })(item)
      if (Either.isLeft(job)) {
        errors.push(`ashby: ${request.url}: job ${i + 1} of ${items.length}${idHint(item)} skipped: ${issues(job.left)}`)
        return
      }
      postings.push({ externalId: job.right.id, url: job.right.jobUrl, fields: fieldsOf(job.right, board), payload: item })
    })
    return { postings, next: [], errors }
  }
}

const PUBLIC_HOST = "https://api.ashbyhq.com"

const boardName = (board: BoardConfig): string => {
  const name = board.board?.trim()
  if (name === undefined || name === "") throw new Error(`ashby source "${board.source}": no job board name (set \`board\`)`)
  return name
}

const Nullable = <A, I>(schema: Schema.Schema<A, I>) => Schema.optional(Schema.NullOr(schema))

const Component = Schema.Struct({
  compensationType: Nullable(Schema.String),
  interval: Nullable(Schema.String),
  currencyCode: Nullable(Schema.String),
  minValue: Nullable(Schema.Number),
  maxValue: Nullable(Schema.Number)
})

const Job = Schema.Struct({
  id: Schema.NonEmptyTrimmedString,
  title: Schema.String,
  jobUrl: HttpUrl,
  location: Nullable(Schema.String),
  secondaryLocations: Nullable(Schema.Array(Schema.Struct({ location: Nullable(Schema.String) }))),
  isRemote: Nullable(Schema.Boolean),
  workplaceType: Nullable(Schema.String),
  descriptionHtml: Nullable(Schema.String),
  descriptionPlain: Nullable(Schema.String),
  publishedAt: Nullable(Schema.String),
  employmentType: Nullable(Schema.String),
  compensation: Nullable(
    Schema.Struct({
      summaryComponents: Nullable(Schema.Array(Component)),
      compensationTiers: Nullable(Schema.Array(Schema.Struct({ components: Nullable(Schema.Array(Component)) })))
    })
  )
})
type Job = typeof Job.Type

const JobBoard = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })

const fieldsOf = (job: Job, board: BoardConfig): RawFields => {
  const locations = [job.location, ...(job.secondaryLocations ?? []).map((s) => s.location)].flatMap((l) => text(l) ?? [])
  const employmentType = text(job.employmentType)
  return compact({
    title: job.title,
    company: board.board,
    description: text(job.descriptionHtml) ?? text(job.descriptionPlain),
    locations: locations.length > 0 ? [...new Set(locations)] : undefined,
    remote: job.isRemote ?? WORKPLACE_REMOTE.get(job.workplaceType ?? ""),
    employmentType: employmentType === undefined ? undefined : [employmentType],
    datePosted: text(job.publishedAt),
    salary: salaryOf(job)
  })
}

/** Read only when `isRemote` is missing; a hybrid job is not remote. */
const WORKPLACE_REMOTE: ReadonlyMap<string, boolean> = new Map([["Remote", true], ["OnSite", false], ["Hybrid", false]])

const salaryOf = (job: Job): RawFields["salary"] => {
  const compensation = job.compensation ?? {}
  const components = [
    ...(compensation.summaryComponents ?? []),
    ...(compensation.compensationTiers ?? []).flatMap((tier) => tier.components ?? [])
  ]
  const salary = components.find(
    (c) => c.compensationType === "Salary" && (typeof c.minValue === "number" || typeof c.maxValue === "number")
  )
  return salary === undefined
    ? undefined
    : compact({ min: salary.minValue ?? undefined, max: salary.maxValue ?? undefined, currency: text(salary.currencyCode), unit: text(salary.interval) })
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
    Either.mapLeft((e) => `the body is not a job board (${issues(e)}); it starts with ${quote(body)}`)
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
