import http from "node:http"
import type { AddressInfo } from "node:net"
import { Duration, Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isInternal, newSecret, postWebhook, signature } from "./webhook.js"

let server: http.Server
let last: http.IncomingHttpHeaders = {}
let status = 204
beforeAll(async () => {
  server = http.createServer((request, response) => {
    last = request.headers
    request.resume()
    request.on("end", () => {
      if (status === 0) return // never answers
      response.writeHead(status, status === 302 ? { location: "http://127.0.0.1:1/elsewhere" } : {}).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
const open = { timeout: Duration.millis(500), allowInternal: true }

describe("webhook deliveries", () => {
  it("signs id, timestamp and body with the secret", () => {
    const secret = newSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    const a = signature(secret, "n1", 1700000000, '{"a":1}')
    expect(a).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    expect(signature(secret, "n1", 1700000000, '{"a":2}')).not.toBe(a)
    expect(signature(secret, "n1", 1700000001, '{"a":1}')).not.toBe(a)
    expect(signature(newSecret(), "n1", 1700000000, '{"a":1}')).not.toBe(a)
  })

  it("posts with the id and a signature the receiver can check", async () => {
    status = 204
    const secret = newSecret()
    await Effect.runPromise(postWebhook(open, url(), secret, "n-42", "{}"))
    expect(last["webhook-id"]).toBe("n-42")
    expect(last["webhook-signature"]).toBe(signature(secret, "n-42", Number(last["webhook-timestamp"]), "{}"))
  })

  it("fails on an error status, a redirect and silence, saying which", async () => {
    const reason = async () => {
      const result = await Effect.runPromise(Effect.either(postWebhook(open, url(), newSecret(), "n", "{}")))
      return Either.isLeft(result) ? result.left.reason : "delivered"
    }
    status = 500
    expect(await reason()).toBe("HTTP 500")
    status = 302
    expect(await reason()).toBe("HTTP 302 (redirects are not followed)")
    status = 0
    expect(await reason()).toContain("no answer within")
  })

  it("refuses internal addresses unless allowed", async () => {
    status = 204
    const closed = { ...open, allowInternal: false }
    const literal = await Effect.runPromise(Effect.either(postWebhook(closed, url(), newSecret(), "n", "{}")))
    expect(Either.isLeft(literal) && literal.left.reason).toContain("internal address")
    // A name that resolves to loopback is refused at connect time.
    const named = await Effect.runPromise(
      Effect.either(postWebhook(closed, url().replace("127.0.0.1", "localhost"), newSecret(), "n", "{}"))
    )
    expect(Either.isLeft(named) && named.left.reason).toContain("internal address")
  })

  it("knows internal ranges from public ones", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"])
      expect(isInternal(a), a).toBe(true)
    for (const a of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"]) expect(isInternal(a), a).toBe(false)
  })
})
