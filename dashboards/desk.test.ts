import { createHash, randomBytes, randomUUID } from "node:crypto"
import { join } from "node:path"
import { Duration, Effect, Fiber, Layer, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeApi } from "../pipelines/api.js"
import { deskName, runDesk } from "../pipelines/deskLoop.js"
import { withServices } from "../pipelines/ingest.js"
import * as ReviewDesk from "../pipelines/ReviewDesk.js"
import { Staff } from "../pipelines/Staff.js"
import { testConfig } from "../pipelines/testing.js"
import { Topics } from "../schemas/Envelope.js"
import { RejectReason } from "../schemas/Review.js"
import { prepare } from "../stack/clients.js"
import { clickhouseEvents } from "../sinks/clickhouseEvents.js"
import { relayName, relayOutbox } from "../stack/outbox.js"
import { runStage } from "../stack/stage.js"
import { Postgres } from "../stack/Postgres.js"
import { supervise } from "../stack/supervisor.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"
import { artifactsDir, launch, type Browser } from "./browser.js"

/**
 * The review desk in headless Chromium over the real stack: the API as production builds it (desk routes, the desk
 * loop, the outbox relay) with a short SLA, two reviewers in two pages and an ops admin on the dashboard. Tasks come
 * from `manual_review` matches and a dedup pair written straight into PostgreSQL (no scorer needed); what the pages
 * show is checked against PostgreSQL, and what the desk publishes is read back from Kafka with kcat.
 */

// Short enough to wait out in a test, long enough that the pages' checks and clicks before a deadline land in time on
// a loaded 2-core machine (they take about 10 s).
const settings: ReviewDesk.DeskSettings = { sla: Duration.seconds(20), warnBefore: Duration.seconds(10), due: Duration.hours(24), lockAt: 4 }
const slaMs = Duration.toMillis(settings.sla)
const config = testConfig()
const runtime = ManagedRuntime.make(
  Layer.provideMerge(Layer.effect(ReviewDesk.ReviewDesk, ReviewDesk.make(settings)), withServices(config.layer))
)

let api: FastifyInstance
let base: string
let loops: Fiber.RuntimeFiber<void, unknown>
let browser: Browser
let ops: { staffId: string; apiKey: string }
let ana: Reviewer
let ben: Reviewer
let dashboard: Page
const problems: Array<string> = []
/** Task ids one test decides and a later one reads back from Kafka. */
const state = { approved: "", rejected: "" }

interface Reviewer {
  readonly name: string
  readonly staffId: string
  readonly apiKey: string
  page: Page
  /** Every message the desk pushed to this page, in order. */
  readonly pushed: Array<{ type: string; taskId?: string; task?: { taskId: string }; reason?: string; strikes?: number; warning?: boolean }>
}

const seekerId = randomUUID()
const resumeId = `res_${randomUUID()}`
const resume = `Priya Raman, data engineer. Eight years of Python, SQL and Airflow; Spark on AWS; dbt models.
Led the migration of a nightly batch warehouse to streaming ingestion.`
const jobId = () => randomBytes(16).toString("hex")
const jobs = [
  { jobId: jobId(), title: "Senior Data Engineer", company: "Acme <b>Data</b>", locations: ["Berlin", "Remote (EU)"], score: 80 },
  { jobId: jobId(), title: "Analytics Engineer", company: "Globex", locations: ["Lisbon"], score: 75 },
  { jobId: jobId(), title: "Streaming Platform Engineer", company: "Initech", locations: [], score: 70 }
]
const explanation = {
  matchedSkills: ["Python", "SQL", "Apache Airflow"],
  missingMustHaves: ["Apache Kafka"],
  missingSkills: ["Scala"],
  constraints: [{ name: "location", effect: "ok", detail: "Berlin is one of your locations" }]
}
const matchTaskId = (job: string) => `m_${createHash("md5").update(`${seekerId}:${job}`).digest("hex")}`

const pg = <R extends object>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R & Record<string, unknown>>(sql, params)))

const insertJob = (job: { jobId: string; title: string; company: string; locations: ReadonlyArray<string> }, description: string) =>
  pg(
    `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key, locations, remote,
       description, content_hash, fetched_at, normalized_at)
     VALUES ($1, 'acme-careers', 'ats', $1, $2, $2, $3, $4, lower($4), $5, false, $6, md5($6), now(), now())`,
    [job.jobId, `https://careers.example.com/jobs/${job.jobId}`, job.title, job.company, job.locations, description]
  )

/** Reads `read` until `done` holds, at most `timeoutMs`; the last reading is in the failure. */
const until = async <A>(what: string, read: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 20_000): Promise<A> => {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Every message on a topic of this run, its value parsed. */
const kcat = async (topic: string) =>
  (await runtime.runPromise(readWithKcat(topic))).map((m) => ({ key: m.key, value: JSON.parse(m.value || "null") as Record<string, unknown> }))

const watch = async (page: Page) => {
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`))
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`))
  page.on("response", (r) => r.status() >= 400 && problems.push(`response ${r.status()}: ${r.url()}`))
  return page
}

/** A reviewer's page at `/desk`, signed in; what the desk pushes to it is recorded from the socket's frames. */
const signIn = async (reviewer: Reviewer) => {
  const page = await watch(await browser.context.newPage())
  page.on("websocket", (socket) => {
    if (!socket.url().endsWith("/desk/ws")) return
    socket.on("framereceived", (frame) => reviewer.pushed.push(JSON.parse(String(frame.payload))))
  })
  await page.goto(`${base}/desk`)
  await page.fill("#desk-key", reviewer.apiKey)
  await page.click("#sign-in")
  await page.waitForSelector('#presence[data-state="online"]', { timeout: 10_000 })
  reviewer.page = page
}

/** Presses a decision button on a task's card: the card leaves the desk, or the error the page shows fails the test. */
const press = async (page: Page, taskId: string, action: string) => {
  const card = `#tasks [data-task-id="${taskId}"]`
  await page.click(`${card} [data-action="${action}"]`)
  const settled = await page.waitForFunction(
    (selector) => {
      const el = document.querySelector(selector)
      const error = el?.querySelector<HTMLElement>(".task-error")
      return el === null ? "gone" : error && !error.hidden ? error.textContent : false
    },
    card,
    { timeout: 10_000 }
  )
  expect(await settled.jsonValue(), `${action} of ${taskId}`).toBe("gone")
}

const shownTasks = (page: Page) => page.$$eval("#tasks .task", (cards) => cards.map((c) => (c as HTMLElement).dataset.taskId!))
const opsNumber = async (metric: string) => Number(((await dashboard.textContent(`#desk-live [data-metric="${metric}"] .value`)) ?? "").replace(/[^\d]/g, ""))
const pendingInPg = async () => Number((await pg<{ n: string }>("SELECT count(*) AS n FROM review_tasks WHERE status = 'pending'"))[0]!.n)
const snap = (page: Page, name: string) => page.screenshot({ path: join(artifactsDir, `desk-${name}.png`), fullPage: true })

describe("the review desk in headless Chromium over the real stack", () => {
  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    expect(Duration.toMillis((await runtime.runPromise(ReviewDesk.ReviewDesk)).settings.sla)).toBe(slaMs)

    await pg("INSERT INTO seekers (seeker_id, name, email, api_key_hash) VALUES ($1, 'Priya Raman', 'priya@example.com', $2)", [seekerId, randomUUID()])
    await pg(
      `INSERT INTO resumes (resume_id, seeker_id, filename, content_type, body, text_hash, is_primary)
       VALUES ($1, $2, 'resume.txt', 'text/plain', $3, md5($3), true)`,
      [resumeId, seekerId, resume]
    )
    for (const job of jobs) {
      await insertJob(job, `${job.title} at ${job.company}. You build batch and streaming pipelines in Python and SQL; Kafka is a must.\n\nQuestions? Email talent@careers.example.com.`)
      await pg(
        `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
         VALUES ($1, $2, $3, 'manual_review', '{}', $4, $5, 'test', now())`,
        [job.jobId, seekerId, job.score, JSON.stringify(explanation), resumeId]
      )
    }

    ops = await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Olga (ops)", role: "ops" })))
    const rt = await runtime.runtime()
    api = makeApi(rt)
    base = await api.listen({ port: 0, host: "127.0.0.1" })
    const reviewer = async (name: string): Promise<Reviewer> => {
      const response = await fetch(`${base}/staff`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ops.apiKey}` },
        body: JSON.stringify({ name, role: "reviewer" })
      })
      expect(response.status).toBe(201)
      const created = (await response.json()) as { staffId: string; apiKey: string }
      return { name, ...created, page: undefined as unknown as Page, pushed: [] }
    }
    ana = await reviewer("Ana")
    ben = await reviewer("Ben")

    // What serveApi runs beside the server, the relay that carries the desk's messages to Kafka, and the sink that
    // brings them to ClickHouse, where the desk's KPIs are read.
    loops = runtime.runFork(
      Effect.all(
        [supervise(deskName, runDesk()), supervise(relayName, relayOutbox()), supervise(clickhouseEvents.name, runStage(clickhouseEvents))],
        { concurrency: "unbounded", discard: true }
      )
    )
    await until("the desk's intake", pendingInPg, (n) => n === jobs.length)

    browser = await launch()
    dashboard = await watch(await browser.context.newPage())
    const read: Array<string> = []
    dashboard.on("request", (r) => read.push(new URL(r.url()).pathname))
    await dashboard.goto(`${base}/dashboard#overview`)
    // Without a staff key the page asks for one and reads nothing: no KPI, no review queue.
    await dashboard.waitForSelector("#signed-out", { timeout: 30_000 })
    expect(await dashboard.getAttribute('[data-view="overview"]', "data-state")).toBe("signed-out")
    expect(read.filter((path) => !path.startsWith("/dashboard"))).toEqual([])
    await dashboard.uncheck("#live")
  })

  afterAll(async () => {
    await browser?.close()
    await api?.close()
    if (loops) await runtime.runPromise(Fiber.interrupt(loops))
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("the ops panel, fed by /desk/ops/ws with an ops key, shows the tasks waiting as PostgreSQL counts them", async () => {
    const polled: Array<string> = []
    dashboard.on("request", (r) => new URL(r.url()).pathname.startsWith("/desk") && polled.push(r.url()))
    await dashboard.fill("#ops-key", ops.apiKey)
    await dashboard.click('#ops-key-form button[type="submit"]')
    await dashboard.waitForSelector('#desk-live[data-state="ready"]', { timeout: 10_000 })
    // The same key reads the KPIs for the rest of the page.
    await dashboard.waitForSelector('[data-view="overview"][data-state="ready"]', { timeout: 30_000 })
    expect(await dashboard.isVisible("#signed-out")).toBe(false)
    const [shown, stored] = await until("pending on the panel and in PostgreSQL", async () => [await opsNumber("desk-pending"), await pendingInPg()], ([a, b]) => a === b)
    expect(stored).toBe(3)
    expect(shown).toBe(3)
    expect(await dashboard.$$eval("#desk-live tbody tr th", (ths) => ths.map((t) => t.textContent))).toEqual(["Ana", "Ben"])
    expect(await dashboard.$$eval("#desk-live tbody tr", (trs) => trs.map((t) => (t as HTMLElement).dataset.presence))).toEqual(["offline", "offline"])
    // The key is held in this tab's session storage, and the numbers come over the socket, not by HTTP polling.
    expect(await dashboard.evaluate(() => sessionStorage.getItem("jobstream.dashboard.opsKey"))).toBe(ops.apiKey)
    expect(polled).toEqual([])
  })

  it("two reviewers online in two pages get one task each, never the same one, with the job, resume and score shown", async () => {
    await Promise.all([signIn(ana), signIn(ben)])
    const oneTask = (r: Reviewer) => until(`${r.name}'s tasks`, () => shownTasks(r.page), (t) => t.length === 1, 10_000)
    const [[anaTask], [benTask]] = await Promise.all([oneTask(ana), oneTask(ben)])
    expect(anaTask).not.toBe(benTask)
    const held = await pg<{ task_id: string; assignee: string }>("SELECT task_id, assignee FROM review_tasks WHERE status = 'assigned' ORDER BY assignee")
    expect(Object.fromEntries(held.map((h) => [h.task_id, h.assignee]))).toEqual({ [anaTask!]: ana.staffId, [benTask!]: ben.staffId })

    for (const r of [ana, ben]) {
      const [taskId] = await shownTasks(r.page)
      const job = jobs.find((j) => matchTaskId(j.jobId) === taskId)!
      const card = `#tasks [data-task-id="${taskId}"]`
      expect(await r.page.textContent(`${card} h2`)).toBe(job.title)
      // Crawled text reaches the page as text, never as markup.
      expect(await r.page.textContent(`${card} .posting-company`)).toBe(job.company)
      expect(await r.page.textContent(`${card} .posting-location`)).toBe(job.locations.length > 0 ? job.locations.join(" · ") : "Not given")
      expect(await r.page.getAttribute(`${card} .posting-title a`, "href")).toBe(`https://careers.example.com/jobs/${job.jobId}`)
      expect(await r.page.textContent(`${card} .posting-excerpt`)).toContain("Kafka is a must")
      // The contact the description states, as a mail link.
      expect(await r.page.$$eval(`${card} .posting-contacts a`, (as) => as.map((a) => a.getAttribute("href")))).toEqual(["mailto:talent@careers.example.com"])
      expect(await r.page.textContent(`${card} .resume-excerpt`)).toBe(resume)
      expect(await r.page.getAttribute(`${card} .score-badge`, "data-score")).toBe(String(job.score))
      expect(await r.page.$$eval(`${card} .matched-skills li`, (li) => li.map((l) => l.textContent))).toEqual(explanation.matchedSkills)
      expect(await r.page.$$eval(`${card} .missing-must-haves li`, (li) => li.map((l) => l.textContent))).toEqual(explanation.missingMustHaves)
      const [, minutes, seconds] = /^(\d+):(\d\d)$/.exec((await r.page.textContent(`${card} .remaining`)) ?? "")!
      expect(Number(minutes) * 60 + Number(seconds)).toBeGreaterThan(0)
      expect(Number(minutes) * 60 + Number(seconds)).toBeLessThanOrEqual(slaMs / 1000)
      // Reject reasons are schemas/Review.ts's closed set, in its order.
      expect(await r.page.$$eval(`${card} .reject-reason option`, (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([...RejectReason.literals])
      expect(await r.page.evaluate(() => [sessionStorage.length, localStorage.length])).toEqual([1, 0])
    }
    expect(await ana.page.textContent("#who")).toBe("Signed in as Ana")
    await snap(ana.page, "task")

    const [shown] = await until("pending after the assignments", async () => [await opsNumber("desk-pending"), await pendingInPg()], ([a, b]) => a === b && b === 1)
    expect(shown).toBe(1)
    expect(await opsNumber("desk-assigned")).toBe(2)
  })

  it("approve and reject in the page decide the tasks in PostgreSQL, and the next task is pushed in between", async () => {
    const [approved] = await shownTasks(ana.page)
    await press(ana.page, approved!, "approve")
    // Ana has room again: the one task still waiting comes to her.
    const [rejected] = await until("Ana's next task", () => shownTasks(ana.page), (t) => t.length === 1 && t[0] !== approved, 10_000)
    const card = `[data-task-id="${rejected}"]`
    await ana.page.selectOption(`${card} .reject-reason`, "seniority_mismatch")
    await ana.page.fill(`${card} .reject-note`, "Asks for ten years of Scala")
    await press(ana.page, rejected!, "reject")
    await until("Ana's desk emptied", () => shownTasks(ana.page), (t) => t.length === 0, 10_000)
    expect(await ana.page.textContent("#desk-notice")).toContain("Rejected")

    const decided = await pg<{ task_id: string; outcome: string; decided_by: string; decision: unknown }>(
      "SELECT task_id, outcome, decided_by, decision FROM review_tasks WHERE status = 'decided' ORDER BY outcome"
    )
    expect(decided).toEqual([
      { task_id: approved, outcome: "approved", decided_by: ana.staffId, decision: { action: "approve" } },
      { task_id: rejected, outcome: "rejected", decided_by: ana.staffId, decision: { action: "reject", reason: "seniority_mismatch", note: "Asks for ten years of Scala" } }
    ])
    state.approved = approved!
    state.rejected = rejected!
  })

  it("a reviewer who lets the timer run out sees the warning, loses the task with a strike, and it is pushed to the other reviewer", async () => {
    const [missed] = await shownTasks(ben.page)
    // The T-5 warning (10 s before the deadline here), visible on the card.
    await ben.page.waitForSelector(`[data-task-id="${missed}"][data-warned="true"] .task-warning:visible`, { timeout: slaMs })
    await snap(ben.page, "warning")
    await ana.page.waitForSelector(`#tasks [data-task-id="${missed}"]`, { timeout: slaMs })
    await until("Ben's desk after the deadline", () => shownTasks(ben.page), (t) => t.length === 0, 5_000)
    await ben.page.waitForSelector('#strikes[data-strikes="1"]', { timeout: 5_000 })
    expect(await ben.page.textContent("#desk-notice")).toContain("ran out")
    expect(await ben.page.isVisible("#strike-warning")).toBe(false)

    const ofBen = ben.pushed
      .filter((m) => (m.taskId ?? m.task?.taskId) === missed || m.type === "strike")
      .map((m) => [m.type, m.reason ?? m.strikes ?? null])
    expect(ofBen).toEqual([["task", null], ["warning", null], ["strike", 1], ["revoked", "missed"]])
    const [task] = await pg<{ assignee: string; misses: number; missed_by: Array<string> }>(
      "SELECT assignee, misses, missed_by FROM review_tasks WHERE task_id = $1",
      [missed]
    )
    expect(task).toEqual({ assignee: ana.staffId, misses: 1, missed_by: [ben.staffId] })
    const strikes = await pg<{ name: string; strikes: number }>("SELECT name, strikes FROM staff WHERE role = 'reviewer' ORDER BY name")
    expect(strikes).toEqual([{ name: "Ana", strikes: 0 }, { name: "Ben", strikes: 1 }])
    // Never back to the one who missed it: Ben stays without a task.
    expect(await shownTasks(ben.page)).toEqual([])

    // Released by Ana without a strike: it waits for a reviewer who has not had it.
    await press(ana.page, missed!, "release")
    await until("Ana's desk after the release", () => shownTasks(ana.page), (t) => t.length === 0, 10_000)
    const [released] = await pg<{ status: string; strikes: number }>(
      "SELECT t.status, s.strikes FROM review_tasks t, staff s WHERE t.task_id = $1 AND s.staff_id = $2",
      [missed, ana.staffId]
    )
    expect(released).toEqual({ status: "pending", strikes: 0 })
  })

  it("the approval is one message on applications.approved, read back with kcat; the rejection publishes none", async () => {
    const approvedJob = jobs.find((j) => matchTaskId(j.jobId) === state.approved)!
    const rejectedJob = jobs.find((j) => matchTaskId(j.jobId) === state.rejected)!
    // The rejection's own event on reviews.events shows the relay got past it.
    await until(
      "the rejection's event on reviews.events",
      () => kcat(Topics.reviewEvents.name),
      (events) => events.some((e) => e.value.taskId === state.rejected && e.value.type === "decided" && e.value.outcome === "rejected")
    )
    const approvals = await kcat(Topics.approved.name)
    expect(approvals).toHaveLength(1)
    const [message] = approvals
    expect(message!.key).toBe(seekerId)
    expect(message!.value).toMatchObject({
      approval: { by: "reviewer", reviewerId: ana.staffId, taskId: state.approved },
      seeker: { seekerId, contactPath: `/desk/seekers/${seekerId}/contact` },
      job: { jobId: approvedJob.jobId, title: approvedJob.title, url: `https://careers.example.com/jobs/${approvedJob.jobId}` },
      resume: { resumeId },
      score: approvedJob.score,
      explanation
    })
    expect(approvals.some((a) => (a.value.job as { jobId: string }).jobId === rejectedJob.jobId)).toBe(false)
  })

  it("a dedup pair shows both postings with Merge and Keep apart, and Keep apart settles the pair", async () => {
    const pair = [
      { jobId: jobId(), title: "Data Engineer (Berlin)", company: "Hooli", locations: ["Berlin"] },
      { jobId: jobId(), title: "Data Engineer - Berlin", company: "Hooli", locations: ["Berlin, DE"] }
    ]
    for (const p of pair) await insertJob(p, `${p.title}: pipelines in Python.`)
    await pg("INSERT INTO dedup_reviews (job_id, candidate_id, similarity) VALUES ($1, $2, 0.84)", [pair[0]!.jobId, pair[1]!.jobId])
    const [task] = await until(
      "the pair's task assigned",
      () => pg<{ task_id: string; assignee: string | null }>("SELECT task_id, assignee FROM review_tasks WHERE kind = 'dedup'"),
      (rows) => rows[0]?.assignee != null
    )
    const page = task!.assignee === ana.staffId ? ana.page : ben.page
    const card = `#tasks [data-task-id="${task!.task_id}"][data-kind="dedup"]`
    await page.waitForSelector(card, { timeout: 10_000 })
    expect(await page.$$eval(`${card} .posting-title`, (ts) => ts.map((t) => t.textContent))).toEqual(pair.map((p) => p.title))
    expect(await page.$$eval(`${card} .actions button`, (bs) => bs.map((b) => b.textContent))).toEqual(["Merge", "Keep apart", "Release"])
    await snap(page, "dedup")
    await press(page, task!.task_id, "distinct")
    const [settled] = await pg<{ outcome: string; status: string }>(
      "SELECT t.outcome, r.status FROM review_tasks t JOIN dedup_reviews r ON r.job_id = t.job_id AND r.candidate_id = t.candidate_id WHERE t.task_id = $1",
      [task!.task_id]
    )
    expect(settled).toEqual({ outcome: "distinct", status: "distinct" })
  })

  it("the ops panel's KPIs for today, pushed, are PostgreSQL's decisions, misses and approvals, and the KPI API's", async () => {
    const [today] = await pg<{ decided: number; approved: number }>(
      `SELECT (SELECT count(*) FROM review_tasks WHERE status = 'decided' AND ended_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int AS decided,
              (SELECT count(*) FROM approvals WHERE approved_by = 'reviewer')::int AS approved`
    )
    // Approved, rejected, kept apart; one approval, by Ana.
    expect(today).toEqual({ decided: 3, approved: 1 })
    const row = (r: Reviewer) => `#desk-live tr[data-staff-id="${r.staffId}"]`
    await until("the panel's decisions", () => opsNumber("desk-decisions"), (n) => n === today!.decided, 30_000)
    await dashboard.waitForSelector(`${row(ben)} [data-misses="1"]`, { timeout: 10_000 })
    await dashboard.waitForSelector(`${row(ana)} [data-misses="0"]`, { timeout: 10_000 })
    await until("the panel's approvals", async () => [await opsNumber("desk-manual"), await opsNumber("desk-auto")], ([m, a]) => m === 1 && a === 0, 10_000)
    expect(await dashboard.textContent('#desk-live [data-metric="desk-decision-p50"] .value')).toMatch(/^\d+(\.\d)? (ms|s|min)$/)
    expect(await dashboard.textContent('#desk-live tr[data-source="acme-careers"] [data-approvals]')).toBe("1")

    // Over the range the feed used, the KPI API answers the same numbers.
    const [from, to] = await dashboard.$eval("#desk-live .desk-kpis", (el) => [(el as HTMLElement).dataset.from!, (el as HTMLElement).dataset.to!])
    const kpi = async (name: string) => {
      const response = await fetch(`${base}/kpis/${name}?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${ops.apiKey}` } })
      expect(response.status).toBe(200)
      return ((await response.json()) as { rows: Array<Record<string, string | number>> }).rows
    }
    expect((await kpi("review_decision_time")).map((r) => Number(r.decisions))).toEqual([today!.decided])
    expect((await kpi("sla_misses")).map((r) => [r.reviewer_id, Number(r.misses)])).toEqual([[ben.staffId, 1]])
    expect((await kpi("approval_channels")).map((r) => [r.source, Number(r.auto), Number(r.manual)])).toEqual([["acme-careers", 0, 1]])
  })

  it("strikes, the 3-strike warning and the lock reach the reviewer's page and the ops panel; an ops unlock restores them", async () => {
    const [shown, stored] = await until("pending on the panel and in PostgreSQL", async () => [await opsNumber("desk-pending"), await pendingInPg()], ([a, b]) => a === b)
    expect(stored).toBe(1)
    expect(shown).toBe(1)
    const row = (r: Reviewer) => `#desk-live tr[data-staff-id="${r.staffId}"]`
    await dashboard.waitForSelector(`${row(ana)}[data-presence="online"] [data-strikes="0"]`, { timeout: 5_000 })
    await dashboard.waitForSelector(`${row(ben)}[data-presence="online"] [data-strikes="1"]`, { timeout: 5_000 })

    // Two more misses' worth of strikes, as the sweep counts them.
    await pg("UPDATE staff SET strikes = 3 WHERE staff_id = $1", [ben.staffId])
    await ben.page.waitForSelector("#strike-warning:visible", { timeout: 5_000 })
    expect(await ben.page.getAttribute("#strikes", "data-strikes")).toBe("3")
    await dashboard.waitForSelector(`${row(ben)} [data-strikes="3"]`, { timeout: 5_000 })

    await pg("UPDATE staff SET strikes = 4, locked_at = now() WHERE staff_id = $1", [ben.staffId])
    await ben.page.waitForSelector('#presence[data-state="locked"]', { timeout: 5_000 })
    expect(await ben.page.isVisible("#locked-banner")).toBe(true)
    expect(await ben.page.isVisible("#strike-warning")).toBe(false)
    await dashboard.waitForSelector(`${row(ben)}[data-locked="true"]`, { timeout: 5_000 })
    await snap(ben.page, "locked")
    await snap(dashboard, "ops-panel")

    const unlock = await fetch(`${base}/staff/${ben.staffId}/unlock`, { method: "POST", headers: { authorization: `Bearer ${ops.apiKey}` } })
    expect(unlock.status).toBe(200)
    await ben.page.waitForSelector('#presence[data-state="online"]', { timeout: 5_000 })
    expect(await ben.page.isVisible("#locked-banner")).toBe(false)
    expect(await ben.page.isVisible("#strike-warning")).toBe(false)
    expect(await ben.page.getAttribute("#strikes", "data-strikes")).toBe("0")
    await dashboard.waitForSelector(`${row(ben)}[data-locked="false"] [data-strikes="0"]`, { timeout: 5_000 })

    // Nothing went wrong on any page along the way, and nothing was loaded from elsewhere.
    expect(problems).toEqual([])
    for (const page of [dashboard, ana.page, ben.page]) {
      const origins = await page.evaluate(() => [...new Set(performance.getEntriesByType("resource").map((e) => new URL(e.name).origin))])
      expect(origins).toEqual([new URL(base).origin])
    }
  })
})
