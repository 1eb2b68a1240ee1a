import { Effect, Schema } from "effect"
import { emptyModel, type Label, type SeekerModel } from "./matching/feedbackModel.js"
import type { Sql } from "../stack/Postgres.js"

// A seeker's labels and model as PostgreSQL keeps them (migration 008): read by the scorer to score, and by the
// API to retrain after a decision (pipelines/Feedback.ts).

const LabelRow = Schema.Struct({
  job_id: Schema.String,
  features: Schema.Array(Schema.String),
  score: Schema.Number,
  relevant: Schema.Boolean,
  weight: Schema.Number
})

const ModelRow = Schema.Struct({
  model: Schema.Struct({
    bias: Schema.Number,
    weights: Schema.Record({ key: Schema.String, value: Schema.Number }),
    labels: Schema.Number,
    positives: Schema.Number
  }),
  version: Schema.String
})

/** Every label of the seeker, in job id order (training does not depend on the order; this keeps it stable). */
export const readLabels = (sql: Pick<Sql, "rows">, seekerId: string) =>
  Effect.map(
    sql.rows(LabelRow, "SELECT job_id, features, score, relevant, weight FROM match_feedback WHERE seeker_id = $1 ORDER BY job_id", [seekerId]),
    (rows) => rows.map((r): Label => ({ jobId: r.job_id, features: r.features, score: r.score, relevant: r.relevant ? 1 : 0, weight: r.weight }))
  )

/** The seeker's model and its version; the empty model (and no version) before their first decision. */
export const readModel = (sql: Pick<Sql, "rows">, seekerId: string) =>
  Effect.map(
    sql.rows(ModelRow, "SELECT model, version FROM seeker_models WHERE seeker_id = $1", [seekerId]),
    ([row]): { model: SeekerModel; version: string } => row ?? { model: emptyModel, version: "" }
  )
