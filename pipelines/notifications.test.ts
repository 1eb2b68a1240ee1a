import { spawn, type ChildProcess } from "node:child_process"
import { createHmac } from "node:crypto"
import { once } from "node:events"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Duration, Effect, Fiber, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import { SMTPServer } from "smtp-server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encode, hashId, Topics } from "../schemas/Envelope.js"
import type { Match } from "../schemas/Seeker.js"
import { runNotifier, settingsConfig as notifierConfig, sweepFollowups } from "../sinks/notifier.js"
import { channelsOf, recordNotifications, type NotificationDraft } from "../sinks/notifications.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { testConfig } from "./testing.js"

/**
 * Notifications over the real stack: the notify stage and the notifier in a `jobstream process` of their own
 * (killed with SIGKILL mid-send, then started again), a webhook receiver and an SMTP server started here, and
 * the API's settings, list and live stream.
 */

// Read by the API in this process (whether email is available) and passed on to the notifier's process.
const smtpPort = 30000 + Math.floor(Math.random() * 20000)
process.env.JOBSTREAM_SMTP_URL = `smtp://127.0.0.1:${smtpPort}`

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const cli = join(import.meta.dirname, "cli.ts")
const children: Array<ChildProcess> = []

interface Mail {
  readonly to: string
  readonly subject: string
  readonly messageId: string
}
const mails: Array<Mail> = []
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData: (stream, session, callback) => {
    let raw = ""
    stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")))
    stream.on("end", () => {
      const header = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, "im").exec(raw)?.[1]?.trim() ?? ""
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), subject: header("Subject"), messageId: header("Message-ID") })
      callback()
    })
  }
})

interface Arrival {
  readonly path: string
  readonly id: string
  readonly timestamp: string
  readonly signature: string
  readonly body: string
}
const arrivals: Array<Arrival> = []
/** Requests of `/ok` answered 2xx: what the receiver accepted. */
const accepted: Array<Arrival> = []
/** Requests of `/slow` (answered after 1.5 s) under way now, and the most at once. */
let slowNow = 0
let slowMost = 0
let holdArrival = -1
let held: ((arrival: Arrival) => void) | null = null
const receiver = http.createServer((request, response) => {
  let body = ""
  request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")))
  request.on("end", () => {
    const arrival: Arrival = {
      path: request.url ?? "",
      id: String(request.headers["webhook-id"]),
      timestamp: String(request.headers["webhook-timestamp"]),
      signature: String(request.headers["webhook-signature"]),
      body
    }
    arrivals.push(arrival)
    if (arrival.path === "/fail") return response.writeHead(500).end("down for maintenance")
    if (arrival.path === "/slow") {
      slowNow += 1
      slowMost = Math.max(slowMost, slowNow)
      return setTimeout(() => {
        slowNow -= 1
        response.writeHead(204).end()
      }, 1500)
    }
    if (arrivals.filter((a) => a.path === "/ok").length - 1 === holdArrival) return held?.(arrival) // never answered
    accepted.push(arrival)
    response.writeHead(204).end()
  })
})

const notifierEnv = {
  ...config.env,
  JOBSTREAM_STAGES: "notify,notifier,outbox",
  JOBSTREAM_SMTP_URL: process.env.JOBSTREAM_SMTP_URL,
  JOBSTREAM_WEBHOOK_ALLOW_INTERNAL: "true",
  JOBSTREAM_NOTIFY_RETRY_BASE: "200 millis",
  JOBSTREAM_WEBHOOK_DISABLE_AFTER: "3",
  JOBSTREAM_WEBHOOK_TIMEOUT: "60 seconds",
  // One delivery at a time: when the notifier is killed, exactly one send is under way.
  JOBSTREAM_NOTIFIER_WORKERS: "1"
}

const startNotifier = () => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "process"], { env: notifierEnv, stdio: "ignore" })
  children.push(child)
  return child
}

let api: FastifyInstance
let base = ""

const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))

const jobId = (n: number) => hashId("notify-test-job", String(n))

const insertJob = (n: number) =>
  pg(
    `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key,
                       locations, remote, description, content_hash, fetched_at, normalized_at)
     VALUES ($1, 'notify-test', 'jsonld', $1, $2, $2, $3, 'Acme Analytics', 'acme analytics', '{}', false, '', $1, now(), now())`,
    [jobId(n), `https://careers.example/${n}`, `Data Engineer ${n}`]
  )

const match = (seekerId: string, n: number, score: number): Match => ({
  jobId: jobId(n),
  seekerId,
  source: "notify-test",
  score,
  decision: score >= 80 ? "auto_approve" : score >= 50 ? "manual_review" : "reject",
  components: {},
  explanation: { matchedSkills: ["sql", "python"], missingMustHaves: [], missingSkills: [], constraints: [] },
  resumeId: "r_test",
  model: "test-model",
  scoredAt: new Date().toISOString()
})

const publish = (matches: ReadonlyArray<Match>) =>
  runtime.runPromise(Effect.flatMap(Kafka, (kafka) => kafka.send(matches.map((m) => encode(Topics.scored, m)))))

const until = async <A>(what: string, read: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 60_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const createSeeker = async (name: string, email?: string) => {
  const created = await api.inject({ method: "POST", url: "/seekers", payload: email === undefined ? { name } : { name, email } })
  expect(created.statusCode).toBe(201)
  const body = created.json<{ seekerId: string; apiKey: string }>()
  return { seekerId: body.seekerId, auth: { authorization: `Bearer ${body.apiKey}` } }
}

const settings = (auth: Record<string, string>, payload?: object) =>
  api.inject({ method: payload === undefined ? "GET" : "PUT", url: "/seekers/me/notifications/settings", headers: auth, ...(payload ? { payload } : {}) })

const sentCount = (seekerId: string) =>
  pg<{ n: string }>("SELECT count(*) AS n FROM notification_deliveries WHERE seeker_id = $1 AND state = 'sent'", [seekerId]).then((r) => Number(r[0]?.n))

const verify = (secret: string, a: Arrival) =>
  `v1,${createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64")).update(`${a.id}.${a.timestamp}.${a.body}`).digest("base64")}` ===
  a.signature

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  await new Promise<void>((resolve) => smtp.listen(smtpPort, "127.0.0.1", resolve))
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
  api = makeApi(await runtime.runtime())
  await api.listen({ host: "127.0.0.1", port: 0 })
  base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`
  for (let n = 1; n <= 12; n++) await insertJob(n)
}, 120_000)

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL")
  await api?.close()
  receiver.closeAllConnections()
  await new Promise((resolve) => receiver.close(resolve))
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

const hook = (path: string) => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`

describe("notifications to a seeker's webhook and email", () => {
  it("sends each new strong match once per channel, a notifier killed mid-send included, and a replay sends nothing", async () => {
    const nora = await createSeeker("Nora Notified", "nora@example.org")
    const set = await settings(nora.auth, { webhookUrl: hook("/ok"), email: true, matchThreshold: 70 })
    expect(set.statusCode).toBe(200)
    const secret = set.json<{ webhookSecret: string }>().webhookSecret
    expect(secret).toMatch(/^whsec_/)
    // The secret is shown once.
    expect((await settings(nora.auth)).json()).not.toHaveProperty("webhookSecret")

    // The second webhook request is never answered: the notifier is killed while it waits.
    holdArrival = 1
    const heldArrival = new Promise<Arrival>((resolve) => (held = resolve))
    const first = startNotifier()
    const matches = [match(nora.seekerId, 1, 91), match(nora.seekerId, 2, 85), match(nora.seekerId, 3, 40), match(nora.seekerId, 4, 77), match(nora.seekerId, 5, 60), match(nora.seekerId, 6, 72)]
    const strong = matches.filter((m) => m.score >= 70)
    await publish(matches)
    const inFlight = await heldArrival
    first.kill("SIGKILL")
    await once(first, "exit")
    startNotifier()
    await until("deliveries sent", () => sentCount(nora.seekerId), (n) => n === strong.length * 2, 90_000)

    const expectedIds = strong.map((m) => hashId("notify-match", nora.seekerId, m.jobId)).sort()
    // The webhook accepted each notification exactly once, every request signed with the seeker's secret.
    expect(accepted.map((a) => a.id).sort()).toEqual(expectedIds)
    const okArrivals = arrivals.filter((a) => a.path === "/ok")
    expect(okArrivals.every((a) => verify(secret, a))).toBe(true)
    expect(verify(secret.replace(/.$/, (c) => (c === "A" ? "B" : "A")), okArrivals[0]!)).toBe(false)
    // The one under way at the kill came again after the restart, with the same id and body.
    expect(okArrivals).toHaveLength(strong.length + 1)
    const again = okArrivals.filter((a) => a.id === inFlight.id)
    expect(again).toHaveLength(2)
    expect(again[1]!.body).toBe(inFlight.body)
    // Email: one message per notification, none twice.
    const noraMail = mails.filter((m) => m.to === "nora@example.org")
    expect(noraMail).toHaveLength(strong.length)
    expect(new Set(noraMail.map((m) => m.messageId)).size).toBe(strong.length)
    expect(noraMail.map((m) => m.messageId).sort()).toEqual(expectedIds.map((id) => `<${id}@jobstream>`).sort())

    const list = await api.inject({ method: "GET", url: "/seekers/me/notifications?limit=50", headers: nora.auth })
    expect(list.statusCode).toBe(200)
    const items = list.json<{ items: Array<{ notificationId: string; kind: string; deliveries: Array<{ channel: string; state: string }> }> }>().items
    expect(items.map((i) => i.notificationId).sort()).toEqual(expectedIds)
    expect(items.every((i) => i.deliveries.length === 2 && i.deliveries.every((d) => d.state === "sent"))).toBe(true)

    // The same matches again (a replay, or the scorer scoring the jobs again): nothing new to anyone.
    await publish(matches.map((m) => ({ ...m, scoredAt: new Date().toISOString() })))
    await until(
      "the replay consumed",
      () => runtime.runPromise(Effect.flatMap(Kafka, (kafka) => kafka.lag("jobstream.notify", [Topics.scored.name]))),
      (lag) => lag === 0
    )
    await new Promise((r) => setTimeout(r, 1500))
    const [count] = await pg<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE seeker_id = $1", [nora.seekerId])
    expect(Number(count?.n)).toBe(strong.length)
    expect(accepted).toHaveLength(strong.length)
    expect(mails.filter((m) => m.to === "nora@example.org")).toHaveLength(strong.length)
  }, 240_000)

  it("retries a failing webhook with backoff, then disables it, says so, and takes it back when set again", async () => {
    const finn = await createSeeker("Finn Failing", "finn@example.org")
    expect((await settings(finn.auth, { webhookUrl: hook("/fail"), email: true })).statusCode).toBe(200)
    await publish([match(finn.seekerId, 7, 88), match(finn.seekerId, 8, 90)])
    const disabled = await until(
      "the webhook disabled",
      async () => (await settings(finn.auth)).json<{ webhook: { state: string; failures: number; disabledReason: string | null } }>().webhook,
      (w) => w.state === "disabled",
      90_000
    )
    expect(disabled.failures).toBe(3)
    expect(disabled.disabledReason).toContain("HTTP 500")
    const failing = arrivals.filter((a) => a.path === "/fail")
    expect(failing).toHaveLength(3)
    // Retried: some notification was sent more than once, each time with its own id.
    expect(new Set(failing.map((a) => a.id)).size).toBeLessThan(failing.length)

    // The seeker is told on their list and by email; the webhook's deliveries are given up, not left pending.
    const items = await until(
      "the notice recorded",
      async () =>
        (await api.inject({ method: "GET", url: "/seekers/me/notifications", headers: finn.auth })).json<{
          items: Array<{ kind: string; body: string; deliveries: Array<{ channel: string; state: string }> }>
        }>().items,
      (items) => items.some((i) => i.kind === "webhook_disabled")
    )
    const notice = items.find((i) => i.kind === "webhook_disabled")!
    expect(notice.body).toContain(hook("/fail"))
    expect(notice.deliveries.map((d) => d.channel)).toEqual(["email"])
    expect(items.filter((i) => i.kind === "match").flatMap((i) => i.deliveries.filter((d) => d.channel === "webhook").map((d) => d.state))).toEqual([
      "failed",
      "failed"
    ])
    await until("the notice mailed", async () => mails.filter((m) => m.to === "finn@example.org").map((m) => m.subject), (s) => s.includes("Your webhook was disabled"))

    const again = await settings(finn.auth, { webhookUrl: hook("/fail") })
    expect(again.json()).toMatchObject({ webhook: { state: "active", failures: 0, disabledReason: null } })
  }, 180_000)

  it("holds webhooks through quiet hours and gathers email into one daily digest", async () => {
    const dana = await createSeeker("Dana Digest", "dana@example.org")
    const now = new Date()
    const clock = (offsetMinutes: number) => new Date(now.getTime() + offsetMinutes * 60_000).toISOString().slice(11, 16)
    const set = await settings(dana.auth, {
      webhookUrl: hook("/ok"),
      email: true,
      quietHours: { from: clock(-60), to: clock(120) },
      digestAt: clock(240),
      timeZone: "UTC"
    })
    expect(set.statusCode).toBe(200)
    await publish([match(dana.seekerId, 11, 90), match(dana.seekerId, 12, 80)])
    const due = await until(
      "deliveries recorded",
      () => pg<{ channel: string; due_at: Date; digest_id: string | null; state: string }>(
        "SELECT channel, due_at, digest_id, state FROM notification_deliveries WHERE seeker_id = $1 ORDER BY channel", [dana.seekerId]),
      (rows) => rows.length === 4
    )
    const minutesAhead = (d: Date) => Math.round((d.getTime() - now.getTime()) / 60_000)
    for (const row of due) {
      expect(row.state).toBe("pending")
      // `now` was read here a moment before the notify stage read its own.
      expect(Math.abs(minutesAhead(row.due_at) - (row.channel === "email" ? 240 : 120))).toBeLessThanOrEqual(1)
    }
    const digests = new Set(due.filter((r) => r.channel === "email").map((r) => r.digest_id))
    expect(digests.size).toBe(1)
    expect([...digests][0]).not.toBeNull()

    // The evening comes: both webhooks go out one by one, and one email carries both notifications.
    const before = accepted.length
    await pg("UPDATE notification_deliveries SET due_at = now() WHERE seeker_id = $1", [dana.seekerId])
    await until("sent", () => sentCount(dana.seekerId), (n) => n === 4)
    expect(accepted.length - before).toBe(2)
    const danaMail = mails.filter((m) => m.to === "dana@example.org")
    expect(danaMail.map((m) => m.subject)).toEqual(["jobstream digest: 2 notifications"])
    expect(danaMail[0]!.messageId).toBe(`<${[...digests][0]}@jobstream>`)
  }, 120_000)

  it("streams a seeker's notifications live, and what a reconnecting stream missed", async () => {
    const sam = await createSeeker("Sam Streaming")
    const other = await createSeeker("Olga Other")
    // Another seeker's stream, or a staff key: refused before anything streams.
    expect((await fetch(`${base}/seekers/${other.seekerId}/notifications/stream`, { headers: sam.auth })).status).toBe(403)
    expect((await fetch(`${base}/seekers/me/notifications/stream`)).status).toBe(401)
    const controller = new AbortController()
    const response = await fetch(`${base}/seekers/me/notifications/stream`, { headers: sam.auth, signal: controller.signal })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    const reader = response.body!.getReader()
    let text = ""
    const read = async () => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        text += Buffer.from(value).toString("utf8")
      }
    }
    void read().catch(() => undefined)

    await publish([match(other.seekerId, 9, 95), match(sam.seekerId, 9, 93)])
    const apply = await api.inject({ method: "POST", url: "/seekers/me/applications", headers: sam.auth, payload: { jobId: jobId(9), status: "applied" } })
    expect(apply.statusCode).toBe(201)
    const applicationId = apply.json<{ application: { applicationId: string } }>().application.applicationId
    const moved = await api.inject({ method: "POST", url: `/seekers/me/applications/${applicationId}/moves`, headers: sam.auth, payload: { to: "interview" } })
    expect(moved.statusCode).toBe(200)

    await until("both events streamed", async () => text, (t) => t.includes('"kind":"match"') && t.includes('"kind":"application_status"'), 60_000)
    controller.abort()
    const events = text
      .split("\n\n")
      .filter((block) => block.includes("event: notification"))
      .map((block) => ({ id: Number(/^id: (\d+)$/m.exec(block)![1]), data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as { kind: string; jobId: string; title: string } }))
    expect(events.map((e) => e.data.kind).sort()).toEqual(["application_status", "match"])
    expect(events.every((e) => e.data.jobId === jobId(9))).toBe(true)
    // Nobody else's notification reaches this stream.
    const [others] = await pg<{ n: string }>("SELECT count(*) AS n FROM notifications WHERE seeker_id = $1", [other.seekerId])
    expect(Number(others?.n)).toBe(1)
    expect(events.find((e) => e.data.kind === "application_status")!.data.title).toContain("interview")

    // Reconnecting after the first event: the second comes at once, as the backlog.
    const first = Math.min(...events.map((e) => e.id))
    const resumed = new AbortController()
    const again = await fetch(`${base}/seekers/me/notifications/stream`, { headers: { ...sam.auth, "last-event-id": String(first) }, signal: resumed.signal })
    const backlogReader = again.body!.getReader()
    let backlog = ""
    while (!backlog.includes("event: notification")) backlog += Buffer.from((await backlogReader.read()).value!).toString("utf8")
    resumed.abort()
    expect(backlog).toContain(`id: ${Math.max(...events.map((e) => e.id))}`)
    expect(backlog).not.toContain(`id: ${first}\n`)
  }, 120_000)

  it("refuses settings that do not hold, and another seeker's notifications", async () => {
    const vera = await createSeeker("Vera Valid")
    for (const bad of [{ webhookUrl: "ftp://example.org/hook" }, { quietHours: { from: "22:00", to: "25:00" } }, { timeZone: "Mars/Olympus" }, { matchThreshold: 101 }]) {
      const answer = await settings(vera.auth, bad)
      expect(answer.statusCode, JSON.stringify(bad)).toBe(400)
    }
    const ok = await settings(vera.auth, { quietHours: { from: "22:00", to: "07:00" }, digestAt: "08:30", timeZone: "Europe/Berlin" })
    expect(ok.json()).toMatchObject({ quietHours: { from: "22:00", to: "07:00" }, digestAt: "08:30", timeZone: "Europe/Berlin", email: { available: true } })
    const nora = await pg<{ seeker_id: string }>("SELECT seeker_id FROM seekers WHERE name = 'Nora Notified'")
    const foreign = await api.inject({ method: "GET", url: `/seekers/${nora[0]!.seeker_id}/notifications`, headers: vera.auth })
    expect(foreign.statusCode).toBe(403)
  })

  it("tells of a follow-up that came due once per stall", async () => {
    const fay = await createSeeker("Fay Follow")
    await pg(
      `INSERT INTO applications (application_id, seeker_id, job_id, status, sequence, created_at, status_changed_at)
       VALUES ('app_followup_test', $1, $2, 'applied', 1, now() - interval '15 days', now() - interval '15 days')`,
      [fay.seekerId, jobId(10)]
    )
    await runtime.runPromise(sweepFollowups)
    await runtime.runPromise(sweepFollowups)
    const rows = await pg<{ kind: string; title: string }>("SELECT kind, title FROM notifications WHERE seeker_id = $1", [fay.seekerId])
    expect(rows).toEqual([{ kind: "followup_due", title: "Time to follow up: Data Engineer 10 at Acme Analytics" }])
  })

  it("gives a slow webhook one worker at a time, so everyone else's notifications go on", async () => {
    // This test's notifier runs here, with two workers; the one in the child process would take deliveries too.
    for (const child of children) child.kill("SIGKILL")
    const slow = await createSeeker("Sol Slow")
    const quick = await createSeeker("Quinn Quick")
    expect((await settings(slow.auth, { webhookUrl: hook("/slow") })).statusCode).toBe(200)
    expect((await settings(quick.auth, { webhookUrl: hook("/ok") })).statusCode).toBe(200)
    const draft = (seekerId: string, n: number): NotificationDraft => ({
      notificationId: hashId("fairness", seekerId, String(n)),
      seekerId,
      kind: "match",
      title: `Match ${n}`,
      body: `Match ${n}`,
      jobId: null,
      applicationId: null,
      data: {}
    })
    // The slow seeker's four are due a minute before the quick seeker's two.
    await runtime.runPromise(
      Effect.flatMap(Postgres, (db) =>
        db.transaction((tx) =>
          Effect.gen(function* () {
            const channels = yield* channelsOf(tx, [slow.seekerId, quick.seekerId], false)
            yield* recordNotifications(tx, [1, 2, 3, 4].map((n) => draft(slow.seekerId, n)), channels, new Date(Date.now() - 60_000))
            yield* recordNotifications(tx, [1, 2].map((n) => draft(quick.seekerId, n)), channels)
          })
        )
      )
    )
    const settingsHere = await runtime.runPromise(notifierConfig)
    const notifier = runtime.runFork(runNotifier({ ...settingsHere, workers: 2, allowInternal: true, timeout: Duration.seconds(10) }))
    try {
      await until("all sent", async () => (await sentCount(slow.seekerId)) + (await sentCount(quick.seekerId)), (n) => n === 6, 60_000)
    } finally {
      await runtime.runPromise(Fiber.interrupt(notifier))
    }
    expect(slowMost).toBe(1)
    const last = async (seekerId: string) =>
      (await pg<{ at: Date }>("SELECT max(sent_at) AS at FROM notification_deliveries WHERE seeker_id = $1", [seekerId]))[0]!.at.getTime()
    // The quick seeker's went out while the slow webhook was still taking the others, one at a time.
    expect(await last(quick.seekerId)).toBeLessThan((await last(slow.seekerId)) - 3000)
  }, 120_000)
})
