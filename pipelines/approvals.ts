import { Effect, Schema } from "effect"
import { extractContacts } from "../processors/contacts.js"
import { recipientOf } from "../processors/draftTemplates.js"
import { evidenceOf } from "../processors/resumeEvidence.js"
import type { ApprovedDrafts } from "../schemas/Draft.js"
import { encode, hashId, Topics } from "../schemas/Envelope.js"
import { ApprovedApplication } from "../schemas/Review.js"
import type { Sql } from "../stack/Postgres.js"

export interface Approving {
  readonly seekerId: string
  readonly jobId: string
  readonly resumeId: string
  readonly by: "auto" | "reviewer" | "seeker"
  readonly reviewerId: string | null
  readonly taskId: string | null
}

const ApprovalRow = Schema.Struct({
  seeker_id: Schema.String,
  job_id: Schema.String,
  approved_by: Schema.Literal("auto", "reviewer", "seeker"),
  reviewer_id: Schema.NullOr(Schema.String),
  task_id: Schema.NullOr(Schema.String),
  resume_id: Schema.String,
  event_id: Schema.String,
  approved_at: Schema.DateFromSelf,
  title: Schema.String,
  company: Schema.String,
  source: Schema.String,
  url: Schema.String,
  description: Schema.String,
  source_type: Schema.String,
  resume_text: Schema.String,
  score: Schema.Number,
  explanation: ApprovedApplication.fields.explanation
})

/** The API path that serves a resume's text to a staff key (pipelines/deskRoutes.ts). */
export const resumePath = (resumeId: string) => `/desk/resumes/${encodeURIComponent(resumeId)}`

/** The API path that serves a seeker's contact (name, email) to a staff key (pipelines/deskRoutes.ts). */
export const contactPath = (seekerId: string) => `/desk/seekers/${encodeURIComponent(seekerId)}/contact`

/** The API path that serves an approved application's drafts in full to a staff key (pipelines/deskRoutes.ts). */
export const draftsPath = (seekerId: string, jobId: string) =>
  `/desk/seekers/${encodeURIComponent(seekerId)}/jobs/${encodeURIComponent(jobId)}/drafts`

/**
 * What `applications.approved` carries of the drafts: the approved resume's lines to lead with and the skills it
 * implies, by line number, and the posting's contact; the letters' text is at `fetchPath`. Computed here, inside
 * the approval's transaction, because it is pure and quick (the matcher's skill extraction over one resume and one
 * posting, about a millisecond each on 2 busy cores): no endpoint is called inside a transaction, so the letters an LLM may
 * write are fetched, not carried.
 */
const draftsOf = (r: typeof ApprovalRow.Type): ApprovedDrafts => {
  const evidence = evidenceOf(r.resume_text, { title: r.title, description: r.description })
  return {
    fetchPath: draftsPath(r.seeker_id, r.job_id),
    recipient: recipientOf(extractContacts({ description: r.description, sourceType: r.source_type })),
    leadWith: evidence.leadWith.map((b) => ({ line: b.line, skills: b.skills, relevance: b.relevance })),
    impliedSkills: evidence.implied.map((s) => ({
      skill: s.skill,
      required: s.required,
      askedAs: s.askedAs,
      evidence: s.evidence.map((e) => ({ skill: e.skill, line: e.line }))
    }))
  }
}

/**
 * Records approvals and returns their `applications.approved` messages, for the caller's transaction to put in the
 * outbox. A seeker x job approved before is left as it was and yields nothing: one message per pair, whoever
 * approves it again (and the event id is derived from the pair, so even a resent message is recognisable).
 */
export const approvalMessages = (tx: Sql, approving: ReadonlyArray<Approving>) =>
  Effect.gen(function* () {
    if (approving.length === 0) return []
    const recorded = yield* tx.rows(
      ApprovalRow,
      `WITH added AS (
         INSERT INTO approvals (seeker_id, job_id, approved_by, reviewer_id, task_id, resume_id, event_id)
         SELECT a.seeker_id, a.job_id, a.by, a.reviewer_id, a.task_id, a.resume_id, a.event_id
         FROM jsonb_to_recordset($1::jsonb) AS a(seeker_id text, job_id text, by text, reviewer_id text, task_id text,
           resume_id text, event_id text)
         ON CONFLICT (seeker_id, job_id) DO NOTHING
         RETURNING *)
       SELECT added.*, j.title, j.company, j.source, j.url, j.description, j.source_type,
         coalesce(r.body, '') AS resume_text, m.score,
         m.explanation
       FROM added JOIN jobs j USING (job_id)
       JOIN matches m ON m.seeker_id = added.seeker_id AND m.job_id = added.job_id
       LEFT JOIN resumes r ON r.resume_id = added.resume_id`,
      [
        JSON.stringify(
          approving.map((a) => ({
            seeker_id: a.seekerId,
            job_id: a.jobId,
            by: a.by,
            reviewer_id: a.reviewerId,
            task_id: a.taskId,
            resume_id: a.resumeId,
            event_id: hashId("approved", a.seekerId, a.jobId)
          }))
        )
      ]
    )
    return recorded.map((r) =>
      encode(Topics.approved, {
        eventId: r.event_id,
        approvedAt: r.approved_at.toISOString(),
        approval: { by: r.approved_by, reviewerId: r.reviewer_id, taskId: r.task_id },
        seeker: { seekerId: r.seeker_id, contactPath: contactPath(r.seeker_id) },
        job: { jobId: r.job_id, title: r.title, company: r.company, source: r.source, url: r.url, applyUrl: r.url },
        resume: { resumeId: r.resume_id, fetchPath: resumePath(r.resume_id) },
        score: Math.round(r.score),
        explanation: r.explanation,
        drafts: draftsOf(r)
      } satisfies ApprovedApplication)
    )
  })
