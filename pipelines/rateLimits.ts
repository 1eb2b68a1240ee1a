import rateLimit from "@fastify/rate-limit"
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify"
import { Config, Data } from "effect"

/**
 * How fast one client may call the routes an outsider can abuse, each answered `429` with `Retry-After` beyond
 * its limit (`@fastify/rate-limit`, in this process's memory: one API process per machine here):
 * - sign-up (`POST /seekers`), per address: 2,000 sign-ups in 3 s all succeeded before;
 * - resume uploads, per address: each is parsed and embedded (a PDF up to 10 s of a worker);
 * - search (`GET /jobs/search`), per address: each embeds its query;
 * - failed authentication, per address: after `failedAuth.max` refused keys within the window the address is
 *   refused (429) before its key is even looked at, until the window ends. 2,000 failed authentications in 1 s
 *   all went through before. A good key does not count.
 * Each limit is `max` requests per `windowMs`; the environment can change them (`JOBSTREAM_RATE_*`).
 */

export interface Limit {
  readonly max: number
  readonly windowMs: number
}

export interface RateLimits {
  readonly signup: Limit
  readonly uploads: Limit
  readonly search: Limit
  readonly failedAuth: Limit
}

const limit = (name: string, max: number, windowMs: number) =>
  Config.all({
    max: Config.integer(`JOBSTREAM_RATE_${name}_MAX`).pipe(Config.withDefault(max)),
    windowMs: Config.integer(`JOBSTREAM_RATE_${name}_WINDOW_MS`).pipe(Config.withDefault(windowMs))
  })

export const rateLimitsConfig: Config.Config<RateLimits> = Config.all({
  signup: limit("SIGNUP", 20, 60_000),
  uploads: limit("UPLOADS", 30, 60_000),
  search: limit("SEARCH", 120, 60_000),
  failedAuth: limit("FAILED_AUTH", 20, 60_000)
})

/** Too many requests from one client: try again after `retryAfterS` seconds (429, with `Retry-After`). */
export class TooManyRequests extends Data.TaggedError("TooManyRequests")<{ readonly message: string; readonly retryAfterS: number }> {}

/** A route's `config.rateLimit` for `limit`, per client address. */
export const perAddress = (l: Limit) => ({ max: l.max, timeWindow: l.windowMs })

/**
 * Registers the rate limiter on `app` (before any route: it reads each route's `config.rateLimit`; a route
 * without one is not limited).
 */
export const registerRateLimits = (app: FastifyInstance) =>
  app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequests({ message: `too many requests: retry in ${context.after}`, retryAfterS: Math.ceil(context.ttl / 1000) })
  })

export interface FailedAuthentications {
  /** Throws `TooManyRequests` (and sets `Retry-After`) while the request's address is locked out. */
  readonly refuseIfLocked: (request: FastifyRequest, reply: FastifyReply) => void
  readonly recordFailure: (request: FastifyRequest) => void
}

/**
 * Failed authentications per client address, in fixed windows: `refuseIfLocked` before a key is checked,
 * `recordFailure` after one was refused.
 */
export const failedAuthentications = (l: Limit): FailedAuthentications => {
  const windows = new Map<string, { start: number; failures: number }>()
  let swept = Date.now()
  const current = (address: string, now: number) => {
    const w = windows.get(address)
    if (w !== undefined && now - w.start < l.windowMs) return w
    windows.delete(address)
    return undefined
  }
  return {
    refuseIfLocked: (request: FastifyRequest, reply: FastifyReply) => {
      const now = Date.now()
      const w = current(request.ip, now)
      if (w === undefined || w.failures < l.max) return
      const retryAfterS = Math.ceil((w.start + l.windowMs - now) / 1000)
      reply.header("retry-after", String(retryAfterS))
      throw new TooManyRequests({ message: `too many failed authentications from this address: retry in ${retryAfterS} s`, retryAfterS })
    },
    recordFailure: (request: FastifyRequest) => {
      const now = Date.now()
      const w = current(request.ip, now)
      if (w !== undefined) w.failures += 1
      else windows.set(request.ip, { start: now, failures: 1 })
      // Ended windows go once a window: the map holds only the addresses that failed lately.
      if (now - swept >= l.windowMs) {
        swept = now
        for (const [address, other] of windows) if (now - other.start >= l.windowMs) windows.delete(address)
      }
    }
  }
}
