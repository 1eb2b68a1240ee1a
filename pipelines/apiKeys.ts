import type { FastifyRequest } from "fastify"
import { Effect } from "effect"
import { Forbidden } from "./httpErrors.js"
import { Staff, type StaffRole } from "./Staff.js"

/** The key a request carries: `Authorization: Bearer <key>`, or `X-Api-Key`. */
export const apiKeyOf = (request: FastifyRequest): string | undefined => {
  const auth = request.headers.authorization
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim()
  const header = request.headers["x-api-key"]
  return typeof header === "string" ? header : undefined
}

/** The staff member the request's key belongs to, when their role is one of `roles` (401 without one, 403 with another). */
export const staffOf = (request: FastifyRequest, roles: ReadonlyArray<StaffRole>) =>
  Effect.gen(function* () {
    const member = yield* Effect.flatMap(Staff, (staff) => staff.authenticate(apiKeyOf(request)))
    if (!roles.includes(member.role)) return yield* new Forbidden({ message: `this route needs a key of: ${roles.join(", ")}` })
    return member
  })

/** Reads for the ops team (the KPIs, the review queue, the desk's status): any staff key, reviewer or ops. */
export const opsReader = ["ops", "reviewer"] as const satisfies ReadonlyArray<StaffRole>

/**
 * A route hook (`onRequest`, so before any validation: a caller without a key learns nothing of the route's
 * inputs) that lets only staff of `roles` through.
 */
export const staffOnly =
  (run: <A, E>(effect: Effect.Effect<A, E, Staff>) => Promise<A>, roles: ReadonlyArray<StaffRole>) =>
  async (request: FastifyRequest) => {
    await run(staffOf(request, roles))
  }
