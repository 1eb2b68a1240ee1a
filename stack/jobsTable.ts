import type { Job } from "../schemas/Job.js"

/**
 * The \`jobs\` table (migrations/postgres/001_jobs.sql) as a job: its columns, the row a job is written as, and the
 * job a row is read back as. The PostgreSQL sink writes with it; the scorer, search and the API read with it.
 */

export const jobColumns = [
  "job_id", "source", "source_type", "external_id", "url", "canonical_url", "title", "company", "company_key",
  "locations", "remote", "employment_type", "salary_min", "salary_max", "salary_currency", "salary_period",
  "description", "requisition_id", "posted_at", "valid_through", "content_hash", "fetched_at", "normalized_at",
  "attribution"
] as const

export type JobRow = { readonly [K in (typeof jobColumns)[number]]: unknown }

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

/** The job a `jobs` row holds: the inverse of `jobRow`. */
export const rowToJob = (r: Record<string, unknown>): Job => ({
  jobId: String(r.job_id),
  source: String(r.source),
  sourceType: String(r.source_type),
  externalId: String(r.external_id),
  url: String(r.url),
  canonicalUrl: String(r.canonical_url),
  title: String(r.title),
  company: String(r.company),
  companyKey: String(r.company_key),
  locations: r.locations as Array<string>,
  remote: Boolean(r.remote),
  employmentType: (r.employment_type ?? null) as Job["employmentType"],
  salary:
    r.salary_currency === null || r.salary_currency === undefined
      ? null
      : {
          min: r.salary_min === null ? null : Number(r.salary_min),
          max: r.salary_max === null ? null : Number(r.salary_max),
          currency: String(r.salary_currency),
          period: r.salary_period as NonNullable<Job["salary"]>["period"]
        },
  description: String(r.description),
  requisitionId: (r.requisition_id ?? null) as string | null,
  postedAt: (r.posted_at ?? null) as string | null,
  validThrough: (r.valid_through ?? null) as string | null,
  contentHash: String(r.content_hash),
  fetchedAt: new Date(r.fetched_at as string).toISOString(),
  normalizedAt: new Date(r.normalized_at as string).toISOString(),
  ...(r.attribution === null || r.attribution === undefined ? {} : { attribution: r.attribution as Job["attribution"] })
})

/** Columns to select for `rowToJob`: dates as text so no time zone shifts them. */
export const jobSelectList = jobColumns
  .map((c) => (c === "posted_at" || c === "valid_through" ? `to_char(${c}, 'YYYY-MM-DD') AS ${c}` : c))
  .join(", ")
