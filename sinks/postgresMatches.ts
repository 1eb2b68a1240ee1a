import { Effect, Either } from "effect"
import { deadLetter, decode, Topics, type Envelope } from "../schemas/Envelope.js"
import type { Match } from "../schemas/Seeker.js"
import type { Stage } from "../stack/stage.js"
import { Postgres, type PostgresError } from "../stack/Postgres.js"

/**
 * `jobs.scored` -> the `matches` table, one statement per batch. A match is rewritten only when it is newer
 * than the stored one, so a replay (or a late, older score) changes nothing; `rescored_count` counts the real
 * re-scores.
 */
export const postgresMatches: Stage<PostgresError, Postgres> = {
  name: "matches",
  groupId: "jobstream.sink.matches",
  topics: [Topics.scored.name],
  handle: (batch) =>
    Effect.gen(function* () {
      const db = yield* Postgres
      const latest = new Map<string, Match>()
      const rejected: Array<Envelope> = []
      for (const record of batch) {
        const decoded = decode(Topics.scored, record)
        if (Either.isLeft(decoded)) {
          rejected.push(deadLetter("matches", `DecodeError: ${decoded.left.reason}`, record))
          continue
        }
        const match = decoded.right
        const key = `${match.seekerId}\u0000${match.jobId}`
        const seen = latest.get(key)
        if (!seen || seen.scoredAt <= match.scoredAt) latest.set(key, match)
      }
      if (latest.size > 0) yield* db.query(upsert, [JSON.stringify([...latest.values()].map(matchRow))])
      return rejected
    })
}

const matchRow = (m: Match) => ({
  job_id: m.jobId,
  seeker_id: m.seekerId,
  score: m.score,
  decision: m.decision,
  components: m.components,
  explanation: m.explanation,
  resume_id: m.resumeId,
  model: m.model,
  scored_at: m.scoredAt
})

// A match for a seeker deleted meanwhile has no seeker row to join: it is dropped, not an error.
const upsert = `
INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
SELECT r.job_id, r.seeker_id, r.score, r.decision, r.components, r.explanation, r.resume_id, r.model, r.scored_at
FROM jsonb_to_recordset($1::jsonb) AS r(job_id text, seeker_id text, score integer, decision text, components jsonb,
  explanation jsonb, resume_id text, model text, scored_at timestamptz)
JOIN seekers s USING (seeker_id)
ON CONFLICT (seeker_id, job_id) DO UPDATE SET
  score = excluded.score, decision = excluded.decision, components = excluded.components,
  explanation = excluded.explanation, resume_id = excluded.resume_id, model = excluded.model,
  scored_at = excluded.scored_at, rescored_count = matches.rescored_count + 1, written_at = now()
WHERE matches.scored_at < excluded.scored_at`
