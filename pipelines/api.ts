import Fastify, { type FastifyInstance } from "fastify"
import { Cause, Effect, Either, Exit, JSONSchema, Runtime, Schema } from "effect"
import { JobCluster, JobsPage, JobsQuery, type JobsQuery as JobsQueryType } from "../schemas/Api.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { forRequest, Postgres } from "../stack/Postgres.js"
import { CalendarDate, Text } from "../schemas/common.js"
import { BadRequest, decodeOr400, replyFor } from "./httpErrors.js"
import type { FollowupWriter } from "../processors/followups.js"
import { applicationRoutes } from "./applicationRoutes.js"
import type { Applications } from "./Applications.js"
import { clusterOf, listingSelectList, listingsOf } from "./JobClusters.js"
import { JobSearch } from "./JobSearch.js"
import { dashboardRoutes } from "./dashboardRoutes.js"
import { healthRoutes } from "./healthRoutes.js"
import { kpiRoutes } from "./kpiRoutes.js"
import { metricsRoutes } from "./metricsRoutes.js"
import { reviewRoutes } from "./reviewRoutes.js"
import { Kafka } from "../stack/Kafka.js"
import { seekerRoutes } from "./seekerRoutes.js"
import { Seekers } from "./Seekers.js"
import type { StageMonitor } from "../stack/StageMonitor.js"

export type ApiServices = Kafka | Postgres | ClickHouse | StageMonitor | Seekers | JobSearch | Applications | FollowupWriter

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
  // a string to store; query strings and paths are strings already.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ajv: { customOptions: { coerceTypes: false } } })
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

  seekerRoutes(app, run)
  applicationRoutes(app, run)
  kpiRoutes(app, run)
  metricsRoutes(app, run)
  reviewRoutes(app, run)
  dashboardRoutes(app)
  healthRoutes(app, run)

  app.get(
    "/jobs",
    { schema: { querystring: JSONSchema.make(JobsQuery), response: { 200: JSONSchema.make(JobsPage) } } },
    (request) => run(listJobs(request.query))
  )

  app.get("/jobs/search", { schema: { querystring: JSONSchema.make(SearchQuery) } }, (request) =>
    run(
      Effect.gen(function* () {
        const query = yield* decodeOr400(SearchQuery, request.query)
        const search = yield* JobSearch
        return { items: yield* search.search(query.q, query.limit ?? 10) }
      })
    )
  )

  app.get(
    "/jobs/:jobId",
    {
      schema: {
        params: { type: "object", properties: { jobId: { type: "string", pattern: "^[0-9a-f]{32}$" } }, required: ["jobId"] },
        response: { 200: JSONSchema.make(JobCluster) }
      }
    },
    (request) => run(clusterOf((request.params as { jobId: string }).jobId))
  )

  return app
}

/**
 * The API listening on `host:port` until the scope closes. The runtime is taken before the server starts, not inside
 * the acquisition: an acquisition runs uninterruptibly, and a runtime captured there would run every request
 * uninterruptibly too, so no time limit could cut a hung dependency call short.
 */
export const serveApi = (host: string, port: number) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<ApiServices>()
    return yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const app = makeApi(runtime)
        await app.listen({ host, port })
        return app
      }),
      (app) => Effect.promise(() => app.close())
    )
  })

export const listJobs = (rawQuery: unknown) =>
  Effect.gen(function* () {
    const query = yield* decodeOr400(JobsQuery, rawQuery)
    const limit = query.limit ?? 20
    const { where, params } = yield* filters(query)
    const db = yield* Postgres
    const rows = yield* db.query(
      `SELECT ${listingSelectList}, coalesce(posted_at, '0001-01-01')::text AS sort_date
       FROM jobs ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY coalesce(posted_at, '0001-01-01') DESC, job_id ASC
       LIMIT ${limit + 1}`,
      params
    )
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    const nextCursor = rows.length > limit && last ? encodeCursor(String(last.sort_date), String(last.job_id)) : null
    return { items: yield* listingsOf(page), nextCursor } satisfies JobsPage
  })

/** SQL conditions for the query; every user value is a bound parameter. */
const filters = (query: JobsQueryType) =>
  Effect.gen(function* () {
    const where: Array<string> = []
    const params: Array<unknown> = []
    const bind = (value: unknown) => `$${params.push(value)}`
    if (query.q)
      where.push(
        `to_tsvector('english', title || ' ' || company || ' ' || description) @@ websearch_to_tsquery('english', ${bind(query.q)})`
      )
    if (query.company) where.push(`company ILIKE ${bind(`%${escapeLike(query.company)}%`)}`)
    if (query.location)
      where.push(`EXISTS (SELECT 1 FROM unnest(locations) AS l WHERE l ILIKE ${bind(`%${escapeLike(query.location)}%`)})`)
    if (query.source) {
      const source = bind(query.source)
      where.push(`(source = ${source} OR EXISTS (SELECT 1 FROM job_duplicates d WHERE d.duplicate_of = jobs.job_id AND d.source = ${source}))`)
    }
    if (query.remote !== undefined) where.push(`remote = ${bind(query.remote)}`)
    if (query.employmentType) where.push(`employment_type = ${bind(query.employmentType)}`)
    if (query.postedSince) where.push(`posted_at >= ${bind(query.postedSince)}::date`)
    if (query.salaryMin !== undefined) where.push(`coalesce(salary_max, salary_min) >= ${bind(query.salaryMin)}`)
    const status = query.status ?? "open"
    if (status !== "all") where.push(status === "open" ? "closed_at IS NULL" : "closed_at IS NOT NULL")
    if (query.cursor) {
      const cursor = yield* Either.match(decodeCursor(query.cursor), {
        onLeft: () => Effect.fail(new BadRequest({ message: "cursor is not one this API returned" })),
        onRight: Effect.succeed
      })
      const date = bind(cursor.date)
      where.push(
        `(coalesce(posted_at, '0001-01-01') < ${date}::date OR (coalesce(posted_at, '0001-01-01') = ${date}::date AND job_id > ${bind(cursor.id)}))`
      )
    }
    return { where, params }
  })

const CursorJson = Schema.parseJson(Schema.Struct({ date: CalendarDate, id: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)) }))

const encodeCursor = (date: string, id: string) =>
  Buffer.from(Schema.encodeSync(CursorJson)({ date, id })).toString("base64url")

const decodeCursor = (cursor: string) =>
  Schema.decodeUnknownEither(CursorJson)(Buffer.from(cursor, "base64url").toString("utf8"))

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)
