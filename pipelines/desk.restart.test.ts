import { spawn, type ChildProcess } from "node:child_process"
import { once } from "node:events"
import { join } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { freePort } from "./faults/appProcess.js"
import * as Staff from "./Staff.js"
import { testConfig } from "./testing.js"

// The review desk across API processes: two of them handing out one queue never give a task twice, and the queue
// and its deadlines survive a SIGKILL (they live in PostgreSQL only; a deadline that passed while nothing ran is
// applied when the desk starts again).

const config = testConfig()
const runtime = ManagedRuntime.make(config.layer)
const cli = join(import.meta.dirname, "cli.ts")
const children: Array<ChildProcess> = []
const slaMs = 8000

const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))

/** `jobstream serve` on `port`, with a short SLA; resolves once its API answers. */
const serve = async (port: number) => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "serve"], {
    env: { ...config.env, JOBSTREAM_API_PORT: String(port), JOBSTREAM_REVIEW_SLA: `${slaMs} millis`, JOBSTREAM_REVIEW_WARN_BEFORE: "2 seconds" },
    stdio: "ignore"
  })
  children.push(child)
  const until = Date.now() + 120_000
  while (Date.now() < until) {
    const up = await fetch(`http://127.0.0.1:${port}/livez`).then((r) => r.ok, () => false)
    if (up) return child
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error("jobstream serve never answered")
}

/** A reviewer's desk socket: every message it received, in order. */
const reviewer = (port: number, key: string) => {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/desk/ws`)
  const messages: Array<{ type: string; task?: { taskId: string; deadline: string } }> = []
  socket.on("message", (raw) => messages.push(JSON.parse(String(raw))))
  socket.on("open", () => socket.send(JSON.stringify({ type: "hello", key })))
  const timer = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: "heartbeat" })), 2000)
  socket.on("close", () => clearInterval(timer))
  return { socket, messages }
}

const waitFor = async <A>(what: string, probe: () => A | undefined | Promise<A | undefined>, ms = 30_000): Promise<A> => {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const found = await probe()
    if (found !== undefined) return found
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`never: ${what}`)
}

/** `n` manual_review matches of one seeker, on jobs numbered from `from`. */
const reviewTasks = async (seekerId: string, from: number, n: number) => {
  await pg("INSERT INTO seekers (seeker_id, name, api_key_hash) VALUES ($1, 'Sam', $1) ON CONFLICT DO NOTHING", [seekerId])
  for (let i = from; i < from + n; i++) {
    const id = i.toString(16).padStart(32, "0")
    await pg(
      `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key, locations, remote,
                         description, content_hash, fetched_at, normalized_at)
       VALUES ($1, 'restart', 'jsonld', $1, 'https://careers.example/' || $1, 'https://careers.example/' || $1, 'Analyst', 'Acme', 'acme',
               '{}', false, 'Numbers.', $1, now(), now())`,
      [id]
    )
    await pg(
      `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
       VALUES ($1, $2, $3, 'manual_review', '{}', '{"matchedSkills":[],"missingMustHaves":[],"missingSkills":[],"constraints":[]}', 'r', 'm', now())`,
      [id, seekerId, 60 + (i % 30)]
    )
  }
}

const makeReviewer = (name: string) =>
  runtime.runPromise(Effect.flatMap(Staff.make, (s) => s.create({ name, role: "reviewer" }))).then((c) => ({ key: c.apiKey, id: c.staffId }))

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
})

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("two API processes, one queue", () => {
  it("gives each of 12 tasks to one of 20 reviewers spread over both, and none twice", async () => {
    await reviewTasks("seeker-two", 100, 12)
    const ports = [await freePort(), await freePort()]
    const started = Date.now()
    const apps = await Promise.all(ports.map(serve))
    console.log(`two API processes answered in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const reviewers = await Promise.all(Array.from({ length: 20 }, (_, i) => makeReviewer(`pair ${i}`)))
    const desks = reviewers.map((r, i) => reviewer(ports[i % 2]!, r.key))
    const tasksOf = () => desks.map((d) => d.messages.filter((m) => m.type === "task").map((m) => m.task!.taskId))
    await waitFor("12 tasks pushed", () => (tasksOf().flat().length >= 12 ? true : undefined), 60_000)
    // A moment more: a task handed out twice would arrive on a second socket now.
    await new Promise((r) => setTimeout(r, 1500))
    for (const d of desks) d.socket.terminate()
    for (const app of apps) app.kill("SIGTERM")
    await Promise.all(apps.map((app) => once(app, "exit")))
    const received = tasksOf()
    expect(received.flat()).toHaveLength(12)
    expect(new Set(received.flat()).size).toBe(12)
    expect(Math.max(...received.map((t) => t.length))).toBe(1)
    // Both processes handed out tasks: reviewers of each got some.
    expect(received.filter((t, i) => i % 2 === 0 && t.length > 0).length).toBeGreaterThan(0)
    expect(received.filter((t, i) => i % 2 === 1 && t.length > 0).length).toBeGreaterThan(0)
    const [held] = await pg<{ n: string; holders: string }>(
      "SELECT count(*) AS n, count(DISTINCT assignee) AS holders FROM review_tasks WHERE status = 'assigned'"
    )
    expect({ n: Number(held?.n), holders: Number(held?.holders) }).toEqual({ n: 12, holders: 12 })
    // The next scenario starts from an empty desk.
    await pg("DELETE FROM matches WHERE seeker_id = 'seeker-two'")
    await pg("DELETE FROM review_tasks")
    // Two whole `jobstream serve` processes (each with its stream processors) start first: on a loaded 2-core
    // machine that alone has taken most of a minute.
  }, 240_000)
})

describe("the desk, its API process SIGKILLed", () => {
  let port = 0
  let first: { key: string; id: string }
  let second: { key: string; id: string }
  let held: { taskId: string; deadline: string }
  let pendingBefore = 0
  let afterKill: { status: string; assignee: string | null; deadline: Date | null } | undefined

  beforeAll(async () => {
    await reviewTasks("seeker-restart", 0, 3)
    first = await makeReviewer("first")
    second = await makeReviewer("second")

    port = await freePort()
    const app = await serve(port)
    const desk = reviewer(port, first.key)
    held = await waitFor("a task pushed to the first reviewer", () => desk.messages.find((m) => m.type === "task")?.task)
    pendingBefore = Number((await pg<{ n: string }>("SELECT count(*) AS n FROM review_tasks WHERE status = 'pending'"))[0]?.n)
    app.kill("SIGKILL")
    await once(app, "exit")
    desk.socket.terminate()
    const [row] = await pg<{ status: string; assignee: string | null; deadline: Date | null }>(
      "SELECT status, assignee, deadline FROM review_tasks WHERE task_id = $1",
      [held.taskId]
    )
    afterKill = row
    // The deadline passes while no desk runs.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(held.deadline) - Date.now()) + 500))
    await serve(port)
  })

  it("kept the task held, with its deadline, through the kill", () => {
    expect(afterKill).toEqual({ status: "assigned", assignee: first.id, deadline: new Date(held.deadline) })
    expect(pendingBefore).toBe(2)
  })

  it("applies the deadline that passed while it was down: re-queued at the front, a strike, and pushed to the other reviewer", async () => {
    const missed = await waitFor("the missed task re-queued", async () => {
      const [row] = await pg<{ status: string; front: boolean; misses: number }>(
        "SELECT status, front, misses FROM review_tasks WHERE task_id = $1",
        [held.taskId]
      )
      return row?.misses === 1 ? row : undefined
    })
    expect(missed).toEqual({ status: "pending", front: true, misses: 1 })
    const [standing] = await pg<{ strikes: number }>("SELECT strikes FROM staff WHERE staff_id = $1", [first.id])
    expect(standing?.strikes).toBe(1)
    const next = reviewer(port, second.key)
    const pushed = await waitFor("a task pushed to the second reviewer", () => next.messages.find((m) => m.type === "task")?.task)
    next.socket.terminate()
    expect(pushed.taskId).toBe(held.taskId)
  })
})
