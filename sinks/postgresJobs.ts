import { Effect, Either } from "effect"
import type { Duplicate, Job } from "../schemas/Job.js"
import type { PostingLifecycle } from "../schemas/Lifecycle.js"
import { deadLetter, decode, Topics, type DecodeError, type Envelope } from "../schemas/Envelope.js"
import type { InRecord } from "../pipelines/Kafka.js"
import type { Stage } from "../pipelines/stage.js"
import { Postgres, type PostgresError } from "./Postgres.js"

/**
 * `jobs.unique`, `jobs.duplicates` and `jobs.lifecycle` -> PostgreSQL, one transaction per batch. Upserts are keyed
 * by job id and only rewrite a job whose content changed, so a replayed batch changes nothing. A lifecycle event
 * is kept per job (newest wins) and applied to `jobs.closed_at` after the batch's jobs are written, so a job and
 * its closing reach the same state whichever the sink reads first.
 */
export const postgresJobs: Stage<PostgresError, Postgres> = {
  name: "postgres",
  groupId: "jobstream.sink.postgres",
  topics: [Topics.unique.name, Topics.duplicates.name, Topics.lifecycle.name],
  handle: (batch) =>
    Effect.gen(function* () {
      const db = yield* Postgres
      const jobs = new Map<string, Job>()
      const duplicates = new Map<string, Duplicate>()
      const lifecycle = new Map<string, PostingLifecycle>()
      const rejected: Array<Envelope> = []
      for (const record of batch) {
        const outcome = readRecord(record)
        if (Either.isLeft(outcome)) rejected.push(deadLetter("postgres", outcome.left, record))
        else if ("duplicateOf" in outcome.right) duplicates.set(outcome.right.jobId, outcome.right)
        else if ("status" in outcome.right) lifecycle.set(outcome.right.jobId, outcome.right)
        else jobs.set(outcome.right.jobId, outcome.right)
      }
      yield* db.transaction((tx) =>
        Effect.gen(function* () {
          if (jobs.size > 0) yield* tx.query(upsertJobs, [JSON.stringify([...jobs.values()].map(jobRow))])
          if (duplicates.size > 0) yield* tx.query(upsertDuplicates, [JSON.stringify([...duplicates.values()].map(duplicateRow))])
          if (lifecycle.size > 0) yield* tx.query(upsertLifecycle, [JSON.stringify([...lifecycle.values()].map(lifecycleRow))])
          const touched = [...new Set([...jobs.keys(), ...lifecycle.keys()])]
          if (touched.length > 0) yield* tx.query(applyLifecycle, [touched])
        })
      )
      return rejected
    })
}

const readRecord = (record: InRecord): Either.Either<Job | Duplicate | PostingLifecycle, string> => {
  const decoded: Either.Either<Job | Duplicate | PostingLifecycle, DecodeError> =
    record.topic === Topics.duplicates.name
      ? decode(Topics.duplicates, record)
      : record.topic === Topics.lifecycle.name
        ? decode(Topics.lifecycle, record)
        : decode(Topics.unique, record)
  return Either.mapLeft(decoded, (e) => `DecodeError: ${e.reason}`)
}

const jobColumns = [
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

const upsertJobs = `
INSERT INTO jobs (${jobColumns.join(", ")})
SELECT ${jobColumns.join(", ")} FROM jsonb_populate_recordset(NULL::jobs, $1::jsonb)
ON CONFLICT (job_id) DO UPDATE SET
  ${jobColumns.filter((c) => c !== "job_id").map((c) => `${c} = excluded.${c}`).join(",\n  ")},
  updated_at = now()
WHERE jobs.content_hash IS DISTINCT FROM excluded.content_hash`

const duplicateRow = (d: Duplicate) => ({
  job_id: d.jobId,
  duplicate_of: d.duplicateOf,
  source: d.source,
  url: d.url,
  reason: d.reason,
  similarity: d.similarity,
  detected_at: d.detectedAt
})

const upsertDuplicates = `
INSERT INTO job_duplicates (job_id, duplicate_of, source, url, reason, similarity, detected_at)
SELECT job_id, duplicate_of, source, url, reason, similarity, detected_at
FROM jsonb_populate_recordset(NULL::job_duplicates, $1::jsonb)
ON CONFLICT (job_id) DO NOTHING`

const lifecycleRow = (e: PostingLifecycle) => ({ job_id: e.jobId, status: e.status, at: e.at })

const upsertLifecycle = `
INSERT INTO job_lifecycle (job_id, status, at)
SELECT job_id, status, at FROM jsonb_populate_recordset(NULL::job_lifecycle, $1::jsonb)
ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, at = excluded.at
WHERE job_lifecycle.at <= excluded.at`

const applyLifecycle = `
UPDATE jobs SET closed_at = CASE WHEN l.status = 'closed' THEN l.at END
FROM job_lifecycle l
WHERE jobs.job_id = l.job_id AND jobs.job_id = ANY($1::text[])
  AND jobs.closed_at IS DISTINCT FROM (CASE WHEN l.status = 'closed' THEN l.at END)`
