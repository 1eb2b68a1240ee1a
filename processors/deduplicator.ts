import { Effect, Either, Schema } from "effect"
import type { Job } from "../schemas/Job.js"
import { deadLetter, decode, encode, Topics, type Envelope } from "../schemas/Envelope.js"
import type { Stage } from "../stack/stage.js"
import { Postgres, type PostgresError, type RowDecodeError, type Sql } from "../stack/Postgres.js"
import { decideEntry, defaultThresholds, entryOf, InMemoryIndex, type Decision, type Entry } from "./dedup/matcher.js"

/**
 * Near-duplicate detection, `jobs.normalized` -> `jobs.unique` (canonical jobs) or `jobs.duplicates` (postings
 * of a job already seen, with the layer that matched and the similarity). The decision is the matcher's
 * (processors/dedup/matcher.ts); its state lives in PostgreSQL, so it survives restarts and is shared by every
 * consumer of the group:
 * - identity keys (requisition, canonical URL, ATS posting references) are claimed in `dedup_keys`, the first
 *   claim winning, before anything is decided: two consumers can never both own one key;
 * - every decided posting's entry (title key, places, references, MinHash signature) is kept in
 *   `dedup_entries`, its LSH bands in `dedup_bands`.
 * For each batch the part of that state the batch can touch (entries owning its keys, sharing its titles or its
 * bands) is loaded into an in-memory index, the batch is decided in order against it, and the new entries,
 * bands and review flags are written in one transaction. Postings of one company share a partition (the topic is
 * keyed by company), so no two consumers decide about one company block at once.
 * A posting decided before (a replay, or a re-crawl with changed content) gets its first decision again.
 */
export const deduplicator: Stage<PostgresError | RowDecodeError, Postgres> = {
  name: "dedup",
  groupId: "jobstream.dedup",
  topics: [Topics.normalized.name],
  handle: (batch) =>
    Effect.gen(function* () {
      const db = yield* Postgres
      const decoded = batch.map((record) => ({ record, job: decode(Topics.normalized, record) }))
      const jobs = decoded.flatMap(({ job }) => (Either.isRight(job) ? [job.right] : []))
      const outcomes = jobs.length === 0 ? [] : yield* db.transaction((tx) => decideBatch(tx, jobs))
      let next = 0
      return decoded.map(({ record, job }) =>
        Either.isLeft(job) ? deadLetter("dedup", `DecodeError: ${job.left.reason}`, record) : outcomes[next++]!
      )
    })
}

const decideBatch = (tx: Sql, jobs: ReadonlyArray<Job>) =>
  Effect.gen(function* () {
    const fresh = jobs.map((job) => entryOf(job))
    const keys = fresh.flatMap((e) => e.keys)
    const owners = fresh.flatMap((e) => e.keys.map(() => e.jobId))
    yield* tx.query(
      `INSERT INTO dedup_keys (key, job_id)
       SELECT key, job_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(key, job_id, n) ORDER BY n
       ON CONFLICT (key) DO NOTHING`,
      [keys, owners]
    )
    const claims = yield* tx.rows(
      Schema.Struct({ key: Schema.String, job_id: Schema.String }),
      "SELECT key, job_id FROM dedup_keys WHERE key = ANY($1::text[])",
      [keys]
    )
    const days = fresh.map((e) => e.day)
    const stored = yield* loadEntries(tx, {
      jobIds: [...new Set([...fresh.map((e) => e.jobId), ...claims.map((c) => c.job_id)])],
      companies: fresh.map((e) => e.companyKey),
      titles: fresh.map((e) => e.titleKey),
      bands: fresh.flatMap((e) => e.bands),
      fromDay: Math.min(...days) - defaultThresholds.windowDays,
      toDay: Math.max(...days) + defaultThresholds.windowDays
    })

    const index = new InMemoryIndex()
    for (const c of claims) index.claim(c.key, c.job_id)
    for (const s of stored) index.add(s.entry)
    const decisions = new Map(stored.map((s) => [s.entry.jobId, s]))

    const decided = new Map<string, { entry: Entry; decision: Decision }>()
    const outcomes = jobs.map((job, i) => {
      const { decision, entry } = decideEntry(index, fresh[i]!)
      if (decision.kind !== "known") decided.set(job.jobId, { entry, decision })
      // Decided before, in an earlier batch or earlier in this one: the first decision stands.
      return envelopeOf(job, decided.get(job.jobId)?.decision ?? decision, decisions.get(job.jobId))
    })
    yield* saveEntries(tx, [...decided.values()])
    return outcomes
  })

interface StoredEntry {
  readonly entry: Entry
  readonly decision: string
  readonly similarity: number
}

/**
 * The stored entries a batch can meet: its own (replays), the owners of its keys, postings of the same company
 * and title within the window, postings sharing an LSH band, and the canonical entries of all of them (a copy
 * without a place takes its job's). Closed jobs come back closed. In decision order.
 */
const loadEntries = (
  tx: Sql,
  q: {
    jobIds: ReadonlyArray<string>
    companies: ReadonlyArray<string>
    titles: ReadonlyArray<string>
    bands: ReadonlyArray<number>
    fromDay: number
    toDay: number
  }
) =>
  tx
    .rows(
      StoredRow,
      `WITH hit AS (
         SELECT job_id FROM dedup_entries WHERE job_id = ANY($1::text[])
         UNION SELECT e.job_id FROM dedup_entries e
           JOIN unnest($2::text[], $3::text[]) AS t(company_key, title_key) USING (company_key, title_key)
           WHERE e.day BETWEEN $5 AND $6
         UNION SELECT job_id FROM dedup_bands WHERE band = ANY($4::bigint[])
       ), wanted AS (
         SELECT job_id FROM hit
         UNION SELECT e.cluster_id FROM dedup_entries e JOIN hit USING (job_id)
       )
       SELECT e.entry, e.decision, e.similarity, (j.closed_at IS NOT NULL) AS closed
       FROM dedup_entries e JOIN wanted USING (job_id) LEFT JOIN jobs j ON j.job_id = e.cluster_id
       ORDER BY e.seq`,
      [q.jobIds, q.companies, q.titles, q.bands, q.fromDay, q.toDay]
    )
    .pipe(
      Effect.map((rows) =>
        rows.map((r): StoredEntry => ({ entry: deserialize(r.entry, r.closed), decision: r.decision, similarity: r.similarity }))
      )
    )

const saveEntries = (tx: Sql, decided: ReadonlyArray<{ entry: Entry; decision: Decision }>) =>
  Effect.gen(function* () {
    if (decided.length === 0) return
    const rows = decided.map(({ entry, decision }) => ({
      job_id: entry.jobId,
      cluster_id: entry.clusterId,
      company_key: entry.companyKey,
      title_key: entry.titleKey,
      day: entry.day,
      entry: serialize(entry),
      decision: decisionName(decision),
      similarity: decision.kind === "duplicate" ? decision.similarity : (decision.kind === "unique" && decision.review?.similarity) || 1,
      repost_of: decision.kind === "unique" ? (decision.repostOf?.clusterId ?? null) : null
    }))
    yield* tx.query(
      `INSERT INTO dedup_entries (job_id, cluster_id, company_key, title_key, day, entry, decision, similarity, repost_of)
       SELECT job_id, cluster_id, company_key, title_key, day, entry, decision, similarity, repost_of
       FROM jsonb_to_recordset($1::jsonb) AS r(job_id text, cluster_id text, company_key text, title_key text,
         day integer, entry jsonb, decision text, similarity real, repost_of text)
       ON CONFLICT (job_id) DO NOTHING`,
      [JSON.stringify(rows)]
    )
    const bands = decided.flatMap(({ entry }) => entry.bands.map((band) => [band, entry.jobId] as const))
    if (bands.length > 0)
      yield* tx.query(
        `INSERT INTO dedup_bands (band, job_id) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING`,
        [bands.map(([b]) => b), bands.map(([, id]) => id)]
      )
    const reviews = decided.flatMap(({ entry, decision }) =>
      decision.kind === "unique" && decision.review ? [[entry.jobId, decision.review.of.jobId, decision.review.similarity] as const] : []
    )
    if (reviews.length > 0)
      yield* tx.query(
        `INSERT INTO dedup_reviews (job_id, candidate_id, similarity)
         SELECT * FROM unnest($1::text[], $2::text[], $3::real[]) ON CONFLICT DO NOTHING`,
        [reviews.map((r) => r[0]), reviews.map((r) => r[1]), reviews.map((r) => r[2])]
      )
  })

const decisionName = (d: Decision): string =>
  d.kind === "duplicate" ? d.reason : d.kind === "unique" ? (d.repostOf ? "repost" : d.review ? "review" : "new") : "known"

/** The record a decision publishes; a posting decided before publishes what it was first decided to be. */
const envelopeOf = (job: Job, decision: Decision, stored: StoredEntry | undefined): Envelope => {
  const duplicate = (duplicateOf: string, reason: string, similarity: number) =>
    encode(Topics.duplicates, {
      jobId: job.jobId,
      duplicateOf,
      source: job.source,
      url: job.url,
      reason: reason as Extract<Decision, { kind: "duplicate" }>["reason"],
      similarity,
      detectedAt: job.normalizedAt
    })
  if (decision.kind === "duplicate") return duplicate(decision.of.clusterId, decision.reason, decision.similarity)
  if (decision.kind === "known" && decision.entry.clusterId !== job.jobId && stored)
    return duplicate(decision.entry.clusterId, stored.decision, stored.similarity)
  return encode(Topics.unique, job)
}

/** An entry as stored in `dedup_entries.entry`: whether its job closed is read from `jobs` instead. */
type SerializedEntry = Omit<Entry, "closed">

/** `dedup_entries.entry` as read back; typed as SerializedEntry, so it cannot drift from the matcher's Entry. */
const SerializedEntry: Schema.Schema<SerializedEntry> = Schema.Struct({
  jobId: Schema.String,
  source: Schema.optionalWith(Schema.String, { exact: true }),
  clusterId: Schema.String,
  companyKey: Schema.String,
  titleKey: Schema.String,
  levels: Schema.String,
  locations: Schema.Array(Schema.String),
  remote: Schema.Boolean,
  keys: Schema.Array(Schema.String),
  refs: Schema.Array(Schema.String),
  requisition: Schema.NullOr(Schema.String),
  day: Schema.Number,
  validUntil: Schema.NullOr(Schema.Number),
  sketch: Schema.NullOr(Schema.Struct({ signature: Schema.Array(Schema.Number), shingles: Schema.Number })),
  bands: Schema.Array(Schema.Number)
})

/** `similarity` is a real, which pg reads as a number; `closed` is whether the entry's cluster's job closed. */
const StoredRow = Schema.Struct({ entry: SerializedEntry, decision: Schema.String, similarity: Schema.Number, closed: Schema.Boolean })

const serialize = ({ closed: _closed, ...stored }: Entry): SerializedEntry => stored

const deserialize = (s: SerializedEntry, closed: boolean): Entry => ({ ...s, closed })
