import { createHash } from "node:crypto"
import { ConfigProvider, Effect, Fiber, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encode, Headers, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { SeekerEvent } from "../schemas/Seeker.js"
import { loadLabels } from "../processors/matching/labels.js"
import { makeScorer } from "../processors/scorer.js"
import { scorerGroup, shardOf } from "../processors/scorerShards.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { Postgres } from "../stack/Postgres.js"
import { StageStats } from "../stack/stage.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"
import { settingsConfig, superviseProcessors } from "./processorsProcess.js"
import { testConfig, testJob } from "./testing.js"

/**
 * The scorer sharded across two OS processes (`jobstream process` with JOBSTREAM_STAGES=score, shard 0 and 1 of
 * 2) on the real stack: the eight resumes of the labelled set as seekers, ten of its real postings as jobs. Shard 0
 * starts alone, so what is on `jobs.scored` then is its own; shard 1 starts later and catches up from the
 * beginning of `jobs.unique` in its own consumer group. Every message is compared with what the unsharded scorer,
 * run in this process over the same stores, publishes for the same records.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(config.layer)
const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) => runtime.runPromise(effect)

const labels = loadLabels()
const seekers = labels.resumes.map((r) => ({ ...r, seekerId: `shard-test-${r.id}` }))
const ownerOf = (seekerId: string) => shardOf(seekerId, 2)
// Every 8th posting: data science, ML, analysts, engineering, biostatistics and unrelated work alike.
const jobs = labels.postings
  .filter((_, i) => i % 8 === 0)
  .map((p, i) => ({ ...testJob("shard-test", i, p.title, p.description, p.company), locations: p.locations, remote: p.remote }))

const asRecord = (envelope: Envelope, offset: number): Received => ({ ...envelope, partition: 0, offset, timestamp: Date.now() })

/** What must be equal between two publications of one pair: key, event id and the match less its timestamp. */
const comparable = (key: string | null, headers: Readonly<Record<string, string>>, value: string) => {
  const { scoredAt: _, ...match } = JSON.parse(value) as { scoredAt: string; jobId: string; seekerId: string }
  return { key, eventId: headers[Headers.eventId], match }
}
type Published = ReturnType<typeof comparable>
const pairOf = (p: Published) => `${p.match.jobId} ${p.match.seekerId}`
const fromEnvelopes = (out: ReadonlyArray<Envelope>) =>
  out.filter((e) => e.topic === Topics.scored.name).map((e) => comparable(e.key, e.headers, e.value.toString()))
const onTopic = async () => (await run(readWithKcat(Topics.scored.name))).map((m) => comparable(m.key, m.headers, m.value))

/** One shard's `jobstream process`, supervised from this process with a monitor and counters of its own. */
const startShard = async (index: number) => {
  const shardRuntime = ManagedRuntime.make(Layer.mergeAll(StageMonitor.layer, StageStats.layer))
  const settings = {
    ...(await shardRuntime.runPromise(settingsConfig)),
    env: {
      ...config.env,
      JOBSTREAM_STAGES: "score",
      JOBSTREAM_SCORER_SHARDS: "2",
      JOBSTREAM_SCORER_SHARD: String(index),
      // Every pair published, whatever its score, so that every pair can be counted.
      JOBSTREAM_SCORE_FLOOR: "0"
    }
  }
  const fiber = shardRuntime.runFork(superviseProcessors(settings))
  const counter = async (name: string) => (await shardRuntime.runPromise(Effect.flatMap(StageStats, (s) => s.snapshot))).get(name) ?? 0
  const stop = async () => {
    await shardRuntime.runPromise(Fiber.interrupt(fiber))
    await shardRuntime.dispose()
  }
  return { counter, stop }
}
type Shard = Awaited<ReturnType<typeof startShard>>

/** Polls until `ok` (a start is tsx, the migrations and the model: 10-30 s on two busy cores), or fails after `ms`. */
const until = async (what: string, ok: () => Promise<boolean>, ms = 150_000) => {
  const deadline = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** The shard's group has committed everything on its topics: its outputs are on `jobs.scored` (committed after them). */
const caughtUp = (index: number) => {
  const group = scorerGroup({ index, count: 2 })
  return until(`shard ${index} caught up`, () => run(Effect.flatMap(Kafka, (k) => k.lag(group.groupId, group.topics))).then((lag) => lag === 0))
}

const shards: Array<Shard> = []
/** The unsharded scorer, kept for the seeker event: it holds the seekers as they were before the change. */
let reference: Effect.Effect.Success<typeof makeScorer>
let expected: Array<Published> = []

beforeAll(async () => {
  await run(
    Effect.gen(function* () {
      yield* Effect.andThen(resetStores, prepare)
      const db = yield* Postgres
      for (const s of seekers) {
        yield* db.query("INSERT INTO seekers (seeker_id, name, api_key_hash, preferences) VALUES ($1, $2, $3, $4)", [
          s.seekerId,
          s.id,
          `hash-${s.seekerId}`,
          JSON.stringify(s.preferences)
        ])
        yield* db.query(
          "INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary) VALUES ($1, $2, 'text/plain', $3, $4, true)",
          [`resume-${s.seekerId}`, s.seekerId, s.text, createHash("sha256").update(s.text).digest("hex")]
        )
      }
      // The jobs are in PostgreSQL before any scorer starts, so every scorer's BM25 index holds the same jobs
      // whatever order it reads them in, and a pair's lexical term is the same in each.
      const records = jobs.map((job, i) => asRecord(encode(Topics.unique, job), i))
      yield* postgresJobs.handle(records)
      // The unsharded scorer first: it embeds resumes and jobs, and the shards read the same vectors from the cache.
      reference = yield* makeScorer.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["JOBSTREAM_SCORE_FLOOR", "0"]]))))
      expected = fromEnvelopes(yield* reference.handle(records))
      yield* Effect.flatMap(Kafka, (k) => k.send(jobs.map((job) => encode(Topics.unique, job))))
    })
  )
}, 240_000)

afterAll(async () => {
  for (const shard of shards) await shard.stop()
  await run(dropNamespace)
  await runtime.dispose()
})

describe("the scorer sharded across two processes", () => {
  it("splits the seekers between the shards", () => {
    const owned = [0, 1].map((index) => seekers.filter((s) => ownerOf(s.seekerId) === index).length)
    expect(owned[0]).toBeGreaterThan(0)
    expect(owned[1]).toBeGreaterThan(0)
    expect(expected).toHaveLength(jobs.length * seekers.length)
  })

  it("scores on shard 0 only the seekers it owns, each pair once, as the unsharded scorer does", async () => {
    shards.push(await startShard(0))
    await caughtUp(0)
    const published = await onTopic()
    const mine = expected.filter((p) => ownerOf(p.match.seekerId) === 0)
    expect(published.map(pairOf).sort()).toEqual(mine.map(pairOf).sort())
    expect(published.sort((a, b) => pairOf(a).localeCompare(pairOf(b)))).toEqual(mine.sort((a, b) => pairOf(a).localeCompare(pairOf(b))))
  }, 180_000)

  it("with shard 1 started, has every pair on jobs.scored exactly once, equal to the unsharded scorer's", async () => {
    shards.push(await startShard(1))
    await caughtUp(1)
    const published = await onTopic()
    const byPair = new Map(published.map((p) => [pairOf(p), p]))
    expect(published).toHaveLength(expected.length)
    expect(byPair.size).toBe(expected.length)
    for (const want of expected) expect(byPair.get(pairOf(want))).toEqual(want)
    const pairsOf = (index: number) => jobs.length * seekers.filter((s) => ownerOf(s.seekerId) === index).length
    await until("shard 1's counters reported", async () => (await shards[1]!.counter("score.out.jobs.scored")) === pairsOf(1))
    expect(await shards[0]!.counter("score.out.jobs.scored")).toBe(pairsOf(0))
  }, 180_000)

  it("re-scores a seeker whose preferences changed on the shard that owns them, and only there", async () => {
    const changed = seekers.find((s) => ownerOf(s.seekerId) === 1)!
    const before = await onTopic()
    const shard0In = await shards[0]!.counter("score.in")
    const shard0Out = await shards[0]!.counter("score.out.jobs.scored")
    const event: SeekerEvent = {
      eventId: `shard-test-prefs-${changed.seekerId}`,
      seekerId: changed.seekerId,
      type: "preferences_updated",
      resumeId: `resume-${changed.seekerId}`,
      at: new Date().toISOString()
    }
    const rescored = await run(
      Effect.gen(function* () {
        const db = yield* Postgres
        yield* db.query("UPDATE seekers SET preferences = $2 WHERE seeker_id = $1", [
          changed.seekerId,
          JSON.stringify({ ...changed.preferences, targetTitles: ["Pastry Chef"], mustHaveSkills: [] })
        ])
        const out = fromEnvelopes(yield* reference.handle([asRecord(encode(Topics.seekerEvents, event), 0)]))
        yield* Effect.flatMap(Kafka, (k) => k.send([encode(Topics.seekerEvents, event)]))
        return out
      })
    )
    expect(rescored).toHaveLength(jobs.length)
    expect(rescored.every((p) => p.match.seekerId === changed.seekerId)).toBe(true)
    // The change mattered: some of the seeker's scores moved.
    const old = new Map(before.map((p) => [pairOf(p), p]))
    expect(rescored.some((p) => JSON.stringify(p.match) !== JSON.stringify(old.get(pairOf(p))!.match))).toBe(true)

    // Shard 0 reads the event too (its `score.in` grows) and publishes nothing for it.
    await caughtUp(1)
    await caughtUp(0)
    await until("shard 0 read the event", async () => (await shards[0]!.counter("score.in")) === shard0In + 1)
    expect(await shards[0]!.counter("score.out.jobs.scored")).toBe(shard0Out)
    const after = await onTopic()
    // A re-scored pair has new inputs (the seeker's basis), so a new event id: nothing published before repeats.
    const earlier = new Set(before.map((p) => JSON.stringify(p)))
    const added = after.filter((p) => !earlier.has(JSON.stringify(p)))
    expect(after).toHaveLength(before.length + rescored.length)
    expect(added.sort((a, b) => pairOf(a).localeCompare(pairOf(b)))).toEqual(rescored.sort((a, b) => pairOf(a).localeCompare(pairOf(b))))
  }, 180_000)
})
