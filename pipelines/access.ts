import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify"
import { createHash, timingSafeEqual } from "node:crypto"
import { Config, Effect, Either, Option, Redacted } from "effect"
import { apiKeyOf, seekerOf, staffMemberOf } from "./apiKeys.js"
import { Forbidden } from "./httpErrors.js"
import type { FailedAuthentications } from "./rateLimits.js"
import { type Seekers, Unauthorized } from "./Seekers.js"
import type { Staff, StaffRole } from "./Staff.js"

/**
 * Who may call each route, declared on the route itself (`config: { access }`) and enforced in one place.
 *
 * - `"public"`: anyone (health probes, the job listing, sign-up, the dashboard's static files).
 * - A list of roles: the metrics scraper (a token from the environment, so that scrapes go on while PostgreSQL
 *   is down), a seeker (their own key; the handler checks the `:seekerId` is theirs), a reviewer, an ops
 *   admin. The key is checked here, before anything of the request is read: 401 without a key or for one nobody
 *   has (or a revoked one), 403 for a staff key of another role. The handler gets the same caller again without
 *   a second lookup (`seekerOf` and `staffMemberOf` remember it per request). A refused key counts against the
 *   client's address; too many and the address is refused (429) before its keys are looked at (rateLimits.ts).
 *   WebSocket routes authenticate with the socket's first message (browsers cannot set headers on a socket), so
 *   only their declaration is checked here.
 *
 * A route registered without a declaration throws at registration: the server does not start with an open route
 * nobody decided on. `app.routeAccess` lists every route with its access, for the tests that walk it.
 */

/** `scraper`: the metrics scraper, with the token `JOBSTREAM_METRICS_TOKEN` sets (checked without PostgreSQL). */
export type Role = "seeker" | StaffRole | "scraper"
export type Access = "public" | ReadonlyArray<Role>

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyInstance {
    /** Every route registered, with its access (filled by `enforceAccess`). */
    routeAccess: ReadonlyArray<RouteAccess>
  }
}

/** The declaration of a route for seekers alone, each for their own data. */
export const seekerOnly = { access: ["seeker"] } as const satisfies { readonly access: Access }

export interface RouteAccess {
  readonly method: string
  readonly url: string
  readonly access: Access
  readonly websocket: boolean
}

/**
 * Whether the request's key is one of `access`'s: a seeker's (when seekers may call), else a staff member's of an
 * allowed role. 401 for a key nobody has, 403 for a staff key of another role; an outage fails as itself (503).
 */
const admit = (request: FastifyRequest, access: ReadonlyArray<Role>, scrapeToken: Option.Option<Redacted.Redacted>) =>
  Effect.gen(function* () {
    if (access.includes("scraper") && Option.isSome(scrapeToken) && sameSecret(apiKeyOf(request) ?? "", Redacted.value(scrapeToken.value))) return
    if (access.includes("seeker")) {
      const seeker = yield* Effect.either(seekerOf(request))
      if (Either.isRight(seeker)) return
      if (seeker.left._tag !== "Unauthorized") return yield* seeker.left
    }
    const member = yield* staffMemberOf(request)
    if (!(access as ReadonlyArray<string>).includes(member.role))
      return yield* new Forbidden({ message: `this route needs a key of: ${access.join(", ")}` })
  })

/** Compares two secrets in constant time (their SHA-256, so that their lengths tell nothing either). */
const sameSecret = (given: string, expected: string) =>
  timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest())

/** The metrics scraper's token: without it, only staff keys read `/metrics`. */
export const scrapeTokenConfig = Config.option(Config.redacted("JOBSTREAM_METRICS_TOKEN"))

/**
 * Declares and enforces access on every route `app` registers from now on (call it before any route). The route
 * table, filled as routes are registered, is `app.routeAccess`.
 */
export const enforceAccess = (
  app: FastifyInstance,
  run: <A, E>(effect: Effect.Effect<A, E, Staff | Seekers>) => Promise<A>,
  options: {
    readonly failures: FailedAuthentications
    readonly scrapeToken?: Option.Option<Redacted.Redacted>
    /** Where a plugin's own routes, which cannot declare, are public (the API's documentation). */
    readonly publicPrefixes?: ReadonlyArray<string>
  }
): void => {
  const { failures, scrapeToken = Option.none(), publicPrefixes = [] } = options
  const table: Array<RouteAccess> = []
  app.decorate("routeAccess", table)
  app.addHook("onRoute", (route: RouteOptions) => {
    const access = route.config?.access ?? (publicPrefixes.some((prefix) => route.url.startsWith(prefix)) ? "public" : undefined)
    const methods = ([] as Array<string>).concat(route.method)
    if (access === undefined) throw new Error(`${methods.join(",")} ${route.url}: no access declared (config.access)`)
    const websocket = (route as RouteOptions & { websocket?: boolean }).websocket === true
    for (const method of methods) table.push({ method, url: route.url, access, websocket })
    if (access === "public" || websocket) return
    const check = async (request: FastifyRequest, reply: FastifyReply) => {
      if (apiKeyOf(request) === undefined) throw new Unauthorized({ message: `this route needs a key of: ${access.join(", ")}` })
      failures.refuseIfLocked(request, reply)
      try {
        await run(admit(request, access, scrapeToken))
      } catch (error) {
        if ((error as { _tag?: unknown })._tag === "Unauthorized") failures.recordFailure(request)
        throw error
      }
    }
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [check, ...own]
  })
}
