import { createHmac, randomBytes } from "node:crypto"
import { lookup } from "node:dns"
import http from "node:http"
import https from "node:https"
import { isIP, type LookupFunction } from "node:net"
import { Data, Duration, Effect } from "effect"

/**
 * Webhook deliveries, signed the way the Standard Webhooks specification describes: headers `webhook-id` (the
 * notification id, the same on every attempt, so a receiver drops a repeat), `webhook-timestamp` (seconds) and
 * `webhook-signature`, `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the seeker's secret.
 */
export class WebhookError extends Data.TaggedError("WebhookError")<{ readonly reason: string }> {
  override get message() {
    return `webhook not delivered: ${this.reason}`
  }
}

/** A new signing secret: `whsec_` and 24 random bytes in base64, as the specification writes them. */
export const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`

export const signature = (secret: string, id: string, timestamp: number, body: string) =>
  `v1,${createHmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64")).update(`${id}.${timestamp}.${body}`).digest("base64")}`

/** Loopback, private, link-local, shared, multicast and unspecified addresses: places a seeker's URL must not reach. */
export const isInternal = (address: string): boolean => {
  if (isIP(address) === 4) {
    const [a, b] = address.split(".").map(Number) as [number, number]
    return a === 0 || a === 10 || a === 127 || a >= 224 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
  }
  const v6 = address.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6)
  if (mapped) return isInternal(mapped[1]!)
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith("ff")
}

/**
 * Resolves like the default, and refuses an internal address, checked on the address the socket then connects to
 * (a name that resolves differently on a second look gains nothing).
 */
const guardedLookup: LookupFunction = (hostname, options, callback) =>
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0)
    const list = addresses as unknown as Array<{ address: string; family: number }>
    const bad = list.find((a) => isInternal(a.address))
    if (bad !== undefined) return callback(new Error(`${hostname} resolves to ${bad.address}, an internal address`), "", 0)
    if (options.all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list)
    return callback(null, list[0]!.address, list[0]!.family)
  })

export interface WebhookSettings {
  readonly timeout: Duration.Duration
  /** Whether URLs may reach loopback and private addresses: for tests and closed networks only. */
  readonly allowInternal: boolean
}

/**
 * POSTs one notification. A 2xx answer is delivery; anything else (another status, a redirect, no answer within
 * the timeout, an internal address) fails with the reason, for the notifier to retry or give up on.
 */
export const postWebhook = (settings: WebhookSettings, url: string, secret: string, id: string, body: string) =>
  Effect.async<void, WebhookError>((resume, signal) => {
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return resume(Effect.fail(new WebhookError({ reason: `not a URL: ${url}` })))
    }
    if (!settings.allowInternal && isIP(target.hostname.replace(/^\[|\]$/g, "")) !== 0 && isInternal(target.hostname.replace(/^\[|\]$/g, "")))
      return resume(Effect.fail(new WebhookError({ reason: `${target.hostname} is an internal address` })))
    const timestamp = Math.floor(Date.now() / 1000)
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "POST",
        signal,
        timeout: Duration.toMillis(settings.timeout),
        ...(settings.allowInternal ? {} : { lookup: guardedLookup }),
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "user-agent": "jobstream-webhooks",
          "webhook-id": id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signature(secret, id, timestamp, body)
        }
      },
      (response) => {
        // The answer's body is not read beyond what arrives: only the status counts.
        response.resume()
        const status = response.statusCode ?? 0
        if (status >= 200 && status < 300) resume(Effect.void)
        else resume(Effect.fail(new WebhookError({ reason: `HTTP ${status}${status >= 300 && status < 400 ? " (redirects are not followed)" : ""}` })))
      }
    )
    request.on("timeout", () => request.destroy(new Error(`no answer within ${Duration.format(settings.timeout)}`)))
    request.on("error", (e) => resume(Effect.fail(new WebhookError({ reason: e.message }))))
    request.end(body)
  }).pipe(
    // The socket timeout covers silence; this covers a receiver that trickles bytes forever.
    Effect.timeoutFail({
      duration: Duration.sum(settings.timeout, Duration.seconds(1)),
      onTimeout: () => new WebhookError({ reason: `no answer within ${Duration.format(settings.timeout)}` })
    })
  )
