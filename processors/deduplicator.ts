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
      const out: Array<Envelope> = []
      for (const record of batch) {
        const decoded = decode(Topics.normalized, record)
        if (Either.isLeft(decoded)) {
          out.push(deadLetter("dedup", `DecodeError: ${decoded.left.reason}`, record))
          continue
        }
        out.push(yield* classify(db, decoded.right))
      }
      return out
    })
}

export type IdentityKind = "source-id" | "canonical-url" | "requisition-id"

export const identityKeys = (job: Job): ReadonlyArray<readonly [IdentityKind, string]> => [
  ["source-id", `id:${job.source}:${job.externalId}`],
  ["canonical-url", `url:${job.canonicalUrl}`],
  ...(job.requisitionId ? [["requisition-id", `req:${job.companyKey}:${job.requisitionId}`] as const] : [])
]

const classify = (db: Sql, job: Job) =>
  Effect.gen(function* () {
    const keys = identityKeys(job)
    const values = keys.map(([, key]) => key)
    yield* db.query(
      "INSERT INTO dedup_keys (key, job_id) SELECT k, $2 FROM unnest($1::text[]) AS k ON CONFLICT (key) DO NOTHING",
      [values, job.jobId]
    )
    const owners = yield* db.query<{ key: string; job_id: string }>(
      "SELECT key, job_id FROM dedup_keys WHERE key = ANY($1::text[])",
      [values]
    )
    const owner = new Map(owners.map((r) => [r.key, r.job_id]))
    const clash = keys.find(([, key]) => owner.get(key) !== job.jobId)
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
  })
