import { backoffMs, retryAfterMs, type RatePolicy, type RetryPolicy } from "./Politeness.js"
import type { Politeness } from "./Politeness.js"

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
export class FetchFailed extends Error {
  constructor(
    readonly url: string,
    readonly status: string,
    readonly attempts: number,
    detail: string
  ) {
    super(`${url}: ${detail}`)
  }
}

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
 * exponential backoff (full jitter), and on 429/503 waits the `Retry-After` the server asks for, pausing the
 * whole host. 304 is a success (the caller reuses what it kept). Any other 4xx fails at once. Never throws
 * anything but FetchFailed, BreakerOpen or DailyLimitReached.
 */
export const fetchPolitely = async (
  input: FetchInput,
  politeness: Politeness["Type"],
  rate: RatePolicy,
  retry: RetryPolicy,
  onAttempt: (attempt: Attempt) => void
): Promise<Fetched> => {
  const host = new URL(input.url).host
  const headers: Record<string, string> = {
    "user-agent": "jobstream/0.1 (+https://github.com/jobstream/jobstream)",
    accept: "application/json, application/rss+xml, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
    ...input.headers
  }
  if (input.etag !== undefined) headers["if-none-match"] = input.etag
  if (input.lastModified !== undefined) headers["if-modified-since"] = input.lastModified
  for (let attempt = 1; ; attempt++) {
    await politeness.slot(host, rate)
    const started = performance.now()
    const seconds = () => (performance.now() - started) / 1000
    let status: string
    let wait: number | undefined
    let reason: Attempt["retry"]
    try {
      const response = await fetch(input.url, { headers, signal: AbortSignal.timeout(retry.timeoutMs), redirect: "follow" })
      status = String(response.status)
      if (response.ok || response.status === 304) {
        const body = response.status === 304 ? "" : await readBody(response, input.shownUrl)
        const took = seconds()
        onAttempt({ url: input.shownUrl, attempt, status, seconds: took })
        return {
          status: response.status,
          body,
          etag: response.headers.get("etag") ?? undefined,
          lastModified: response.headers.get("last-modified") ?? undefined,
          attempts: attempt,
          seconds: took
        }
      }
      await response.body?.cancel()
      if (!retryable(response.status)) {
        onAttempt({ url: input.shownUrl, attempt, status, seconds: seconds() })
        throw new FetchFailed(input.shownUrl, status, attempt, `HTTP ${status}, not retried`)
      }
      reason = response.status === 429 ? "throttled" : "server"
      const asked = retryAfterMs(response.headers.get("retry-after"))
      if (asked !== undefined) {
        if (asked > retry.maxRetryAfterMs) {
          onAttempt({ url: input.shownUrl, attempt, status, seconds: seconds() })
          throw new FetchFailed(input.shownUrl, status, attempt, `HTTP ${status} asks to wait ${Math.round(asked / 1000)} s, longer than allowed`)
        }
        politeness.pause(host, asked)
        wait = 0
      }
    } catch (error) {
      if (error instanceof FetchFailed) throw error
      status = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network"
      reason = "network"
      if (attempt >= retry.attempts || !(error instanceof Error) || error.name === "BodyTooLarge") {
        onAttempt({ url: input.shownUrl, attempt, status, seconds: seconds() })
        throw new FetchFailed(input.shownUrl, status, attempt, error instanceof Error ? error.message : String(error))
      }
    }
    const last = attempt >= retry.attempts
    onAttempt({ url: input.shownUrl, attempt, status, seconds: seconds(), ...(last ? {} : { retry: reason }) })
    if (last) throw new FetchFailed(input.shownUrl, status, attempt, `HTTP ${status} after ${attempt} attempts`)
    const delay = wait ?? backoffMs(attempt, retry)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
  }
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
