import { createHash } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { DeadLetterTopic, DlqHeaders, encode, hashId, Headers, Topics } from "../schemas/Envelope.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { Kafka, type KafkaError } from "../pipelines/Kafka.js"
import { Postgres, type PostgresError } from "../sinks/Postgres.js"

export type Change = "new" | "changed" | "unchanged"

/** At most this much of a rejected page travels to the dead-letter topic. */
const maxDeadLetterBytes = 512 * 1024

/**
 * Where connectors hand what they found. A posting is published on `jobs.raw` only when it is new or its content
 * hash changed since the source last published it; the hash is recorded after the broker acknowledged the
 * message, so a crash in between republishes (never loses) it.
 */
export class Publisher extends Context.Tag("jobstream/Publisher")<
  Publisher,
  {
    readonly publish: (posting: RawPosting) => Effect.Effect<Change, KafkaError | PostgresError>
    /** Keeps a finished crawl's counts in `crawl_runs`, for the operators' history of each source. */
    readonly recordRun: (run: {
      readonly runId: string
      readonly source: string
      readonly startedAt: Date
      readonly pages: number
      readonly postings: number
      readonly new: number
      readonly changed: number
      readonly errors: number
    }) => Effect.Effect<void, PostgresError>
    /**
     * A page or payload the connector could not read: its bytes go to `jobs.dlq` with the reason, once per
     * distinct content (a bad page crawled again unchanged is not dead-lettered again).
     */
    readonly reject: (input: {
      readonly source: string
      readonly url: string
      readonly reason: string
      readonly bytes: Buffer | string
    }) => Effect.Effect<void, KafkaError | PostgresError>
  }
>() {}

export const make = Effect.gen(function* () {
  const kafka = yield* Kafka
  const db = yield* Postgres
  return Publisher.of({
    publish: (posting) =>
      Effect.gen(function* () {
        const [known] = yield* db.query<{ content_hash: string }>(
          "SELECT content_hash FROM source_postings WHERE source = $1 AND external_id = $2",
          [posting.source, posting.externalId]
        )
        const change: Change = !known ? "new" : known.content_hash === posting.contentHash ? "unchanged" : "changed"
        if (change !== "unchanged") yield* kafka.send([encode(Topics.raw, posting)])
        yield* db.query(
          `INSERT INTO source_postings (source, external_id, content_hash, url, last_seen_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (source, external_id) DO UPDATE
             SET content_hash = excluded.content_hash, url = excluded.url, last_seen_at = excluded.last_seen_at`,
          [posting.source, posting.externalId, posting.contentHash, posting.url, posting.fetchedAt]
        )
        return change
      }).pipe(Effect.withSpan("Publisher.publish")),
    recordRun: (run) =>
      db
        .query(
          `INSERT INTO crawl_runs (run_id, source, started_at, finished_at, pages, postings, new, changed, errors)
           VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO NOTHING`,
          [run.runId, run.source, run.startedAt, run.pages, run.postings, run.new, run.changed, run.errors]
        )
        .pipe(Effect.asVoid),
    reject: ({ source, url, reason, bytes }) =>
      Effect.gen(function* () {
        const value = Buffer.from(bytes).subarray(0, maxDeadLetterBytes)
        const hash = createHash("sha256").update(value).digest("hex")
        const [known] = yield* db.query<{ content_hash: string }>(
          "SELECT content_hash FROM source_rejections WHERE source = $1 AND url = $2",
          [source, url]
        )
        if (known?.content_hash === hash) return
        yield* kafka.send([
          {
            topic: DeadLetterTopic.name,
            key: `${source}:${url}`,
            value,
            headers: {
              [Headers.eventId]: hashId("rejected", source, url, hash),
              [DlqHeaders.stage]: `connector:${source}`,
              [DlqHeaders.reason]: reason.slice(0, 2000),
              [DlqHeaders.sourceUrl]: url,
              [DlqHeaders.failedAt]: new Date().toISOString()
            }
          }
        ])
        yield* db.query(
          `INSERT INTO source_rejections (source, url, content_hash, reason, last_seen_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (source, url) DO UPDATE
             SET content_hash = excluded.content_hash, reason = excluded.reason, last_seen_at = excluded.last_seen_at`,
          [source, url, hash, reason]
        )
      }).pipe(Effect.withSpan("Publisher.reject"))
  })
})

export const layer = Layer.effect(Publisher, make)
