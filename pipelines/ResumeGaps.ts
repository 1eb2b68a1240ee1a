import { Effect, Schema } from "effect"
import { Postgres } from "../stack/Postgres.js"

/** `GET /seekers/:seekerId/gaps?limit=`: how many of the seeker's best matches to read (default 50). */
export const GapsQuery = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200)))
})

const GapRow = Schema.Struct({
  skill: Schema.String,
  required: Schema.Number,
  jobs: Schema.Number,
  examples: Schema.Array(Schema.Struct({ jobId: Schema.String, title: Schema.String, company: Schema.String }))
})

/** How many gaps the answer lists, and how many example jobs each. */
const shown = { gaps: 15, examples: 3 }

/**
 * The skills most often missing from the seeker's best matches (open jobs, not rejected, the `limit` best by
 * score): how many of them require it (a must-have the resume lacks) and how many ask for it at all, with the
 * best-scoring jobs as examples. Read from the explanations the scorer stored, so it says only what the resume
 * does not show; whether the seeker has the skill is theirs to say.
 */
export const resumeGaps = (seekerId: string, limit: number) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const [considered] = yield* db.rows(
      Schema.Struct({ n: Schema.Number }),
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM matches m JOIN jobs j USING (job_id)
         WHERE m.seeker_id = $1 AND j.closed_at IS NULL AND m.decision <> 'reject' LIMIT $2) best`,
      [seekerId, limit]
    )
    const gaps = yield* db.rows(
      GapRow,
      `WITH best AS (
         SELECT m.job_id, m.score, m.explanation, j.title, j.company
         FROM matches m JOIN jobs j USING (job_id)
         WHERE m.seeker_id = $1 AND j.closed_at IS NULL AND m.decision <> 'reject'
         ORDER BY m.score DESC, m.job_id LIMIT $2
       ), missing AS (
         SELECT skill, true AS required, job_id, score, title, company
         FROM best, jsonb_array_elements_text(explanation -> 'missingMustHaves') AS skill
         UNION ALL
         SELECT skill, false, job_id, score, title, company
         FROM best, jsonb_array_elements_text(explanation -> 'missingSkills') AS skill
       )
       SELECT skill, count(*) FILTER (WHERE required)::int AS required, count(*)::int AS jobs,
         to_jsonb((array_agg(jsonb_build_object('jobId', job_id, 'title', title, 'company', company) ORDER BY score DESC, job_id))[1:$3]) AS examples
       FROM missing GROUP BY skill
       ORDER BY required DESC, jobs DESC, skill
       LIMIT $4`,
      [seekerId, limit, shown.examples, shown.gaps]
    )
    return {
      matchesConsidered: considered?.n ?? 0,
      gaps,
      note: "Skills your best matches ask for that your resume does not show. Add the ones you have; leave out the ones you do not."
    }
  })
