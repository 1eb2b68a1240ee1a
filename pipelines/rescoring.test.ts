import { createHash, randomBytes } from "node:crypto"
import { ConfigProvider, Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { testConfig, testJob } from "./testing.js"
import { decode, encode, Headers, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import { toEvent } from "../sinks/clickhouseEvents.js"
import type { SourceName } from "../sinks/kpiCatalogue.js"
import { runKpi } from "../sinks/kpis.js"
import * as Postgres from "../stack/Postgres.js"
import { makeScorer } from "../processors/scorer.js"

/**
 * A replayed job scored again for an unchanged seeker: the jobs seen in between move BM25's statistics and so the
 * score, but the scoring event is the same event (same id), and the ClickHouse KPIs count it once. On the real
 * stack (the test databases, the local embedding model).
 */

const config = testConfig()
const runtime = ManagedRuntime.make(config.layer)
const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) => runtime.runPromise(effect)

const tag = randomBytes(4).toString("hex")
const source = `replay-test-${tag}` as SourceName
const seekerId = `seeker-replay-${tag}`

const resume = `Senior data engineer. Eight years building batch and streaming pipelines in Python and Scala on
Spark, Kafka and Airflow; dimensional modelling in PostgreSQL and Snowflake; dbt; data quality checks and lineage;
AWS (S3, EMR, Glue); mentoring two junior engineers.`

const job = (n: number, title: string, description: string) => testJob(source, n, title, description)

// Three of the resume's words among many it lacks: the share of the posting's BM25 weight the resume covers stays
// well inside the score's calibrated range, where it moves the score.
const replayed = job(
  0,
  "Platform Engineer",
  "Python, Spark and Kafka in places. Mostly: Kubernetes operators, Terraform modules, Envoy proxies, gRPC " +
    "services in Rust, observability with Prometheus and Grafana, incident response rotations, capacity planning, " +
    "chaos experiments, blue green deployments, Vault secrets, Istio meshes, eBPF tracing, Nix builds."
)

/** Postings that use those three words as well, so that each weighs less in every posting afterwards. */
const crowd = Array.from({ length: 120 }, (_, n) =>
  job(n + 1, `Pipeline Engineer ${n + 1}`, `Python, Spark and Kafka pipelines for team ${n + 1}.`)
)

const asRecord = (envelope: Envelope, offset: number): Received => ({ ...envelope, partition: 0, offset, timestamp: Date.now() })

describe("re-scoring a replayed job for an unchanged seeker", () => {
  let first: Envelope
  let again: Envelope

  beforeAll(async () => {
    await run(
      Effect.gen(function* () {
        yield* Postgres.migrate
        yield* ClickHouse.migrate
        const db = yield* Postgres.Postgres
        yield* db.query("INSERT INTO seekers (seeker_id, name, api_key_hash) VALUES ($1, $2, $3)", [seekerId, "Replay Test", `hash-${tag}`])
        yield* db.query(
          "INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary) VALUES ($1, $2, 'text/plain', $3, $4, true)",
          [`resume-${tag}`, seekerId, resume, createHash("sha256").update(resume).digest("hex")]
        )
        // Every pair published, whatever its score: the test looks at one seeker's.
        const scorer = yield* makeScorer.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["JOBSTREAM_SCORE_FLOOR", "0"]]))))
        const mine = (out: ReadonlyArray<Envelope>) => {
          const found = out.filter((e) => e.topic === Topics.scored.name && JSON.parse(e.value.toString()).seekerId === seekerId)
          expect(found).toHaveLength(1)
          return found[0]!
        }
        const record = asRecord(encode(Topics.unique, replayed), 0)
        first = mine(yield* scorer.handle([record]))
        yield* scorer.handle(crowd.map((j, i) => asRecord(encode(Topics.unique, j), i + 1)))
        // A replay comes later; ClickHouse rows tell the newer by the second.
        yield* Effect.sleep("1100 millis")
        again = mine(yield* scorer.handle([record]))
      })
    )
  }, 240_000)

  afterAll(async () => {
    await run(Effect.flatMap(Postgres.Postgres, (db) => db.query("DELETE FROM seekers WHERE seeker_id = $1", [seekerId])))
    await runtime.dispose()
  })

  const matchOf = (envelope: Envelope) => {
    const decoded = decode(Topics.scored, asRecord(envelope, 0))
    if (decoded._tag === "Left") throw decoded.left
    return decoded.right
  }

  it("gets a different score, from the moved corpus statistics", () => {
    expect(matchOf(again).components.lexical).not.toBe(matchOf(first).components.lexical)
    expect(matchOf(again).score).not.toBe(matchOf(first).score)
  })

  it("carries the same event id, and says the inputs it was computed from", () => {
    expect(again.headers[Headers.eventId]).toBe(first.headers[Headers.eventId])
    expect(matchOf(again).inputs).toEqual({ jobContentHash: replayed.contentHash, seekerBasis: expect.stringMatching(/^[0-9a-f]{32}$/) })
    expect(matchOf(again).inputs).toEqual(matchOf(first).inputs)
  })

  it("counts once in the ClickHouse score distribution and decisions split, at the newest score", async () => {
    const now = Date.now()
    const filters = { from: new Date(now - 3_600_000), to: new Date(now + 3_600_000), source }
    const counts = await run(
      Effect.gen(function* () {
        const ch = yield* ClickHouse.ClickHouse
        yield* ch.insert("pipeline_events", [toEvent(asRecord(first, 0)), toEvent(asRecord(again, 1))])
        return {
          distribution: yield* runKpi("score_distribution", filters),
          decisions: yield* runKpi("decisions", filters)
        }
      })
    )
    const newest = matchOf(again)
    expect(counts.distribution.filter((r) => Number(r.matches) > 0)).toEqual([
      { bucket: Math.min(Math.floor(newest.score / 10), 9) * 10, matches: 1 }
    ])
    expect(counts.decisions.filter((r) => Number(r.matches) > 0)).toEqual([{ decision: newest.decision, matches: 1, rate: 1 }])
  })
})
