import { Duration, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { Topics } from "../schemas/Envelope.js"
import { prepare } from "../stack/clients.js"
import { relayOutbox } from "../stack/outbox.js"
import { Postgres } from "../stack/Postgres.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { StageStats } from "../stack/stage.js"
import { dropNamespace, readWithKcat, resetStores, stackTestConfig } from "../stack/testing.js"
import { intake } from "./deskIntake.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as Staff from "./Staff.js"

// The desk's rules on the real PostgreSQL and Kafka: intake, claims under contention, the SLA clock, decisions.

const settings: ReviewDesk.DeskSettings = {
  sla: Duration.seconds(2),
  warnBefore: Duration.seconds(1),
  due: Duration.hours(24),
  lockAt: 4
}
const config = stackTestConfig()
const deskLayer = (s: ReviewDesk.DeskSettings) =>
  Layer.provideMerge(
    Layer.mergeAll(Staff.layer, Layer.effect(ReviewDesk.ReviewDesk, ReviewDesk.make(s)), StageMonitor.layer, StageStats.layer),
    config.layer
  )
const runtime = ManagedRuntime.make(deskLayer(settings))
/** A second pool of connections, as a second API process would have. */
const other = ManagedRuntime.make(deskLayer(settings))

const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))
const desk = <A, E>(f: (d: ReviewDesk.ReviewDesk["Type"]) => Effect.Effect<A, E>, on = runtime) =>
  on.runPromise(Effect.flatMap(ReviewDesk.ReviewDesk, f))
const staff = <A, E>(f: (s: Staff.Staff["Type"]) => Effect.Effect<A, E>) => runtime.runPromise(Effect.flatMap(Staff.Staff, f))
const look = (since = new Date(0)) => runtime.runPromise(intake(settings, since))

const hex = (n: number) => n.toString(16).padStart(32, "0")
const seekerId = "seeker-desk"

/** `n` jobs and, for each, a match of the seeker with the given decision and score. */
const matches = async (from: number, n: number, decision: string, score = 55) => {
  for (let i = from; i < from + n; i++) {
    await pg(
      `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key,
                         locations, remote, description, content_hash, fetched_at, normalized_at)
       VALUES ($1, 'desk-test', 'jsonld', $1, $2, $2, $3, 'Acme', 'acme', '{Berlin}', false, 'Build pipelines.', $1, now(), now())
       ON CONFLICT DO NOTHING`,
      [hex(i), `https://careers.example/${i}`, `Data Engineer ${i}`]
    )
    await pg(
      `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
       VALUES ($1, $2, $3, $4, '{}', '{"matchedSkills":["sql"],"missingMustHaves":[],"missingSkills":[],"constraints":[]}', 'res-1', 'm', now())
       ON CONFLICT (seeker_id, job_id) DO UPDATE SET score = excluded.score, decision = excluded.decision, written_at = now()`,
      [hex(i), seekerId, score + (i % 10), decision]
    )
  }
}

const outboxTopics = async () =>
  (await pg<{ topic: string; n: string }>("SELECT topic, count(*) AS n FROM outbox GROUP BY topic")).reduce<Record<string, number>>(
    (all, r) => ({ ...all, [r.topic]: Number(r.n) }),
    {}
  )

const reviewers = async (n: number, maxActive = 1) => {
  const made: Array<string> = []
  for (let i = 0; i < n; i++) made.push((await staff((s) => s.create({ name: `reviewer ${i}`, role: "reviewer", maxActive }))).staffId)
  return made
}

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
})

beforeEach(async () => {
  await pg("TRUNCATE review_tasks, approvals, matches, staff, outbox, resumes, seekers, jobs, dedup_reviews, job_duplicates CASCADE")
  await pg("INSERT INTO seekers (seeker_id, name, email, api_key_hash) VALUES ($1, 'Dana', 'dana@example.org', 'hash')", [seekerId])
  await pg("INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary) VALUES ('res-1', $1, 'text/plain', 'SQL, Kafka', 'h', true)", [
    seekerId
  ])
})

afterAll(async () => {
  await runtime.runPromise(dropNamespace)
  await other.dispose()
  await runtime.dispose()
})

describe("intake", () => {
  it("makes one task per manual_review match, however often it looks, and an approval per auto_approve match", async () => {
    await matches(0, 5, "manual_review")
    await matches(5, 2, "auto_approve", 90)
    await matches(7, 3, "reject", 10)
    const first = await look()
    const again = await look()
    expect(first).toMatchObject({ created: 5, closed: 0, approved: 2 })
    expect(again).toMatchObject({ created: 0, closed: 0, approved: 0 })
    const [tasks] = await pg<{ n: string }>("SELECT count(*) AS n FROM review_tasks WHERE status = 'pending' AND kind = 'match'")
    expect(Number(tasks?.n)).toBe(5)
    expect(await outboxTopics()).toEqual({ [Topics.reviewEvents.name]: 5, [Topics.approved.name]: 2 })
  })

  it("updates a task on a re-score, and closes it when the match rises to auto-approve or falls below review", async () => {
    await matches(0, 3, "manual_review")
    await look()
    await pg("UPDATE matches SET score = 61, written_at = now() WHERE job_id = $1", [hex(0)])
    await pg("UPDATE matches SET decision = 'auto_approve', score = 88, written_at = now() WHERE job_id = $1", [hex(1)])
    await pg("UPDATE matches SET decision = 'reject', score = 12, written_at = now() WHERE job_id = $1", [hex(2)])
    const second = await look()
    expect(second).toMatchObject({ created: 0, closed: 2, approved: 1 })
    const rows = await pg<{ job_id: string; status: string; outcome: string | null; score: number }>(
      "SELECT job_id, status, outcome, score FROM review_tasks ORDER BY job_id"
    )
    expect(rows.map((r) => [r.status, r.outcome, r.score])).toEqual([
      ["pending", null, 61],
      ["closed", "auto_approved", 56],
      ["closed", "below_review", 57]
    ])
    // Back to review: the closed task opens again rather than a second one.
    await pg("UPDATE matches SET decision = 'manual_review', written_at = now() WHERE job_id = $1", [hex(2)])
    await look()
    const [reopened] = await pg<{ n: string }>("SELECT count(*) AS n FROM review_tasks WHERE job_id = $1 AND status = 'pending'", [hex(2)])
    expect(Number(reopened?.n)).toBe(1)
  })

  it("takes at most 250 matches per look and the rest at the next, from where it started", async () => {
    await pg(
      `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
       SELECT lpad(to_hex(i), 32, '0'), $1, 60, 'manual_review', '{}', '{}', 'res-1', 'm', now() FROM generate_series(1000, 1299) AS i`,
      [seekerId]
    )
    const since = new Date(0)
    const first = await look(since)
    expect(first).toMatchObject({ created: 250, next: since })
    const second = await look(first.next)
    expect(second.created).toBe(50)
    expect(second.next.getTime()).toBeGreaterThan(since.getTime())
  })

  it("makes a task of every uncertain dedup pair", async () => {
    await matches(0, 2, "reject")
    await pg("INSERT INTO dedup_reviews (job_id, candidate_id, similarity) VALUES ($1, $2, 0.83)", [hex(1), hex(0)])
    expect(await look()).toMatchObject({ created: 1 })
    const [pair] = await pg<{ kind: string; score: number; candidate_id: string }>("SELECT kind, score, candidate_id FROM review_tasks")
    expect(pair).toEqual({ kind: "dedup", score: 83, candidate_id: hex(0) })
  })
})

describe("claims", () => {
  it("never gives one task to two reviewers: 20 concurrent claims from two pools over 12 tasks", async () => {
    await matches(0, 12, "manual_review")
    await look()
    const ids = await reviewers(20)
    const claims = await Promise.all(ids.map((id, i) => desk((d) => d.claim(id), i % 2 === 0 ? runtime : other)))
    const got = claims.filter((c) => c !== null).map((c) => c!.taskId)
    expect(got).toHaveLength(12)
    expect(new Set(got).size).toBe(12)
    const [held] = await pg<{ tasks: string; holders: string }>(
      "SELECT count(*) AS tasks, count(DISTINCT assignee) AS holders FROM review_tasks WHERE status = 'assigned'"
    )
    expect({ tasks: Number(held?.tasks), holders: Number(held?.holders) }).toEqual({ tasks: 12, holders: 12 })
  })

  it("never lets a reviewer hold more than their limit, even claiming concurrently", async () => {
    await matches(0, 10, "manual_review")
    await look()
    const [id] = await reviewers(1, 3)
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => desk((d) => d.claim(id!), i % 2 === 0 ? runtime : other)))
    expect(claims.filter((c) => c !== null)).toHaveLength(3)
  })

  it("takes the queue in order: re-queued after a miss first, then the due time, then the higher score", async () => {
    await matches(0, 3, "manual_review")
    await look()
    await pg("UPDATE review_tasks SET due_at = now() + interval '48 hours' WHERE job_id = $1", [hex(2)])
    const [a, b, c] = await reviewers(3)
    const first = await desk((d) => d.claim(a!))
    // Same due time for jobs 0 and 1: the higher score (job 1: 56) first.
    expect(first?.taskId).toBe((await pg<{ task_id: string }>("SELECT task_id FROM review_tasks WHERE job_id = $1", [hex(1)]))[0]?.task_id)
    expect((await desk((d) => d.claim(b!)))?.taskId).toBe((await pg<{ task_id: string }>("SELECT task_id FROM review_tasks WHERE job_id = $1", [hex(0)]))[0]?.task_id)
    expect((await desk((d) => d.claim(c!)))?.taskId).toBe((await pg<{ task_id: string }>("SELECT task_id FROM review_tasks WHERE job_id = $1", [hex(2)]))[0]?.task_id)
  })
})

describe("the SLA clock", () => {
  it("warns before the deadline, then revokes, re-queues at the front for someone else, and strikes", async () => {
    await matches(0, 2, "manual_review")
    await look()
    const [slow, next] = await reviewers(2)
    const held = await desk((d) => d.claim(slow!))
    await new Promise((r) => setTimeout(r, 1200))
    expect(await desk((d) => d.sweep)).toEqual({ warned: 1, missed: 0, locked: 0 })
    expect((await desk((d) => d.held(slow!)))[0]?.warned).toBe(true)
    await new Promise((r) => setTimeout(r, 1000))
    expect(await desk((d) => d.sweep)).toEqual({ warned: 0, missed: 1, locked: 0 })
    const [row] = await pg<{ status: string; front: boolean; misses: number }>("SELECT status, front, misses FROM review_tasks WHERE task_id = $1", [held!.taskId])
    expect(row).toEqual({ status: "pending", front: true, misses: 1 })
    // It never goes back to who missed it; the next reviewer gets it ahead of the other task.
    expect(await desk((d) => d.claim(slow!))).toMatchObject({ taskId: expect.not.stringMatching(held!.taskId) })
    expect((await desk((d) => d.claim(next!)))?.taskId).toBe(held!.taskId)
    const [standing] = await pg<{ strikes: number }>("SELECT strikes FROM staff WHERE staff_id = $1", [slow])
    expect(standing?.strikes).toBe(1)
  })

  it("locks a reviewer at the fourth strike, keeps the queue from them, and an ops unlock restores them", async () => {
    await matches(0, 6, "manual_review")
    await look()
    const [careless] = await reviewers(1)
    for (let i = 0; i < 4; i++) {
      expect(await desk((d) => d.claim(careless!))).not.toBeNull()
      await pg("UPDATE review_tasks SET deadline = now() - interval '1 second' WHERE assignee = $1", [careless])
      await desk((d) => d.sweep)
    }
    const [locked] = await pg<{ strikes: number; locked: boolean }>("SELECT strikes, locked_at IS NOT NULL AS locked FROM staff WHERE staff_id = $1", [careless])
    expect(locked).toEqual({ strikes: 4, locked: true })
    expect(await desk((d) => d.claim(careless!))).toBeNull()
    const [ops] = await reviewers(1)
    const member = await staff((s) => s.unlock(careless!, ops!))
    expect(member).toMatchObject({ locked: false, strikes: 0 })
    expect(await desk((d) => d.claim(careless!))).not.toBeNull()
    const events = await pg<{ type: string }>(
      "SELECT convert_from(value, 'UTF8')::jsonb->>'type' AS type FROM outbox WHERE topic = $1",
      [Topics.reviewEvents.name]
    )
    const count = (t: string) => events.filter((e) => e.type === t).length
    expect({ missed: count("missed"), strike: count("strike"), locked: count("locked"), unlocked: count("unlocked") }).toEqual({
      missed: 4,
      strike: 4,
      locked: 1,
      unlocked: 1
    })
  })

  it("applies a deadline that passed while no desk ran, at the first sweep", async () => {
    await matches(0, 1, "manual_review")
    await look()
    const [r] = await reviewers(1)
    await desk((d) => d.claim(r!))
    await pg("UPDATE review_tasks SET deadline = now() - interval '10 minutes'")
    expect(await desk((d) => d.sweep, other)).toMatchObject({ missed: 1 })
  })
})

describe("decisions", () => {
  it("publishes one applications.approved message per approval, read back with kcat, and none for a rejection", async () => {
    await matches(0, 2, "manual_review")
    await look()
    const [r] = await reviewers(1)
    const first = await desk((d) => d.claim(r!))
    expect(await desk((d) => d.decide(first!.taskId, { kind: "reviewer", staffId: r! }, { action: "approve" }))).toBe("approved")
    const second = await desk((d) => d.claim(r!))
    expect(
      await desk((d) => d.decide(second!.taskId, { kind: "reviewer", staffId: r! }, { action: "reject", reason: "skills_mismatch", note: "no Spark" }))
    ).toBe("rejected")
    // Deciding again, or a task not held, is a conflict.
    const again = await runtime.runPromiseExit(
      Effect.flatMap(ReviewDesk.ReviewDesk, (d) => d.decide(first!.taskId, { kind: "reviewer", staffId: r! }, { action: "approve" }))
    )
    expect(again._tag).toBe("Failure")

    await runtime.runPromise(relayOutbox().pipe(Effect.timeout("3 seconds"), Effect.ignore))
    const messages = await runtime.runPromise(readWithKcat(Topics.approved.name))
    expect(messages).toHaveLength(1)
    const approved = JSON.parse(messages[0]!.value)
    expect(messages[0]!.key).toBe(seekerId)
    expect(approved).toMatchObject({
      approval: { by: "reviewer", reviewerId: r, taskId: first!.taskId },
      seeker: { seekerId, contactPath: `/desk/seekers/${seekerId}/contact` },
      job: { title: expect.stringMatching(/^Data Engineer/), company: "Acme", applyUrl: expect.stringMatching(/^https:\/\/careers\.example\//) },
      resume: { resumeId: "res-1", fetchPath: "/desk/resumes/res-1" },
      explanation: { matchedSkills: ["sql"] }
    })
    // Ids only on the topic: the contact is fetched from the desk, while the seeker exists.
    expect(messages[0]!.value).not.toMatch(/Dana|dana@example/)
    expect(await desk((d) => d.contact(seekerId))).toEqual({ seekerId, name: "Dana", email: "dana@example.org" })
  })

  it("lets a seeker decide their own match task, and no one else's", async () => {
    await matches(0, 1, "manual_review")
    await look()
    const [task] = await pg<{ task_id: string }>("SELECT task_id FROM review_tasks")
    const stranger = await runtime.runPromiseExit(
      Effect.flatMap(ReviewDesk.ReviewDesk, (d) => d.decide(task!.task_id, { kind: "seeker", seekerId: "someone-else" }, { action: "approve" }))
    )
    expect(stranger._tag === "Failure" && JSON.stringify(stranger.cause)).toMatch(/TaskNotFound/)
    expect(await desk((d) => d.decide(task!.task_id, { kind: "seeker", seekerId }, { action: "approve", resumeText: "Tailored resume" }))).toBe(
      "approved"
    )
    const [approval] = await pg<{ approved_by: string; body: string }>(
      "SELECT a.approved_by, r.body FROM approvals a JOIN resumes r USING (resume_id)"
    )
    expect(approval).toEqual({ approved_by: "seeker", body: "Tailored resume" })
  })

  it("merges a dedup pair into its candidate's job, or keeps it apart", async () => {
    await matches(0, 4, "reject")
    await pg("INSERT INTO dedup_reviews (job_id, candidate_id, similarity) VALUES ($1, $2, 0.8), ($3, $4, 0.7)", [hex(1), hex(0), hex(3), hex(2)])
    await look()
    const [r] = await reviewers(1, 2)
    const a = await desk((d) => d.claim(r!))
    const b = await desk((d) => d.claim(r!))
    const byJob = new Map((await pg<{ task_id: string; job_id: string }>("SELECT task_id, job_id FROM review_tasks")).map((t) => [t.task_id, t.job_id]))
    const merged = byJob.get(a!.taskId) === hex(1) ? a! : b!
    const kept = merged === a ? b! : a!
    expect(await desk((d) => d.decide(merged.taskId, { kind: "reviewer", staffId: r! }, { action: "merge" }))).toBe("merged")
    expect(await desk((d) => d.decide(kept.taskId, { kind: "reviewer", staffId: r! }, { action: "distinct" }))).toBe("distinct")
    // As the near-duplicate it was flagged as: a reason the job listing's schema knows.
    expect(await pg("SELECT job_id, duplicate_of, reason FROM job_duplicates")).toEqual([{ job_id: hex(1), duplicate_of: hex(0), reason: "near-duplicate" }])
    expect((await pg<{ status: string }>("SELECT status FROM dedup_reviews ORDER BY job_id")).map((r) => r.status)).toEqual(["merged", "distinct"])
  })
})
