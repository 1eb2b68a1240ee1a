import { Effect, Either } from "effect"
import type { Job } from "../schemas/Job.js"
import { deadLetter, decode, encode, Topics, type Envelope } from "../schemas/Envelope.js"
import type { Stage } from "../pipelines/stage.js"
import { Postgres, type PostgresError, type Sql } from "../sinks/Postgres.js"

/**
 * Exact deduplication, `jobs.normalized` -> `jobs.unique` or `jobs.duplicates`. Each job claims its identity
 * keys (source id, canonical URL, company + requisition id) in PostgreSQL; the first job to claim a key owns it,
 * so the state survives restarts and is shared by every consumer of the group. A replayed job finds its keys
 * owned by itself and is published again unchanged, which the idempotent sinks absorb.
 */
export const deduplicator: Stage<PostgresError, Postgres> = {
  name: "dedup",
  groupId: "jobstream.dedup",
  topics: [Topics.normalized.name],
  handle: (batch) =>
    Effect.gen(function* () {
      const db = yield* Postgres
      const decoded = batch.map((record) => ({ record, job: decode(Topics.normalized, record) }))
      const jobs = decoded.flatMap(({ job }) => (Either.isRight(job) ? [job.right] : []))
      const owner = yield* claim(db, jobs)
      return decoded.map(({ record, job }) =>
        Either.isLeft(job) ? deadLetter("dedup", `DecodeError: ${job.left.reason}`, record) : classify(job.right, owner)
      )
    })
}

export type IdentityKind = "source-id" | "canonical-url" | "requisition-id"

export const identityKeys = (job: Job): ReadonlyArray<readonly [IdentityKind, string]> => [
  ["source-id", `id:${job.source}:${job.externalId}`],
  ["canonical-url", `url:${job.canonicalUrl}`],
  ...(job.requisitionId ? [["requisition-id", `req:${job.companyKey}:${job.requisitionId}`] as const] : [])
]

/**
 * Claims every identity key of the batch in one statement, in batch order (so within a batch, as across
 * batches, the earlier posting wins), and returns each key's owner.
 */
const claim = (db: Sql, jobs: ReadonlyArray<Job>) =>
  Effect.gen(function* () {
    if (jobs.length === 0) return new Map<string, string>()
    const keys: Array<string> = []
    const owners: Array<string> = []
    for (const job of jobs)
      for (const [, key] of identityKeys(job)) {
        keys.push(key)
        owners.push(job.jobId)
      }
    yield* db.query(
      `INSERT INTO dedup_keys (key, job_id)
       SELECT key, job_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(key, job_id, n) ORDER BY n
       ON CONFLICT (key) DO NOTHING`,
      [keys, owners]
    )
    const rows = yield* db.query<{ key: string; job_id: string }>(
      "SELECT key, job_id FROM dedup_keys WHERE key = ANY($1::text[])",
      [keys]
    )
    return new Map(rows.map((r) => [r.key, r.job_id]))
  })

const classify = (job: Job, owner: ReadonlyMap<string, string>): Envelope => {
  const clash = identityKeys(job).find(([, key]) => owner.get(key) !== job.jobId)
  if (!clash) return encode(Topics.unique, job)
  const [reason, key] = clash
  return encode(Topics.duplicates, {
    jobId: job.jobId,
    duplicateOf: owner.get(key) ?? job.jobId,
    source: job.source,
    reason,
    similarity: 1,
    detectedAt: new Date().toISOString()
  })
}
