import helmet from "@fastify/helmet"
import Fastify, { type FastifyInstance } from "fastify"
import { Cause, Effect, Exit, JSONSchema, Runtime, Schema } from "effect"
import { JobCluster, JobsPage, JobsQuery } from "../schemas/Api.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { forRequest, Postgres } from "../stack/Postgres.js"
import { Text } from "../schemas/common.js"
import { decodeOr400, replyFor } from "./httpErrors.js"
import { enforceAccess, scrapeTokenConfig } from "./access.js"
import { docsPrefix, registerOpenApi } from "./openapi.js"
import { staffAudit } from "./staffAudit.js"
import { failedAuthentications, perAddress, rateLimitsConfig, registerRateLimits } from "./rateLimits.js"
import type { DraftWriter } from "../processors/drafts.js"
import type { FollowupWriter } from "../processors/followups.js"
import { applicationRoutes } from "./applicationRoutes.js"
import type { Applications } from "./Applications.js"
import { clusterOf } from "./JobClusters.js"
import { listJobs } from "./JobListing.js"
import { JobSearch } from "./JobSearch.js"
import { dashboardRoutes } from "./dashboardRoutes.js"
import { healthRoutes } from "./healthRoutes.js"
import { kpiRoutes } from "./kpiRoutes.js"
import { metricsRoutes } from "./metricsRoutes.js"
import { reviewRoutes } from "./reviewRoutes.js"
import { Kafka } from "../stack/Kafka.js"
import { seekerRoutes } from "./seekerRoutes.js"
import { notificationRoutes } from "./notificationRoutes.js"
import { deskRoutes } from "./deskRoutes.js"
import { deskName, runDesk } from "./deskLoop.js"
import { supervise } from "../stack/supervisor.js"
import type { DeskHub } from "./DeskHub.js"
import type { ReviewDesk } from "./ReviewDesk.js"
import type { Staff } from "./Staff.js"
import { Seekers } from "./Seekers.js"
import type { StageMonitor } from "../stack/StageMonitor.js"

export type ApiServices = Kafka | Postgres | ClickHouse | StageMonitor | Seekers | JobSearch | Applications | FollowupWriter | DraftWriter | Staff | ReviewDesk | DeskHub

const SearchQuery = Schema.Struct({
  q: Text.pipe(Schema.minLength(1), Schema.maxLength(200)),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 50)))
})

/**
 * The query API. Routes declare their schemas (derived from `schemas/`); handlers run one Effect each through
 * the process's runtime, and one error handler turns failures into status codes.
 */
export const makeApi = (runtime: Runtime.Runtime<ApiServices>): FastifyInstance => {
  // No type coercion: a number or a boolean where the schema asks for a string is the client's mistake (400), not
  // a string to store; query strings and paths are strings already. Bodies: 256 KiB, above the largest JSON body
  // the schemas allow even escaped (preferences: 40 titles and places of 200 characters, 6 bytes each as \uXXXX,
  // and the skills), 413 beyond; a resume has its own 5 MiB (seekerRoutes.ts).
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, ajv: { customOptions: { coerceTypes: false } } })
  // Rejects with the typed failure itself (not a FiberFailure) so the error handler can read its tag.
  const run = async <A, E>(effect: Effect.Effect<A, E, ApiServices>): Promise<A> => {
    const exit = await Runtime.runPromiseExit(runtime)(forRequest(effect))
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  }

  app.setErrorHandler((error: unknown, request, reply) => {
    const answer = replyFor(error)
    if (answer.log !== null) {
      const log = answer.log === "error" ? Effect.logError : Effect.logWarning
      Runtime.runSync(runtime)(
        log(`${request.method} ${request.routeOptions.url ?? "(no route)"} answered ${answer.status}`, Cause.die(error)).pipe(
          Effect.annotateLogs("component", "Api")
        )
      )
    }
    return reply.status(answer.status).send(answer.body)
  })

  const limits = Runtime.runSync(runtime)(rateLimitsConfig)
  enforceAccess(app, run, {
    failures: failedAuthentications(limits.failedAuth),
    scrapeToken: Runtime.runSync(runtime)(scrapeTokenConfig),
    publicPrefixes: [docsPrefix]
  })
  registerRateLimits(app)
  registerOpenApi(app)
  // Security headers on every answer. The API answers JSON only, so its policy allows nothing to load; the dashboard
  // and desk pages set their own, as strict (dashboardRoutes.ts). No CORS: no other origin may call the API.
  app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: "same-origin" }
  })
  // The routes in a plugin of their own, registered after the rate limiter and the OpenAPI generator: both have
  // loaded when the routes are added, so they see each route's limits and schemas.
  app.register(async (routes) => {
    staffAudit(routes, run)
    seekerRoutes(routes, run, limits)
    applicationRoutes(routes, run)
    notificationRoutes(routes, run)
    kpiRoutes(routes, run)
    metricsRoutes(routes, run)
    reviewRoutes(routes, run)
    deskRoutes(routes, run)
    dashboardRoutes(routes)
    healthRoutes(routes, run)

    routes.get("/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => app.swagger())

    routes.get(
      "/jobs",
      { config: { access: "public" }, schema: { querystring: JSONSchema.make(JobsQuery), response: { 200: JSONSchema.make(JobsPage) } } },
      (request) => run(Effect.flatMap(decodeOr400(JobsQuery, request.query), listJobs))
    )

    routes.get("/jobs/search", { config: { access: "public", rateLimit: perAddress(limits.search) }, schema: { querystring: JSONSchema.make(SearchQuery) } }, (request) =>
      run(
        Effect.gen(function* () {
          const query = yield* decodeOr400(SearchQuery, request.query)
          const search = yield* JobSearch
          return { items: yield* search.search(query.q, query.limit ?? 10) }
        })
      )
    )

    routes.get(
      "/jobs/:jobId",
      {
        config: { access: "public" },
        schema: {
          params: { type: "object", properties: { jobId: { type: "string", pattern: "^[0-9a-f]{32}$" } }, required: ["jobId"] },
          response: { 200: JSONSchema.make(JobCluster) }
        }
      },
      (request) => run(clusterOf((request.params as { jobId: string }).jobId))
    )
  })

  return app
}

/**
 * The API listening on `host:port`, and the review desk's loop, until the scope closes. The runtime is taken before the server starts, not inside
 * the acquisition: an acquisition runs uninterruptibly, and a runtime captured there would run every request
 * uninterruptibly too, so no time limit could cut a hung dependency call short.
 */
export const serveApi = (host: string, port: number) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<ApiServices>()
    // The review desk's loop serves this process's reviewers' sockets: it lives and dies with the server.
    yield* Effect.forkScoped(supervise(deskName, runDesk()))
    return yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const app = makeApi(runtime)
        await app.listen({ host, port })
        return app
      }),
      (app) => Effect.promise(() => app.close())
    )
  })
