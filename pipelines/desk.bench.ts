/**
 * The review desk under 50 simulated reviewers (issue 13), on the local stack: the real API on an ephemeral
 * 127.0.0.1 port with the desk's loop forked, and 50 reviewer accounts made through the Staff service, each a
 * WebSocket client that says hello, heartbeats every 5 s and decides each task it is pushed over HTTP at once
 * (approve and reject in turn), as the desk page does.
 *
 * - Paced: bursts of 50 matches (one per reviewer), one a second: where the desk sustains 50 tasks/s, a task's
 *   wait from its row's creation to the push is the push path alone (the intake's look, the sweep, the hub's
 *   pass); where it sustains fewer (compare the backlog's tasks/s), queueing shows here too.
 * - Backlog: 1,000 matches in two bursts of 500, a second apart: the queue is never empty, so tasks/s (first task created to last
 *   decided) is what the desk sustains, and a task's wait includes its time in the queue.
 * - Baseline, in the same process on the same rows: ReviewDesk.claim + decide called directly by 50 fibers over
 *   1,000 tasks, no socket, no HTTP, no loop tick: what the claims and decisions cost alone.
 *
 * Latency is measured from review_tasks.created_at (the intake's transaction start; a match waits up to one
 * intake period before that) to the client's receipt of the task, on one machine's clock. The clients share the
 * server's process, so their work counts against the server.
 *
 * Meant as a section of pipelines/bench.ts; alone:
 *   npx tsx -e 'import("./pipelines/desk.bench.ts").then((m) => m.benchDesk())'
 */
import { randomBytes } from "node:crypto"
import { cpus, loadavg } from "node:os"
import type { AddressInfo } from "node:net"
import { Duration, Effect, Fiber, Layer, ManagedRuntime, Option, Schema } from "effect"
import WebSocket from "ws"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { supervise } from "../stack/supervisor.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import * as DeskHub from "./DeskHub.js"
import { intake } from "./deskIntake.js"
import { defaultDeskLoop, deskName, runDesk } from "./deskLoop.js"
import { withServices } from "./ingest.js"
import { ReviewDesk, type Decision } from "./ReviewDesk.js"
import { Staff } from "./Staff.js"
import type { BenchRow } from "../stack/benchTable.js"
import { testConfig } from "./testing.js"

const reviewers = 50
const seekers = 5
const paced = { bursts: 5, size: 50, every: 1000 }
const backlog = { bursts: 2, size: 500, every: 1000 }
const baselineTasks = 1000
const heartbeatMs = 5000
/** Longer than any phase should take: a phase that runs out says how far it got instead of hanging. */
const phaseLimit = Duration.seconds(90)

const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)

/** One pass of the hub as the loop ran it: when it ended, how long it took, how many tasks it handed out. */
interface Pass {
  readonly at: number
  readonly ms: number
  readonly assigned: number
}

/** The hub the API uses, its passes timed from outside (the hub itself is unchanged). */
const timedHub = (passes: Array<Pass>) =>
  Layer.sync(DeskHub.DeskHub, () => {
    const hub = DeskHub.make()
    return DeskHub.DeskHub.of({
      ...hub,
      pass: Effect.map(Effect.timed(hub.pass), ([took, result]) => {
        passes.push({ at: Date.now(), ms: Duration.toMillis(took), assigned: result.assigned })
        return result
      })
    })
  })

/** What a reviewer's client records: when each task arrived, and how its decisions went. */
interface Tally {
  readonly received: Map<string, number>
  /** Tasks pushed a second time, to the same or another client: the desk must never do it. */
  pushedTwice: number
  decided: number
  retried: number
  readonly failures: Array<string>
}

const DeskMessage = Schema.parseJson(
  Schema.Struct({ type: Schema.String, message: Schema.optional(Schema.String), task: Schema.optional(Schema.Struct({ taskId: Schema.String })) })
)
const decodeMessage = Schema.decodeUnknownOption(DeskMessage)

const now = () => performance.timeOrigin + performance.now()

/** A reviewer at the desk page: hello, a heartbeat every 5 s, every task decided as soon as it arrives. */
const reviewerClient = (base: string, apiKey: string, tally: Tally) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(`${base.replace(/^http/, "ws")}/desk/ws`)
    let approve = true
    const heartbeat = setInterval(() => socket.send(JSON.stringify({ type: "heartbeat" })), heartbeatMs)
    socket.on("open", () => socket.send(JSON.stringify({ type: "hello", key: apiKey })))
    socket.on("close", () => clearInterval(heartbeat))
    socket.on("error", reject)
    socket.on("message", (raw) => {
      const at = now()
      const message = decodeMessage(String(raw))
      if (Option.isNone(message)) return
      const { type, task } = message.value
      if (type === "welcome") resolve(socket)
      else if (type === "error") reject(new Error(`desk socket: ${message.value.message}`))
      else if (type === "task" && task !== undefined) {
        if (tally.received.has(task.taskId)) tally.pushedTwice++
        else tally.received.set(task.taskId, at)
        const decision: Decision = approve ? { action: "approve" } : { action: "reject", reason: "skills_mismatch" }
        approve = !approve
        void decide(base, apiKey, task.taskId, decision, tally)
      }
    })
  })

/**
 * A decision the API could not take for now (a 503, no answer) is sent again, as the desk page's button would be
 * pressed again; one it refused (a 4xx) is a failure, and the phase stops on it.
 */
const decide = async (base: string, apiKey: string, taskId: string, decision: Decision, tally: Tally) => {
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(`${base}/desk/tasks/${taskId}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(decision)
    }).then(
      async (response) => ({ status: response.status, body: await response.text() }),
      (error: unknown) => ({ status: 0, body: String(error) })
    )
    if (answer.status === 200) return void tally.decided++
    if (attempt === 3 || (answer.status >= 400 && answer.status < 500))
      return void tally.failures.push(`${decision.action} ${taskId}: ${answer.status} ${answer.body.slice(0, 300)}`)
    tally.retried++
    await new Promise((r) => setTimeout(r, 100))
  }
}

const quantile = (sorted: ReadonlyArray<number>, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN

const TaskTimes = Schema.Struct({ task_id: Schema.String, status: Schema.String, created: Schema.Number, ended: Schema.NullOr(Schema.Number) })

export const benchDesk = async (): Promise<Array<BenchRow>> => {
  const config = testConfig(`bench-desk-${randomBytes(4).toString("hex")}.`)
  const passes: Array<Pass> = []
  const runtime = ManagedRuntime.make(Layer.merge(withServices(config.layer), timedHub(passes)))
  const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
    runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))

  /** `n` jobs of the phase's source, each with a manual_review match of one of the seekers. */
  const matches = (source: string, from: number, n: number) =>
    pg(
      `WITH made AS (
         INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key,
                           locations, remote, description, content_hash, fetched_at, normalized_at)
         SELECT md5($1 || i), $1, 'jsonld', md5($1 || i), 'https://careers.example/' || $1 || '/' || i,
                'https://careers.example/' || $1 || '/' || i, 'Data Engineer ' || i, 'Acme', 'acme', '{Berlin}', false,
                'Build pipelines in SQL and Kafka.', md5($1 || i), now(), now()
         FROM generate_series($2::int, $3::int) AS i
         RETURNING job_id, external_id)
       INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
       SELECT job_id, 'bench-seeker-' || (row_number() OVER () % $4), 60 + (row_number() OVER () % 20)::int, 'manual_review', '{}',
              '{"matchedSkills":["sql"],"missingMustHaves":[],"missingSkills":[],"constraints":[]}',
              'bench-resume-' || (row_number() OVER () % $4), 'bench', now()
       FROM made`,
      [source, from, from + n - 1, seekers]
    )

  const tasksOf = (source: string) =>
    runtime.runPromise(
      Effect.flatMap(Postgres, (db) =>
        db.rows(
          TaskTimes,
          `SELECT t.task_id, t.status, (extract(epoch FROM t.created_at) * 1000)::float8 AS created,
                  (extract(epoch FROM t.ended_at) * 1000)::float8 AS ended
           FROM review_tasks t JOIN jobs j ON j.job_id = t.job_id WHERE j.source = $1`,
          [source]
        )
      )
    )

  /** Waits until every task of the phase is decided; stops at a refused decision, or when the phase's limit passes. */
  const allDecided = async (source: string, expected: number, tally: Tally) => {
    const until = Date.now() + Duration.toMillis(phaseLimit)
    for (;;) {
      if (tally.failures.length > 0) throw new Error(`desk bench, ${source}: the API refused a decision: ${tally.failures[0]}`)
      const tasks = await tasksOf(source)
      const decided = tasks.filter((t) => t.status === "decided").length
      if (tasks.length === expected && decided === expected) return tasks
      if (Date.now() > until) throw new Error(`desk bench, ${source}: ${decided} of ${expected} tasks decided after ${Duration.format(phaseLimit)} (${tasks.length} created)`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  try {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    await pg(
      `INSERT INTO seekers (seeker_id, name, email, api_key_hash)
       SELECT 'bench-seeker-' || i, 'Seeker ' || i, 'seeker' || i || '@example.org', 'bench-' || i FROM generate_series(0, $1::int - 1) AS i`,
      [seekers]
    )
    await pg(
      `INSERT INTO resumes (resume_id, seeker_id, content_type, body, text_hash, is_primary)
       SELECT 'bench-resume-' || i, 'bench-seeker-' || i, 'text/plain', 'SQL, Kafka, pipelines', 'h' || i, true FROM generate_series(0, $1::int - 1) AS i`,
      [seekers]
    )
    const staff = await runtime.runPromise(
      Effect.flatMap(Staff, (s) => Effect.forEach(Array.from({ length: reviewers }, (_, i) => i), (i) => s.create({ name: `bench reviewer ${i}`, role: "reviewer" })))
    )

    // Baseline: the claims and decisions alone, 50 fibers over one queue of 2,000 tasks.
    await matches("desk-bench-baseline", 0, baselineTasks)
    await runtime.runPromise(Effect.flatMap(ReviewDesk, (desk) => intake(desk.settings, new Date(0))))
    const baseline = await runtime.runPromise(
      Effect.flatMap(ReviewDesk, (desk) =>
        Effect.timed(
          Effect.forEach(
            staff,
            ({ staffId }) =>
              Effect.gen(function* () {
                let done = 0
                for (;;) {
                  const task = yield* desk.claim(staffId)
                  if (task === null) {
                    // A claim that lost every race comes back empty too: stop only when the queue is.
                    if ((yield* desk.counts).pending === 0) return done
                    continue
                  }
                  const decision: Decision = done % 2 === 0 ? { action: "approve" } : { action: "reject", reason: "skills_mismatch" }
                  yield* desk.decide(task.taskId, { kind: "reviewer", staffId }, decision)
                  done++
                }
              }),
            { concurrency: "unbounded" }
          )
        )
      )
    )
    const baselineDone = baseline[1].reduce((a, b) => a + b, 0)
    if (baselineDone !== baselineTasks) throw new Error(`desk bench baseline: ${baselineDone} of ${baselineTasks} tasks decided`)
    const baselineRate = baselineTasks / (Duration.toMillis(baseline[0]) / 1000)
    // The desk starts from an empty queue, as it would on a new day.
    await pg("TRUNCATE review_tasks, approvals, outbox, matches")
    await pg("UPDATE staff SET last_assigned_at = NULL")

    // The API and its desk loop, as serveApi runs them, and the reviewers at their screens.
    const api = makeApi(await runtime.runtime())
    await api.listen({ host: "127.0.0.1", port: 0 })
    const base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`
    const loop = runtime.runFork(supervise(deskName, runDesk()))
    const tally: Tally = { received: new Map(), pushedTwice: 0, decided: 0, retried: 0, failures: [] }
    const sockets: Array<WebSocket> = []

    const phase = async (source: string, shape: { bursts: number; size: number; every: number }) => {
      const started = Date.now()
      for (let b = 0; b < shape.bursts; b++) {
        if (b > 0) await new Promise((r) => setTimeout(r, shape.every))
        await matches(source, b * shape.size, shape.size)
      }
      const tasks = await allDecided(source, shape.bursts * shape.size, tally)
      const waits = tasks
        .map((t) => (tally.received.get(t.task_id) ?? NaN) - t.created)
        .filter((ms) => !Number.isNaN(ms))
        .sort((a, b) => a - b)
      const first = Math.min(...tasks.map((t) => t.created))
      const last = Math.max(...tasks.map((t) => t.ended ?? NaN))
      const during = passes.filter((p) => p.at >= started)
      const passMs = during.map((p) => p.ms).sort((a, b) => a - b)
      const periods = during.slice(1).map((p, i) => p.at - during[i]!.at)
      const handing = during.filter((p) => p.assigned > 0)
      return {
        tasks: tasks.length,
        pushed: waits.length,
        p50: quantile(waits, 0.5),
        p99: quantile(waits, 0.99),
        max: quantile(waits, 1),
        rate: tasks.length / ((last - first) / 1000),
        passP50: quantile(passMs, 0.5),
        passMax: quantile(passMs, 1),
        period: periods.reduce((a, b) => a + b, 0) / Math.max(1, periods.length),
        perPass: handing.reduce((a, p) => a + p.assigned, 0) / Math.max(1, handing.length)
      }
    }

    const { calm, busy } = await (async () => {
      try {
        sockets.push(...(await Promise.all(staff.map(({ apiKey }) => reviewerClient(base, apiKey, tally)))))
        // A seat is taken just after its welcome is sent.
        while (runtime.runSync(Effect.map(DeskHub.DeskHub, (hub) => hub.seated())) < reviewers) await new Promise((r) => setTimeout(r, 20))
        return { calm: await phase("desk-bench-paced", paced), busy: await phase("desk-bench-backlog", backlog) }
      } finally {
        for (const socket of sockets) socket.close()
        await runtime.runPromise(Fiber.interrupt(loop))
        await api.close()
      }
    })()

    const loopSettings = `tick ${Duration.format(Duration.decode(defaultDeskLoop.tick))}, intake every ${Duration.format(Duration.decode(defaultDeskLoop.intakeEvery))}`
    console.log(
      `Review desk: ${reviewers} reviewers over WebSocket (1 task each at a time), real API and desk loop (${loopSettings}); ` +
        `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`
    )
    const ms = (n: number) => `${n.toFixed(0)} ms`
    line(`paced (${paced.bursts} bursts of ${paced.size}, 1/s): created -> pushed p50 / p99 / max`, `${ms(calm.p50)} / ${ms(calm.p99)} / ${ms(calm.max)}`)
    line("paced: hub pass p50 / max, loop period", `${ms(calm.passP50)} / ${ms(calm.passMax)}, ${ms(calm.period)}`)
    line(`backlog (${backlog.bursts} bursts of ${backlog.size}): created -> pushed p50 / p99`, `${ms(busy.p50)} / ${ms(busy.p99)} (queueing included)`)
    line("backlog: hub pass p50 / max, loop period, tasks per pass", `${ms(busy.passP50)} / ${ms(busy.passMax)}, ${ms(busy.period)}, ${busy.perPass.toFixed(1)}`)
    line(`baseline: claim + decide, ${reviewers} fibers, no socket, tasks/s`, baselineRate.toFixed(1))
    line("desk: tasks/s decided, first created -> last decided", busy.rate.toFixed(1))
    line("ratio desk / baseline", (busy.rate / baselineRate).toFixed(2))
    line("decisions sent again after a 5xx, tasks pushed twice", `${tally.retried}, ${tally.pushedTwice}`)
    const unseen = calm.tasks - calm.pushed + busy.tasks - busy.pushed
    if (unseen > 0) line("tasks decided without their push being seen (bench fault)", `${unseen}`)
    return [
      {
        id: "R desk",
        what: `review desk, ${reviewers} reviewers over WebSocket: tasks decided/s (push p99 ${ms(busy.p99)} in backlog)`,
        value: `${busy.rate.toFixed(1)} tasks/s`,
        baseline: `${baselineRate.toFixed(1)} tasks/s claim + decide direct`,
        ratio: busy.rate / baselineRate,
        goal: "reported",
        met: null,
        figures: { rate: busy.rate, baseline: baselineRate, pushP50: calm.p50, pushP99: calm.p99 }
      }
    ]
  } finally {
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  }
}
