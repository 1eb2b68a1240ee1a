import { Data, Effect } from "effect"
import type { JobCluster, JobListing } from "../schemas/Api.js"
import { Postgres } from "../stack/Postgres.js"
import { jobSelectList, rowToJob } from "../stack/jobsTable.js"

/** No job, canonical or duplicate, has this id (404). */
export class JobNotFound extends Data.TaggedError("JobNotFound")<{ readonly message: string }> {}

/** What to select from `jobs` for `listingsOf`. */
export const listingSelectList = `${jobSelectList}, closed_at`

/**
 * Canonical jobs as the API shows them, from rows selected with `listingSelectList`: each with every place it
 * appears (its own posting first, then the postings found to duplicate it, in the order they were found) and when
 * it closed. One query for a whole page.
 */
export const listingsOf = (rows: ReadonlyArray<Record<string, unknown>>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return []
    const db = yield* Postgres
    const jobs = rows.map(rowToJob)
    const ids = jobs.map((j) => j.jobId)
    const copies = yield* db.query<{ duplicate_of: string; job_id: string; source: string; url: string; reason: string; similarity: number }>(
      `SELECT duplicate_of, job_id, source, url, reason, similarity FROM job_duplicates
       WHERE duplicate_of = ANY($1::text[]) AND url IS NOT NULL ORDER BY detected_at, job_id`,
      [ids]
    )
    return jobs.map((job, i): JobListing => ({
      ...job,
      appearsAt: [
        { jobId: job.jobId, source: job.source, url: job.url, reason: "canonical", similarity: 1 },
        ...copies
          .filter((c) => c.duplicate_of === job.jobId)
          .map((c) => ({ jobId: c.job_id, source: c.source, url: c.url, reason: c.reason as JobListing["appearsAt"][number]["reason"], similarity: Number(c.similarity) }))
      ],
      closedAt: rows[i]!.closed_at instanceof Date ? rows[i]!.closed_at.toISOString() : null
    }))
  })

/** `GET /jobs/:jobId`: the id of any posting of a job leads to the canonical job. */
export const clusterOf = (jobId: string) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const [row] = yield* db.query(
      `SELECT ${listingSelectList} FROM jobs
       WHERE job_id = coalesce((SELECT duplicate_of FROM job_duplicates WHERE job_id = $1), $1)`,
      [jobId]
    )
    if (!row) return yield* Effect.fail(new JobNotFound({ message: `no job or posting has the id ${jobId}` }))
    const [job] = yield* listingsOf([row])
    const links = yield* db.query<{ job_id: string; repost_of: string | null }>(
      "SELECT job_id, repost_of FROM dedup_entries WHERE job_id = $1 OR repost_of = $1 ORDER BY seq",
      [job!.jobId]
    )
    const reviews = yield* db.query<{ job_id: string; candidate_id: string; similarity: number; status: string }>(
      `SELECT job_id, candidate_id, similarity, status FROM dedup_reviews
       WHERE job_id = $1 OR candidate_id = $1 ORDER BY flagged_at, job_id`,
      [job!.jobId]
    )
    return {
      job: job!,
      repostOf: links.find((l) => l.job_id === job!.jobId)?.repost_of ?? null,
      repostedAs: links.filter((l) => l.repost_of === job!.jobId).map((l) => l.job_id),
      reviews: reviews.map((r) => ({ jobId: r.job_id, candidateId: r.candidate_id, similarity: Number(r.similarity), status: r.status }))
    } satisfies JobCluster
  })
