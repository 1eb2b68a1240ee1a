import { Effect, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepare } from "../stack/clients.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { Staff } from "./Staff.js"
import { testConfig } from "./testing.js"

/**
 * The staff audit log on the real API and PostgreSQL: what ops and reviewers change, and what they read of a
 * person, is logged with who, the route and its ids; plain reads and seekers' own requests are not; bodies never.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))

let api: FastifyInstance
let ops: { staffId: string; apiKey: string }
let reviewer: { staffId: string; apiKey: string }
let seekerKey: string

interface Entry {
  readonly staffId: string
  readonly role: string
  readonly method: string
  readonly route: string
  readonly target: Record<string, string>
  readonly status: number
}

const as = (key: string) => ({ authorization: `Bearer ${key}` })
const audit = async (query = "") => {
  const response = await api.inject({ method: "GET", url: `/staff/audit${query}`, headers: as(ops.apiKey) })
  expect(response.statusCode).toBe(200)
  return (response.json() as { items: Array<Entry> }).items
}

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  api = makeApi(await runtime.runtime())
  ops = await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Olga", role: "ops" })))
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Audit Seeker" } })
  seekerKey = (created.json() as { apiKey: string }).apiKey
  const made = await api.inject({ method: "POST", url: "/staff", headers: as(ops.apiKey), payload: { name: "Rhea Confidential", role: "reviewer" } })
  expect(made.statusCode).toBe(201)
  reviewer = made.json() as { staffId: string; apiKey: string }
  await api.inject({ method: "GET", url: "/kpis", headers: as(reviewer.apiKey) })
  await api.inject({ method: "GET", url: "/desk/resumes/res-unknown", headers: as(reviewer.apiKey) })
  await api.inject({ method: "POST", url: `/staff/${reviewer.staffId}/key`, headers: as(ops.apiKey) })
  await api.inject({ method: "GET", url: "/seekers/me/matches", headers: as(seekerKey) })
}, 60_000)

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("the staff audit log", () => {
  it("logs each change and each read of a person's data, newest first, with who, the route, its ids and the status", async () => {
    const entries = await audit()
    expect(entries.map((e) => [e.staffId, e.role, e.method, e.route, e.target, e.status])).toEqual([
      [ops.staffId, "ops", "POST", "/staff/:staffId/key", { staffId: reviewer.staffId }, 200],
      [reviewer.staffId, "reviewer", "GET", "/desk/resumes/:resumeId", { resumeId: "res-unknown" }, 404],
      [ops.staffId, "ops", "POST", "/staff", {}, 201]
    ])
  })

  it("copies no body into the log", async () => {
    expect(JSON.stringify(await audit())).not.toContain("Rhea Confidential")
  })

  it("filters by staff member, and is for ops keys only", async () => {
    expect((await audit(`?staffId=${reviewer.staffId}`)).map((e) => e.route)).toEqual(["/desk/resumes/:resumeId"])
    // The reviewer's key was replaced above: the old one is revoked.
    const fresh = await api.inject({ method: "POST", url: `/staff/${reviewer.staffId}/key`, headers: as(ops.apiKey) })
    const key = (fresh.json() as { apiKey: string }).apiKey
    expect((await api.inject({ method: "GET", url: "/staff/audit", headers: as(key) })).statusCode).toBe(403)
    expect((await api.inject({ method: "GET", url: "/staff/audit", headers: as(seekerKey) })).statusCode).toBe(401)
    expect((await api.inject({ method: "GET", url: "/staff/audit?limit=0", headers: as(ops.apiKey) })).statusCode).toBe(400)
  })
})
