import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Duration, Effect, ManagedRuntime, Option, Redacted, Runtime } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Drafts from "../processors/drafts.js"
import type { MatchDrafts } from "../schemas/Draft.js"
import { encode, type Received, Topics } from "../schemas/Envelope.js"
import type { ApprovedApplication } from "../schemas/Review.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { prepare } from "../stack/clients.js"
import { relayOutbox } from "../stack/outbox.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { intake } from "./deskIntake.js"
import { withServices } from "./ingest.js"
import { ReviewDesk } from "./ReviewDesk.js"
import { Staff } from "./Staff.js"
import { testConfig, testJob } from "./testing.js"

/**
 * Issue 17's drafts on the real stack: a seeker's match answers its drafts through the API (templates, then an
 * OpenAI-compatible endpoint over real HTTP, and its failures), only to that seeker; an approval's message on
 * `applications.approved` carries the drafts' suggestions and where a staff key fetches the letters.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
type Services = ManagedRuntime.ManagedRuntime.Context<typeof runtime>

const resume = `Maya Chen
Data Engineer

- Built streaming pipelines on Kafka and Spark that process 2 billion events a day
- Designed the billing schemas in PostgreSQL and MySQL and tuned their slowest queries
- Mentored three junior engineers

Skills: Python, Kafka, Spark, PostgreSQL, MySQL, Airflow`

const withContact = testJob(
  "drafts-test",
  1,
  "Senior Data Engineer",
  "Requirements:\n- Strong SQL and Python\n- Kafka streaming pipelines\n\nNice to have: Kubernetes\n\nQuestions? Reach out to Jane Doe, our Head of Talent, at jane.doe@acme.example.",
  "Acme Analytics"
)
const noContact = testJob("drafts-test", 2, "Rust Platform Engineer", "Requirements:\n- Rust and Go\n- Kubernetes, Terraform\n- SQL", "Globex")
const unmatched = testJob("drafts-test", 3, "Data Analyst", "Requirements:\n- SQL, Tableau", "Initech")

let api: FastifyInstance
let maya: { seekerId: string; auth: Record<string, string>; resumeId: string }
let other: { seekerId: string; auth: Record<string, string> }
let reviewer: Record<string, string>

const pg = (sql: string, params: ReadonlyArray<unknown> = []) => runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query(sql, params)))

const match = (seekerId: string, resumeId: string, jobId: string, decision: string, score: number) =>
  pg(
    `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
     VALUES ($1, $2, $3, $4, '{}', $5, $6, 'test-model', now())`,
    [jobId, seekerId, score, decision, JSON.stringify({ matchedSkills: ["Python", "Apache Kafka", "SQL"], missingMustHaves: [], missingSkills: [], constraints: [] }), resumeId]
  )

const seeker = async (name: string) => {
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name } })
  const { seekerId, apiKey } = created.json() as { seekerId: string; apiKey: string }
  return { seekerId, auth: { authorization: `Bearer ${apiKey}` } }
}

const draftsOf = async (app: FastifyInstance, jobId: string, auth = maya.auth, who = "me") => {
  const response = await app.inject({ method: "GET", url: `/seekers/${who}/matches/${jobId}/drafts`, headers: auth })
  return { status: response.statusCode, body: response.json() as MatchDrafts & { error?: string } }
}

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  const records: Array<Received> = [withContact, noContact, unmatched].map((job, offset) => ({ ...encode(Topics.unique, job), partition: 0, offset, timestamp: Date.now() }))
  await runtime.runPromise(postgresJobs.handle(records))
  api = makeApi(await runtime.runtime())
  const m = await seeker("Maya Chen")
  const upload = await api.inject({ method: "POST", url: "/seekers/me/resumes", headers: { ...m.auth, "content-type": "text/plain" }, payload: resume })
  expect(upload.statusCode).toBe(201)
  maya = { ...m, resumeId: (upload.json() as { resumeId: string }).resumeId }
  other = await seeker("Otto Other")
  await match(maya.seekerId, maya.resumeId, withContact.jobId, "manual_review", 82)
  await match(maya.seekerId, maya.resumeId, noContact.jobId, "reject", 31)
  const staff = await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Rita", role: "reviewer" })))
  reviewer = { authorization: `Bearer ${staff.apiKey}` }
}, 60_000)

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("GET /seekers/me/matches/:jobId/drafts", () => {
  it("answers the match's drafts from the templates, to the posting's contact", async () => {
    const { status, body } = await draftsOf(api, withContact.jobId)
    expect(status).toBe(200)
    expect(body).toMatchObject({ jobId: withContact.jobId, resumeId: maya.resumeId })
    expect(body.coverLetter).toMatchObject({ writer: "template", fallbackReason: null, subject: "Application for Senior Data Engineer at Acme Analytics" })
    expect(body.coverLetter.body).toContain("- Built streaming pipelines on Kafka and Spark that process 2 billion events a day")
    expect(body.coverLetter.body).toContain("My work with PostgreSQL and MySQL also covers the SQL the posting asks for.")
    expect(body.coverLetter.body).not.toContain("Kubernetes")
    expect(body.outreach.recipient).toMatchObject({ kind: "person", name: "Jane Doe", email: "jane.doe@acme.example" })
    expect(body.outreach.body.startsWith("Dear Jane Doe,")).toBe(true)
    expect(body.tailoredResume.leadWith[0]).toMatchObject({ line: 4, bullet: "- Built streaming pipelines on Kafka and Spark that process 2 billion events a day" })
    expect(body.tailoredResume.impliedSkills.map((s) => s.skill)).toEqual(["SQL"])
    expect(body.coverLetter.facts).toContainEqual({ fact: "the matcher scored the match 82 of 100, with these skills in both", source: "match", quote: "Python, Apache Kafka, SQL" })
  })

  it("addresses the hiring team when the posting states no contact, and claims none of the skills the resume lacks", async () => {
    const { status, body } = await draftsOf(api, noContact.jobId)
    expect(status).toBe(200)
    expect(body.outreach.recipient).toBeNull()
    expect(body.outreach.recipientNote).toMatch(/names no contact/)
    expect(body.outreach.body.startsWith("Dear Globex hiring team,")).toBe(true)
    const text = [body.coverLetter.body, body.outreach.body].join("\n").replaceAll("Rust Platform Engineer", "")
    expect(text).not.toMatch(/Rust|Kubernetes|Terraform|\bGo\b/)
  })

  it("is the seeker's own: 404 for a job they have no match for, 403 for another seeker's id, 400 for a malformed job id", async () => {
    expect((await draftsOf(api, unmatched.jobId)).status).toBe(404)
    expect((await draftsOf(api, withContact.jobId, other.auth)).status).toBe(404)
    expect((await draftsOf(api, withContact.jobId, other.auth, maya.seekerId)).status).toBe(403)
    expect((await draftsOf(api, "not-a-job-id")).status).toBe(400)
    expect((await api.inject({ method: "GET", url: `/seekers/me/matches/${withContact.jobId}/drafts` })).statusCode).toBe(401)
  })
})

describe("with an OpenAI-compatible endpoint", () => {
  let server: Server
  let mode: "ok" | "error" | "slow" | "garbage" | "claims" = "ok"
  const prompts: Array<string> = []
  let llmApi: FastifyInstance

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (c: Buffer) => chunks.push(c))
      request.on("end", () => {
        prompts.push(Buffer.concat(chunks).toString("utf8"))
        const reply = (status: number, body: string) => {
          response.writeHead(status, { "content-type": "application/json" })
          response.end(body)
        }
        const text = mode === "claims" ? "Dear team, I have run Kubernetes clusters for years. Maya Chen" : "Dear Acme Analytics team, my Kafka pipelines speak for me. Maya Chen"
        const completion = JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: text } }] })
        if (mode === "error") reply(500, JSON.stringify({ error: { message: "no capacity" } }))
        else if (mode === "garbage") reply(200, "{\"id\":\"x\"}")
        else if (mode === "slow") setTimeout(() => reply(200, completion), 1_500)
        else reply(200, completion)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const writer = await Effect.runPromise(
      Drafts.make(
        Option.some({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
          apiKey: Option.some(Redacted.make("sk-local")),
          model: "local-model",
          timeout: Duration.millis(700)
        })
      )
    )
    llmApi = makeApi(Runtime.provideService(await runtime.runtime(), Drafts.DraftWriter, writer) as Runtime.Runtime<Services>)
  })

  afterAll(async () => {
    await llmApi?.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it("has the endpoint write both letters from the facts, the suggestions still computed", async () => {
    mode = "ok"
    prompts.length = 0
    const { status, body } = await draftsOf(llmApi, withContact.jobId)
    expect(status).toBe(200)
    expect(body.coverLetter).toMatchObject({ writer: "llm", fallbackReason: null, body: "Dear Acme Analytics team, my Kafka pipelines speak for me. Maya Chen" })
    expect(body.outreach).toMatchObject({ writer: "llm", recipient: { name: "Jane Doe" } })
    expect(body.tailoredResume.impliedSkills.map((s) => s.skill)).toEqual(["SQL"])
    expect(prompts).toHaveLength(2)
    expect(prompts.join()).toContain("local-model")
    expect(prompts.join()).not.toContain("Mentored three junior engineers")
  })

  it.each([
    ["HTTP 500", "error", /^the drafts LLM endpoint failed: HTTP 500: .*no capacity.*; the template wrote this draft instead$/],
    ["a timeout", "slow", /^the drafts LLM endpoint failed: no answer within 700ms; the template wrote this draft instead$/],
    ["garbage", "garbage", /^the drafts LLM endpoint failed: the answer is not a chat completion \(choices: is missing\)/],
    ["a skill the resume lacks", "claims", /^the drafts LLM's text was refused: it names Kubernetes, which the resume does not show/]
  ] as const)("falls back to the templates on %s, and says why", async (_label, failure, reason) => {
    mode = failure
    const { status, body } = await draftsOf(llmApi, withContact.jobId)
    expect(status).toBe(200)
    for (const letter of [body.coverLetter, body.outreach]) {
      expect(letter.writer).toBe("template")
      expect(letter.fallbackReason).toMatch(reason)
    }
    expect(body.coverLetter.body).toContain("I am writing to apply for the Senior Data Engineer position at Acme Analytics.")
  })
})

describe("an approved application", () => {
  it("carries its drafts on applications.approved, the letters fetched by a staff key, never the resume's text", async () => {
    await runtime.runPromise(Effect.flatMap(ReviewDesk, (desk) => intake(desk.settings, new Date(0))))
    const mine = await api.inject({ method: "GET", url: "/desk/mine", headers: maya.auth })
    const [task] = (mine.json() as { items: Array<{ taskId: string; job: { jobId: string } }> }).items
    expect(task?.job.jobId).toBe(withContact.jobId)
    const decided = await api.inject({ method: "POST", url: `/desk/tasks/${task!.taskId}/decision`, headers: maya.auth, payload: { action: "approve" } })
    expect(decided.statusCode).toBe(200)
    await runtime.runPromise(relayOutbox().pipe(Effect.timeout("3 seconds"), Effect.ignore))

    const messages = await runtime.runPromise(readWithKcat(Topics.approved.name))
    expect(messages).toHaveLength(1)
    expect(messages[0]!.headers["schema-version"]).toBe("3")
    const approved = JSON.parse(messages[0]!.value) as ApprovedApplication
    const fetchPath = `/desk/seekers/${maya.seekerId}/jobs/${withContact.jobId}/drafts`
    expect(approved.drafts).toEqual({
      fetchPath,
      recipient: expect.objectContaining({ name: "Jane Doe", email: "jane.doe@acme.example" }),
      leadWith: [
        { line: 4, skills: ["Apache Kafka"], relevance: expect.any(Number) },
        { line: 5, skills: ["SQL"], relevance: expect.any(Number) }
      ],
      impliedSkills: [{ skill: "SQL", required: true, askedAs: "SQL", evidence: [{ skill: "PostgreSQL", line: 5 }, { skill: "MySQL", line: 5 }] }]
    })
    expect(messages[0]!.value).not.toMatch(/Maya|streaming pipelines on Kafka|billing schemas/)

    const fetched = await api.inject({ method: "GET", url: fetchPath, headers: reviewer })
    expect(fetched.statusCode).toBe(200)
    const drafts = fetched.json() as MatchDrafts
    expect(drafts.resumeId).toBe(approved.resume.resumeId)
    expect(drafts.tailoredResume.leadWith.map((b) => b.line)).toEqual(approved.drafts.leadWith.map((b) => b.line))
    expect(drafts.coverLetter.body.endsWith("Best regards,\nMaya Chen")).toBe(true)
    // A staff route: a seeker's key is no key there, as on the resume and contact routes.
    expect((await api.inject({ method: "GET", url: fetchPath, headers: maya.auth })).statusCode).toBe(401)
    expect((await api.inject({ method: "GET", url: `/desk/seekers/${maya.seekerId}/jobs/${noContact.jobId}/drafts`, headers: reviewer })).statusCode).toBe(404)
  })
})
