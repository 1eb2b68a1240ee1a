import { Either, Schema } from "effect"
import { HttpUrl } from "../../schemas/common.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { compact, decodeBody, decodeItems, failed, isRecord, joinUrl, Nullable, requireBoard, text, where } from "../apiSupport.js"
import type { BoardConfig, SourceApi } from "../SourceApi.js"

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
  start: (board) => {
    const name = encodeURIComponent(requireBoard(board, "ashby", "job board name"))
    return [{ url: joinUrl(board.baseUrl ?? PUBLIC_HOST, `/posting-api/job-board/${name}?includeCompensation=true`), label: "list" }]
  },
  parse: (body, request, board) => {
    const at = where("ashby", request)
    const list = decodeBody(JobBoard, body, "a job board")
    if (Either.isLeft(list)) return failed(`${at}: ${list.left}`)
    const unlisted = (item: unknown) => isRecord(item) && item.isListed === false
    const { decoded, errors } = decodeItems(Job, list.right.value.jobs, { where: at, noun: "job", ignore: unlisted })
    const postings = decoded.map(({ item, value }) => ({
      externalId: value.id,
      url: value.jobUrl,
      fields: fieldsOf(value, board),
      payload: item
    }))
    return { postings, next: [], errors }
  }
}

const PUBLIC_HOST = "https://api.ashbyhq.com"

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
    company: board.company ?? board.board,
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
