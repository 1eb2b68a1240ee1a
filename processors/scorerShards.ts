import { createHash } from "node:crypto"
import { Config } from "effect"
import { Topics } from "../schemas/Envelope.js"

/**
 * The scorer's seekers split across processes. Each shard holds the matrix of the seekers it owns and reads every
 * job in a consumer group of its own, so each (job, seeker) pair is scored by exactly one shard, and a shard's
 * memory and time per job grow with its slice of the seekers rather than with all of them.
 *
 * Ownership is a pure function of the seeker id and the shard count, the same in every process and language: the
 * first four bytes of the SHA-256 of the id's UTF-8 bytes, read as a big-endian unsigned 32-bit integer, modulo the
 * count. In PostgreSQL: `('x' || left(encode(sha256(convert_to(seeker_id, 'UTF8')), 'hex'), 8))::bit(32)::bigint % n`.
 * Changing the count moves most seekers to another shard: every shard is then started afresh with the new count.
 */

export interface ScorerShard {
  /** 0-based. */
  readonly index: number
  readonly count: number
}

/** How many shards this deployment runs; every process that reads the stages' lag must agree on it. */
export const shardCountConfig = Config.integer("JOBSTREAM_SCORER_SHARDS").pipe(
  Config.withDefault(1),
  Config.validate({ message: "JOBSTREAM_SCORER_SHARDS must be 1 or more", validation: (n) => n >= 1 })
)

/** The shard this process scores for: `JOBSTREAM_SCORER_SHARD` of `JOBSTREAM_SCORER_SHARDS` (default 0 of 1). */
export const shardConfig: Config.Config<ScorerShard> = Config.all({
  count: shardCountConfig,
  index: Config.integer("JOBSTREAM_SCORER_SHARD").pipe(Config.withDefault(0))
}).pipe(
  Config.validate({
    message: "JOBSTREAM_SCORER_SHARD must be from 0 to JOBSTREAM_SCORER_SHARDS - 1",
    validation: ({ count, index }) => index >= 0 && index < count
  })
)

/** The shard that owns `seekerId` among `count`. */
export const shardOf = (seekerId: string, count: number): number =>
  createHash("sha256").update(seekerId, "utf8").digest().readUInt32BE(0) % count

export const owns = (shard: ScorerShard, seekerId: string): boolean => shard.count === 1 || shardOf(seekerId, shard.count) === shard.index

/**
 * A shard's consumer group: `jobstream.score` when there is one shard (the group every deployment had before
 * shards, so its offsets carry on), `jobstream.score.<index>-of-<count>` otherwise.
 */
export const scorerGroup = (shard: ScorerShard) => ({
  groupId: shard.count === 1 ? "jobstream.score" : `jobstream.score.${shard.index}-of-${shard.count}`,
  topics: [Topics.unique.name, Topics.seekerEvents.name]
})

/** The consumer groups of all `count` shards. */
export const scorerGroups = (count: number) => Array.from({ length: count }, (_, index) => scorerGroup({ index, count }))
