import { createHash } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { DeadLetterTopic, DlqHeaders, encode, hashId, Headers, Topics, type Envelope } from "../schemas/Envelope.js"
import type { PostingLifecycle } from "../schemas/Lifecycle.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { jobIdOf } from "../schemas/Job.js"
import type { CrawlSummary } from "./progress.js"
import { Kafka } from "../stack/Kafka.js"
import { type KafkaError } from "../stack/kafkaCalls.js"
import { Postgres, type PostgresError } from "../stack/Postgres.js"

/** What publishing a posting did: `reopened` is a posting that had closed and is back on its board. */
export type Change = "new" | "changed" | "unchanged" | "reopened"

/** A finished crawl as `crawl_runs` keeps it: its summary and when it started. */
export type CrawlRun = CrawlSummary & { readonly startedAt: Date }

/** At most this much of a rejected page travels to the dead-letter topic. */
const maxDeadLetterBytes = 512 * 1024

/**
 * Where connectors hand what they found. A posting is published on `jobs.raw` only when it is new or its content
 * hash changed since the source last published it; the hash is recorded after the broker acknowledged the
 * message, so a crash in between republishes (never loses) it. Closings and reopenings go to `jobs.lifecycle`
 * the same way: sent first, recorded after, with event ids that a resend repeats.
 */
export class Publisher extends Context.Tag("jobstream/Publisher")<
  Publisher,
  {
    /** A page's postings in one round trip each to PostgreSQL and Kafka; what each did, in order. */
    readonly publish: (postings: ReadonlyArray<RawPosting>) => Effect.Effect<ReadonlyArray<Change>, KafkaError | PostgresError>
    /**
     * For each posting, in order, whether publishing it now would send it (new, changed or reopened) rather than
     * find it unchanged. Reads only, in one round trip: a connector asks before it spends requests on completing
     * a posting (Greenhouse's pay ranges) that it would not publish again anyway.
     */
    readonly changed: (
      source: string,
      postings: ReadonlyArray<Pick<RawPosting, "externalId" | "contentHash">>
    ) => Effect.Effect<ReadonlyArray<boolean>, PostgresError>
    /**
     * Postings still on their board though not fetched again (a listing answered 304 Not Modified): seen at
     * `seenAt`, so a complete crawl does not close them.
     */
    readonly touch: (source: string, externalIds: ReadonlyArray<string>, seenAt: Date) => Effect.Effect<number, PostgresError>
    /**
     * Closes every open posting of `source` not seen since `since` (the start of a complete crawl of the whole
     * board): one `closed` event each on `jobs.lifecycle`. Returns how many closed.
     */
    readonly closeMissing: (input: {
      readonly source: string
      readonly sourceType: string
      readonly since: Date
    }) => Effect.Effect<number, KafkaError | PostgresError>
    /** Keeps a finished crawl's counts in `crawl_runs`, for the operators' history of each source. */
    readonly recordRun: (run: CrawlRun) => Effect.Effect<void, PostgresError>
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
  /** What `source_postings` holds of these postings, by `source NUL externalId`. */
  const knownOf = (postings: ReadonlyArray<Pick<RawPosting, "source" | "externalId">>) =>
    db
      .query<{ source: string; external_id: string; content_hash: string; closed_at: Date | null }>(
        `SELECT p.source, p.external_id, p.content_hash, p.closed_at
         FROM source_postings p JOIN unnest($1::text[], $2::text[]) AS k (source, external_id)
           ON p.source = k.source AND p.external_id = k.external_id`,
        [postings.map((p) => p.source), postings.map((p) => p.externalId)]
      )
      .pipe(Effect.map((rows) => new Map(rows.map((row) => [`${row.source}\u0000${row.external_id}`, row]))))
  return Publisher.of({
    publish: (postings) =>
      Effect.gen(function* () {
        if (postings.length === 0) return []
        const known = yield* knownOf(postings)
        const messages: Array<Envelope> = []
        const changes = postings.map((posting): Change => {
          const key = `${posting.source}\u0000${posting.externalId}`
          const before = known.get(key)
          // The same posting twice in one batch: the second is what the first left behind.
          known.set(key, { source: posting.source, external_id: posting.externalId, content_hash: posting.contentHash, closed_at: null })
          const change: Change = !before
            ? "new"
            : before.closed_at !== null
              ? "reopened"
              : before.content_hash === posting.contentHash
                ? "unchanged"
                : "changed"
          if (change !== "unchanged") messages.push(encode(Topics.raw, posting))
          if (change === "reopened")
            messages.push(
              encode(
                Topics.lifecycle,
                lifecycleOf(posting.source, posting.sourceType, posting.externalId, posting.url, {
                  status: "reopened",
                  at: posting.fetchedAt,
                  since: before!.closed_at!.toISOString()
                })
              )
            )
          return change
        })
        if (messages.length > 0) yield* kafka.send(messages)
        yield* db.query(
          `INSERT INTO source_postings (source, external_id, content_hash, url, last_seen_at)
           SELECT DISTINCT ON (source, external_id) source, external_id, content_hash, url, last_seen_at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) WITH ORDINALITY
             AS p (source, external_id, content_hash, url, last_seen_at, n)
           ORDER BY source, external_id, n DESC
           ON CONFLICT (source, external_id) DO UPDATE
             SET content_hash = excluded.content_hash, url = excluded.url, last_seen_at = excluded.last_seen_at,
                 closed_at = NULL`,
          [
            postings.map((p) => p.source),
            postings.map((p) => p.externalId),
            postings.map((p) => p.contentHash),
            postings.map((p) => p.url),
            postings.map((p) => p.fetchedAt)
          ]
        )
        return changes
      }).pipe(Effect.withSpan("Publisher.publish")),
    changed: (source, postings) =>
      postings.length === 0
        ? Effect.succeed([])
        : Effect.map(knownOf(postings.map((p) => ({ source, externalId: p.externalId }))), (known) =>
            postings.map((p) => {
              const before = known.get(`${source}\u0000${p.externalId}`)
              return before === undefined || before.closed_at !== null || before.content_hash !== p.contentHash
            })
          ),
    touch: (source, externalIds, seenAt) =>
      externalIds.length === 0
        ? Effect.succeed(0)
        : db
            .query<{ external_id: string }>(
              `UPDATE source_postings SET last_seen_at = $3
               WHERE source = $1 AND external_id = ANY($2::text[]) AND closed_at IS NULL RETURNING external_id`,
              [source, externalIds, seenAt]
            )
            .pipe(Effect.map((rows) => rows.length)),
    closeMissing: ({ source, sourceType, since }) =>
      Effect.gen(function* () {
        const missing = yield* db.query<{ external_id: string; url: string; last_seen_at: Date }>(
          `SELECT external_id, url, last_seen_at FROM source_postings
           WHERE source = $1 AND closed_at IS NULL AND last_seen_at < $2 ORDER BY external_id`,
          [source, since]
        )
        if (missing.length === 0) return 0
        const at = new Date().toISOString()
        yield* kafka.send(
          missing.map((row) =>
            encode(
              Topics.lifecycle,
              lifecycleOf(source, sourceType, row.external_id, row.url, {
                status: "closed",
                at,
                since: row.last_seen_at.toISOString()
              })
            )
          )
        )
        yield* db.query(
          `UPDATE source_postings SET closed_at = $3
           WHERE source = $1 AND external_id = ANY($2::text[]) AND closed_at IS NULL AND last_seen_at < $4`,
          [source, missing.map((row) => row.external_id), at, since]
        )
        return missing.length
      }).pipe(Effect.withSpan("Publisher.closeMissing")),
    recordRun: (run) =>
      db
        .query(
          `INSERT INTO crawl_runs (run_id, source, started_at, finished_at, pages, postings, new, changed, unchanged,
                                   closed, errors, complete)
           VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (run_id) DO NOTHING`,
          [
            run.runId, run.source, run.startedAt, run.pages, run.postings, run.new, run.changed, run.unchanged,
            run.closed, run.errors, run.complete
          ]
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

const lifecycleOf = (
  source: string,
  sourceType: string,
  externalId: string,
  url: string,
  event: Pick<PostingLifecycle, "status" | "at" | "since">
): PostingLifecycle => ({ source, sourceType, externalId, jobId: jobIdOf(source, externalId), url, ...event })
