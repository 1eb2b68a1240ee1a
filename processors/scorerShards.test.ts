import { randomUUID } from "node:crypto"
import { ConfigProvider, Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { owns, scorerGroup, scorerGroups, shardConfig, shardCountConfig, shardOf } from "./scorerShards.js"

const read = <A, E>(config: Effect.Effect<A, E>, env: Record<string, string>) =>
  Effect.runSync(Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(env))))))

describe("the scorer's shards", () => {
  it("places a seeker by the first four bytes of the SHA-256 of its id, as any other language computes it", () => {
    // Computed with Python's hashlib and with PostgreSQL's sha256(): 2454844840, 2089653240, 3332449944.
    expect([shardOf("seeker-1", 7), shardOf("sk_abc", 7), shardOf("Zoë", 7)]).toEqual([2454844840 % 7, 2089653240 % 7, 3332449944 % 7])
    expect(shardOf("seeker-1", 1)).toBe(0)
  })

  it("gives every seeker to exactly one shard, and the shards about equal shares", () => {
    const ids = Array.from({ length: 20_000 }, () => randomUUID())
    const shares = [0, 1, 2, 3].map((index) => ids.filter((id) => owns({ index, count: 4 }, id)).length)
    expect(shares.reduce((a, b) => a + b, 0)).toBe(ids.length)
    for (const share of shares) expect(Math.abs(share - 5000)).toBeLessThan(400)
    expect(ids.every((id) => owns({ index: 0, count: 1 }, id))).toBe(true)
  })

  it("keeps the unsharded scorer's consumer group, and gives each shard of several its own", () => {
    expect(scorerGroup({ index: 0, count: 1 }).groupId).toBe("jobstream.score")
    expect(scorerGroups(3).map((g) => g.groupId)).toEqual(["jobstream.score.0-of-3", "jobstream.score.1-of-3", "jobstream.score.2-of-3"])
    expect(scorerGroups(1).map((g) => g.groupId)).toEqual(["jobstream.score"])
  })

  it("reads the shard from the environment: 0 of 1 by default, an index outside the count refused", () => {
    expect(read(shardConfig, {})).toEqual(Either.right({ index: 0, count: 1 }))
    expect(read(shardConfig, { JOBSTREAM_SCORER_SHARDS: "4", JOBSTREAM_SCORER_SHARD: "3" })).toEqual(Either.right({ index: 3, count: 4 }))
    const refused: ReadonlyArray<Record<string, string>> = [
      { JOBSTREAM_SCORER_SHARDS: "2", JOBSTREAM_SCORER_SHARD: "2" },
      { JOBSTREAM_SCORER_SHARD: "-1" },
      { JOBSTREAM_SCORER_SHARDS: "0" }
    ]
    for (const env of refused)
      expect(Either.isLeft(read(shardConfig, env))).toBe(true)
    expect(read(shardCountConfig, { JOBSTREAM_SCORER_SHARDS: "3" })).toEqual(Either.right(3))
  })
})
