import { Duration, Effect, Fiber, ManagedRuntime, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DeadLetterTopic, encode, hashId, Headers, Topics, type Envelope } from "../schemas/Envelope.js"
import type { ApprovedApplication, ReviewEvent } from "../schemas/Review.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { runStage } from "../stack/stage.js"
import { dropNamespace, readWithKcat, resetStores, stackTestConfig } from "../stack/testing.js"
import { clickhouseEvents } from "./clickhouseEvents.js"
import type { KpiFilters, KpiName, SourceName } from "./kpiCatalogue.js"
import { runKpi } from "./kpis.js"

/**
 * The review desk's topics through the real Kafka into ClickHouse 18.16 by the ClickHouse sink stage, and the
 * review KPIs over what it wrote: numbers worked out by hand from the records sent, replays that must not count
 * twice (merges are stopped, so the duplicate rows really are in the tables and only the KPIs fold them), and
 * malformed records that must reach the dead-letter topic.
 */

const config = stackTestConfig()
const runtime = ManagedRuntime.make(config.layer)

const acme = "acme-careers" as SourceName
const globex = "globex" as SourceName
const range = { from: new Date("2025-05-05T00:00:00Z"), to: new Date("2025-05-08T00:00:00Z") }

// ---------------------------------------------------------------------------------------------------------------
// Review events. Days: D1 = 2025-05-06, D2 = 2025-05-07.

const review = (type: ReviewEvent["type"], at: string, fields: Partial<ReviewEvent>): ReviewEvent => {
  const e = {
    type,
    at: `${at}.000Z`,
    taskId: null,
    kind: null,
    reviewerId: null,
    seekerId: null,
    jobId: null,
    source: null,
    score: null,
    outcome: null,
    waitMs: null,
    strikes: null,
    ...fields
  }
  return { ...e, eventId: hashId("review", type, e.taskId ?? "", e.reviewerId ?? "", e.at) }
}

let task = 0
/** A match task decided by a reviewer after waiting `waitMs`. */
const decided = (source: SourceName | null, at: string, waitMs: number, kind: "match" | "dedup" = "match") =>
  review("decided", at, {
    taskId: `t${++task}`,
    kind,
    reviewerId: "r1",
    seekerId: kind === "match" ? "s1" : null,
    jobId: `j${task}`,
    source,
    score: 70,
    outcome: kind === "match" ? "approved" : "merged",
    waitMs
  })

const missed = (reviewer: string, source: SourceName, at: string) =>
  review("missed", at, { taskId: `t${++task}`, kind: "match", reviewerId: reviewer, seekerId: "s1", jobId: `j${task}`, source, score: 70 })

// Acme on D1 waits 60, 120, 180.25, 240 and 300 s: p50 (rank 2 of 5) 180.25, p95 (rank 4) 300.
const acmeD1 = [60_000, 120_000, 180_250, 240_000, 300_000].map((ms, i) => decided(acme, `2025-05-06T1${i}:00:00`, ms))
const globexD1 = [90_000, 600_000].map((ms, i) => decided(globex, `2025-05-06T1${i}:30:00`, ms))
// A dedup pair has no source: it counts in all sources only.
const dedupD1 = decided(null, "2025-05-06T09:00:00", 30_000, "dedup")
// Globex on D2: 21 waits of 10, 20, ..., 210 s: p50 (rank 10) 110 s, p95 (rank floor(19.95) = 19) 200 s.
const globexD2 = Array.from({ length: 21 }, (_, i) =>
  decided(globex, `2025-05-07T${String(i).padStart(2, "0")}:10:00`, (i + 1) * 10_000)
)
const misses = [
  missed("r1", acme, "2025-05-06T10:15:00"),
  missed("r1", acme, "2025-05-06T14:00:00"),
  missed("r1", globex, "2025-05-07T09:00:00"),
  missed("r2", globex, "2025-05-06T12:00:00")
]
const reviewEvents: ReadonlyArray<ReviewEvent> = [
  ...acmeD1,
  ...globexD1,
  dedupD1,
  ...globexD2,
  ...misses,
  // Left out of time to decision: closed by the scorer, and decided outside the range (`to` is exclusive).
  review("closed", "2025-05-06T08:00:00", { taskId: "t-closed", kind: "match", source: acme, outcome: "auto_approved", waitMs: 5_000 }),
  decided(acme, "2025-05-04T23:59:59", 1_000),
  decided(acme, "2025-05-08T00:00:00", 1_000),
  // Left out of SLA misses: after the range.
  missed("r2", globex, "2025-05-09T10:00:00"),
  // The other steps, without a task for a reviewer's own.
  review("created", "2025-05-06T07:00:00", { taskId: "t-r3", kind: "match", seekerId: "s2", jobId: "j-r3", source: acme, score: 64 }),
  review("assigned", "2025-05-06T07:01:00", { taskId: "t-r3", kind: "match", reviewerId: "r3", seekerId: "s2", jobId: "j-r3", source: acme }),
  review("warned", "2025-05-06T07:11:00", { taskId: "t-r3", kind: "match", reviewerId: "r3", seekerId: "s2", jobId: "j-r3", source: acme }),
  review("released", "2025-05-06T07:12:00", { taskId: "t-r3", kind: "match", reviewerId: "r3", seekerId: "s2", jobId: "j-r3", source: acme }),
  review("strike", "2025-05-07T09:00:00", { reviewerId: "r1", strikes: 3 }),
  review("locked", "2025-05-07T09:00:01", { reviewerId: "r1", strikes: 4 }),
  review("unlocked", "2025-05-07T15:00:00", { reviewerId: "r1", strikes: 0 })
]

// ---------------------------------------------------------------------------------------------------------------
// Approvals. D1 acme: 3 auto + 1 reviewer; D1 globex: 1 seeker + 1 reviewer; D2 acme: 1 auto + 2 reviewer.

const approval = (pair: string, at: string, by: "auto" | "reviewer" | "seeker", source: SourceName): ApprovedApplication => ({
  eventId: hashId("approved", pair),
  approvedAt: `${at}.000Z`,
  approval: { by, reviewerId: by === "reviewer" ? "r1" : null, taskId: by === "reviewer" ? `task-${pair}` : null },
  seeker: { seekerId: `seeker-${pair}`, contactPath: `/desk/seekers/seeker-${pair}/contact` },
  job: {
    jobId: `job-${pair}`,
    title: "Data Engineer",
    company: "Acme",
    source,
    url: `https://jobs.example.org/${pair}`,
    applyUrl: `https://jobs.example.org/${pair}`
  },
  resume: { resumeId: `resume-${pair}`, fetchPath: `/seekers/seeker-${pair}/resumes/resume-${pair}` },
  score: 91,
  explanation: { matchedSkills: ["SQL"], missingMustHaves: [], missingSkills: [], constraints: [] },
  drafts: { fetchPath: `/desk/seekers/seeker-${pair}/jobs/job-${pair}/drafts`, recipient: null, leadWith: [{ line: 2, skills: ["SQL"], relevance: 3 }], impliedSkills: [] }
})

const approvals: ReadonlyArray<ApprovedApplication> = [
  approval("p1", "2025-05-06T09:00:00", "auto", acme),
  approval("p2", "2025-05-06T09:10:00", "auto", acme),
  approval("p3", "2025-05-06T09:20:00", "auto", acme),
  approval("p4", "2025-05-06T09:30:00", "reviewer", acme),
  approval("p5", "2025-05-06T10:00:00", "seeker", globex),
  approval("p6", "2025-05-06T11:00:00", "reviewer", globex),
  approval("p7", "2025-05-07T09:00:00", "auto", acme),
  approval("p8", "2025-05-07T10:00:00", "reviewer", acme),
  approval("p9", "2025-05-07T11:00:00", "reviewer", acme),
  // First approved before the range: its repeat inside the range does not bring it in.
  approval("p0", "2025-05-04T12:00:00", "auto", acme),
  // After the range.
  approval("p10", "2025-05-08T00:00:00", "auto", acme)
]

/** A re-score that approves the same pairs again: same event ids, later times. */
const repeats = [approval("p5", "2025-05-07T12:00:00", "auto", globex), approval("p0", "2025-05-06T12:00:00", "auto", acme)]

// ---------------------------------------------------------------------------------------------------------------
// Records as they go on the wire, the malformed ones included.

const reviewRecords = reviewEvents.map((e) => encode(Topics.reviewEvents, e))
const approvalRecords = approvals.map((a) => encode(Topics.approved, a))
const notJson: Envelope = { ...encode(Topics.reviewEvents, misses[0]!), key: "bad-1", value: Buffer.from('{"eventId": "x", "type": ') }
const { approval: _missing, ...withoutApproval } = approvals[0]!
const noApproval: Envelope = { ...encode(Topics.approved, approvals[0]!), key: "bad-2", value: Buffer.from(JSON.stringify(withoutApproval)) }
/**
 * Delivered again, same bytes and event ids (a redelivery after a crash, a replayed partition): counted twice, the
 * 300 s wait would move acme's D1 median to 240 s and r2 would have two misses.
 */
const replays = [
  encode(Topics.reviewEvents, acmeD1[4]!),
  encode(Topics.reviewEvents, misses[3]!),
  encode(Topics.approved, approvals[0]!)
]

// ---------------------------------------------------------------------------------------------------------------

const ch = <R>(sql: string) => runtime.runPromise(Effect.flatMap(ClickHouse, (c) => c.query<R>(sql)))
const command = (sql: string) => runtime.runPromise(Effect.flatMap(ClickHouse, (c) => c.command(sql)))
const send = (records: ReadonlyArray<Envelope>) => runtime.runPromise(Effect.flatMap(Kafka, (k) => k.send(records)))

/** Until the sink has committed everything on its topics, the dead letters it published on the way included. */
const caughtUp = () =>
  runtime.runPromise(
    Effect.flatMap(Kafka, (k) => k.lag(clickhouseEvents.groupId, clickhouseEvents.topics)).pipe(
      Effect.retry(Schedule.spaced(Duration.millis(500))),
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(250)), until: (lag) => lag === 0 }),
      Effect.timeoutFail({ duration: Duration.seconds(90), onTimeout: () => new Error("the ClickHouse sink did not catch up in 90 s") })
    )
  )

const kcat = (topic: string) => runtime.runPromise(readWithKcat(topic))

const kpi = (name: KpiName, filters: KpiFilters = range) => runtime.runPromise(runKpi(name, filters))

let stage: Fiber.RuntimeFiber<unknown, unknown>

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  // Replayed rows stay unmerged, so what the KPIs fold is really there twice.
  await command("SYSTEM STOP MERGES review_events")
  await command("SYSTEM STOP MERGES approved_applications")
  stage = runtime.runFork(runStage(clickhouseEvents))
  await send([...reviewRecords, ...approvalRecords, notJson, noApproval])
  await caughtUp()
  await send([...replays, ...repeats.map((a) => encode(Topics.approved, a))])
  await caughtUp()
}, 180_000)

afterAll(async () => {
  if (stage) await runtime.runPromise(Fiber.interrupt(stage))
  await command("SYSTEM START MERGES review_events")
  await command("SYSTEM START MERGES approved_applications")
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("the ClickHouse sink on the review desk's topics", () => {
  it("writes one review_events row per event, replays included as rows, with ids and nothing else of the task", async () => {
    const [counts] = await ch<{ rows: string; events: string }>("SELECT count() AS rows, uniqExact(event_id) AS events FROM review_events")
    expect([Number(counts!.rows), Number(counts!.events)]).toEqual([reviewEvents.length + 2, reviewEvents.length])
    const rowOf = async (eventId: string) =>
      (await ch<Record<string, unknown>>(`SELECT * FROM review_events WHERE event_id = '${eventId}' LIMIT 1`))[0]
    const d = acmeD1[2]!
    expect(await rowOf(d.eventId)).toEqual({
      event_id: d.eventId,
      event_type: "decided",
      occurred_at: "2025-05-06 12:00:00",
      task_id: d.taskId,
      reviewer_id: "r1",
      seeker_id: "s1",
      job_id: d.jobId,
      source: acme,
      wait_ms: "180250"
    })
    const locked = reviewEvents.find((e) => e.type === "locked")!
    expect(await rowOf(locked.eventId)).toEqual({
      event_id: locked.eventId,
      event_type: "locked",
      occurred_at: "2025-05-07 09:00:01",
      task_id: "",
      reviewer_id: "r1",
      seeker_id: "",
      job_id: "",
      source: "",
      wait_ms: null
    })
  })

  it("writes approvals with who approved them and the ids, without the seeker's name or email", async () => {
    const [counts] = await ch<{ rows: string; events: string }>("SELECT count() AS rows, uniqExact(event_id) AS events FROM approved_applications")
    // Every approval, one exact replay and two repeats of a pair, as rows; one event per pair.
    expect([Number(counts!.rows), Number(counts!.events)]).toEqual([approvals.length + 3, approvals.length])
    const p4 = approvals[3]!
    expect(await ch(`SELECT * FROM approved_applications WHERE event_id = '${p4.eventId}'`)).toEqual([
      {
        event_id: p4.eventId,
        approved_at: "2025-05-06 09:30:00",
        approved_by: "reviewer",
        reviewer_id: "r1",
        seeker_id: "seeker-p4",
        job_id: "job-p4",
        source: acme,
        score: "91"
      }
    ])
  })

  it("sends the malformed records to the dead-letter topic with the reason and the original bytes, and writes no row for them", async () => {
    const dead = await kcat(DeadLetterTopic.name)
    expect(dead.map((d) => [d.key, d.headers["dlq-stage"], d.headers["dlq-source-topic"]]).sort()).toEqual([
      ["bad-1", "clickhouse", Topics.reviewEvents.name],
      ["bad-2", "clickhouse", Topics.approved.name]
    ])
    const [bad1, bad2] = [...dead].sort((a, b) => String(a.key).localeCompare(String(b.key)))
    expect(bad1!.headers["dlq-reason"]).toMatch(/^DecodeError: not JSON/)
    expect(bad1!.value).toBe(notJson.value.toString())
    expect(bad2!.headers["dlq-reason"]).toMatch(/^DecodeError: .*approval/s)
    expect(bad2!.headers[Headers.eventId]).toBe(approvals[0]!.eventId)
    // The sink reads the dead-letter topic too: each is a dead_letter event of stage clickhouse, once.
    const letters = await ch<{ n: string }>("SELECT uniqExact(event_id) AS n FROM pipeline_events WHERE event_type = 'dead_letter' AND source = 'clickhouse'")
    expect(Number(letters[0]!.n)).toBe(2)
  })
})

describe("the review KPIs over what the sink wrote", () => {
  it("time to decision: p50 and p95 per day of the waits of decided tasks, each decision once", async () => {
    expect(await kpi("review_decision_time")).toEqual([
      // 30, 60, 90, 120, 180.25, 240, 300, 600 s: ranks 4 and 7 of 8.
      { day: "2025-05-06", decisions: 8, p50_seconds: 180.25, p95_seconds: 600 },
      { day: "2025-05-07", decisions: 21, p50_seconds: 110, p95_seconds: 200 }
    ])
    expect(await kpi("review_decision_time", { ...range, source: acme })).toEqual([
      { day: "2025-05-06", decisions: 5, p50_seconds: 180.25, p95_seconds: 300 }
    ])
    expect(await kpi("review_decision_time", { ...range, source: globex })).toEqual([
      { day: "2025-05-06", decisions: 2, p50_seconds: 600, p95_seconds: 600 },
      { day: "2025-05-07", decisions: 21, p50_seconds: 110, p95_seconds: 200 }
    ])
  })

  it("SLA misses per reviewer in the range, most first", async () => {
    expect(await kpi("sla_misses")).toEqual([
      { reviewer_id: "r1", misses: 3, last_missed_at: "2025-05-07T09:00:00Z" },
      { reviewer_id: "r2", misses: 1, last_missed_at: "2025-05-06T12:00:00Z" }
    ])
    expect(await kpi("sla_misses", { ...range, source: acme })).toEqual([
      { reviewer_id: "r1", misses: 2, last_missed_at: "2025-05-06T14:00:00Z" }
    ])
    expect(await kpi("sla_misses", { ...range, source: globex })).toEqual([
      { reviewer_id: "r1", misses: 1, last_missed_at: "2025-05-07T09:00:00Z" },
      { reviewer_id: "r2", misses: 1, last_missed_at: "2025-05-06T12:00:00Z" }
    ])
  })

  it("auto-apply vs manual approvals per day and source, each pair once, on its first approval", async () => {
    const d1Acme = { day: "2025-05-06", source: acme, approvals: 4, auto: 3, manual: 1, auto_rate: 0.75, manual_rate: 0.25 }
    const d1Globex = { day: "2025-05-06", source: globex, approvals: 2, auto: 0, manual: 2, auto_rate: 0, manual_rate: 1 }
    const d2Acme = { day: "2025-05-07", source: acme, approvals: 3, auto: 1, manual: 2, auto_rate: 0.3333, manual_rate: 0.6667 }
    expect(await kpi("approval_channels")).toEqual([d1Acme, d1Globex, d2Acme])
    expect(await kpi("approval_channels", { ...range, source: acme })).toEqual([d1Acme, d2Acme])
    expect(await kpi("approval_channels", { ...range, source: globex })).toEqual([d1Globex])
  })
})
