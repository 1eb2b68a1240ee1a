import { Effect, Either } from "effect"
import type { Duplicate, Job } from "../schemas/Job.js"
import type { PostingLifecycle } from "../schemas/Lifecycle.js"
import { deadLetter, decode, Topics, type DecodeError, type Envelope, type Received } from "../schemas/Envelope.js"
import type { Stage } from "../stack/stage.js"
import { jobColumns, jobRow } from "../stack/jobsTable.js"
import { Postgres, type PostgresError } from "../stack/Postgres.js"

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

const readRecord = (record: Received): Either.Either<Job | Duplicate | PostingLifecycle, string> => {
  const decoded: Either.Either<Job | Duplicate | PostingLifecycle, DecodeError> =
    record.topic === Topics.duplicates.name
      ? decode(Topics.duplicates, record)
      : record.topic === Topics.lifecycle.name
        ? decode(Topics.lifecycle, record)
        : decode(Topics.unique, record)
  return Either.mapLeft(decoded, (e) => `DecodeError: ${e.reason}`)
}

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
