import { Effect, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepare } from "../stack/clients.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { testConfig } from "./testing.js"

/**
 * The limits on the real API and stack, with small limits set through the environment's names: each limited route
 * answers 429 with `Retry-After` past its limit, per client address; failed authentications lock the address out
 * before its keys are looked at; every answer carries the security headers and none allows another origin.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
/** Small limits, through the environment (the test configuration falls back to it); restored after. */
const small: Record<string, string> = {
  JOBSTREAM_RATE_SIGNUP_MAX: "3",
  JOBSTREAM_RATE_UPLOADS_MAX: "2",
  JOBSTREAM_RATE_SEARCH_MAX: "2",
  JOBSTREAM_RATE_FAILED_AUTH_MAX: "3"
}
const saved = Object.fromEntries(Object.keys(small).map((name) => [name, process.env[name]]))

let api: FastifyInstance

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  Object.assign(process.env, small)
  api = makeApi(await runtime.runtime())
}, 60_000)

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

const from = (remoteAddress: string) => ({ remoteAddress })
const signUp = (remoteAddress: string, name: string) => api.inject({ method: "POST", url: "/seekers", payload: { name }, ...from(remoteAddress) })

const expectLimited = (response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) => {
  expect(response.statusCode).toBe(429)
  const retryAfter = Number(response.headers["retry-after"])
  expect(retryAfter).toBeGreaterThan(0)
  expect(retryAfter).toBeLessThanOrEqual(60)
  expect(response.json()).toMatchObject({ error: "TooManyRequests", message: expect.stringMatching(/retry in/) })
}

describe("rate limits", () => {
  it("lets an address sign up 3 times a minute, then answers 429 with Retry-After; another address is not held up", async () => {
    for (let i = 0; i < 3; i++) expect((await signUp("10.0.0.1", `Seeker ${i}`)).statusCode).toBe(201)
    expectLimited(await signUp("10.0.0.1", "One too many"))
    expect((await signUp("10.0.0.2", "Elsewhere")).statusCode).toBe(201)
  })

  it("limits resume uploads per address", async () => {
    const created = await signUp("10.0.1.1", "Uploader")
    const auth = { authorization: `Bearer ${(created.json() as { apiKey: string }).apiKey}`, "content-type": "text/plain" }
    const upload = () => api.inject({ method: "POST", url: "/seekers/me/resumes", headers: auth, payload: "Data engineer: Python, SQL, Kafka.", ...from("10.0.1.1") })
    expect((await upload()).statusCode).toBe(201)
    expect((await upload()).statusCode).toBe(201)
    expectLimited(await upload())
  })

  it("limits search per address", async () => {
    const search = () => api.inject({ method: "GET", url: "/jobs/search?q=data%20engineer", ...from("10.0.2.1") })
    expect((await search()).statusCode).toBe(200)
    expect((await search()).statusCode).toBe(200)
    expectLimited(await search())
  })

  it("locks an address out after 3 failed authentications, before any key is looked at, good ones included", async () => {
    const created = await signUp("10.0.3.9", "Victim")
    const good = { authorization: `Bearer ${(created.json() as { apiKey: string }).apiKey}` }
    const attempt = (authorization: string, remoteAddress: string) =>
      api.inject({ method: "GET", url: "/seekers/me/matches", headers: { authorization }, ...from(remoteAddress) })
    // Good keys never count.
    for (let i = 0; i < 5; i++) expect((await attempt(good.authorization, "10.0.3.1")).statusCode).toBe(200)
    for (let i = 0; i < 3; i++) expect((await attempt(`Bearer jsk_guess_${i}`, "10.0.3.1")).statusCode).toBe(401)
    expectLimited(await attempt("Bearer jsk_guess_3", "10.0.3.1"))
    expectLimited(await attempt(good.authorization, "10.0.3.1"))
    // The owner elsewhere is not locked out by someone guessing from another address.
    expect((await attempt(good.authorization, "10.0.3.2")).statusCode).toBe(200)
  })
})

describe("headers", () => {
  it("sets the security headers on API answers, with a policy that loads nothing", async () => {
    const response = await api.inject({ method: "GET", url: "/jobs?limit=1" })
    expect(response.headers["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'")
    expect(response.headers["x-content-type-options"]).toBe("nosniff")
    expect(response.headers["strict-transport-security"]).toMatch(/max-age=/)
    expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN")
    expect(response.headers["x-powered-by"]).toBeUndefined()
  })

  it("keeps the dashboard's own strict policy", async () => {
    const response = await api.inject({ method: "GET", url: "/dashboard" })
    expect(response.statusCode).toBe(200)
    expect(response.headers["content-security-policy"]).toMatch(/default-src 'none'|default-src 'self'/)
    expect(response.headers["content-security-policy"]).not.toMatch(/unsafe-inline|unsafe-eval/)
  })

  it("allows no other origin (CORS closed)", async () => {
    const preflight = await api.inject({
      method: "OPTIONS",
      url: "/jobs",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" }
    })
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined()
    const read = await api.inject({ method: "GET", url: "/jobs?limit=1", headers: { origin: "https://evil.example" } })
    expect(read.headers["access-control-allow-origin"]).toBeUndefined()
  })
})
