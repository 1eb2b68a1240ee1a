import { Schema } from "effect"
import { HttpUrl, Timestamp } from "./common.js"

/**
 * A posting left its source's board (`closed`) or came back to it (`reopened`). Only connectors of sources that
 * list a whole board emit these, and only after a crawl that read the whole board without an error.
 */
export const PostingLifecycle = Schema.Struct({
  source: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(200)),
  sourceType: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(50)),
  externalId: Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(500)),
  /** The job id the normalizer gave this posting (`jobIdOf(source, externalId)`). */
  jobId: Schema.String,
  url: HttpUrl,
  status: Schema.Literal("closed", "reopened"),
  /** When the connector noticed. */
  at: Timestamp,
  /** When the posting was last seen on its board before it closed, or when it had closed before it reopened. */
  since: Timestamp
}).annotations({
  identifier: "PostingLifecycle",
  description: "A posting closed on, or came back to, its source's board"
})
export type PostingLifecycle = typeof PostingLifecycle.Type
