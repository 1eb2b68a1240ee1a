import { Effect, ManagedRuntime } from "effect"
import Fastify, { type FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { encode, type Received, Topics } from "../schemas/Envelope.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { docsPrefix } from "./openapi.js"
import { Staff } from "./Staff.js"
import { testConfig, testJob } from "./testing.js"

/**
 * The OpenAPI document on the real API and stack: every route is in it with who may call it, and real answers of
 * the routes validate against the response schemas it gives (checked by fastify's own validator, with nothing
 * removed or coerced).
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))

interface Operation {
  readonly security?: ReadonlyArray<Record<string, ReadonlyArray<string>>>
  readonly "x-access"?: unknown
  readonly responses?: Record<string, { readonly content?: Record<string, { readonly schema?: object }> }>
}
interface Document {
  readonly openapi: string
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { readonly schemas: Record<string, object> }
}

let api: FastifyInstance
let doc: Document
let seeker: { authorization: string }
let ops: { authorization: string }
const job = testJob(
  "openapi-test",
  1,
  "Data Engineer",
  "Requirements:\n- Python, SQL and Kafka\n- 3+ years\n\nQuestions? Contact Jane Doe (Hiring Manager) at jane.doe@example.com.\n\n" +
    "If you need an accommodation, email accommodations@example.com."
)

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  const record: Received = { ...encode(Topics.unique, job), partition: 0, offset: 0, timestamp: Date.now() }
  await runtime.runPromise(postgresJobs.handle([record]))
  api = makeApi(await runtime.runtime())
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Contract Tester", email: "ct@example.com" } })
  const { apiKey, seekerId } = created.json() as { apiKey: string; seekerId: string }
  seeker = { authorization: `Bearer ${apiKey}` }
  // A match of the seeker's, for its drafts.
  const upload = await api.inject({
    method: "POST",
    url: "/seekers/me/resumes",
    headers: { ...seeker, "content-type": "text/plain" },
    payload: "- Built Kafka pipelines in Python\n- Wrote SQL on PostgreSQL"
  })
  await runtime.runPromise(
    Effect.flatMap(Postgres, (db) =>
      db.query(
        `INSERT INTO matches (job_id, seeker_id, score, decision, components, explanation, resume_id, model, scored_at)
         VALUES ($1, $2, 70, 'manual_review', '{}', '{"matchedSkills":["Python"],"missingMustHaves":[],"missingSkills":[],"constraints":[]}', $3, 'm', now())`,
        [job.jobId, seekerId, (upload.json() as { resumeId: string }).resumeId]
      )
    )
  )
  const staff = await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Oona", role: "ops" })))
  ops = { authorization: `Bearer ${staff.apiKey}` }
  const response = await api.inject({ method: "GET", url: "/openapi.json" })
  expect(response.statusCode).toBe(200)
  doc = response.json() as Document
}, 60_000)

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, "{$1}")

describe("the job routes", () => {
  it("show the contacts a job's description states, with where they were read, and not its boilerplate", async () => {
    const contact = {
      kind: "person",
      name: "Jane Doe",
      title: "Hiring Manager",
      email: "jane.doe@example.com",
      url: null,
      span: { start: job.description.indexOf("Jane Doe"), end: job.description.indexOf(".\n\nIf you"), text: "Jane Doe (Hiring Manager) at jane.doe@example.com" },
      confidence: 0.9
    }
    const one = await api.inject({ method: "GET", url: `/jobs/${job.jobId}` })
    expect(one.json().job.contacts).toEqual([contact])
    const page = await api.inject({ method: "GET", url: "/jobs?limit=5" })
    expect(page.json().items.find((j: { jobId: string }) => j.jobId === job.jobId).contacts).toEqual([contact])
  })
})

describe("the OpenAPI document", () => {
  it("has every route the API serves, each saying who may call it", () => {
    expect(doc.openapi).toBe("3.1.0")
    const served = api.routeAccess.filter(
      (r) => r.method !== "HEAD" && !r.websocket && !r.url.startsWith(docsPrefix) && r.url !== "/openapi.json"
    )
    expect(served.length).toBeGreaterThan(40)
    const missing: Array<string> = []
    const wrong: Array<string> = []
    for (const route of served) {
      const operation = doc.paths[openapiPath(route.url)]?.[route.method.toLowerCase()]
      if (operation === undefined) {
        missing.push(`${route.method} ${route.url}`)
        continue
      }
      const security = route.access === "public" ? [] : [{ key: [] }]
      if (JSON.stringify(operation.security) !== JSON.stringify(security) || JSON.stringify(operation["x-access"]) !== JSON.stringify(route.access))
        wrong.push(`${route.method} ${route.url}: ${JSON.stringify(operation.security)} ${JSON.stringify(operation["x-access"])}`)
    }
    expect(missing).toEqual([])
    expect(wrong).toEqual([])
    expect(JSON.stringify(doc)).not.toContain("#/$defs/")
  })

  it("serves a browsable page at /docs with a policy of its own", async () => {
    const page = await api.inject({ method: "GET", url: `${docsPrefix}/` })
    expect(page.statusCode).toBe(200)
    expect(page.headers["content-type"]).toMatch(/text\/html/)
    expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'/)
  })

  it("describes what the routes really answer", async () => {
    // Fastify's own validator over the document's schemas: nothing removed, nothing coerced, every error reported.
    const checker = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true } } })
    const rooted = (schema: object) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"openapi#/definitions/')) as object
    checker.addSchema({ $id: "openapi", definitions: rooted(doc.components.schemas) })
    const calls: Array<{ method: "GET" | "POST"; url: string; path: string; headers?: Record<string, string>; payload?: object }> = [
      { method: "GET", url: "/jobs?limit=5", path: "/jobs" },
      { method: "GET", url: `/jobs/${job.jobId}`, path: "/jobs/{jobId}" },
      { method: "POST", url: "/seekers", path: "/seekers", payload: { name: "Second Tester" } },
      { method: "POST", url: "/seekers/me/applications", path: "/seekers/{seekerId}/applications", headers: seeker, payload: { jobId: job.jobId } },
      { method: "GET", url: "/seekers/me/applications", path: "/seekers/{seekerId}/applications", headers: seeker },
      { method: "GET", url: "/seekers/me/followups/settings", path: "/seekers/{seekerId}/followups/settings", headers: seeker },
      { method: "GET", url: `/seekers/me/matches/${job.jobId}/drafts`, path: "/seekers/{seekerId}/matches/{jobId}/drafts", headers: seeker },
      { method: "GET", url: "/kpis", path: "/kpis", headers: ops },
      { method: "GET", url: "/kpis/decisions", path: "/kpis/{name}", headers: ops },
      { method: "GET", url: "/reviews/pending", path: "/reviews/pending", headers: ops },
      { method: "GET", url: "/healthz", path: "/healthz" }
    ]
    const invalid: Array<string> = []
    const answers: Array<{ readonly n: number; readonly what: string; readonly body: string }> = []
    for (const [n, call] of calls.entries()) {
      const response = await api.inject({ method: call.method, url: call.url, headers: call.headers ?? {}, ...(call.payload ? { payload: call.payload } : {}) })
      const what = `${call.method} ${call.url} ${response.statusCode}`
      const schema = doc.paths[call.path]?.[call.method.toLowerCase()]?.responses?.[String(response.statusCode)]?.content?.["application/json"]?.schema
      if (schema === undefined) invalid.push(`${what}: no schema in the document`)
      else {
        checker.post(`/check/${n}`, { schema: { body: rooted(schema) } }, async () => "ok")
        answers.push({ n, what, body: response.body })
      }
    }
    for (const { n, what, body } of answers) {
      const verdict = await checker.inject({ method: "POST", url: `/check/${n}`, payload: body, headers: { "content-type": "application/json" } })
      if (verdict.statusCode !== 200) invalid.push(`${what}: ${verdict.body}`)
    }
    expect(invalid).toEqual([])
    expect(answers.length).toBe(calls.length)
    await checker.close()
  })
})
