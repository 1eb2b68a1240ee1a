import { Clock, Context, Data, Duration, Effect, Layer, Random, Schedule } from "effect"

/**
 * How a connector treats the sites it reads: a request rate per host, retries with backoff, `Retry-After`
 * honoured, and a circuit breaker per source. The state (each host's next free slot and daily count, each
 * source's breaker) lives as long as the process, so scheduled runs of one source share it.
 */
export interface RatePolicy {
  /** Requests a minute to one host; requests are spaced evenly (60 a minute = one a second). */
  readonly perMinute: number
  /** Requests a UTC day to one host, when the source caps it (Adzuna's free tier: 250). */
  readonly perDay?: number
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  readonly attempts: number
  /** First backoff; doubled each attempt, with full jitter, up to `maxDelayMs`. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** A longer `Retry-After` than this is not waited for: the request fails and the crawl is incomplete. */
  readonly maxRetryAfterMs: number
  readonly timeoutMs: number
}

export interface BreakerPolicy {
  /** Requests in a row that failed after all their attempts: the breaker opens. */
  readonly failures: number
  /** How long an open breaker refuses requests before one trial request may go. */
  readonly cooldownMs: number
}

export const defaultRetry: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
  timeoutMs: 30_000
}

export const defaultBreaker: BreakerPolicy = { failures: 5, cooldownMs: 10 * 60_000 }

/** The source's breaker is open: nothing is requested until its cooldown ends. */
export class BreakerOpen extends Data.TaggedError("BreakerOpen")<{ readonly source: string; readonly until: Date }> {
  override get message() {
    return `${this.source}: circuit breaker open until ${this.until.toISOString()} after repeated failures`
  }
}

/** The host's daily quota is spent: the crawl stops, and resumes the next UTC day. */
export class DailyLimitReached extends Data.TaggedError("DailyLimitReached")<{
  readonly host: string
  readonly limit: number
}> {
  override get message() {
    return `${this.host}: the daily limit of ${this.limit} requests is reached`
  }
}

interface HostState {
  /** Earliest time the next request may start. */
  nextAt: number
  day: string
  today: number
}

interface BreakerState {
  failures: number
  openUntil: number
}

export class Politeness extends Context.Tag("jobstream/Politeness")<
  Politeness,
  {
    /** Waits for the host's next slot; fails when its daily quota is spent. */
    readonly slot: (host: string, rate: RatePolicy) => Effect.Effect<void, DailyLimitReached>
    /** Nobody may request from the host before `ms` from now (a 429's `Retry-After`). */
    readonly pause: (host: string, ms: number) => Effect.Effect<void>
    /** Fails with BreakerOpen while the source's breaker is open. */
    readonly checkBreaker: (source: string) => Effect.Effect<void, BreakerOpen>
    /** Records a request's final outcome; true when this failure opened the breaker. */
    readonly settle: (source: string, ok: boolean, policy: BreakerPolicy) => Effect.Effect<boolean>
    readonly breakerOpen: (source: string) => Effect.Effect<boolean>
  }
>() {}

/**
 * A fresh set of hosts and breakers. Time is Effect's `Clock`, so tests move it with `TestClock`. Each method reads
 * the clock once and then updates its state in one synchronous step: no other fiber runs in between, so concurrent
 * callers each claim their own slot.
 */
export const make: Effect.Effect<Politeness["Type"]> = Effect.sync(() => {
  const hosts = new Map<string, HostState>()
  const breakers = new Map<string, BreakerState>()
  const hostOf = (host: string): HostState => {
    let state = hosts.get(host)
    if (state === undefined) hosts.set(host, (state = { nextAt: 0, day: "", today: 0 }))
    return state
  }
  return Politeness.of({
    slot: (host, rate) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const state = hostOf(host)
        const day = new Date(now).toISOString().slice(0, 10)
        if (state.day !== day) Object.assign(state, { day, today: 0 })
        if (rate.perDay !== undefined && state.today >= rate.perDay)
          return Effect.fail(new DailyLimitReached({ host, limit: rate.perDay }))
        state.today += 1
        // Claim the slot before waiting, so concurrent callers queue one interval apart.
        const at = Math.max(now, state.nextAt)
        state.nextAt = at + 60_000 / rate.perMinute
        return at > now ? Effect.sleep(Duration.millis(at - now)) : Effect.void
      }),
    pause: (host, ms) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const state = hostOf(host)
        state.nextAt = Math.max(state.nextAt, now + ms)
      }),
    checkBreaker: (source) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const state = breakers.get(source)
        return state !== undefined && state.openUntil > now
          ? Effect.fail(new BreakerOpen({ source, until: new Date(state.openUntil) }))
          : Effect.void
      }),
    settle: (source, ok, policy) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const state = breakers.get(source) ?? { failures: 0, openUntil: 0 }
        breakers.set(source, state)
        if (ok) {
          Object.assign(state, { failures: 0, openUntil: 0 })
          return false
        }
        state.failures += 1
        // Half-open: after the cooldown one trial request goes; its failure opens the breaker again at once.
        if (state.failures < policy.failures && state.openUntil === 0) return false
        state.openUntil = now + policy.cooldownMs
        return true
      }),
    breakerOpen: (source) => Effect.map(Clock.currentTimeMillis, (now) => (breakers.get(source)?.openUntil ?? 0) > now)
  })
})

export const layer = Layer.effect(Politeness, make)

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), or undefined when absent or unreadable. */
export const retryAfterMs = (header: string | null, now = Date.now()): number | undefined => {
  if (header === null || header.trim() === "") return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  // An HTTP date names its day and month; Date.parse alone would take "-5" for a year.
  if (!/[a-z]{3}/i.test(value)) return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * The pauses between a request's attempts: exponential backoff with full jitter, uniformly random (Effect's
 * `Random`) in [0, min(max, base·2^(n-1))] before the n-th retry. Full jitter spreads the retries of many requests
 * that failed together instead of sending them back at once.
 */
export const backoff = (policy: RetryPolicy): Schedule.Schedule<Duration.Duration> =>
  Schedule.exponential(Duration.millis(policy.baseDelayMs)).pipe(
    Schedule.modifyDelayEffect((_, delay) =>
      Effect.map(Random.next, (r) => Duration.millis(Math.round(r * Math.min(policy.maxDelayMs, Duration.toMillis(delay)))))
    )
  )
