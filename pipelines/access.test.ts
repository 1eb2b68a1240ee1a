import Fastify from "fastify"
import { Effect, ManagedRuntime } from "effect"
import type { FastifyInstance } from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepare } from "../stack/clients.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { enforceAccess, type RouteAccess } from "./access.js"
import { failedAuthentications } from "./rateLimits.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { Staff } from "./Staff.js"
import { testConfig } from "./testing.js"

/**
 * Every route of the API declares who may call it, and the declaration holds on the real stack: the test walks
 * the route table and calls each route without a key, with a seeker's key, a reviewer's and an ops admin's.
 */

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))

let api: FastifyInstance
let routes: ReadonlyArray<RouteAccess>
const keys: Record<"seeker" | "reviewer" | "ops", string> = { seeker: "", reviewer: "", ops: "" }

/** The route's URL with every parameter filled (`me` for the seeker's own id). */
const concrete = (url: string) => url.replace(":seekerId", "me").replace(/:[A-Za-z]+/g, "x0")

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  api = makeApi(await runtime.runtime())
  await api.ready()
  routes = api.routeAccess
  const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Access Test" } })
  keys.seeker = (created.json() as { apiKey: string }).apiKey
  keys.reviewer = (await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Rita", role: "reviewer" })))).apiKey
  keys.ops = (await runtime.runPromise(Effect.flatMap(Staff, (s) => s.create({ name: "Otto", role: "ops" })))).apiKey
}, 60_000)

afterAll(async () => {
  await api?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

const call = (route: RouteAccess, key?: string) =>
  api.inject({
    method: route.method as "GET",
    url: concrete(route.url),
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    ...(route.method === "GET" || route.method === "HEAD" || route.method === "DELETE" ? {} : { payload: {} })
  })

describe("who may call each route", () => {
  it("refuses to register a route that declares nobody", async () => {
    const app = Fastify()
    enforceAccess(app, () => Promise.reject(new Error("not called")), { failures: failedAuthentications({ max: 1, windowMs: 1000 }) })
    expect(() => app.get("/open", async () => "ok")).toThrow(/no access declared/)
    app.get("/declared", { config: { access: "public" } }, async () => "ok")
    await app.ready()
    await app.close()
  })

  it("lists every route with its declaration", () => {
    const byUrl = new Map(routes.filter((r) => r.method === "GET").map((r) => [r.url, r.access]))
    expect(byUrl.get("/healthz")).toBe("public")
    expect(byUrl.get("/jobs")).toBe("public")
    expect(byUrl.get("/metrics")).toEqual(["scraper", "ops", "reviewer"])
    expect(byUrl.get("/kpis/:name")).toEqual(["ops", "reviewer"])
    expect(byUrl.get("/seekers/:seekerId/matches")).toEqual(["seeker"])
    expect(byUrl.get("/staff")).toEqual(["ops"])
    expect(routes.length).toBeGreaterThan(40)
  })

  it("answers 401 without a key on every route that is not public, before reading anything of the request", async () => {
    const open: Array<string> = []
    for (const route of routes.filter((r) => r.access !== "public" && !r.websocket)) {
      const response = await call(route)
      if (response.statusCode !== 401) open.push(`${route.method} ${route.url}: ${response.statusCode}`)
    }
    expect(open).toEqual([])
  })

  it("lets no role into a route declared for others", async () => {
    const wrong: Array<string> = []
    for (const route of routes.filter((r) => r.access !== "public" && !r.websocket && r.method !== "HEAD")) {
      for (const role of ["seeker", "reviewer", "ops"] as const) {
        if ((route.access as ReadonlyArray<string>).includes(role)) continue
        const status = (await call(route, keys[role])).statusCode
        if (status !== 401 && status !== 403) wrong.push(`${role} -> ${route.method} ${route.url}: ${status}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it("lets each declared role through the access check", async () => {
    const refused: Array<string> = []
    // A live stream answers for as long as it is open, so inject would wait forever: notifications.test.ts opens it
    // over real HTTP with the seeker's key and with another's.
    for (const route of routes.filter((r) => r.access !== "public" && !r.websocket && r.method === "GET" && !r.url.endsWith("/stream"))) {
      // The scraper's token is not set here (metricsRoutes.test.ts tests it).
      for (const role of (route.access as ReadonlyArray<string>).filter((r): r is keyof typeof keys => r in keys)) {
        const status = (await call(route, keys[role])).statusCode
        // A 404 for the filled-in ids is fine: what matters is that the key was accepted.
        if (status === 401 || status === 403) refused.push(`${role} -> ${route.method} ${route.url}: ${status}`)
      }
    }
    expect(refused).toEqual([])
  })

  it("rotates a seeker's key: the new one works at once, the old one no longer", async () => {
    const created = await api.inject({ method: "POST", url: "/seekers", payload: { name: "Key Rotator" } })
    const old = { authorization: `Bearer ${(created.json() as { apiKey: string }).apiKey}` }
    const rotated = await api.inject({ method: "POST", url: "/seekers/me/key", headers: old })
    expect(rotated.statusCode).toBe(200)
    const fresh = { authorization: `Bearer ${(rotated.json() as { apiKey: string }).apiKey}` }
    expect(fresh.authorization).not.toBe(old.authorization)
    expect((await api.inject({ method: "GET", url: "/seekers/me", headers: fresh })).statusCode).toBe(200)
    expect((await api.inject({ method: "GET", url: "/seekers/me", headers: old })).statusCode).toBe(401)
  })

  it("keeps the health probes, the job listing and sign-up open", async () => {
    for (const url of ["/healthz", "/livez", "/readyz", "/jobs?limit=1"]) {
      expect([200, 503], url).toContain((await api.inject({ method: "GET", url })).statusCode)
    }
    expect((await api.inject({ method: "POST", url: "/seekers", payload: { name: "Open Door" } })).statusCode).toBe(201)
  })
})
