/**
 * The servers the API bench (pipelines/api.bench.ts) loads, each forked into a process of its own so that the
 * load generator never shares their event loop:
 *
 * - `api`: the real query API (`makeApi` over the production services, configured from the environment the
 *   bench gives it), built as the API tests build it: without the review desk's loop, whose intake would turn
 *   the generated matches into review tasks while the load runs.
 * - `bare`: the baseline, a bare Fastify server that answers each of `GET /matches`, `/jobs` and `/search` with
 *   a fixed body, sent to it by the bench over IPC (a real answer of the API to that route, so the bytes on the
 *   wire are the same) and acknowledged; 404 until it has one.
 *
 * Each sends `{ port }` to its parent once listening, and exits when the parent disconnects.
 */
import Fastify from "fastify"
import { ManagedRuntime } from "effect"
import { makeApi } from "./api.js"
import { InfraLive, withServices } from "./ingest.js"

export type BareRoute = "matches" | "jobs" | "search"
export type BareBodies = Partial<Record<BareRoute, string>>

const listening = (port: number) => process.send?.({ port })

const serveApi = async () => {
  const runtime = ManagedRuntime.make(withServices(InfraLive))
  const app = makeApi(await runtime.runtime())
  await app.listen({ host: "127.0.0.1", port: 0 })
  process.on("disconnect", () => void app.close().then(() => runtime.dispose()).finally(() => process.exit(0)))
  const address = app.server.address()
  listening(typeof address === "object" && address !== null ? address.port : 0)
}

const serveBare = () => {
  const bodies: Record<string, string> = {}
  process.on("message", (more) => {
    Object.assign(bodies, more as BareBodies)
    process.send?.({ received: Object.keys(more as BareBodies) })
  })
  const app = Fastify({ logger: false })
  app.get("/:route", (request, reply) => {
    const body = bodies[(request.params as { route: string }).route]
    return body === undefined ? reply.status(404).send() : reply.type("application/json; charset=utf-8").send(body)
  })
  process.on("disconnect", () => void app.close().finally(() => process.exit(0)))
  void app.listen({ host: "127.0.0.1", port: 0 }).then(() => {
    const address = app.server.address()
    listening(typeof address === "object" && address !== null ? address.port : 0)
  })
}

if (process.argv[2] === "api") await serveApi()
else serveBare()
