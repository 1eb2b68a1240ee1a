import { randomUUID } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Chunk, Clock, Duration, Effect, Either, Layer, ManagedRuntime, Option, Redacted, Runtime, Stream } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import * as Followups from "../processors/followups.js"
import { ApplicationEventsTopic, type ApplicationEvent } from "../schemas/Application.js"
import { decode, hashId, Headers, type Received } from "../schemas/Envelope.js"
import { Postgres } from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import * as Applications from "./Applications.js"
import { withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { KafkaError } from "../stack/kafkaCalls.js"
import { relayName, relayOutbox } from "../stack/outbox.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { testConfig } from "./testing.js"
import { dropNamespace, resetStores } from "../stack/testing.js"

const day = 24 * 60 * 60 * 1000

/** Real time shifted by `shift` ms: lets a test stand 13 or 15 days after a move without waiting. */
let shift = 0
const realClock = Clock.make()
const shiftedClock: Clock.Clock = {
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => realClock.unsafeCurrentTimeMillis() + shift,
  currentTimeMillis: Effect.sync(() => realClock.unsafeCurrentTimeMillis() + shift),
  unsafeCurrentTimeNanos: () => realClock.unsafeCurrentTimeNanos() + BigInt(shift) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => realClock.unsafeCurrentTimeNanos() + BigInt(shift) * 1_000_000n),
  sleep: (duration) => realClock.sleep(duration)
}

const config = testConfig()
// Applications and the template writer are provided here too, so the test runs before and after ingest.ts's
// withServices includes them (the outer ones win; they are the same).
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.provideMerge(Layer.mergeAll(Applications.layer, Followups.layerTemplate), withServices(config.layer)),
    Layer.setClock(shiftedClock)
  )
)
type Services = ManagedRuntime.ManagedRuntime.Context<typeof runtime>

/** The API as production builds it (`makeApi`: its error handler, its routes), over `rt`. */
const serve = (rt: Runtime.Runtime<Services>) => makeApi(rt)

let api: FastifyInstance

const jobs = {
  dataScientist: { id: hex(1), title: "Senior Data Scientist", company: "Acme Analytics", source: "acme-careers" },
  mlEngineer: { id: hex(2), title: "Machine Learning Engineer", company: "Globex", source: "globex-jobs" },
  analyst: { id: hex(3), title: "Data Analyst", company: "Initech", source: "acme-careers" },
  researcher: { id: hex(4), title: "Research Scientist", company: "Umbrella Labs", source: "globex-jobs" },
  statistician: { id: hex(5), title: "Statistician", company: "Hooli", source: "acme-careers" },
  bi: { id: hex(6), title: "BI Developer", company: "Vandelay Industries", source: "globex-jobs" },
  platform: { id: hex(7), title: "Data Platform Engineer", company: "Stark Industries", source: "acme-careers" },
  dataEngineer: { id: hex(8), title: "Data Engineer", company: "Wayne Enterprises", source: "globex-jobs" }
} as const
type JobKey = keyof typeof jobs

function hex(n: number) {
  return n.toString(16).padStart(32, "0")
}

const insertJob = (job: (typeof jobs)[JobKey]) =>
  Effect.flatMap(Postgres, (db) =>
    db.query(
      `INSERT INTO jobs (job_id, source, source_type, external_id, url, canonical_url, title, company, company_key,
                         locations, remote, description, content_hash, fetched_at, normalized_at)
       VALUES ($1, $2, 'jsonld', $1, $3, $3, $4, $5, lower($5), '{}', false, '', $1, now(), now())`,
      [job.id, job.source, `https://careers.example/${job.id}`, job.title, job.company]
    )
  )

const pg = <R extends Record<string, unknown>>(sql: string, params: ReadonlyArray<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<R>(sql, params)))

type Auth = Record<string, string>

const createSeeker = async (name: string) => {
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name } })
  expect(created.statusCode).toBe(201)
  const { seekerId, apiKey } = created.json() as { seekerId: string; apiKey: string }
  return { seekerId, auth: { authorization: `Bearer ${apiKey}` } as Auth }
}

interface View {
  applicationId: string
  jobId: string
  title: string
  company: string
  source: string
  status: string
  sequence: number
  statusChangedAt: string
  daysSinceChange: number
  stalled: boolean
  allowedNext: Array<string>
}

const apply = (auth: Auth, job: JobKey, body: Record<string, unknown> = {}, app = api) =>
  app.inject({ method: "POST", url: "/seekers/me/applications", headers: auth, payload: { jobId: jobs[job].id, ...body } })

const move = (auth: Auth, applicationId: string, to: string, body: Record<string, unknown> = {}, app = api) =>
  app.inject({ method: "POST", url: `/seekers/me/applications/${applicationId}/moves`, headers: auth, payload: { to, ...body } })

const historyOf = async (auth: Auth, applicationId: string) => {
  const response = await api.inject({ method: "GET", url: `/seekers/me/applications/${applicationId}/history`, headers: auth })
  expect(response.statusCode).toBe(200)
  return (response.json() as { items: Array<{ sequence: number; from: string | null; to: string; at: string; note: string | null }> }).items
}

/** Creates the application and moves it along `path`, each move answered 200. */
const applicationAt = async (auth: Auth, job: JobKey, path: ReadonlyArray<string>) => {
  const created = await apply(auth, job)
  expect(created.statusCode).toBe(201)
  const { applicationId } = (created.json() as { application: View }).application
  for (const to of path) expect((await move(auth, applicationId, to)).statusCode).toBe(200)
  return applicationId
}

beforeAll(async () => {
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* resetStores
      yield* prepare
      // Until Topics.applicationEvents is in Envelope.ts (and so in allTopics), the test creates its topic.
      yield* Effect.flatMap(Kafka, (k) => k.ensureTopics([ApplicationEventsTopic]))
      for (const job of Object.values(jobs)) yield* insertJob(job)
    })
  )
  api = serve(await runtime.runtime())
})

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

beforeEach(() => {
  shift = 0
})

describe("job applications on the real stack", () => {
  let maya: Awaited<ReturnType<typeof createSeeker>>
  let luis: Awaited<ReturnType<typeof createSeeker>>

  beforeAll(async () => {
    maya = await createSeeker("Maya Chen")
    luis = await createSeeker("Luis Romero")
  })

  it("creates an application for an existing job once: the same job again answers 200 with the same one", async () => {
    const first = await apply(maya.auth, "dataScientist", { note: "found it on the careers page" })
    expect(first.statusCode).toBe(201)
    const { application, created } = first.json() as { application: View; created: boolean }
    expect(created).toBe(true)
    expect(application).toMatchObject({
      jobId: jobs.dataScientist.id,
      title: "Senior Data Scientist",
      company: "Acme Analytics",
      source: "acme-careers",
      status: "saved",
      sequence: 1,
      stalled: false,
      allowedNext: ["applied", "screening", "interview", "offer", "withdrawn"]
    })

    const again = await apply(maya.auth, "dataScientist", { status: "applied" })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ created: false, application: { applicationId: application.applicationId, status: "saved", sequence: 1 } })

    // Five racing creates of another job: one creates, the others get it.
    const racing = await Promise.all(Array.from({ length: 5 }, () => apply(maya.auth, "mlEngineer", { status: "applied" })))
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201])
    expect(new Set(racing.map((r) => (r.json() as { application: View }).application.applicationId)).size).toBe(1)

    const rows = await pg<{ n: string }>(
      "SELECT count(*) AS n FROM application_history h JOIN applications a USING (application_id) WHERE a.seeker_id = $1",
      [maya.seekerId]
    )
    expect(Number(rows[0]!.n)).toBe(2)
  })

  it("refuses an application for a job that does not exist, or a malformed one", async () => {
    const unknown = await api.inject({ method: "POST", url: "/seekers/me/applications", headers: maya.auth, payload: { jobId: hex(999) } })
    expect(unknown.statusCode).toBe(422)
    expect(unknown.json()).toMatchObject({ error: "UnknownJob", message: expect.stringContaining(hex(999)) })
    const malformed = await api.inject({ method: "POST", url: "/seekers/me/applications", headers: maya.auth, payload: { jobId: "nope" } })
    expect(malformed.statusCode).toBe(400)
    const tooFar = await apply(maya.auth, "analyst", { status: "interview" })
    expect(tooFar.statusCode).toBe(400)
    expect(await pg("SELECT 1 FROM applications WHERE job_id = $1", [jobs.analyst.id])).toHaveLength(0)
  })

  it("walks an application through every stage to accepted, keeping each transition in its history", async () => {
    const created = await apply(maya.auth, "analyst")
    const { applicationId } = (created.json() as { application: View }).application
    const path = ["applied", "screening", "interview", "offer", "accepted"] as const
    for (const to of path) {
      const moved = await move(maya.auth, applicationId, to, { note: `now ${to}` })
      expect(moved.statusCode).toBe(200)
      expect(moved.json()).toMatchObject({ replayed: false, application: { status: to } })
    }
    const final = (await api.inject({ method: "GET", url: `/seekers/me/applications/${applicationId}`, headers: maya.auth })).json() as View
    expect(final).toMatchObject({ status: "accepted", sequence: 6, allowedNext: [] })

    const history = await historyOf(maya.auth, applicationId)
    expect(history.map((h) => [h.sequence, h.from, h.to, h.note])).toEqual([
      [1, null, "saved", null],
      [2, "saved", "applied", "now applied"],
      [3, "applied", "screening", "now screening"],
      [4, "screening", "interview", "now interview"],
      [5, "interview", "offer", "now offer"],
      [6, "offer", "accepted", "now accepted"]
    ])
    expect(history.map((h) => h.at)).toEqual([...history.map((h) => h.at)].sort())
    expect(history[5]!.at).toBe(final.statusChangedAt)

    const accepted = await api.inject({ method: "GET", url: "/seekers/me/applications?status=accepted", headers: maya.auth })
    expect((accepted.json() as { items: Array<View> }).items).toEqual([
      expect.objectContaining({ applicationId, title: "Data Analyst", company: "Initech" })
    ])
    const saved = await api.inject({ method: "GET", url: `/seekers/${maya.seekerId}/applications?status=saved`, headers: maya.auth })
    expect((saved.json() as { items: Array<View> }).items.map((i) => i.jobId)).toEqual([jobs.dataScientist.id])
    const all = await api.inject({ method: "GET", url: "/seekers/me/applications", headers: maya.auth })
    expect((all.json() as { items: Array<View>; nextOffset: number | null }).items).toHaveLength(3)
    const badFilter = await api.inject({ method: "GET", url: "/seekers/me/applications?status=hired", headers: maya.auth })
    expect(badFilter.statusCode).toBe(400)
  })

  it("refuses moves the status machine does not allow, naming the current status and the allowed moves", async () => {
    // A forward skip is allowed: applied -> interview without a screening.
    const applicationId = await applicationAt(maya.auth, "researcher", ["applied", "interview"])
    for (const to of ["applied", "screening", "interview", "accepted", "saved"]) {
      const refused = await move(maya.auth, applicationId, to)
      expect(refused.statusCode).toBe(409)
      expect(refused.json()).toEqual({
        error: "InvalidTransition",
        message: `cannot move from interview to ${to}; from interview the allowed moves are: offer, rejected, withdrawn, no_response`
      })
    }
    const unknown = await move(maya.auth, applicationId, "hired")
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().message).toMatch(/to/)

    const saved = await applicationAt(maya.auth, "statistician", [])
    for (const to of ["rejected", "no_response", "accepted"]) {
      const refused = await move(maya.auth, saved, to)
      expect(refused.statusCode).toBe(409)
      expect(refused.json().message).toContain("from saved the allowed moves are: applied, screening, interview, offer, withdrawn")
    }
    expect((await historyOf(maya.auth, applicationId)).map((h) => h.to)).toEqual(["saved", "applied", "interview"])
    expect(await historyOf(maya.auth, saved)).toHaveLength(1)
  })

  it.each(["rejected", "withdrawn", "no_response", "accepted"] as const)("treats %s as final", async (terminal) => {
    const job: JobKey = ({ rejected: "dataScientist", withdrawn: "mlEngineer", no_response: "analyst", accepted: "researcher" } as const)[terminal]
    const applicationId = await applicationAt(luis.auth, job, terminal === "accepted" ? ["applied", "offer", "accepted"] : ["applied", terminal])
    for (const to of ["saved", "applied", "screening", "interview", "offer", "accepted", "rejected", "withdrawn", "no_response"]) {
      const refused = await move(luis.auth, applicationId, to)
      expect(refused.statusCode).toBe(409)
      expect(refused.json().message).toBe(`the application is ${terminal}, which is final: it cannot move to ${to} or anywhere else`)
    }
    const history = await historyOf(luis.auth, applicationId)
    expect(history[history.length - 1]!.to).toBe(terminal)
  })

  it("moves only from the expected status, and a retried request id moves once", async () => {
    const applicationId = await applicationAt(maya.auth, "bi", ["applied"])
    const stale = await move(maya.auth, applicationId, "interview", { expectedStatus: "screening" })
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toEqual({
      error: "StatusConflict",
      message: "the application is applied, not screening as expected: reload the application and decide again"
    })
    const first = await move(maya.auth, applicationId, "screening", { expectedStatus: "applied", requestId: "drag-42" })
    expect(first.json()).toMatchObject({ replayed: false, application: { status: "screening", sequence: 3 } })
    const retry = await move(maya.auth, applicationId, "screening", { expectedStatus: "applied", requestId: "drag-42" })
    expect(retry.statusCode).toBe(200)
    expect(retry.json()).toMatchObject({ replayed: true, application: { status: "screening", sequence: 3 } })
    const reused = await move(maya.auth, applicationId, "interview", { requestId: "drag-42" })
    expect(reused.statusCode).toBe(409)
    expect(reused.json().message).toMatch(/requestId drag-42 already moved this application to screening, not interview/)
    expect((await historyOf(maya.auth, applicationId)).map((h) => h.to)).toEqual(["saved", "applied", "screening"])
  })

  it("keeps seekers apart: another seeker's id is 403, another seeker's application 404", async () => {
    const [mine] = (await pg<{ application_id: string }>("SELECT application_id FROM applications WHERE seeker_id = $1 LIMIT 1", [maya.seekerId]))
    const id = mine!.application_id
    for (const [method, url] of [
      ["GET", `/seekers/${maya.seekerId}/applications`],
      ["POST", `/seekers/${maya.seekerId}/applications`],
      ["GET", `/seekers/${maya.seekerId}/applications/${id}/history`],
      ["POST", `/seekers/${maya.seekerId}/applications/${id}/moves`],
      ["GET", `/seekers/${maya.seekerId}/followups`]
    ] as const) {
      const response = await api.inject({ method, url, headers: luis.auth, payload: method === "POST" ? { jobId: jobs.bi.id, to: "withdrawn" } : undefined })
      expect(response.statusCode, `${method} ${url}`).toBe(403)
    }
    for (const url of [`/seekers/me/applications/${id}`, `/seekers/me/applications/${id}/history`, `/seekers/me/applications/${randomUUID()}`]) {
      const response = await api.inject({ method: "GET", url, headers: luis.auth })
      expect(response.statusCode).toBe(404)
      expect(response.json().error).toBe("ApplicationNotFound")
    }
    const moved = await move(luis.auth, id, "withdrawn")
    expect(moved.statusCode).toBe(404)
    expect(moved.json().message).toBe(`no application ${id} among this seeker's applications`)
    expect((await api.inject({ method: "GET", url: "/seekers/me/applications" })).statusCode).toBe(401)
    const theirs = (await api.inject({ method: "GET", url: "/seekers/me/applications", headers: luis.auth })).json() as { items: Array<View> }
    expect(theirs.items.map((i) => i.applicationId)).not.toContain(id)
    expect(theirs.items).toHaveLength(4)
    expect((await historyOf(maya.auth, id)).at(-1)?.to).not.toBe("withdrawn")
  })

  it("commits a move while the broker refuses sends: its event waits in the outbox until the relay can send", async () => {
    const applicationId = await applicationAt(maya.auth, "platform", ["applied"])
    expect((await move(maya.auth, applicationId, "screening")).statusCode).toBe(200)
    expect((await historyOf(maya.auth, applicationId)).map((h) => h.to)).toEqual(["saved", "applied", "screening"])
    const waiting = await pg<{ headers: Record<string, string> }>("SELECT headers FROM outbox WHERE key = $1 ORDER BY id", [applicationId])
    expect(waiting.map((r) => r.headers[Headers.eventId])).toEqual(
      [1, 2, 3].map((sequence) => Applications.applicationEventId(applicationId, sequence))
    )
    // A relay over a broker that refuses every send keeps them, and says why.
    const brokenKafka = Effect.map(Kafka, (kafka) =>
      Kafka.of({ ...kafka, send: () => Effect.fail(new KafkaError({ operation: "send", cause: new Error("broker unreachable") })) })
    )
    const health = await runtime.runPromise(
      Effect.gen(function* () {
        const kafka = yield* brokenKafka
        yield* relayOutbox().pipe(Effect.provideService(Kafka, kafka), Effect.timeout("1 second"), Effect.ignore)
        return (yield* (yield* StageMonitor).snapshot)[relayName]
      })
    )
    expect(health).toMatchObject({ state: "retrying", lastError: expect.stringContaining("broker unreachable") })
    expect(await pg("SELECT 1 FROM outbox WHERE key = $1", [applicationId])).toHaveLength(3)
  })

  it("publishes every transition on applications.events, in order, with ids from application and sequence", async () => {
    const history = await pg<{ application_id: string; seeker_id: string; job_id: string; source: string; sequence: number; from_status: string | null; to_status: string; at: Date }>(
      `SELECT h.application_id, a.seeker_id, a.job_id, j.source, h.sequence, h.from_status, h.to_status, h.at
       FROM application_history h JOIN applications a USING (application_id) JOIN jobs j USING (job_id)
       ORDER BY h.application_id, h.sequence`
    )
    const records = await readTopic(history.length)
    expect(records).toHaveLength(history.length)
    expect(await pg("SELECT 1 FROM outbox")).toHaveLength(0)
    const expected = new Map<string, Array<ApplicationEvent>>()
    for (const h of history)
      expected.set(h.application_id, [
        ...(expected.get(h.application_id) ?? []),
        {
          eventId: hashId("application", h.application_id, String(h.sequence)),
          applicationId: h.application_id,
          seekerId: h.seeker_id,
          jobId: h.job_id,
          source: h.source,
          sequence: h.sequence,
          from: h.from_status as ApplicationEvent["from"],
          to: h.to_status as ApplicationEvent["to"],
          at: h.at.toISOString()
        }
      ])
    const published = new Map<string, Array<Received & { event: ApplicationEvent }>>()
    for (const record of records) {
      expect(record.headers[Headers.schemaName]).toBe("jobstream.ApplicationEvent")
      const decoded = decode(ApplicationEventsTopic, record)
      if (Either.isLeft(decoded)) throw decoded.left
      const event = decoded.right
      expect(record.key).toBe(event.applicationId)
      expect(record.headers[Headers.eventId]).toBe(event.eventId)
      published.set(event.applicationId, [...(published.get(event.applicationId) ?? []), { ...record, event }])
    }
    // Keyed by application: one partition holds each application's events, and in offset order they are its history.
    expect([...published.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [applicationId, list] of published) {
      expect(new Set(list.map((r) => r.partition)).size).toBe(1)
      expect(list.sort((a, b) => a.offset - b.offset).map((r) => r.event)).toEqual(expected.get(applicationId))
    }
    const accepted = [...published.values()].flat().filter((r) => r.event.to === "accepted")
    expect(accepted.map((r) => [r.event.from, r.event.source]).sort()).toEqual([
      ["offer", "acme-careers"],
      ["offer", "globex-jobs"]
    ])
  })
})

describe("stalled applications and their follow-up drafts", () => {
  let nora: Awaited<ReturnType<typeof createSeeker>>
  let waiting: string

  const followupsAt = async (days: number, app = api) => {
    shift = days * day
    const response = await app.inject({ method: "GET", url: "/seekers/me/followups", headers: nora.auth })
    shift = 0
    expect(response.statusCode).toBe(200)
    return response.json() as {
      stallDays: number
      asOf: string
      items: Array<{
        applicationId: string
        title: string
        company: string
        status: string
        seekerName: string
        appliedOn: string
        lastChangeAt: string
        daysSinceChange: number
        draft: { subject: string; body: string; writer: string; fallbackReason: string | null }
      }>
    }
  }

  beforeAll(async () => {
    nora = await createSeeker("Nora Quinn")
    waiting = await applicationAt(nora.auth, "dataScientist", ["applied"])
    await applicationAt(nora.auth, "mlEngineer", []) // saved: waits on Nora, never stalls
    await applicationAt(nora.auth, "analyst", ["applied", "withdrawn"]) // final: never stalls
    const interview = await applicationAt(nora.auth, "researcher", ["applied"])
    shift = 10 * day
    expect((await move(nora.auth, interview, "interview")).statusCode).toBe(200)
    shift = 0
  })

  it("marks an application stalled after 14 days without a change: not at 13, yes at 14 and 15", async () => {
    const at13 = await followupsAt(13)
    expect(at13.stallDays).toBe(14)
    expect(at13.items).toEqual([])
    expect((await followupsAt(14)).items.map((i) => i.applicationId)).toEqual([waiting])
    const at15 = await followupsAt(15)
    expect(at15.items.map((i) => [i.applicationId, i.status, i.daysSinceChange])).toEqual([[waiting, "applied", 15]])
    expect(Date.parse(at15.asOf) - Date.now()).toBeGreaterThan(14.9 * day)

    shift = 15 * day
    const list = (await api.inject({ method: "GET", url: "/seekers/me/applications", headers: nora.auth })).json() as { items: Array<View> }
    shift = 0
    expect(Object.fromEntries(list.items.map((i) => [i.title, [i.status, i.stalled, i.daysSinceChange]]))).toEqual({
      "Senior Data Scientist": ["applied", true, 15],
      "Machine Learning Engineer": ["saved", false, 15],
      "Data Analyst": ["withdrawn", false, 15],
      "Research Scientist": ["interview", false, 5]
    })
    // The interview, moved on day 10, stalls on day 24.
    expect((await followupsAt(24)).items.map((i) => i.status)).toEqual(["applied", "interview"])
  })

  it("drafts the follow-up from the template with the job, the company, the seeker and the dates", async () => {
    const [item] = (await followupsAt(15)).items
    const today = new Date().toISOString().slice(0, 10)
    expect(item).toMatchObject({
      title: "Senior Data Scientist",
      company: "Acme Analytics",
      seekerName: "Nora Quinn",
      appliedOn: today
    })
    const appliedOn = Followups.formatDate(today)
    expect(item!.draft).toEqual({
      subject: "Following up on my application for Senior Data Scientist",
      body: [
        "Dear Acme Analytics hiring team,",
        `I applied for the Senior Data Scientist position on ${appliedOn} and wanted to follow up on my application. I have not heard back since ${appliedOn}, 15 days ago.`,
        "I remain very interested in the role and would be glad to send anything else that helps. Could you let me know where things stand?",
        "Best regards,\nNora Quinn"
      ].join("\n\n"),
      writer: "template",
      fallbackReason: null
    })
  })

  it("lets the seeker choose after how many days an application stalls", async () => {
    const put = (stallDays: unknown) =>
      api.inject({ method: "PUT", url: "/seekers/me/followups/settings", headers: nora.auth, payload: { stallDays } })
    expect((await put(0)).statusCode).toBe(400)
    expect((await put(20)).json()).toEqual({ stallDays: 20 })
    expect((await api.inject({ method: "GET", url: "/seekers/me/followups/settings", headers: nora.auth })).json()).toEqual({ stallDays: 20 })
    const at15 = await followupsAt(15)
    expect(at15.stallDays).toBe(20)
    expect(at15.items).toEqual([])
    expect((await followupsAt(21)).items.map((i) => i.applicationId)).toEqual([waiting])
    expect((await put(14)).statusCode).toBe(200)
  })

  describe("with an OpenAI-compatible endpoint configured", () => {
    let server: Server
    let failing = false
    const prompts: Array<string> = []
    let llmApi: FastifyInstance

    beforeAll(async () => {
      server = createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (c: Buffer) => chunks.push(c))
        request.on("end", () => {
          prompts.push(Buffer.concat(chunks).toString("utf8"))
          response.writeHead(failing ? 503 : 200, { "content-type": "application/json" })
          response.end(
            JSON.stringify(
              failing
                ? { error: { message: "no capacity" } }
                : { choices: [{ index: 0, message: { role: "assistant", content: "Dear Acme Analytics team, any news? Nora" } }] }
            )
          )
        })
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const writer = await Effect.runPromise(
        Followups.make(
          Option.some({
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
            apiKey: Option.some(Redacted.make("sk-local")),
            model: "local-model",
            timeout: Duration.seconds(5)
          })
        )
      )
      llmApi = serve(Runtime.provideService(await runtime.runtime(), Followups.FollowupWriter, writer))
    })

    afterAll(async () => {
      await llmApi?.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    })

    it("has the endpoint write the draft", async () => {
      const [item] = (await followupsAt(15, llmApi)).items
      expect(item!.draft).toEqual({
        subject: "Following up on my application for Senior Data Scientist",
        body: "Dear Acme Analytics team, any news? Nora",
        writer: "llm",
        fallbackReason: null
      })
      expect(prompts).toHaveLength(1)
      expect(prompts[0]).toContain("local-model")
      expect(prompts[0]).toContain("Senior Data Scientist")
      expect(prompts[0]).toContain("Nora Quinn")
    })

    it("falls back to the template when the endpoint fails, and says so", async () => {
      failing = true
      const [item] = (await followupsAt(15, llmApi)).items
      expect(item!.draft.writer).toBe("template")
      expect(item!.draft.body).toContain("I applied for the Senior Data Scientist position on")
      expect(item!.draft.fallbackReason).toMatch(/^the follow-up LLM endpoint failed: HTTP 503: .*no capacity.*; the template wrote this draft instead$/)
    })
  })
})

/**
 * The records of applications.events, read with the project's consumer until `count` came (or 20 s passed), while
 * the outbox relay publishes what the moves wrote.
 */
const readTopic = (count: number) =>
  runtime.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const kafka = yield* Kafka
        const groupId = `applications-test-${randomUUID()}`
        const consumer = yield* kafka.consumer({ groupId, topics: [ApplicationEventsTopic.name] })
        const records: Array<Received> = []
        yield* Effect.forkScoped(relayOutbox())
        yield* consumer.batches.pipe(
          Stream.tap((batch) => Effect.zipRight(Effect.sync(() => records.push(...Chunk.toArray(batch))), consumer.commit(batch))),
          Stream.takeUntil(() => records.length >= count),
          Stream.runDrain,
          // Fewer records than expected: return what came, for the test to show the difference.
          Effect.timeout("20 seconds"),
          Effect.catchTag("TimeoutException", () => Effect.void)
        )
        // Everything is committed: no lag means no record beyond those read.
        expect(yield* kafka.lag(groupId, [ApplicationEventsTopic.name])).toBe(0)
        return records
      })
    )
  )
