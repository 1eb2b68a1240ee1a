import { Schema } from "effect"
import { Text, Timestamp } from "./common.js"

/** `GET /reviews/pending` query string: at most `limit` jobs (default 50), optionally of one source. */
export const PendingReviewsQuery = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500))),
  source: Schema.optional(Text.pipe(Schema.minLength(1), Schema.maxLength(200)))
}).annotations({ identifier: "PendingReviewsQuery" })
export type PendingReviewsQuery = typeof PendingReviewsQuery.Type

/**
 * One job that seekers' matches left for a person to decide on. It says how many seekers wait, never who they
 * are: the review queue is for operations, not a view into seekers' data.
 */
export const PendingReview = Schema.Struct({
  jobId: Schema.String,
  title: Schema.String,
  company: Schema.String,
  source: Schema.String,
  seekersWaiting: Schema.Int.pipe(Schema.positive()),
  bestScore: Schema.Int,
  oldestScoredAt: Timestamp
}).annotations({ identifier: "PendingReview" })
export type PendingReview = typeof PendingReview.Type

/** Oldest first; `totalJobs` and `totalReviews` (seeker x job pairs) count the whole queue, not only this page. */
export const PendingReviews = Schema.Struct({
  items: Schema.Array(PendingReview),
  totalJobs: Schema.Int,
  totalReviews: Schema.Int
}).annotations({ identifier: "PendingReviews" })
export type PendingReviews = typeof PendingReviews.Type
