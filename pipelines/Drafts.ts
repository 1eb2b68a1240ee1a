import { Data, Effect, Schema } from "effect"
import { extractContacts } from "../processors/contacts.js"
import { DraftWriter } from "../processors/drafts.js"
import { Postgres } from "../stack/Postgres.js"
import { NoMatch } from "./Feedback.js"

/**
 * A match's drafts (processors/drafts.ts), read with everything they are written from: the seeker's name, the
 * resume, the job and its contacts, what the scorer recorded. The seeker's own (`GET
 * /seekers/:seekerId/matches/:jobId/drafts`) use the resume the match was scored with; an approved application's
 * (`GET /desk/seekers/:seekerId/jobs/:jobId/drafts`, the `drafts.fetchPath` of `applications.approved`) the resume
 * that was approved.
 */

/** No approval for this seeker x job (or the seeker was erased): 404. */
export class ApprovalNotFound extends Data.TaggedError("ApprovalNotFound")<{ readonly seekerId: string; readonly jobId: string }> {
  override get message() {
    return `no approved application of seeker ${this.seekerId} for job ${this.jobId}`
  }
}

const DraftRow = Schema.Struct({
  seeker_name: Schema.String,
  resume_id: Schema.String,
  resume_text: Schema.String,
  job_id: Schema.String,
  title: Schema.String,
  company: Schema.String,
  url: Schema.String,
  description: Schema.String,
  source_type: Schema.String,
  score: Schema.Number,
  matched_skills: Schema.Array(Schema.String)
})

/** `resume`: the SQL expression of the resume id to write from, over `m` (matches) and `a` (approvals). */
const read = (seekerId: string, jobId: string, resume: "m.resume_id" | "a.resume_id") =>
  Effect.flatMap(Postgres, (db) =>
    db.rows(
      DraftRow,
      `SELECT s.name AS seeker_name, r.resume_id, r.body AS resume_text, j.job_id, j.title, j.company, j.url, j.description,
              j.source_type, m.score, coalesce(m.explanation -> 'matchedSkills', '[]') AS matched_skills
       FROM matches m JOIN seekers s USING (seeker_id) JOIN jobs j USING (job_id)
       ${resume === "a.resume_id" ? "JOIN approvals a ON a.seeker_id = m.seeker_id AND a.job_id = m.job_id" : ""}
       JOIN resumes r ON r.resume_id = ${resume}
       WHERE m.seeker_id = $1 AND m.job_id = $2`,
      [seekerId, jobId]
    )
  )

const write = (row: typeof DraftRow.Type) =>
  Effect.flatMap(DraftWriter, (writer) =>
    writer.draft({
      seekerName: row.seeker_name,
      resumeId: row.resume_id,
      resumeText: row.resume_text,
      job: { jobId: row.job_id, title: row.title, company: row.company, url: row.url, description: row.description },
      match: { score: row.score, matchedSkills: row.matched_skills },
      contacts: extractContacts({ description: row.description, sourceType: row.source_type })
    })
  )

/** The seeker's drafts for their match with `jobId`; NoMatch (404) when they have none. */
export const matchDrafts = (seekerId: string, jobId: string) =>
  Effect.gen(function* () {
    const [row] = yield* read(seekerId, jobId, "m.resume_id")
    if (!row) return yield* new NoMatch({ seekerId, jobId })
    return yield* write(row)
  }).pipe(Effect.withSpan("Drafts.matchDrafts"))

/** The drafts of an approved application, from the approved resume; ApprovalNotFound (404) when there is none. */
export const approvedDrafts = (seekerId: string, jobId: string) =>
  Effect.gen(function* () {
    const [row] = yield* read(seekerId, jobId, "a.resume_id")
    if (!row) return yield* new ApprovalNotFound({ seekerId, jobId })
    return yield* write(row)
  }).pipe(Effect.withSpan("Drafts.approvedDrafts"))
