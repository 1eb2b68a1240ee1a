import { Effect, Fiber, ManagedRuntime, Schedule } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { demoSource, startDemoSite } from "../connectors/demo-site/server.js"
import { crawlJsonLd } from "../connectors/jsonld/main.js"
import { Topics } from "../schemas/Envelope.js"
import { Postgres } from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import { drained, runPipeline, withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { testConfig } from "./testing.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
let site: Awaited<ReturnType<typeof startDemoSite>>
let pipeline: Fiber.RuntimeFiber<void, unknown>
let api: FastifyInstance

const dataScientist = `Maya Chen — Senior Data Scientist
Seven years building machine learning models in Python (pandas, scikit-learn, PyTorch) and SQL.
Natural language processing: text classification and named entity recognition with transformers.
Experimentation and A/B testing, statistics, forecasting. Spark and Airflow pipelines on AWS.
Led a team of four data scientists; presented models to executives with Tableau dashboards.`

const pastryChef = `Luis Romero — Pastry Chef
Twelve years in restaurant kitchens: laminated doughs, viennoiserie, plated desserts, chocolate work.
Ran the pastry station of a 120-seat restaurant, ordering, food cost and HACCP food safety.`

const registeredNurse = `Amira Haddad — Registered Nurse
Intensive care nursing, patient assessment, medication administration, wound care, triage.
Basic and advanced life support certified; charge nurse on night shifts for a 20-bed ward.`

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) =>
  api.inject({ method: "POST", url, headers, ...(typeof body === "string" || Buffer.isBuffer(body) ? { body } : { payload: body as object }) })

const createSeeker = async (name: string, resume: string) => {
  const created = await post("/seekers", { name })
  expect(created.statusCode).toBe(201)
  const { seekerId, apiKey } = created.json() as { seekerId: string; apiKey: string }
  const auth = { authorization: `Bearer ${apiKey}` }
  const uploaded = await post("/seekers/me/resumes", resume, { ...auth, "content-type": "text/plain" })
  expect(uploaded.statusCode).toBe(201)
  return { seekerId, auth }
}

const matchesOf = async (seekerId: string) =>
  runtime.runPromise(
    Effect.flatMap(Postgres, (db) =>
      db.query<{ job_id: string; score: number; resume_id: string; scored_at: Date; rescored_count: number }>(
        "SELECT job_id, score, resume_id, scored_at, rescored_count FROM matches WHERE seeker_id = $1 ORDER BY job_id",
        [seekerId]
      )
    )
  )

/** Until the outbox relay has published every event written so far. */
const outboxEmptied = Effect.flatMap(Postgres, (db) =>
  db.query<{ n: string }>("SELECT count(*) AS n FROM outbox").pipe(
    Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: ([row]) => Number(row?.n) === 0 }),
    Effect.timeout("60 seconds")
  )
)

const scoredOnKafka = async () =>
  (await runtime.runPromise(readWithKcat(Topics.scored.name))).map((m) => JSON.parse(m.value) as { jobId: string; seekerId: string; score: number })

describe("matching jobs to seekers, end to end on the real stack", () => {
  let maya: Awaited<ReturnType<typeof createSeeker>>
  let luis: Awaited<ReturnType<typeof createSeeker>>

  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    pipeline = runtime.runFork(runPipeline)
    api = makeApi(await runtime.runtime())
    maya = await createSeeker("Maya Chen", dataScientist)
    luis = await createSeeker("Luis Romero", pastryChef)
    const prefs = await api.inject({
      method: "PUT",
      url: `/seekers/${maya.seekerId}/preferences`,
      headers: maya.auth,
      payload: { targetTitles: ["Data Scientist", "Machine Learning Engineer"], thresholds: { autoApprove: 85, review: 55 } }
    })
    expect(prefs.statusCode).toBe(200)
    site = await startDemoSite({ port: 0, count: 30 })
    await runtime.runPromise(
      crawlJsonLd(demoSource(site.url)).pipe(
        Effect.zipRight(drained("180 seconds"))
      )
    )
  })

  afterAll(async () => {
    await site?.close()
    await api?.close()
    if (pipeline) await runtime.runPromise(Fiber.interrupt(pipeline))
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("publishes the seeker's matches on jobs.scored and keeps them in PostgreSQL", async () => {
    const scored = await scoredOnKafka()
    const mine = scored.filter((m) => m.seekerId === maya.seekerId)
    expect(mine.length).toBeGreaterThan(5)
    const rows = await matchesOf(maya.seekerId)
    expect(rows.map((r) => r.job_id).sort()).toEqual([...new Set(mine.map((m) => m.jobId))].sort())
  })

  it("ranks the data-science postings of the demo site higher for the data scientist than for the pastry chef", async () => {
    const best = async (seekerId: string) => Math.max(0, ...(await matchesOf(seekerId)).map((r) => r.score))
    expect(await best(maya.seekerId)).toBeGreaterThan((await best(luis.seekerId)) + 15)
  })

  it("serves ranked matches with their reasons to the seeker's own key", async () => {
    const response = await api.inject({ method: "GET", url: "/seekers/me/matches?limit=5", headers: maya.auth })
    expect(response.statusCode).toBe(200)
    const { items } = response.json() as {
      items: Array<{ score: number; decision: string; title: string; explanation: { matchedSkills: Array<string>; constraints: Array<unknown> } }>
    }
    expect(items.length).toBe(5)
    expect(items.map((i) => i.score)).toEqual([...items.map((i) => i.score)].sort((a, b) => b - a))
    // The best match shares the resume's core: several of its skills, machine learning or Python among them.
    const matched = items[0]!.explanation.matchedSkills
    expect(matched.length).toBeGreaterThanOrEqual(3)
    expect(matched.some((s) => s === "Python" || s === "Machine Learning")).toBe(true)
    expect(["auto_approve", "manual_review", "reject"]).toContain(items[0]!.decision)
  })

  it("never shows one seeker's matches to another seeker's key", async () => {
    const other = await api.inject({ method: "GET", url: `/seekers/${maya.seekerId}/matches`, headers: luis.auth })
    expect(other.statusCode).toBe(403)
    const anonymous = await api.inject({ method: "GET", url: `/seekers/${maya.seekerId}/matches` })
    expect(anonymous.statusCode).toBe(401)
    const forged = await api.inject({ method: "GET", url: "/seekers/me/matches", headers: { authorization: "Bearer jsk_forged" } })
    expect(forged.statusCode).toBe(401)
    const own = await api.inject({ method: "GET", url: "/seekers/me/matches?limit=100", headers: luis.auth })
    const jobIds = (own.json() as { items: Array<{ jobId: string }> }).items.map((i) => i.jobId).sort()
    expect(jobIds).toEqual((await matchesOf(luis.seekerId)).map((r) => r.job_id).sort())
  })

  it("refuses bad uploads with a clear 4xx and keeps nothing of them", async () => {
    const empty = await post("/seekers/me/resumes", "   ", { ...maya.auth, "content-type": "text/plain" })
    expect(empty.statusCode).toBe(400)
    expect(empty.json().message).toMatch(/no text/)
    const word = await post("/seekers/me/resumes", Buffer.from("PK\u0003\u0004"), {
      ...maya.auth,
      "content-type": "application/msword"
    })
    expect(word.statusCode).toBe(415)
    const huge = await post("/seekers/me/resumes", Buffer.alloc(6 * 1024 * 1024, 0x25), {
      ...maya.auth,
      "content-type": "application/pdf"
    })
    expect(huge.statusCode).toBe(413)
    const badPrefs = await api.inject({
      method: "PUT",
      url: "/seekers/me/preferences",
      headers: maya.auth,
      payload: { remote: "sometimes", thresholds: { autoApprove: 50, review: 70 } }
    })
    expect(badPrefs.statusCode).toBe(400)
    expect(badPrefs.json().message).toMatch(/remote/)
    const profile = await api.inject({ method: "GET", url: "/seekers/me", headers: maya.auth })
    expect((profile.json() as { resumes: Array<unknown> }).resumes).toHaveLength(1)
  })

  it("finds postings by meaning and by words with GET /jobs/search", async () => {
    const response = await api.inject({ method: "GET", url: "/jobs/search?q=predictive%20models%20in%20python&limit=5" })
    expect(response.statusCode).toBe(200)
    const { items } = response.json() as { items: Array<{ job: { title: string }; score: number; semantic: number | null }> }
    expect(items).toHaveLength(5)
    expect(items[0]!.semantic).not.toBeNull()
    expect(items.map((i) => i.score)).toEqual([...items.map((i) => i.score)].sort((a, b) => b - a))
    expect(items.filter((i) => /data|scien|analy|machine/i.test(i.job.title)).length).toBeGreaterThanOrEqual(4)
  })

  it("reads the text of a PDF resume", async () => {
    const pdf = minimalPdf(["Luis Romero, Pastry Chef", "Viennoiserie and plated desserts"])
    const uploaded = await post("/seekers/me/resumes?filename=cv.pdf", pdf, { ...luis.auth, "content-type": "application/pdf" })
    expect(uploaded.statusCode).toBe(201)
    expect(uploaded.json()).toMatchObject({ primary: false })
    const profile = await api.inject({ method: "GET", url: "/seekers/me", headers: luis.auth })
    const resumes = (profile.json() as { resumes: Array<{ filename: string; characters: number; contentType: string }> }).resumes
    const parsed = resumes.find((r) => r.filename === "cv.pdf")
    expect(parsed?.contentType).toBe("application/pdf")
    expect(parsed?.characters).toBeGreaterThan("Luis Romero, Pastry Chef".length)
  })

  it("re-scores only the seeker whose resume changed, and their scores change", async () => {
    const mayaBefore = await matchesOf(maya.seekerId)
    const luisBefore = await matchesOf(luis.seekerId)
    const uploaded = await post("/seekers/me/resumes?primary=true", registeredNurse, { ...maya.auth, "content-type": "text/plain" })
    expect(uploaded.statusCode).toBe(201)
    const { resumeId } = uploaded.json() as { resumeId: string }
    // The upload's event reaches Kafka through the outbox relay a moment later: the lag counts it only from then.
    await runtime.runPromise(Effect.andThen(outboxEmptied, drained("120 seconds")))
    // The lag is read from the consumers' statistics, which can trail by a moment under load: the rows say when.
    let mayaAfter = await matchesOf(maya.seekerId)
    for (const deadline = Date.now() + 60_000; !mayaAfter.every((r) => r.resume_id === resumeId) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250))
      mayaAfter = await matchesOf(maya.seekerId)
    }
    // Every stored match of hers was re-scored with the new resume, and the data-science postings fell.
    expect(mayaAfter.map((r) => r.job_id)).toEqual(mayaBefore.map((r) => r.job_id))
    expect(mayaAfter.filter((r) => r.resume_id !== resumeId)).toEqual([])
    // Once, or again when a rebalance handed the scorer its batch a second time (at-least-once delivery).
    expect(mayaAfter.filter((r) => r.rescored_count < 1)).toEqual([])
    const before = new Map(mayaBefore.map((r) => [r.job_id, r.score]))
    expect(mayaAfter.filter((r) => r.score < before.get(r.job_id)! - 10).length).toBeGreaterThan(mayaAfter.length / 2)
    // Nobody else's scores were touched.
    expect(await matchesOf(luis.seekerId)).toEqual(luisBefore)
  })
})

/** A one-page PDF with a real text layer (Helvetica), built by hand with a correct cross-reference table. */
const minimalPdf = (lines: ReadonlyArray<string>): Buffer => {
  const text = lines.map((line, i) => `BT /F1 12 Tf 72 ${720 - 18 * i} Td (${line.replace(/[()\\]/g, "\\$&")}) Tj ET`).join("\n")
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
  ]
  let body = "%PDF-1.4\n"
  const offsets: Array<number> = []
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body))
    body += `${i + 1} 0 obj\n${object}\nendobj\n`
  })
  const xref = Buffer.byteLength(body)
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  body += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, "latin1")
}
