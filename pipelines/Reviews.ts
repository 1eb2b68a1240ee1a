import { Effect, Schema } from "effect"
import type { PendingReviews, PendingReviewsQuery } from "../schemas/Review.js"
import { Postgres } from "../stack/Postgres.js"

/**
 * The manual-review queue: the matches the scorer left for a person and nobody has decided yet (the desk's
 * open tasks, and matches its intake has not reached yet), per job. Read by `GET /reviews/pending`
 * and by the Grafana dashboard.
 */

/** The counts are cast to int in the statement, so pg reads them as numbers. */
const PendingRow = Schema.Struct({
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  source: Schema.String,
  seekers_waiting: Schema.Number,
  best_score: Schema.Number,
  oldest_scored_at: Schema.DateFromSelf,
  total_jobs: Schema.Number,
  total_reviews: Schema.Number
})

/**
 * The queue, oldest first: the job whose first seeker has waited longest heads it. `$1` is the limit, `$2` the
 * source or NULL for all. The Grafana dashboard runs the same statement.
 */
export const pendingReviewsSql = `WITH pending AS (
  SELECT m.job_id, count(*)::int AS seekers_waiting, max(m.score)::int AS best_score, min(m.scored_at) AS oldest_scored_at
  FROM matches m
  LEFT JOIN review_tasks t ON t.seeker_id = m.seeker_id AND t.job_id = m.job_id
  WHERE m.decision = 'manual_review' AND (t.status IS NULL OR t.status IN ('pending', 'assigned'))
  GROUP BY m.job_id
)
SELECT p.job_id, j.title, j.company, j.source, p.seekers_waiting, p.best_score, p.oldest_scored_at,
       (count(*) OVER ())::int AS total_jobs, (sum(p.seekers_waiting) OVER ())::int AS total_reviews
FROM pending p JOIN jobs j ON j.job_id = p.job_id
WHERE $2::text IS NULL OR j.source = $2::text
ORDER BY p.oldest_scored_at, p.job_id
LIMIT $1`

export const pendingReviews = (query: PendingReviewsQuery) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const rows = yield* db.rows(PendingRow, pendingReviewsSql, [query.limit ?? 50, query.source ?? null])
    const first = rows[0]
    return {
      items: rows.map((r) => ({
        jobId: r.job_id,
        title: r.title,
        company: r.company,
        source: r.source,
        seekersWaiting: r.seekers_waiting,
        bestScore: r.best_score,
        oldestScoredAt: r.oldest_scored_at.toISOString()
      })),
      totalJobs: first?.total_jobs ?? 0,
      totalReviews: first?.total_reviews ?? 0
    } satisfies PendingReviews
  })
