import { ConfigProvider, Effect, ManagedRuntime, Schema } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { decode, encode, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { Job } from "../schemas/Job.js"
import type { Match } from "../schemas/Seeker.js"
import { makeScorer } from "../processors/scorer.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { postgresMatches } from "../sinks/postgresMatches.js"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { testConfig, testJob } from "./testing.js"

/**
 * A seeker's own model on the real stack (PostgreSQL, the local embedding model, the API): the seeker turns down,
 * through the API, several jobs that require C++; the scorer, told by the `feedback_learned` event the API wrote
 * to the outbox, scores their matches again. Jobs that require C++ and were not decided drop, the others move far
 * less, the explanation names the trait, and a scorer started afresh (a restart) scores the same. Then what the
 * seeker's best matches ask for that the resume lacks (`/gaps`), against the explanations PostgreSQL holds.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) => runtime.runPromise(effect)

const source = "feedback-test"
const resume = `Backend engineer, seven years. Services in Python and Go on PostgreSQL and Redis, deployed on Kubernetes
with Terraform; REST and gRPC APIs, Kafka consumers, observability with Prometheus. Some C++ at university.`

const job = (n: number, title: string, description: string) => testJob(source, n, title, description, `Company ${n}`)

const domains = ["payments", "trading", "logistics", "search", "telemetry", "ads", "maps", "billing"]
/** Backend jobs that require C++ (the trait), and backend jobs alike in every other way that do not. */
const cpp = domains.map((d, i) =>
  job(i, "Backend Engineer", `We build ${d} services.\n\nRequirements:\n- 5+ years of modern C++ (C++17)\n- Linux, networking, PostgreSQL\n\nNice to have: Python, Kubernetes`)
)
const other = domains.map((d, i) =>
  job(100 + i, "Backend Engineer", `We build ${d} services.\n\nRequirements:\n- 5+ years of Python\n- Linux, networking, PostgreSQL\n\nNice to have: Go, Kubernetes`)
)
/** The rest of a seeker's matches: other backend and platform roles, other stacks. */
const titles = ["Platform Engineer", "Site Reliability Engineer", "Software Engineer", "Data Engineer"]
const stacks = ["Go and gRPC", "Java and Spring", "Python and Django", "TypeScript and Node.js", "Scala and Kafka", "Ruby on Rails"]
const varied = titles.flatMap((t, i) =>
  stacks.map((st, k) => job(200 + i * 10 + k, t, `We run ${domains[(i + k) % domains.length]} systems.\n\nRequirements:\n- 3+ years of ${st}\n- PostgreSQL, Docker\n\nNice to have: Kubernetes, Terraform`))
)
/** The ones the seeker turns down; the rest of `cpp` they never decide. */
const decided = cpp.slice(0, 5)
const undecided = cpp.slice(5)

const asRecord = (envelope: Envelope, offset: number): Received => ({ ...envelope, partition: 0, offset, timestamp: Date.now() })
const matchesOf = (out: ReadonlyArray<Envelope>) =>
  new Map(
    out
      .filter((e) => e.topic === Topics.scored.name)
      .map((e) => {
        const decoded = decode(Topics.scored, asRecord(e, 0))
        if (decoded._tag === "Left") throw decoded.left
        return [decoded.right.jobId, decoded.right] as const
      })
  )

const OutboxRow = Schema.Struct({ topic: Schema.String, key: Schema.NullOr(Schema.String), value: Schema.instanceOf(Buffer), headers: Schema.Record({ key: Schema.String, value: Schema.String }) })

let api: FastifyInstance
let auth: { authorization: string }
let before: Map<string, Match>
let after: Map<string, Match>
let restarted: Map<string, Match>
const answers: Array<{ status: number; ms: number; body: { labels: number; reasons: Array<string> } }> = []

beforeAll(async () => {
  await run(Effect.andThen(resetStores, prepare))
  api = makeApi(await runtime.runtime())
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Lena Fischer" } })
  auth = { authorization: `Bearer ${(created.json() as { apiKey: string }).apiKey}` }
  const uploaded = await api.inject({ method: "POST", url: "/seekers/me/resumes", headers: { ...auth, "content-type": "text/plain" }, payload: resume })
  expect(uploaded.statusCode).toBe(201)

  const floorZero = Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["JOBSTREAM_SCORE_FLOOR", "0"]])))
  // The running scorer, which knows the seeker as they were before their decisions.
  const scorer = await run(floorZero(makeScorer))
  const records = [...cpp, ...other, ...varied].map((j, i) => asRecord(encode(Topics.unique, j), i))
  // Every pair is published (floor 0), stored by the real sinks.
  const scoreAndStore = (batch: ReadonlyArray<Received>) =>
    Effect.gen(function* () {
      const out = yield* scorer.handle(batch)
      yield* postgresMatches.handle(out.map((e, i) => asRecord(e, i)))
      return matchesOf(out)
    })
  before = await run(
    Effect.gen(function* () {
      yield* postgresJobs.handle(records)
      return yield* scoreAndStore(records)
    })
  )

  for (const j of decided) {
    const started = performance.now()
    const response = await api.inject({ method: "PUT", url: `/seekers/me/matches/${j.jobId}/feedback`, headers: auth, payload: { verdict: "down" } })
    answers.push({ status: response.statusCode, ms: performance.now() - started, body: response.json() })
  }

  after = await run(
    Effect.gen(function* () {
      const db = yield* Postgres
      // What the relay would carry to the scorer: the events the API wrote to the outbox.
      const events = yield* db.rows(OutboxRow, "SELECT topic, key, value, headers FROM outbox WHERE topic = $1 ORDER BY id", [Topics.seekerEvents.name])
      return yield* scoreAndStore(events.map((e, i) => asRecord(e, i)))
    })
  )
  // A scorer started afresh reads the model from PostgreSQL.
  restarted = await run(Effect.flatMap(floorZero(makeScorer), (scorer) => Effect.map(scorer.handle(records), matchesOf)))
}, 300_000)

afterAll(async () => {
  await api?.close()
  await run(dropNamespace)
  await runtime.dispose()
})

describe("a seeker's own model, learned from their thumbs, on the real stack", () => {
  it("answers each thumbs down with the labels learned from, and names the trait once several agree", () => {
    expect(answers.map((a) => [a.status, a.body.labels])).toEqual(decided.map((_, i) => [200, i + 1]))
    expect(answers.at(-1)!.body.reasons[0]).toMatch(/^you turned down 5 jobs that require C\+\+$/)
    console.log(`thumbs down answered (label stored, model trained on it and ${decided.length - 1} more, with background) in ${answers.map((a) => a.ms.toFixed(0)).join(", ")} ms`)
  })

  it("scores the undecided C++ jobs lower, the others far less so, and says why", () => {
    const drop = (j: Job) => before.get(j.jobId)!.score - after.get(j.jobId)!.score
    for (const j of undecided) {
      expect(drop(j)).toBeGreaterThanOrEqual(10)
      const learned = after.get(j.jobId)!.explanation.learned
      expect(learned?.points).toBeLessThanOrEqual(-10)
      expect(learned?.reasons).toContain("you turned down 5 jobs that require C++")
    }
    const meanDrop = (js: ReadonlyArray<Job>) => js.reduce((s, j) => s + drop(j), 0) / js.length
    console.log(
      `mean drop: undecided C++ jobs ${meanDrop(undecided).toFixed(1)} points, the same jobs without C++ ${meanDrop(other).toFixed(1)}, ` +
        `other roles ${meanDrop(varied).toFixed(1)}`
    )
    expect(meanDrop(other)).toBeLessThan(meanDrop(undecided) / 2)
  })

  it("keeps the model through a restart: a new scorer gives the same scores", () => {
    for (const j of [...cpp, ...other]) expect([j.jobId, restarted.get(j.jobId)!.score]).toEqual([j.jobId, after.get(j.jobId)!.score])
  })

  it("answers 404 for a job that is no match of the seeker's, and 400 for a verdict it does not know", async () => {
    const none = await api.inject({ method: "PUT", url: `/seekers/me/matches/${"0".repeat(32)}/feedback`, headers: auth, payload: { verdict: "down" } })
    expect(none.statusCode).toBe(404)
    const bad = await api.inject({ method: "PUT", url: `/seekers/me/matches/${cpp[0]!.jobId}/feedback`, headers: auth, payload: { verdict: "meh" } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/verdict/)
    const stranger = await api.inject({ method: "PUT", url: `/seekers/${"x".repeat(8)}/matches/${cpp[0]!.jobId}/feedback`, headers: auth, payload: { verdict: "up" } })
    expect(stranger.statusCode).toBe(403)
  })
})

describe("GET /seekers/me/gaps: what the seeker's best matches ask for that the resume does not show", () => {
  it("counts each skill over the best matches as PostgreSQL's explanations hold them, required first, with examples", async () => {
    const response = await api.inject({ method: "GET", url: "/seekers/me/gaps?limit=20", headers: auth })
    expect(response.statusCode).toBe(200)
    const body = response.json() as {
      matchesConsidered: number
      gaps: Array<{ skill: string; required: number; jobs: number; examples: Array<{ jobId: string }> }>
    }
    const best = await run(
      Effect.flatMap(Postgres, (db) =>
        db.rows(
          Schema.Struct({ job_id: Schema.String, explanation: Schema.Struct({ missingMustHaves: Schema.Array(Schema.String), missingSkills: Schema.Array(Schema.String) }) }),
          `SELECT m.job_id, m.explanation FROM matches m JOIN jobs j USING (job_id)
           WHERE j.closed_at IS NULL AND m.decision <> 'reject' ORDER BY m.score DESC, m.job_id LIMIT 20`
        )
      )
    )
    expect(body.matchesConsidered).toBe(best.length)
    const counted = new Map<string, { required: number; jobs: number }>()
    for (const m of best)
      for (const [skills, required] of [[m.explanation.missingMustHaves, 1], [m.explanation.missingSkills, 0]] as const)
        for (const skill of skills) {
          const c = counted.get(skill) ?? { required: 0, jobs: 0 }
          counted.set(skill, { required: c.required + required, jobs: c.jobs + 1 })
        }
    expect(body.gaps.length).toBeGreaterThan(0)
    for (const gap of body.gaps) {
      expect([gap.skill, gap.required, gap.jobs]).toEqual([gap.skill, counted.get(gap.skill)?.required, counted.get(gap.skill)?.jobs])
      expect(gap.examples.length).toBeGreaterThan(0)
      expect(gap.examples.length).toBeLessThanOrEqual(3)
      for (const e of gap.examples) {
        const m = best.find((b) => b.job_id === e.jobId)!
        expect([...m.explanation.missingMustHaves, ...m.explanation.missingSkills]).toContain(gap.skill)
      }
    }
    const order = body.gaps.map((g) => [-g.required, -g.jobs])
    expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!))
    // The top gap is the one most of the best matches require.
    const most = Math.max(...[...counted.values()].map((c) => c.required))
    expect(body.gaps[0]!.required).toBe(most)
  })

  it("is the seeker's own: another seeker's id is a 403, a bad limit a 400", async () => {
    expect((await api.inject({ method: "GET", url: "/seekers/someone-else/gaps", headers: auth })).statusCode).toBe(403)
    expect((await api.inject({ method: "GET", url: "/seekers/me/gaps?limit=0", headers: auth })).statusCode).toBe(400)
    expect((await api.inject({ method: "GET", url: "/seekers/me/gaps" })).statusCode).toBe(401)
  })
})
