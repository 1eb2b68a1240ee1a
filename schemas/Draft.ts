import { Schema } from "effect"
import { Contact } from "./Contact.js"

/**
 * Drafts for one seeker x job match (processors/drafts.ts): a cover letter, a message to the posting's contact and
 * suggestions for tailoring the resume. Every draft lists the facts it was written from, each quoting where it
 * came from, so a reader can check that nothing was made up; no draft names a skill the resume does not show.
 */

/**
 * One fact a draft uses. `quote` is verbatim: a line of the resume, a phrase of the posting, or what the matcher
 * recorded for the match (its explanation).
 */
export const DraftFact = Schema.Struct({
  fact: Schema.String,
  source: Schema.Literal("resume", "job", "match"),
  quote: Schema.String
}).annotations({ identifier: "DraftFact" })
export type DraftFact = typeof DraftFact.Type

const written = {
  /** Who wrote the body: the built-in template, or the configured OpenAI-compatible endpoint from the facts. */
  writer: Schema.Literal("template", "llm"),
  /** Set when an endpoint is configured but failed or its text was refused, so the template wrote it: says why. */
  fallbackReason: Schema.NullOr(Schema.String),
  facts: Schema.Array(DraftFact)
}

export const CoverLetter = Schema.Struct({
  subject: Schema.String,
  body: Schema.String,
  ...written
}).annotations({ identifier: "CoverLetter" })
export type CoverLetter = typeof CoverLetter.Type

/**
 * A message to the posting's contact: the person or address with the highest confidence the posting states
 * (processors/contacts.ts), or none: then `recipient` is null, the message is addressed to the hiring team, and
 * `recipientNote` says so.
 */
export const Outreach = Schema.Struct({
  recipient: Schema.NullOr(Contact),
  recipientNote: Schema.NullOr(Schema.String),
  subject: Schema.String,
  body: Schema.String,
  ...written
}).annotations({ identifier: "Outreach" })
export type Outreach = typeof Outreach.Type

/** A line of the resume to lead with for this job: 1-based line number and the line verbatim (trimmed). */
export const LeadBullet = Schema.Struct({
  line: Schema.Int.pipe(Schema.positive()),
  bullet: Schema.String,
  /** The job's skills this line shows (by name), required ones first. */
  skills: Schema.Array(Schema.String),
  /** Other words of the job it shares (stemmed, as the matcher's lexical score reads them). */
  terms: Schema.Array(Schema.String),
  relevance: Schema.Number.pipe(Schema.finite())
}).annotations({ identifier: "LeadBullet" })
export type LeadBullet = typeof LeadBullet.Type

/** A skill the resume shows through others (PostgreSQL and MySQL are SQL) without naming it, and that the job asks for. */
export const ImpliedSkill = Schema.Struct({
  skill: Schema.String,
  /** Whether the posting marks it as required. */
  required: Schema.Boolean,
  /** How the posting asks for it, verbatim. */
  askedAs: Schema.String,
  /** The resume's skills that imply it, each with the line (1-based) and the line's text. */
  evidence: Schema.Array(Schema.Struct({ skill: Schema.String, line: Schema.Int.pipe(Schema.positive()), bullet: Schema.String }))
}).annotations({ identifier: "ImpliedSkill" })
export type ImpliedSkill = typeof ImpliedSkill.Type

/** Always computed from the resume and the posting (never by an endpoint). */
export const TailoredResume = Schema.Struct({
  leadWith: Schema.Array(LeadBullet),
  impliedSkills: Schema.Array(ImpliedSkill),
  facts: Schema.Array(DraftFact)
}).annotations({ identifier: "TailoredResume" })
export type TailoredResume = typeof TailoredResume.Type

/** `GET /seekers/:seekerId/matches/:jobId/drafts`. */
export const MatchDrafts = Schema.Struct({
  jobId: Schema.String,
  /** The resume the drafts were written from: the one the match was scored with. */
  resumeId: Schema.String,
  coverLetter: CoverLetter,
  outreach: Outreach,
  tailoredResume: TailoredResume
}).annotations({ identifier: "MatchDrafts" })
export type MatchDrafts = typeof MatchDrafts.Type

/**
 * The drafts as `applications.approved` carries them: ids, line numbers and the posting's own words only. The
 * topic never carries a seeker's name or resume text (it keeps messages until retention, erasure or not), so the
 * text of the drafts is fetched from `fetchPath` with a staff key, as the resume and the contact are; the
 * suggestions name the approved resume's lines by number.
 */
export const ApprovedDrafts = Schema.Struct({
  /** `GET` it with `Authorization: Bearer <staff key>`: the cover letter, the outreach and the suggestions in full. */
  fetchPath: Schema.String,
  recipient: Schema.NullOr(Contact),
  leadWith: Schema.Array(LeadBullet.pipe(Schema.pick("line", "skills", "relevance"))),
  impliedSkills: Schema.Array(
    Schema.Struct({
      skill: Schema.String,
      required: Schema.Boolean,
      askedAs: Schema.String,
      evidence: Schema.Array(Schema.Struct({ skill: Schema.String, line: Schema.Int.pipe(Schema.positive()) }))
    })
  )
}).annotations({ identifier: "ApprovedDrafts" })
export type ApprovedDrafts = typeof ApprovedDrafts.Type
