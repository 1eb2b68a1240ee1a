import { Schema } from "effect"
import { SalaryPeriod, Text, Timestamp } from "./common.js"

export const SeniorityLevel = Schema.Literal("intern", "junior", "mid", "senior", "staff", "manager").annotations({
  identifier: "SeniorityLevel"
})
export type SeniorityLevel = typeof SeniorityLevel.Type

export const Decision = Schema.Literal("auto_approve", "manual_review", "reject").annotations({ identifier: "Decision" })
export type Decision = typeof Decision.Type

const Required = (max: number) => Text.pipe(Schema.minLength(1), Schema.maxLength(max))
const Score = Schema.Number.pipe(Schema.int(), Schema.between(0, 100))

export const Thresholds = Schema.Struct({
  /** A score (a probability of relevance, in percent) at or above this is approved without a person looking. */
  autoApprove: Score,
  /** A score at or above this (and below `autoApprove`) goes to manual review; below it is rejected. */
  review: Score
}).pipe(
  Schema.filter((t) => t.review <= t.autoApprove || "review must not be above autoApprove"),
  Schema.annotations({ identifier: "Thresholds" })
)
export type Thresholds = typeof Thresholds.Type

/** What a seeker wants; every field optional on input, defaults applied by `withDefaults`. */
export const Preferences = Schema.Struct({
  targetTitles: Schema.optional(Schema.Array(Required(200)).pipe(Schema.maxItems(20))),
  locations: Schema.optional(Schema.Array(Required(200)).pipe(Schema.maxItems(20))),
  remote: Schema.optional(Schema.Literal("remote_only", "remote_ok", "onsite_only")),
  salaryFloor: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        amount: Schema.Number.pipe(Schema.finite(), Schema.positive()),
        currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
        period: SalaryPeriod
      })
    )
  ),
  seniority: Schema.optional(Schema.Array(SeniorityLevel).pipe(Schema.maxItems(6))),
  mustHaveSkills: Schema.optional(Schema.Array(Required(100)).pipe(Schema.maxItems(50))),
  excludedSkills: Schema.optional(Schema.Array(Required(100)).pipe(Schema.maxItems(50))),
  thresholds: Schema.optional(Thresholds)
}).annotations({ identifier: "Preferences" })
export type Preferences = typeof Preferences.Type

export const NewSeeker = Schema.Struct({
  name: Required(200),
  email: Schema.optional(Text.pipe(Schema.pattern(/^[^\s@]{1,64}@[^\s@]{1,255}$/)))
}).annotations({ identifier: "NewSeeker" })

export const SeekerCreated = Schema.Struct({
  seekerId: Schema.String,
  /** Shown once: only its hash is stored. Send it as `Authorization: Bearer <apiKey>`. */
  apiKey: Schema.String
}).annotations({ identifier: "SeekerCreated" })

/**
 * On `seekers.events`, keyed by seeker id: every change that can change the seeker's scores. Ids only: no name,
 * email or resume text, because the topic keeps what it was sent until retention drops it, erasures included.
 */
export const SeekerEvent = Schema.Struct({
  eventId: Schema.String,
  seekerId: Schema.String,
  /**
   * `feedback_learned`: the seeker's own model learned from a new decision, so their matches are scored again.
   * `seeker_erased`: the seeker and everything held about them were deleted (pipelines/SeekerData.ts): the scorer
   * drops them and the ClickHouse sink deletes their rows. Added in version 2.
   */
  type: Schema.Literal("seeker_created", "resume_uploaded", "preferences_updated", "feedback_learned", "seeker_erased"),
  /** The resume that is primary after the change, when there is one. */
  resumeId: Schema.NullOr(Schema.String),
  at: Timestamp
}).annotations({ identifier: "SeekerEvent", description: "A change to a seeker's resume, preferences or learned model, or their erasure" })
export type SeekerEvent = typeof SeekerEvent.Type

/** `PUT /seekers/:seekerId/matches/:jobId/feedback`: the seeker's verdict on a match, relevant to them or not. */
export const MatchFeedback = Schema.Struct({ verdict: Schema.Literal("up", "down") }).annotations({ identifier: "MatchFeedback" })

export const ConstraintNote = Schema.Struct({
  name: Schema.Literal("excluded_skills", "remote", "location", "salary", "seniority", "experience", "must_have_skills"),
  effect: Schema.Literal("filter", "penalty", "ok"),
  detail: Schema.String
}).annotations({ identifier: "ConstraintNote" })
export type ConstraintNote = typeof ConstraintNote.Type

/** On `jobs.scored`, keyed by job id: one job scored for one seeker, with the reasons. */
export const Match = Schema.Struct({
  jobId: Schema.String,
  seekerId: Schema.String,
  /** The job's source (connector), for analytics by source. */
  source: Schema.String,
  /** The probability that the job is relevant to the seeker, in percent: the thresholds are probabilities too. */
  score: Score,
  decision: Decision,
  components: Schema.Record({ key: Schema.String, value: Schema.Number.pipe(Schema.finite()) }),
  explanation: Schema.Struct({
    matchedSkills: Schema.Array(Schema.String),
    missingMustHaves: Schema.Array(Schema.String),
    missingSkills: Schema.Array(Schema.String),
    constraints: Schema.Array(ConstraintNote),
    /**
     * The hybrid score before calibration (0-100, one decimal): the components' weighted mean times 100, minus the
     * constraints' penalty points. `score` is its calibrated probability of relevance (with the seeker's own model
     * added). Absent from matches published before scores were calibrated, whose `score` was the hybrid.
     */
    hybrid: Schema.optional(Schema.Number.pipe(Schema.between(0, 100))),
    /**
     * What the seeker's own model, learned from their decisions, did to this score: the points it added (negative:
     * took off) and what it learned that moved it most ("you turned down 6 jobs that require C++"). Absent while
     * the seeker has made no decision.
     */
    learned: Schema.optional(Schema.Struct({ points: Schema.Number.pipe(Schema.finite()), reasons: Schema.Array(Schema.String) }))
  }),
  /** The resume and embedding model the score was computed with. */
  resumeId: Schema.String,
  model: Schema.String,
  scoredAt: Timestamp,
  /**
   * The rest of what the score was computed from: the job's content hash and a hash of the seeker's resume text
   * and preferences. The same inputs give the same event id, even when the corpus moved the score a little.
   * Absent from matches published before it was added.
   */
  inputs: Schema.optional(
    Schema.Struct({
      jobContentHash: Schema.String,
      seekerBasis: Schema.String
    })
  )
}).annotations({ identifier: "Match", description: "A job scored against a seeker's resume, with the decision" })
export type Match = typeof Match.Type
