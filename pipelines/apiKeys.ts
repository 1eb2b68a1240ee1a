import type { FastifyRequest } from "fastify"
import { Effect } from "effect"
import { Forbidden } from "./httpErrors.js"
import { Seekers } from "./Seekers.js"
import { Staff, type StaffMember, type StaffRole } from "./Staff.js"

/** The key a request carries: `Authorization: Bearer <key>`, or `X-Api-Key`. */
export const apiKeyOf = (request: FastifyRequest): string | undefined => {
  const auth = request.headers.authorization
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim()
  const header = request.headers["x-api-key"]
  return typeof header === "string" ? header : undefined
}

/** Callers already authenticated for a request (by the access check), so a handler asking again costs nothing. */
const staffByRequest = new WeakMap<FastifyRequest, StaffMember>()
const seekerByRequest = new WeakMap<FastifyRequest, string>()

/** The staff member a request was authenticated as, if it was (for the audit, after the answer). */
export const authenticatedStaff = (request: FastifyRequest): StaffMember | undefined => staffByRequest.get(request)

/** The staff member the request's key belongs to (401 when it belongs to none). */
export const staffMemberOf = (request: FastifyRequest) => {
  const known = staffByRequest.get(request)
  if (known !== undefined) return Effect.succeed(known)
  return Effect.flatMap(Staff, (staff) => staff.authenticate(apiKeyOf(request))).pipe(Effect.tap((member) => staffByRequest.set(request, member)))
}

/** The staff member the request's key belongs to, when their role is one of `roles` (401 without one, 403 with another). */
export const staffOf = (request: FastifyRequest, roles: ReadonlyArray<StaffRole>) =>
  Effect.flatMap(staffMemberOf(request), (member) =>
    roles.includes(member.role) ? Effect.succeed(member) : new Forbidden({ message: `this route needs a key of: ${roles.join(", ")}` })
  )

/** The seeker the request's key belongs to (401 when it belongs to none). */
export const seekerOf = (request: FastifyRequest) => {
  const known = seekerByRequest.get(request)
  if (known !== undefined) return Effect.succeed(known)
  return Effect.flatMap(Seekers, (seekers) => seekers.authenticate(apiKeyOf(request))).pipe(Effect.tap((id) => seekerByRequest.set(request, id)))
}

/** Reads for the ops team (the KPIs, the review queue, the desk's status): any staff key, reviewer or ops. */
export const opsReader = ["ops", "reviewer"] as const satisfies ReadonlyArray<StaffRole>
