import { Schema } from "effect"

/**
 * Where in a job's plain-text `description` a contact was read: `[start, end)` in UTF-16 code units, and the text
 * itself, so a reader can show it in context and check that nothing was made up.
 */
export const ContactSpan = Schema.Struct({
  start: Schema.NonNegativeInt,
  end: Schema.NonNegativeInt,
  text: Schema.String
})

/**
 * Someone or somewhere a seeker can write to about a job, as the posting itself states it; nothing is looked up
 * elsewhere or guessed (no `firstname.lastname@` patterns, no enrichment).
 *
 * - `person`: a named recruiter or hiring manager ("reach out to Jane Doe, our Head of Talent"), with the title and
 *   email address the posting gives for them, when it does.
 * - `email`: an address stated with no name to go with it (`jobs@example.com`).
 * - `apply-link`: an application address stated in the text ("apply at https://...").
 */
export const Contact = Schema.Struct({
  kind: Schema.Literal("person", "email", "apply-link"),
  name: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  url: Schema.NullOr(Schema.String),
  span: ContactSpan,
  /** How sure the extractor is that this is a contact for this job, 0-1; below 0.5 is never returned. */
  confidence: Schema.Number.pipe(Schema.between(0, 1))
}).annotations({ identifier: "Contact", description: "A contact a job posting states, with where it was read" })
export type Contact = typeof Contact.Type
