import { Data, Effect, Schema } from "effect"
import type { JobCluster, JobListing } from "../schemas/Api.js"
import { Duplicate, type Job } from "../schemas/Job.js"
import { extractContacts } from "../processors/contacts.js"
import { Postgres } from "../stack/Postgres.js"
import { jobAnd, jobSelectList } from "../stack/jobsTable.js"

/** No job, canonical or duplicate, has this id (404). */
export class JobNotFound extends Data.TaggedError("JobNotFound")<{ readonly message: string }> {}

/** What to select from `jobs` for `listingsOf`, and what its columns besides the job's decode as. */
export const listingSelectList = `${jobSelectList}, closed_at`
export const ListingColumns = Schema.Struct({ closed_at: Schema.NullOr(Schema.DateFromSelf) })

/**
 * Canonical jobs as the API shows them, from rows selected with `listingSelectList`: each with every place it
 * appears (its own posting first, then the postings found to duplicate it, in the order they were found), when
 * it closed, and the contacts its description states. One query for a whole page.
 */
export const listingsOf = (rows: ReadonlyArray<{ readonly job: Job; readonly more: typeof ListingColumns.Type }>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return []
    const db = yield* Postgres
    const ids = rows.map((r) => r.job.jobId)
    const copies = yield* db.rows(
      Copy,
      `SELECT duplicate_of, job_id, source, url, reason, similarity FROM job_duplicates
       WHERE duplicate_of = ANY($1::text[]) AND url IS NOT NULL ORDER BY detected_at, job_id`,
      [ids]
    )
    return rows.map(({ job, more }): JobListing => ({
      ...job,
      appearsAt: [
        { jobId: job.jobId, source: job.source, url: job.url, reason: "canonical", similarity: 1 },
        ...copies
          .filter((c) => c.duplicate_of === job.jobId)
          .map((c) => ({ jobId: c.job_id, source: c.source, url: c.url, reason: c.reason, similarity: c.similarity }))
      ],
      closedAt: more.closed_at?.toISOString() ?? null,
      contacts: extractContacts(job)
    }))
  })

/** `GET /jobs/:jobId`: the id of any posting of a job leads to the canonical job. */
export const clusterOf = (jobId: string) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const [row] = yield* db.rows(
      Listing,
      `SELECT ${listingSelectList} FROM jobs
       WHERE job_id = coalesce((SELECT duplicate_of FROM job_duplicates WHERE job_id = $1), $1)`,
      [jobId]
    )
    if (!row) return yield* Effect.fail(new JobNotFound({ message: `no job or posting has the id ${jobId}` }))
    const [job] = yield* listingsOf([row])
    const links = yield* db.rows(
      Schema.Struct({ job_id: Schema.String, repost_of: Schema.NullOr(Schema.String) }),
      "SELECT job_id, repost_of FROM dedup_entries WHERE job_id = $1 OR repost_of = $1 ORDER BY seq",
      [job!.jobId]
    )
    const reviews = yield* db.rows(
      Schema.Struct({ job_id: Schema.String, candidate_id: Schema.String, similarity: Schema.Number, status: Schema.String }),
      `SELECT job_id, candidate_id, similarity, status FROM dedup_reviews
       WHERE job_id = $1 OR candidate_id = $1 ORDER BY flagged_at, job_id`,
      [job!.jobId]
    )
    return {
      job: job!,
      repostOf: links.find((l) => l.job_id === job!.jobId)?.repost_of ?? null,
      repostedAs: links.filter((l) => l.repost_of === job!.jobId).map((l) => l.job_id),
      reviews: reviews.map((r) => ({ jobId: r.job_id, candidateId: r.candidate_id, similarity: r.similarity, status: r.status }))
    } satisfies JobCluster
  })

const Listing = jobAnd(ListingColumns)

/** A posting found to duplicate a listed job; `similarity` is a double precision, which pg reads as a number. */
const Copy = Schema.Struct({
  duplicate_of: Schema.String,
  job_id: Schema.String,
  source: Schema.String,
  url: Schema.String,
  reason: Duplicate.fields.reason,
  similarity: Schema.Number
})
