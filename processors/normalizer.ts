import { Effect, Either } from "effect"
import { deadLetter, decode, encode, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { Stage } from "../stack/stage.js"
import { normalizePosting } from "./normalize/posting.js"

/**
 * `jobs.raw` -> `jobs.normalized`, re-keyed by company. A record that is not a valid raw posting, or that
 * cannot be normalized (no title, no company), goes to the dead-letter topic with the reason; the stream goes on.
 */
export const normalizer: Stage<never, never> = {
  name: "normalize",
  groupId: "jobstream.normalize",
  topics: [Topics.raw.name],
  handle: (batch) => Effect.sync(() => batch.map((record) => normalizeRecord(record, new Date())))
}

export const normalizeRecord = (record: Received, now: Date): Envelope =>
  decode(Topics.raw, record).pipe(
    Either.flatMap((raw) => normalizePosting(raw, now)),
    Either.match({
      onLeft: (error) => deadLetter("normalize", `${error._tag}: ${error.reason}`, record, now),
      onRight: (job) => encode(Topics.normalized, job, now)
    })
  )
