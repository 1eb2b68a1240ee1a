import { Effect, ParseResult, Schema } from "effect"
import { Attribution, EmploymentType, SalaryPeriod } from "../schemas/common.js"
import { Job } from "../schemas/Job.js"

/**
 * The \`jobs\` table (migrations/postgres/001_jobs.sql) as a job: its columns, the row a job is written as, and the
 * job a row is read back as. The PostgreSQL sink writes with it; the scorer, search and the API read with it.
 */

/** A `jobs` row as `jobSelectList` selects it and pg reads it: dates as text, timestamps as Dates, jsonb parsed. */
const JobColumns = Schema.Struct({
  job_id: Schema.String,
  source: Schema.String,
  source_type: Schema.String,
  external_id: Schema.String,
  url: Schema.String,
  canonical_url: Schema.String,
  title: Schema.String,
  company: Schema.String,
  company_key: Schema.String,
  locations: Schema.Array(Schema.String),
  remote: Schema.Boolean,
  employment_type: Schema.NullOr(EmploymentType),
  salary_min: Schema.NullOr(Schema.Number),
  salary_max: Schema.NullOr(Schema.Number),
  salary_currency: Schema.NullOr(Schema.String),
  salary_period: Schema.NullOr(SalaryPeriod),
  description: Schema.String,
  requisition_id: Schema.NullOr(Schema.String),
  posted_at: Schema.NullOr(Schema.String),
  valid_through: Schema.NullOr(Schema.String),
  content_hash: Schema.String,
  fetched_at: Schema.DateFromSelf,
  normalized_at: Schema.DateFromSelf,
  attribution: Schema.NullOr(Attribution)
})

type JobColumn = keyof typeof JobColumns.fields

const JobType = Schema.typeSchema(Job)

export const jobColumns = Object.keys(JobColumns.fields) as ReadonlyArray<JobColumn>

export type JobRow = { readonly [K in JobColumn]: unknown }

/** The `jobs` row of a job (migration 001), as JSON for jsonb_populate_recordset. */
export const jobRow = (job: Job): JobRow => ({
  job_id: job.jobId,
  source: job.source,
  source_type: job.sourceType,
  external_id: job.externalId,
  url: job.url,
  canonical_url: job.canonicalUrl,
  title: job.title,
  company: job.company,
  company_key: job.companyKey,
  locations: job.locations,
  remote: job.remote,
  employment_type: job.employmentType,
  salary_min: job.salary?.min ?? null,
  salary_max: job.salary?.max ?? null,
  salary_currency: job.salary?.currency ?? null,
  salary_period: job.salary?.period ?? null,
  description: job.description,
  requisition_id: job.requisitionId,
  posted_at: job.postedAt,
  valid_through: job.validThrough,
  content_hash: job.contentHash,
  fetched_at: job.fetchedAt,
  normalized_at: job.normalizedAt,
  attribution: job.attribution ?? null
})

/**
 * The job a `jobs` row holds, selected with `jobSelectList`: the inverse of `jobRow`, checked against the Job
 * schema, so a row that is no job fails as a RowDecodeError naming the column.
 */
export const JobFromRow = Schema.transformOrFail(JobColumns, JobType, {
  strict: true,
  decode: (r) => toJob(r),
  encode: (job, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, job, "a job is written as jobRow makes it"))
})

/**
 * A `jobs` row with more columns than `jobSelectList`: its job, and the other columns as `more` decodes them (a
 * listing's `closed_at`, a cursor's sort key).
 */
export const jobAnd = <A, I>(more: Schema.Schema<A, I>) => {
  const decodeColumns = ParseResult.decodeUnknown(JobColumns)
  const decodeMore = ParseResult.decodeUnknown(more)
  return Schema.transformOrFail(Schema.Unknown, Schema.Struct({ job: JobType, more: Schema.typeSchema(more) }), {
    strict: true,
    decode: (row) => Effect.all({ job: Effect.flatMap(decodeColumns(row), toJob), more: decodeMore(row) }),
    encode: (pair, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, pair, "a job is written as jobRow makes it"))
  })
}

/** Columns to select for `JobFromRow` and `jobAnd`: dates as text so no time zone shifts them. */
export const jobSelectList = jobColumns
  .map((c) => (c === "posted_at" || c === "valid_through" ? `to_char(${c}, 'YYYY-MM-DD') AS ${c}` : c))
  .join(", ")

/** A job from its columns. A salary is there when its currency is, and then has a period. */
const toJob = (r: typeof JobColumns.Type): Effect.Effect<Job, ParseResult.ParseIssue> => {
  const { salary_currency: currency, salary_period: period } = r
  if (currency !== null && period === null)
    return ParseResult.fail(new ParseResult.Pointer("salary_period", r, new ParseResult.Type(SalaryPeriod.ast, null)))
  return ParseResult.succeed({
    jobId: r.job_id,
    source: r.source,
    sourceType: r.source_type,
    externalId: r.external_id,
    url: r.url,
    canonicalUrl: r.canonical_url,
    title: r.title,
    company: r.company,
    companyKey: r.company_key,
    locations: r.locations,
    remote: r.remote,
    employmentType: r.employment_type,
    salary: currency === null || period === null ? null : { min: r.salary_min, max: r.salary_max, currency, period },
    description: r.description,
    requisitionId: r.requisition_id,
    postedAt: r.posted_at,
    validThrough: r.valid_through,
    contentHash: r.content_hash,
    fetchedAt: r.fetched_at.toISOString(),
    normalizedAt: r.normalized_at.toISOString(),
    ...(r.attribution === null ? {} : { attribution: r.attribution })
  })
}
