import { Schema } from "effect"
import { ApprovedDrafts } from "./Draft.js"
import type { TopicDef } from "./Envelope.js"
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

// ---------------------------------------------------------------------------------------------------------------
// The review desk (pipelines/ReviewDesk.ts): tasks, their events, and the approvals apply bots consume.

/** What a task is about: a seeker x job match the scorer left for review, or two postings dedup could not call. */
export const TaskKind = Schema.Literal("match", "dedup").annotations({ identifier: "TaskKind" })
export type TaskKind = typeof TaskKind.Type

/** Why a reviewer rejected a match: a closed set, for analytics, and a free-text note beside it. */
export const RejectReason = Schema.Literal(
  "skills_mismatch",
  "seniority_mismatch",
  "location_mismatch",
  "salary_mismatch",
  "company_or_industry",
  "posting_quality",
  "already_applied",
  "other"
).annotations({ identifier: "RejectReason" })
export type RejectReason = typeof RejectReason.Type

/**
 * How a task ended. Decided by a person: approved or rejected (a match), merged or distinct (a dedup pair).
 * Closed by the scorer: the match rose to auto-approve or fell below review, or its seeker or job is gone.
 */
export const TaskOutcome = Schema.Literal(
  "approved",
  "rejected",
  "merged",
  "distinct",
  "auto_approved",
  "below_review",
  "withdrawn"
).annotations({ identifier: "TaskOutcome" })
export type TaskOutcome = typeof TaskOutcome.Type

/** Every step of a task and of a reviewer's standing, as published on `reviews.events`. */
export const ReviewEventType = Schema.Literal(
  "created",
  "updated",
  "assigned",
  "warned",
  "missed",
  "released",
  "decided",
  "closed",
  "strike",
  "locked",
  "unlocked"
).annotations({ identifier: "ReviewEventType" })
export type ReviewEventType = typeof ReviewEventType.Type

export const ReviewEvent = Schema.Struct({
  eventId: Schema.String,
  type: ReviewEventType,
  at: Timestamp,
  /** Null for a reviewer's own events (locked, unlocked). */
  taskId: Schema.NullOr(Schema.String),
  kind: Schema.NullOr(TaskKind),
  /** The reviewer the step concerns: assigned, warned, missed, released, decided, strike, locked, unlocked. */
  reviewerId: Schema.NullOr(Schema.String),
  seekerId: Schema.NullOr(Schema.String),
  jobId: Schema.NullOr(Schema.String),
  /** The job's source, for KPIs by source. */
  source: Schema.NullOr(Schema.String),
  score: Schema.NullOr(Schema.Number),
  outcome: Schema.NullOr(TaskOutcome),
  /** decided and closed: how long the task waited, from creation. */
  waitMs: Schema.NullOr(Schema.Int),
  /** strike, locked: the reviewer's strikes now. */
  strikes: Schema.NullOr(Schema.Int)
}).annotations({ identifier: "ReviewEvent", description: "One step of a review task or of a reviewer's standing" })
export type ReviewEvent = typeof ReviewEvent.Type

export const ReviewEventsTopic: TopicDef<ReviewEvent, typeof ReviewEvent.Encoded> = {
  name: "reviews.events",
  partitions: 3,
  schema: ReviewEvent,
  schemaName: "jobstream.ReviewEvent",
  schemaVersion: 1,
  // A task's steps in order; a reviewer's own events with the reviewer's.
  key: (e) => e.taskId ?? `reviewer:${e.reviewerId}`,
  eventId: (e) => e.eventId
}

/** Who approved an application: the scorer on its own, a reviewer at the desk, or the seeker deciding their own match. */
export const Approval = Schema.Struct({
  by: Schema.Literal("auto", "reviewer", "seeker"),
  reviewerId: Schema.NullOr(Schema.String),
  taskId: Schema.NullOr(Schema.String)
}).annotations({ identifier: "Approval" })

/**
 * What an apply bot needs to apply: published on `applications.approved`, keyed by seeker, once per seeker x job
 * (the event id is derived from the pair, so a re-score that approves again repeats it and consumers drop it).
 */
export const ApprovedApplication = Schema.Struct({
  eventId: Schema.String,
  approvedAt: Timestamp,
  approval: Approval,
  /**
   * Ids only (version 2; version 1 carried the seeker's name and email): the topic keeps every message until its
   * retention drops it, so a seeker who is erased would have stayed on it. The bot fetches the contact it applies
   * with from `contactPath` with a staff key, as it fetches the resume; an erased seeker's is a 404.
   */
  seeker: Schema.Struct({ seekerId: Schema.String, contactPath: Schema.String }),
  job: Schema.Struct({
    jobId: Schema.String,
    title: Schema.String,
    company: Schema.String,
    source: Schema.String,
    /** The posting's page. */
    url: Schema.String,
    /** Where to apply: the posting's page, as sources give no separate apply link today. */
    applyUrl: Schema.String
  }),
  resume: Schema.Struct({
    resumeId: Schema.String,
    /** The API path that serves the resume's text to a service key: `GET` it with `Authorization: Bearer <key>`. */
    fetchPath: Schema.String
  }),
  score: Schema.Int,
  explanation: Schema.Struct({
    matchedSkills: Schema.Array(Schema.String),
    missingMustHaves: Schema.Array(Schema.String),
    missingSkills: Schema.Array(Schema.String),
    constraints: Schema.Array(Schema.Unknown)
  }),
  /**
   * Version 3: the drafts for this application (schemas/Draft.ts): the approved resume's lines to lead with and the
   * skills it implies, by line number, the posting's contact, and where to fetch the cover letter and the outreach
   * message in full (they quote the resume and sign with the seeker's name, which no topic carries).
   */
  drafts: ApprovedDrafts
}).annotations({ identifier: "ApprovedApplication", description: "An application approved to be sent, for apply bots" })
export type ApprovedApplication = typeof ApprovedApplication.Type

export const ApprovedApplicationsTopic: TopicDef<ApprovedApplication, typeof ApprovedApplication.Encoded> = {
  name: "applications.approved",
  partitions: 3,
  schema: ApprovedApplication,
  schemaName: "jobstream.ApprovedApplication",
  // 3: `drafts`, which a version 2 reader would refuse (its JSON Schema allows no other property).
  schemaVersion: 3,
  key: (a) => a.seeker.seekerId,
  eventId: (a) => a.eventId
}

/** `POST /staff`: a reviewer or ops-admin account; the answer carries its API key, shown this once. */
export const NewStaff = Schema.Struct({
  name: Text.pipe(Schema.minLength(1), Schema.maxLength(200)),
  role: Schema.Literal("reviewer", "ops"),
  /** How many tasks the reviewer may hold at once (default 1). */
  maxActive: Schema.optional(Schema.Int.pipe(Schema.between(1, 100)))
}).annotations({ identifier: "NewStaff" })
export type NewStaff = typeof NewStaff.Type

/**
 * `POST /desk/tasks/:taskId/decision`. A match is approved (optionally with a resume the reviewer picks from the
 * seeker's or pastes for this job) or rejected with a reason; a dedup pair is merged or kept distinct; a reviewer
 * may release a task back to the queue, without a strike.
 */
export const TaskDecision = Schema.Union(
  Schema.Struct({
    action: Schema.Literal("approve"),
    resumeId: Schema.optional(Text.pipe(Schema.minLength(1), Schema.maxLength(100))),
    resumeText: Schema.optional(Text.pipe(Schema.minLength(1), Schema.maxLength(200_000)))
  }),
  Schema.Struct({ action: Schema.Literal("reject"), reason: RejectReason, note: Schema.optional(Text.pipe(Schema.maxLength(2000))) }),
  Schema.Struct({ action: Schema.Literal("release") }),
  Schema.Struct({ action: Schema.Literal("merge") }),
  Schema.Struct({ action: Schema.Literal("distinct") })
).annotations({ identifier: "TaskDecision" })
export type TaskDecision = typeof TaskDecision.Type
