import http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * Two webhook receivers for the suite's seekers, in the suite's process: one that answers 204 and counts each
 * notification id it accepted, and one that takes requests and never answers (the notifier must time out, disable
 * that webhook, and keep delivering everyone else's).
 */
export class WebhookReceivers {
  /** Notification id -> how many times the answering receiver accepted it. */
  readonly accepted = new Map<string, number>()
  private readonly answering = http.createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      const id = String(request.headers["webhook-id"])
      this.accepted.set(id, (this.accepted.get(id) ?? 0) + 1)
      response.writeHead(204).end()
    })
  })
  private readonly silent = http.createServer((request) => request.resume())

  async start() {
    await Promise.all([this.answering, this.silent].map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))))
  }

  get answeringUrl() {
    return `http://127.0.0.1:${(this.answering.address() as AddressInfo).port}/hook`
  }

  get silentUrl() {
    return `http://127.0.0.1:${(this.silent.address() as AddressInfo).port}/hook`
  }

  async close() {
    for (const server of [this.answering, this.silent]) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
