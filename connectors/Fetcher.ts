import { Clock, Data, Duration, Effect, Either, Schedule } from "effect"
import { backoff, Politeness, retryAfterMs, type DailyLimitReached, type RatePolicy, type RetryPolicy } from "./Politeness.js"

/** One HTTP exchange as the crawler saw it, after any retries. */
export interface Fetched {
  readonly status: number
  readonly body: string
  readonly etag: string | undefined
  readonly lastModified: string | undefined
  /** Attempts made, the successful one included. */
  readonly attempts: number
  readonly seconds: number
}

/** Every attempt, for metrics and connector events: `status` is the HTTP status or `network` / `timeout`. */
export interface Attempt {
  readonly url: string
  readonly attempt: number
  readonly status: string
  readonly seconds: number
  /** Why it is retried (`throttled`, `server`, `network`), when it is. */
  readonly retry?: "throttled" | "server" | "network"
}

/** A request that failed for good: a status that retrying cannot fix, or attempts exhausted. */
export class FetchFailed extends Data.TaggedError("FetchFailed")<{
  readonly url: string
  readonly status: string
  readonly attempts: number
  readonly detail: string
}> {
  override get message() {
    return `${this.url}: ${this.detail}`
  }
}

/** An attempt another may fix (408, 425, 429, 5xx, no answer); `failed` is how the request ends if it was the last. */
class Retryable extends Data.TaggedError("Retryable")<{
  readonly last: boolean
  /** The server asked for a pause, and the host's next slot waits for it: no backoff on top. */
  readonly retryAfter: boolean
  readonly failed: FetchFailed
}> {}

export interface FetchInput {
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  /** Validators of the last full answer, for a conditional request. */
  readonly etag?: string | undefined
  readonly lastModified?: string | undefined
  /** The URL as it may be shown (credentials masked): used in errors. */
  readonly shownUrl: string
}

/** Largest body read; a bigger answer fails the request rather than filling memory. */
const maxBodyBytes = 50 * 1024 * 1024

/**
 * GETs `input.url` politely: waits for the host's slot, retries 408/425/429/5xx and network failures with
 * exponential backoff (full jitter, `backoff`), and on 429/503 waits the `Retry-After` the server asks for, pausing
 * the whole host. 304 is a success (the caller reuses what it kept). Any other 4xx fails at once. Every attempt is
 * handed to `onAttempt`, with `retry` set when another follows.
 */
export const fetchPolitely = (
  input: FetchInput,
  rate: RatePolicy,
  retry: RetryPolicy,
  onAttempt: (attempt: Attempt) => Effect.Effect<void>
): Effect.Effect<Fetched, FetchFailed | DailyLimitReached, Politeness> =>
  Effect.gen(function* () {
    const politeness = yield* Politeness
    const host = new URL(input.url).host
    const headers: Record<string, string> = {
      "user-agent": "jobstream/0.1 (+https://github.com/jobstream/jobstream)",
      accept: "application/json, application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
      ...input.headers
    }
    if (input.etag !== undefined) headers["if-none-match"] = input.etag
    if (input.lastModified !== undefined) headers["if-modified-since"] = input.lastModified
    const fail = (attempt: number, status: string, detail: string) =>
      new FetchFailed({ url: input.shownUrl, status, attempts: attempt, detail })

    const send = (attempt: number) =>
      Effect.gen(function* () {
        yield* politeness.slot(host, rate)
        const started = yield* Clock.currentTimeNanos
        /** Hands the attempt to `onAttempt`; its seconds, from the slot to now. */
        const report = (status: string, retried?: Attempt["retry"]) =>
          Effect.flatMap(Clock.currentTimeNanos, (now) => {
            const seconds = Number(now - started) / 1e9
            return Effect.as(
              onAttempt({ url: input.shownUrl, attempt, status, seconds, ...(retried === undefined ? {} : { retry: retried }) }),
              seconds
            )
          })
        const last = attempt >= retry.attempts
        /** A failure another attempt may fix: reported as retried unless it was the last attempt. */
        const retryLater = (status: string, reason: NonNullable<Attempt["retry"]>, detail: string, retryAfter = false) =>
          Effect.zipRight(
            report(status, last ? undefined : reason),
            Effect.fail(new Retryable({ last, retryAfter, failed: fail(attempt, status, detail) }))
          )

        const answer = yield* Effect.either(
          Effect.tryPromise({ try: () => get(input, headers, retry.timeoutMs), catch: (error) => error })
        )
        if (Either.isLeft(answer)) {
          const error = answer.left
          const status = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network"
          const detail = error instanceof Error ? error.message : String(error)
          if (!(error instanceof Error) || error.name === "BodyTooLarge")
            return yield* Effect.zipRight(report(status), Effect.fail(fail(attempt, status, detail)))
          return yield* retryLater(status, "network", detail)
        }
        const { response, body } = answer.right
        const status = String(response.status)
        if (response.ok || response.status === 304) {
          const seconds = yield* report(status)
          return {
            status: response.status,
            body,
            etag: response.headers.get("etag") ?? undefined,
            lastModified: response.headers.get("last-modified") ?? undefined,
            attempts: attempt,
            seconds
          } satisfies Fetched
        }
        if (!retryable(response.status))
          return yield* Effect.zipRight(report(status), Effect.fail(fail(attempt, status, `HTTP ${status}, not retried`)))
        const reason = response.status === 429 ? "throttled" : "server"
        const asked = retryAfterMs(response.headers.get("retry-after"), yield* Clock.currentTimeMillis)
        if (asked === undefined) return yield* retryLater(status, reason, `HTTP ${status} after ${attempt} attempts`)
        if (asked > retry.maxRetryAfterMs) {
          const detail = `HTTP ${status} asks to wait ${Math.round(asked / 1000)} s, longer than allowed`
          return yield* Effect.zipRight(report(status), Effect.fail(fail(attempt, status, detail)))
        }
        yield* politeness.pause(host, asked)
        return yield* retryLater(status, reason, `HTTP ${status} after ${attempt} attempts`, true)
      })

    // No backoff after a Retry-After: the host's next slot holds the request back already.
    const pauses = Schedule.passthrough<Duration.Duration, Retryable | FetchFailed | DailyLimitReached, never>(backoff(retry)).pipe(
      Schedule.modifyDelay((error, delay) => (error._tag === "Retryable" && error.retryAfter ? Duration.zero : delay))
    )
    let attempts = 0
    return yield* Effect.suspend(() => send(++attempts)).pipe(
      Effect.retry({ schedule: pauses, while: (error) => error._tag === "Retryable" && !error.last }),
      Effect.catchTag("Retryable", (error) => Effect.fail(error.failed))
    )
  })

/**
 * One GET within `timeoutMs`, with the body of a success (any other body is dropped; a 304 has none). Rejects when
 * no whole answer came in time, or the body is larger than `maxBodyBytes`.
 */
const get = async (input: FetchInput, headers: Record<string, string>, timeoutMs: number) => {
  const response = await fetch(input.url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" })
  if (response.ok) return { response, body: await readBody(response, input.shownUrl) }
  if (response.status !== 304) await response.body?.cancel()
  return { response, body: "" }
}

const retryable = (status: number): boolean => status === 408 || status === 425 || status === 429 || status >= 500

/** The body as UTF-8 text, refusing more than `maxBodyBytes` whatever Content-Length says. */
const readBody = async (response: Response, shownUrl: string): Promise<string> => {
  const declared = Number(response.headers.get("content-length") ?? "0")
  if (declared > maxBodyBytes) {
    await response.body?.cancel()
    throw bodyTooLarge(shownUrl)
  }
  const chunks: Array<Uint8Array> = []
  let size = 0
  const reader = response.body?.getReader()
  for (let read = await reader?.read(); read !== undefined && !read.done; read = await reader?.read()) {
    size += read.value.byteLength
    if (size > maxBodyBytes) {
      await reader?.cancel()
      throw bodyTooLarge(shownUrl)
    }
    chunks.push(read.value)
  }
  return Buffer.concat(chunks).toString("utf8")
}

const bodyTooLarge = (shownUrl: string) =>
  Object.assign(new Error(`${shownUrl}: the answer is larger than ${maxBodyBytes / 1024 / 1024} MB`), { name: "BodyTooLarge" })
