import type { FastifyInstance, FastifyRequest } from "fastify"
import { Effect, Schema } from "effect"
import { Postgres } from "../stack/Postgres.js"
import { authenticatedStaff } from "./apiKeys.js"
import { decodeOr400 } from "./httpErrors.js"

/**
 * The audit log of the staff's actions (`staff_audit`, PostgreSQL migration 010): after each answer to a reviewer
 * or an ops admin, a row says who (staff id and role), what (method, route, the route's ids) and how it went
 * (status), for every change (anything but GET) and for every read of a person's data (routes declared with
 * `config.audit`: a resume, a seeker's contact). Bodies are never copied: the ids say what was touched.
 *
 * Written after the answer (a slow or failed write delays or fails nothing the caller waits for); a failed write
 * is logged as an error with the row, so the log still holds it. `GET /staff/audit?staffId=&limit=` reads it, for
 * ops keys.
 */

declare module "fastify" {
  interface FastifyContextConfig {
    /** Reads of a person's data: audited like a change. */
    audit?: boolean
  }
}

type Run = <A, E>(effect: Effect.Effect<A, E, Postgres>) => Promise<A>

const AuditQuery = Schema.Struct({
  staffId: Schema.optional(Schema.String.pipe(Schema.pattern(/^st_[0-9a-f-]{36}$/))),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 500)))
})

const AuditRow = Schema.Struct({
  at: Schema.DateFromSelf,
  staff_id: Schema.String,
  role: Schema.String,
  method: Schema.String,
  route: Schema.String,
  target: Schema.Record({ key: Schema.String, value: Schema.String }),
  status: Schema.Number
})

const record = (request: FastifyRequest, status: number) =>
  Effect.gen(function* () {
    const member = authenticatedStaff(request)
    if (member === undefined) return
    if (request.method === "GET" && request.routeOptions.config.audit !== true) return
    const db = yield* Postgres
    const target = JSON.stringify(request.params ?? {})
    yield* db
      .query(
        "INSERT INTO staff_audit (staff_id, role, method, route, target, status) VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
        [member.staffId, member.role, request.method, request.routeOptions.url ?? request.url, target, status]
      )
      .pipe(
        Effect.catchAll((e) =>
          Effect.logError(`staff audit row not written: ${member.staffId} ${request.method} ${request.routeOptions.url} ${target} ${status}`, e)
        )
      )
  })

/** Audits the staff's requests to `app`'s routes, and serves the log to ops keys. */
export const staffAudit = (app: FastifyInstance, run: Run) => {
  app.addHook("onResponse", async (request, reply) => {
    await run(record(request, reply.statusCode))
  })

  app.get("/staff/audit", { config: { access: ["ops"] } }, (request) =>
    run(
      Effect.gen(function* () {
        const query = yield* decodeOr400(AuditQuery, request.query)
        const db = yield* Postgres
        const rows = yield* db.rows(
          AuditRow,
          `SELECT at, staff_id, role, method, route, target, status FROM staff_audit
            WHERE ($1::text IS NULL OR staff_id = $1) ORDER BY audit_id DESC LIMIT $2`,
          [query.staffId ?? null, query.limit ?? 100]
        )
        return {
          items: rows.map((r) => ({
            at: r.at.toISOString(),
            staffId: r.staff_id,
            role: r.role,
            method: r.method,
            route: r.route,
            target: r.target,
            status: r.status
          }))
        }
      })
    )
  )
}
