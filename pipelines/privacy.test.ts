import { randomUUID } from "node:crypto"
import ckjs from "@confluentinc/kafka-javascript"
import { ConfigProvider, Effect, ManagedRuntime, Schema } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { allTopics, encode, Topics, type Envelope, type Received } from "../schemas/Envelope.js"
import type { ReviewEvent } from "../schemas/Review.js"
import { Embedder } from "../processors/Embedder.js"
import { makeScorer } from "../processors/scorer.js"
import { clickhouseEvents } from "../sinks/clickhouseEvents.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { postgresMatches } from "../sinks/postgresMatches.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { enqueue, relayOutbox } from "../stack/outbox.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { approvalMessages } from "./approvals.js"
import { recordNotifications } from "../sinks/notifications.js"
import { withServices } from "./ingest.js"
import { seekerHash } from "./SeekerData.js"
import { testConfig, testJob } from "./testing.js"

/**
 * Issue 15 on the real stack: a seeker whose data went everywhere the pipeline takes it (PostgreSQL through the
 * API and the real sinks, Kafka through the outbox and the stages' outputs, ClickHouse through its sink, the
 * embedding cache through the scorer) exports it, then erases it; afterwards every PostgreSQL table, every
 * ClickHouse table and every topic of the test's namespace is searched for their name, email and a phrase of
 * their resume. Each search is first shown to find what it looks for before the erasure, so a store the erasure
 * skipped fails the test rather than passing unsearched.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const run = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) => runtime.runPromise(effect)

const name = "Zephyrine Quillfeather-Abernathy"
const email = "zq.abernathy.4471@example.net"
const phrase = "lighthouse telemetry for migrating narwhals"
const needles = [name, email, phrase]
const resume = `Data engineer, six years. Built ${phrase} on Python, Spark and Airflow; SQL on PostgreSQL and
ClickHouse, streaming with Kafka, dashboards in Grafana. Mentored two juniors.`
const otherName = "Control Seeker Who Stays"
const otherResume = "Backend engineer: Go, PostgreSQL, Kubernetes, gRPC services, on-call for payments."

const source = "privacy-test"
const jobs = [
  testJob(source, 1, "Data Engineer", "Requirements:\n- Python, Spark, Airflow\n- SQL, Kafka\n\nNice to have: ClickHouse"),
  testJob(source, 2, "Analytics Engineer", "Requirements:\n- SQL, dbt\n- Python\n\nNice to have: Grafana"),
  testJob(source, 3, "Backend Engineer", "Requirements:\n- Go, PostgreSQL\n- Kubernetes\n\nNice to have: gRPC")
]
const later = testJob(source, 4, "Streaming Data Engineer", "Requirements:\n- Kafka, Python, Spark\n- SQL")

const asRecords = (envelopes: ReadonlyArray<Envelope>): Array<Received> =>
  envelopes.map((e, i) => ({ ...e, partition: 0, offset: i, timestamp: Date.now() }))

// ---------------------------------------------------------------------------------------------------------------
// The scans: every table and topic there is, not a list of the ones expected to hold something.

interface Hit {
  readonly where: string
  readonly needle: string
}

const find = (where: string, text: string, search: ReadonlyArray<string>): Array<Hit> =>
  search.filter((n) => text.toLowerCase().includes(n.toLowerCase())).map((needle) => ({ where, needle }))

const cell = (v: unknown): string =>
  Buffer.isBuffer(v) ? v.toString("utf8") : v instanceof Date ? v.toISOString() : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)

/** Every row of every table of the test database, as PostgreSQL casts it to text and with bytea read as UTF-8. */
const scanPostgres = (search: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const db = yield* Postgres
    const tables = yield* db.rows(
      Schema.Struct({ table_name: Schema.String }),
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    const hits: Array<Hit> = []
    for (const { table_name } of tables) {
      const rows = yield* db.query(`SELECT t::text AS "row text", t.* FROM "${table_name}" t`)
      for (const row of rows) hits.push(...find(`postgres ${table_name}`, Object.values(row).map(cell).join("\u0000"), search))
    }
    return { tables: tables.map((t) => t.table_name), hits }
  })

/** Every row of every table of the test database (aggregate states finalized, so they read as values). */
const scanClickHouse = (search: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const ch = yield* ClickHouse
    const tables = yield* ch.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('MaterializedView', 'View') ORDER BY name"
    )
    const hits: Array<Hit> = []
    for (const { name: table } of tables) {
      const columns = yield* ch.query<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = '${table}'`
      )
      const list = columns
        .map((c) => (c.type.startsWith("AggregateFunction") ? `toString(finalizeAggregation(\`${c.name}\`)) AS \`${c.name}\`` : `\`${c.name}\``))
        .join(", ")
      const rows = yield* ch.query<Record<string, unknown>>(`SELECT ${list} FROM \`${table}\``)
      for (const row of rows) hits.push(...find(`clickhouse ${table}`, JSON.stringify(row), search))
    }
    return { tables: tables.map((t) => t.name), hits }
  })

/** Every topic of this test's namespace, as the broker lists them. */
const namespaceTopics = Effect.gen(function* () {
  const { settings } = yield* Kafka
  const admin = new ckjs.KafkaJS.Kafka({ kafkaJS: { brokers: settings.brokers.split(","), logLevel: ckjs.KafkaJS.logLevel.NOTHING } }).admin()
  return yield* Effect.promise(async () => {
    await admin.connect()
    try {
      return (await admin.listTopics()).filter((t) => t.startsWith(settings.namespace)).map((t) => t.slice(settings.namespace.length))
    } finally {
      await admin.disconnect()
    }
  })
})

const compacted = (topic: string) =>
  (allTopics.find((t) => t.name === topic) as { config?: Record<string, string> } | undefined)?.config?.["cleanup.policy"]?.includes("compact") ?? false

/**
 * Every topic of the namespace. A compacted topic keeps the latest value per key: that value must be a tombstone
 * or free of `search`. Any other topic keeps everything until retention: no message may hold `search`, in its key,
 * value or headers.
 */
const scanKafka = (search: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const topics = yield* namespaceTopics
    const hits: Array<Hit> = []
    let messages = 0
    for (const topic of topics) {
      const all = yield* readWithKcat(topic)
      messages += all.length
      const kept = compacted(topic) ? [...new Map(all.map((m) => [m.key, m] as const)).values()] : all
      for (const m of kept) hits.push(...find(`kafka ${topic}`, `${m.key ?? ""}\u0000${m.value}\u0000${JSON.stringify(m.headers)}`, search))
    }
    return { topics, messages, hits }
  })

// ---------------------------------------------------------------------------------------------------------------

const scoredEnough = Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["JOBSTREAM_SCORE_FLOOR", "0"]])))

/** The outbox to Kafka, as the relay does it, until it is empty. */
const relay = relayOutbox({ batch: 500, idle: "100 millis" }).pipe(Effect.timeout("3 seconds"), Effect.ignore)

/** Records of `topics` on Kafka from `after` on (offsets per topic and partition), as a stage would get them. */
const consume = (topics: ReadonlyArray<string>, after = new Set<string>()) =>
  Effect.gen(function* () {
    const out: Array<Received> = []
    for (const topic of topics)
      for (const m of yield* readWithKcat(topic)) {
        const id = `${topic}/${m.partition}/${m.offset}`
        if (after.has(id)) continue
        after.add(id)
        out.push({ topic, partition: m.partition, offset: m.offset, key: m.key, value: Buffer.from(m.value), headers: m.headers })
      }
    return out
  })

/** Waits until ClickHouse has applied every mutation recorded in the test database. */
const mutationsDone = Effect.gen(function* () {
  const ch = yield* ClickHouse
  for (let i = 0; i < 600; i++) {
    const [row] = yield* ch.query<{ n: string | number }>("SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND is_done = 0")
    if (Number(row?.n ?? 0) === 0) return
    yield* Effect.sleep("100 millis")
  }
  return yield* Effect.dieMessage("ClickHouse mutations not done within 60 s")
})

let api: FastifyInstance
let seekerId: string
let auth: { authorization: string }
let otherId: string
let otherAuth: { authorization: string }
let resumeKey: string
let otherKey: string
const seen = new Set<string>()
let scorer: Effect.Effect.Success<typeof makeScorer>
let before: {
  postgres: Effect.Effect.Success<ReturnType<typeof scanPostgres>>
  clickhouse: Effect.Effect.Success<ReturnType<typeof scanClickHouse>>
  kafka: Effect.Effect.Success<ReturnType<typeof scanKafka>>
  embeddings: number
}
let exported: { status: number; body: Record<string, unknown>; ms: number }
let erasure: { status: number; body: { erasedAt: string; erased: Record<string, number> }; ms: number }
let after: typeof before
let scoredLater: Array<string>

const sinkSubscribed = clickhouseEvents.topics

beforeAll(async () => {
  const started = performance.now()
  await run(Effect.andThen(resetStores, prepare))
  api = makeApi(await runtime.runtime())
  const create = async (who: string, mail: string | undefined, text: string) => {
    const created = await api.inject({ method: "POST", url: "/seekers", payload: mail === undefined ? { name: who } : { name: who, email: mail } })
    const { seekerId: id, apiKey } = created.json() as { seekerId: string; apiKey: string }
    const headers = { authorization: `Bearer ${apiKey}` }
    const uploaded = await api.inject({ method: "POST", url: "/seekers/me/resumes?filename=cv.txt", headers: { ...headers, "content-type": "text/plain" }, payload: text })
    expect(uploaded.statusCode).toBe(201)
    return { id, headers }
  }
  ;({ id: seekerId, headers: auth } = await create(name, email, resume))
  ;({ id: otherId, headers: otherAuth } = await create(otherName, undefined, otherResume))

  // Jobs to PostgreSQL and Kafka, scored for both seekers by the real scorer, the matches to Kafka and through the
  // real sink to PostgreSQL.
  scorer = await run(scoredEnough(makeScorer))
  const jobRecords = asRecords(jobs.map((j) => encode(Topics.unique, j)))
  await run(
    Effect.gen(function* () {
      const kafka = yield* Kafka
      yield* postgresJobs.handle(jobRecords)
      const scored = yield* scorer.handle(jobRecords)
      yield* kafka.send([...jobs.map((j) => encode(Topics.unique, j)), ...scored])
      yield* postgresMatches.handle(asRecords(scored))
    })
  )

  // The seeker's own doings through the API: an application (with a note of their own) moved to interview, a thumbs up.
  const applied = await api.inject({
    method: "POST",
    url: "/seekers/me/applications",
    headers: auth,
    payload: { jobId: jobs[0]!.jobId, status: "applied", note: `Referred by a friend; mention the ${phrase}` }
  })
  expect(applied.statusCode).toBe(201)
  const applicationId = (applied.json() as { application: { applicationId: string } }).application.applicationId
  const moved = await api.inject({ method: "POST", url: `/seekers/me/applications/${applicationId}/moves`, headers: auth, payload: { to: "interview" } })
  expect(moved.statusCode).toBe(200)
  const thumbs = await api.inject({ method: "PUT", url: `/seekers/me/matches/${jobs[1]!.jobId}/feedback`, headers: auth, payload: { verdict: "up" } })
  expect(thumbs.statusCode).toBe(200)
  // Their notification settings (a webhook), and a notification that names them with its delivery.
  const notifying = await api.inject({
    method: "PUT",
    url: "/seekers/me/notifications/settings",
    headers: auth,
    payload: { webhookUrl: "https://hooks.example.org/jobstream", email: true }
  })
  expect(notifying.statusCode).toBe(200)
  await run(
    Effect.flatMap(Postgres, (db) =>
      db.transaction((tx) =>
        recordNotifications(
          tx,
          [{ notificationId: `n-${randomUUID()}`, seekerId, kind: "match", title: `For ${name}`, body: `${name}, a new match`, jobId: jobs[0]!.jobId, applicationId: null, data: {} }],
          new Map([[seekerId, { seekerId, matchThreshold: 70, webhook: true, email: false, quietFrom: null, quietTo: null, digestAt: null, timeZone: "UTC" }]])
        )
      )
    )
  )

  // A reviewer's decision about one of their matches (the note names them), its review event, and an approval of
  // another, through the outbox as the desk writes it.
  await run(
    Effect.gen(function* () {
      const db = yield* Postgres
      const taskId = `task-${randomUUID()}`
      yield* db.query(
        `INSERT INTO review_tasks (task_id, kind, seeker_id, job_id, score, status, due_at, outcome, decision, decided_by, ended_at)
         VALUES ($1, 'match', $2, $3, 55, 'decided', now(), 'rejected', $4, 'st_reviewer', now())`,
        [taskId, seekerId, jobs[2]!.jobId, JSON.stringify({ action: "reject", reason: "skills_mismatch", note: `${name} has no Go` })]
      )
      const event: ReviewEvent = {
        eventId: randomUUID(),
        type: "decided",
        at: new Date().toISOString(),
        taskId,
        kind: "match",
        reviewerId: "st_reviewer",
        seekerId,
        jobId: jobs[2]!.jobId,
        source,
        score: 55,
        outcome: "rejected",
        waitMs: 1000,
        strikes: null
      }
      const [primary] = yield* db.rows(Schema.Struct({ resume_id: Schema.String }), "SELECT resume_id FROM resumes WHERE seeker_id = $1", [seekerId])
      yield* db.transaction((tx) =>
        Effect.gen(function* () {
          const approved = yield* approvalMessages(tx, [
            { seekerId, jobId: jobs[0]!.jobId, resumeId: primary!.resume_id, by: "seeker", reviewerId: null, taskId: null }
          ])
          yield* enqueue(tx, [...approved, encode(Topics.reviewEvents, event)])
        })
      )
      // The thumbs' `feedback_learned` (and every other event) to Kafka; the scorer learns of it as it would.
      yield* relay
      yield* scorer.handle(yield* consume([Topics.seekerEvents.name], seen))
      // The ClickHouse sink over everything it subscribes to.
      yield* clickhouseEvents.handle(yield* consume(sinkSubscribed, new Set()))
      yield* mutationsDone
      const embedder = yield* Embedder
      resumeKey = embedder.cacheKey(resume)
      otherKey = embedder.cacheKey(otherResume)
    })
  )

  const embeddingsOf = (key: string) =>
    Effect.flatMap(Postgres, (db) => Effect.map(db.query("SELECT 1 FROM embeddings WHERE key = $1", [key]), (rows) => rows.length))
  const scanAll = (extra: ReadonlyArray<string>) =>
    run(
      Effect.all({
        postgres: scanPostgres([...needles, ...extra]),
        clickhouse: scanClickHouse([...needles, ...extra]),
        kafka: scanKafka([...needles, ...extra]),
        embeddings: embeddingsOf(resumeKey)
      })
    )
  before = await scanAll([seekerId, otherName])

  let t = performance.now()
  const exportAnswer = await api.inject({ method: "GET", url: "/seekers/me/export", headers: auth })
  exported = { status: exportAnswer.statusCode, body: exportAnswer.json(), ms: performance.now() - t }

  t = performance.now()
  const deleted = await api.inject({ method: "DELETE", url: "/seekers/me", headers: auth })
  erasure = { status: deleted.statusCode, body: deleted.json(), ms: performance.now() - t }

  // What follows the erasure: its event to Kafka; the running scorer and the ClickHouse sink get it, as their
  // consumers would; then a new job for the scorer.
  await run(
    Effect.gen(function* () {
      yield* relay
      const events = yield* consume([Topics.seekerEvents.name], seen)
      yield* scorer.handle(events)
      yield* clickhouseEvents.handle(events)
      yield* mutationsDone
      const scored = yield* scorer.handle(asRecords([encode(Topics.unique, later)]))
      scoredLater = scored.map((e) => JSON.parse(e.value.toString("utf8")).seekerId as string)
    })
  )
  after = await scanAll([seekerId, otherName])
  console.log(`set up, exported, erased and scanned everything in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}, 300_000)

afterAll(async () => {
  await api?.close()
  await run(dropNamespace)
  await runtime.dispose()
})

describe("GET /seekers/:seekerId/export", () => {
  it("answers one JSON document with everything held about the seeker", () => {
    expect(exported.status).toBe(200)
    const doc = exported.body as {
      seekerId: string
      profile: { name: string; email: string }
      resumes: Array<{ text: string; filename: string; primary: boolean }>
      matches: Array<{ jobId: string }>
      applications: Array<{ status: string; history: Array<{ to: string; note: string | null }> }>
      feedback: { labels: Array<{ kind: string }>; model: { labels: number } | null }
      reviews: Array<{ outcome: string; decision: { note: string } }>
      approvals: Array<{ jobId: string; approvedBy: string }>
      events: { pipeline: Array<{ event_type: string }>; reviews: Array<{ event_type: string }>; approvals: Array<{ job_id: string }> }
    }
    console.log(`export: ${JSON.stringify(doc).length} bytes in ${exported.ms.toFixed(0)} ms`)
    expect(doc.seekerId).toBe(seekerId)
    expect(doc.profile).toMatchObject({ name, email })
    expect(doc.resumes).toEqual([expect.objectContaining({ text: resume, filename: "cv.txt", primary: true })])
    expect(doc.matches.map((m) => m.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort())
    expect(doc.applications).toHaveLength(1)
    expect(doc.applications[0]!.history.map((h) => h.to)).toEqual(["applied", "interview"])
    expect(doc.applications[0]!.history[0]!.note).toContain(phrase)
    expect(doc.feedback.labels.map((l) => l.kind).sort()).toEqual(["interview", "thumbs_up"])
    expect(doc.feedback.model?.labels).toBe(2)
    expect(doc.reviews).toEqual([expect.objectContaining({ outcome: "rejected", decision: expect.objectContaining({ note: `${name} has no Go` }) })])
    expect(doc.approvals).toEqual([expect.objectContaining({ jobId: jobs[0]!.jobId, approvedBy: "seeker" })])
    expect(doc.events.pipeline.filter((e) => e.event_type === "scored")).toHaveLength(jobs.length)
    expect(doc.events.pipeline.some((e) => e.event_type === "application.interview")).toBe(true)
    expect(doc.events.reviews.map((e) => e.event_type)).toEqual(["decided"])
    expect(doc.events.approvals.map((e) => e.job_id)).toEqual([jobs[0]!.jobId])
    // Theirs only.
    expect(JSON.stringify(doc)).not.toContain(otherId)
    expect(JSON.stringify(doc)).not.toContain(otherName)
  })

  it("is the key's own seeker only: another seeker's id is a 403, no key a 401", async () => {
    expect((await api.inject({ method: "GET", url: `/seekers/${otherId}/export`, headers: otherAuth })).statusCode).toBe(200)
    expect((await api.inject({ method: "GET", url: `/seekers/${seekerId}/export`, headers: otherAuth })).statusCode).toBe(403)
    expect((await api.inject({ method: "DELETE", url: `/seekers/${seekerId}`, headers: otherAuth })).statusCode).toBe(403)
    expect((await api.inject({ method: "GET", url: "/seekers/me/export" })).statusCode).toBe(401)
  })
})

describe("DELETE /seekers/:seekerId, then every store searched for the seeker", () => {
  it("found the name, email and phrase in PostgreSQL, and the seeker's id in ClickHouse and on Kafka, before the erasure", () => {
    // The searches work: they find what is there. PostgreSQL holds all three needles (profile, resume, the
    // application's note, the reviewer's note); ClickHouse and Kafka hold ids only already, so the seeker id
    // stands in for "something tied to the person".
    const where = (hits: ReadonlyArray<Hit>, needle: string) => [...new Set(hits.filter((h) => h.needle === needle).map((h) => h.where))].sort()
    expect(where(before.postgres.hits, name)).toEqual(expect.arrayContaining(["postgres review_tasks", "postgres seekers"]))
    expect(where(before.postgres.hits, email)).toEqual(["postgres seekers"])
    expect(where(before.postgres.hits, phrase)).toEqual(expect.arrayContaining(["postgres application_history", "postgres resumes"]))
    expect(where(before.clickhouse.hits, seekerId)).toEqual(
      expect.arrayContaining(["clickhouse approved_applications", "clickhouse pipeline_events", "clickhouse review_events"])
    )
    expect(where(before.kafka.hits, seekerId)).toEqual(
      expect.arrayContaining(["kafka applications.approved", "kafka jobs.scored", "kafka seekers.events", "kafka applications.events"])
    )
    expect(before.embeddings).toBe(1)
    console.log(
      `scanned ${before.postgres.tables.length} PostgreSQL tables, ${before.clickhouse.tables.length} ClickHouse tables, ` +
        `${before.kafka.topics.length} topics (${before.kafka.messages} messages)`
    )
  })

  it("holds no name, email or resume text on any topic, even before the erasure", () => {
    expect(before.kafka.hits.filter((h) => needles.includes(h.needle))).toEqual([])
    expect(before.clickhouse.hits.filter((h) => needles.includes(h.needle))).toEqual([])
  })

  it("erases, says what went, and the key stops working", async () => {
    expect(erasure.status).toBe(200)
    console.log(`erasure answered in ${erasure.ms.toFixed(0)} ms: ${JSON.stringify(erasure.body.erased)}`)
    expect(erasure.body.erased).toEqual({
      embeddings: 1,
      notificationDeliveries: 1,
      notifications: 1,
      notificationSettings: 1,
      reviewTasks: 1,
      approvals: 1,
      feedbackLabels: 2,
      models: 1,
      applicationHistory: 2,
      applications: 1,
      matches: jobs.length,
      resumes: 1,
      seekers: 1
    })
    expect((await api.inject({ method: "GET", url: "/seekers/me", headers: auth })).statusCode).toBe(401)
    expect((await api.inject({ method: "GET", url: "/seekers/me/export", headers: auth })).statusCode).toBe(401)
    expect((await api.inject({ method: "DELETE", url: "/seekers/me", headers: auth })).statusCode).toBe(401)
  })

  it("leaves no name, email or resume phrase in any PostgreSQL table, and not the seeker's id either", () => {
    expect(after.postgres.tables).toEqual(before.postgres.tables)
    expect(after.postgres.hits.filter((h) => h.needle !== otherName)).toEqual([])
    // The other seeker is untouched.
    expect(after.postgres.hits.some((h) => h.needle === otherName && h.where === "postgres seekers")).toBe(true)
  })

  it("deletes the resume's vector from the embedding cache, and no other", async () => {
    expect(after.embeddings).toBe(0)
    const others = await run(Effect.flatMap(Postgres, (db) => db.query("SELECT 1 FROM embeddings WHERE key = $1", [otherKey])))
    expect(others).toHaveLength(1)
  })

  it("keeps an audit row: when, a hash of the id, the counts, and nothing of the person", async () => {
    const rows = await run(
      Effect.flatMap(Postgres, (db) => db.query<{ seeker_hash: string; erased: Record<string, number> }>("SELECT seeker_hash, erased FROM erasures"))
    )
    expect(rows).toEqual([{ seeker_hash: seekerHash(seekerId), erased: erasure.body.erased }])
  })

  it("leaves no row of the seeker in any ClickHouse table", () => {
    expect(after.clickhouse.tables).toEqual(before.clickhouse.tables)
    expect(after.clickhouse.hits).toEqual([])
  })

  it("leaves no name, email or resume phrase on any topic of the namespace, and announced the erasure", async () => {
    expect(after.kafka.topics.sort()).toEqual(before.kafka.topics.sort())
    expect(after.kafka.hits.filter((h) => needles.includes(h.needle))).toEqual([])
    const events = await run(readWithKcat(Topics.seekerEvents.name))
    expect(events.filter((m) => m.key === seekerId).map((m) => JSON.parse(m.value).type)).toContain("seeker_erased")
  })

  it("makes the running scorer forget the seeker: a new job is scored for the other seeker only", () => {
    expect(scoredLater).toEqual([otherId])
  })
})
