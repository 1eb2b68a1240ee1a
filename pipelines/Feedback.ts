import { randomUUID } from "node:crypto"
import { Data, Effect, Schema } from "effect"
import { encode, Topics } from "../schemas/Envelope.js"
import type { ApplicationStatus } from "../schemas/Application.js"
import type { SeekerEvent } from "../schemas/Seeker.js"
import { backgroundLabel, describeLearned, learnedFor, modelFeatures, train } from "../processors/matching/feedbackModel.js"
import { readLabels } from "../processors/feedbackStore.js"
import { textFeatures } from "../processors/matching/features.js"
import { COMPONENTS, GLOBAL_CALIBRATION } from "../processors/matching/weights.js"
import { enqueue } from "../stack/outbox.js"
import type { Sql } from "../stack/Postgres.js"

/**
 * Decisions as labels for the seeker's own model (processors/matching/feedbackModel.ts). Each decision about a
 * match, a reviewer's approve or reject, the seeker's thumbs, an application's outcome, is written as the
 * seeker's one label for that job (the latest decision wins), with the features of the job and the hybrid score
 * the scorer gave it. The seeker's model is then trained again on all their labels, stored, and a
 * `feedback_learned` event on `seekers.events` (through the outbox, in the same transaction) has the scorer
 * re-score the seeker's recent jobs with it.
 */

export type FeedbackKind = "approved" | "rejected" | "thumbs_up" | "thumbs_down" | "interview" | "offer" | "screening_rejected"

const relevantKinds: ReadonlySet<FeedbackKind> = new Set(["approved", "thumbs_up", "interview", "offer"])
/** Rejected at screening says less about the job than a decision does. */
const weightOf = (kind: FeedbackKind) => (kind === "screening_rejected" ? 0.5 : 1)

/** The label an application's move gives: an interview or an offer relevant, a rejection at screening weakly not. */
export const applicationOutcome = (from: ApplicationStatus, to: ApplicationStatus): FeedbackKind | null =>
  to === "interview" ? "interview" : to === "offer" ? "offer" : to === "rejected" && from === "screening" ? "screening_rejected" : null

/** No match of this seeker for this job: there is nothing scored to learn from. */
export class NoMatch extends Data.TaggedError("NoMatch")<{ readonly seekerId: string; readonly jobId: string }> {
  override get message() {
    return `no match of yours for job ${this.jobId}`
  }
}

const MatchRow = Schema.Struct({
  job_id: Schema.String,
  title: Schema.String,
  description: Schema.String,
  score: Schema.Number,
  components: Schema.Record({ key: Schema.String, value: Schema.Number }),
  learned: Schema.NullOr(Schema.Number),
  hybrid: Schema.NullOr(Schema.Number)
})

const selectMatches = `SELECT m.job_id, j.title, j.description, m.score, m.components,
    (m.explanation -> 'learned' ->> 'points')::float8 AS learned, (m.explanation ->> 'hybrid')::float8 AS hybrid
  FROM matches m JOIN jobs j USING (job_id)`

/** Undecided matches, the most recently scored, that join a seeker's training as background labels. */
const backgroundMatches = 100

const featuresOf = (match: typeof MatchRow.Type) =>
  modelFeatures(
    textFeatures(match),
    COMPONENTS.map((c) => match.components[c] ?? NaN)
  )

/**
 * The hybrid score before calibration and the seeker's model: the model learns on top of it. A match scored before
 * scores were calibrated had it as its score, learned points aside.
 */
const hybridOf = (match: typeof MatchRow.Type) => match.hybrid ?? Math.min(100, Math.max(0, match.score - (match.learned ?? 0)))

export interface Learning {
  /** Labels the seeker's model is trained on now. */
  readonly labels: number
  /** What the model learned that bears on this job, in words. */
  readonly reasons: ReadonlyArray<string>
}

/**
 * Records `kind` for the seeker's match with `jobId` and retrains their model, in `tx`. Fails with NoMatch when
 * the seeker has no match for the job.
 */
export const recordFeedback = (tx: Sql, seekerId: string, jobId: string, kind: FeedbackKind) =>
  Effect.gen(function* () {
    const [match] = yield* tx.rows(MatchRow, `${selectMatches} WHERE m.seeker_id = $1 AND m.job_id = $2`, [seekerId, jobId])
    if (!match) return yield* new NoMatch({ seekerId, jobId })
    const features = featuresOf(match)
    const score = hybridOf(match)
    yield* tx.query(
      `INSERT INTO match_feedback (seeker_id, job_id, kind, relevant, weight, features, score)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (seeker_id, job_id) DO UPDATE
       SET kind = EXCLUDED.kind, relevant = EXCLUDED.relevant, weight = EXCLUDED.weight, features = EXCLUDED.features,
           score = EXCLUDED.score, at = now()`,
      [seekerId, jobId, kind, relevantKinds.has(kind), weightOf(kind), features, score]
    )
    const labels = yield* readLabels(tx, seekerId)
    const background = yield* tx.rows(
      MatchRow,
      `${selectMatches}
       WHERE m.seeker_id = $1 AND NOT EXISTS (SELECT 1 FROM match_feedback f WHERE f.seeker_id = m.seeker_id AND f.job_id = m.job_id)
       ORDER BY m.scored_at DESC, m.job_id LIMIT $2`,
      [seekerId, backgroundMatches]
    )
    const model = train(
      [...labels, ...background.map((m) => backgroundLabel(GLOBAL_CALIBRATION, m.job_id, featuresOf(m), hybridOf(m)))],
      GLOBAL_CALIBRATION
    )
    yield* tx.query(
      `INSERT INTO seeker_models (seeker_id, model, labels, version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (seeker_id) DO UPDATE SET model = EXCLUDED.model, labels = EXCLUDED.labels, version = EXCLUDED.version, trained_at = now()`,
      [seekerId, JSON.stringify(model), labels.length, randomUUID()]
    )
    const event: SeekerEvent = { eventId: randomUUID(), seekerId, type: "feedback_learned", resumeId: null, at: new Date().toISOString() }
    yield* enqueue(tx, [encode(Topics.seekerEvents, event)])
    return { labels: labels.length, reasons: learnedFor(model, labels, features).map(describeLearned) } satisfies Learning
  })
