import { Cause, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as Drafts from "../processors/drafts.js"
import * as Followups from "../processors/followups.js"
import { deadLetter } from "../schemas/Envelope.js"
import * as ClickHouse from "../stack/ClickHouse.js"
import * as Postgres from "../stack/Postgres.js"
import { StageMonitor } from "../stack/StageMonitor.js"
import { unreachableKafka } from "../stack/testing.js"
import { makeApi } from "./api.js"
import * as Applications from "./Applications.js"
import * as DeskHub from "./DeskHub.js"
import { JobSearch } from "./JobSearch.js"
import * as ReviewDesk from "./ReviewDesk.js"
import * as Seekers from "./Seekers.js"
import * as Staff from "./Staff.js"

/**
 * Known secrets set where secrets live (the database passwords, the scraper's token, the keys clients send), then
 * every way the API can fail: the stores down (503s, logged with their causes), refused keys, a wrong token, bad
 * bodies. No secret may appear in a log line, an answer's body or headers, or a dead letter built from a failure.
 */

const secrets = {
  postgres: "pg-pass-Zq81sLk0",
  clickhouse: "ch-pass-Vt55aPq3",
  scraper: "scrape-tok-Mm20xYc9",
  seekerKey: "jsk_probe-Rr67wNd4",
  staffKey: "jst_probe-Hh12kBz8"
}

const logged: Array<string> = []
const capture = Logger.make(({ logLevel, message, cause, annotations }) => {
  logged.push(`${logLevel.label} ${String(message)} ${Cause.pretty(cause)} ${JSON.stringify([...annotations])}`)
})
// Stores that refuse every connection, reached with the secret passwords.
const stores = Layer.mergeAll(
  unreachableKafka(),
  Postgres.layer({ url: Redacted.make(`postgres://jobstream:${secrets.postgres}@127.0.0.1:1/jobstream`), maxConnections: 1 }),
  ClickHouse.layer({ url: "http://127.0.0.1:1", database: "jobstream", username: "default", password: Redacted.make(secrets.clickhouse) })
)
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.provideMerge(Layer.mergeAll(Seekers.layer, Applications.layer, Staff.layer, ReviewDesk.layer, DeskHub.layer), stores),
    Layer.succeed(JobSearch, JobSearch.of({ search: () => Effect.die(new Error("not used by this test")) })),
    Followups.layerTemplate,
    Drafts.layerTemplate,
    StageMonitor.layer,
    Logger.replace(Logger.defaultLogger, capture)
  )
)
afterAll(() => runtime.dispose())

describe("secrets stay out of logs, answers and dead letters", () => {
  it("never shows a secret, whatever fails", async () => {
    process.env.JOBSTREAM_METRICS_TOKEN = secrets.scraper
    const answers: Array<string> = []
    try {
      const api = makeApi(await runtime.runtime())
      const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
      const calls = [
        { method: "GET", url: "/jobs?limit=1" },
        { method: "POST", url: "/seekers", payload: { name: "Secret Keeper" } },
        { method: "GET", url: "/seekers/me/matches", headers: bearer(secrets.seekerKey) },
        { method: "PUT", url: "/seekers/me/preferences", headers: bearer(secrets.seekerKey), payload: { remote: "sometimes" } },
        { method: "GET", url: "/kpis/decisions", headers: bearer(secrets.staffKey) },
        { method: "GET", url: "/desk/status", headers: { "x-api-key": secrets.staffKey } },
        { method: "GET", url: "/metrics", headers: bearer(`${secrets.scraper}x`) },
        { method: "GET", url: "/metrics", headers: bearer(secrets.scraper) },
        { method: "GET", url: "/healthz" }
      ] as const
      for (const call of calls) {
        const response = await api.inject(call)
        answers.push(`${call.method} ${call.url} ${response.statusCode} ${JSON.stringify(response.headers)} ${response.body}`)
      }
      await api.close()
    } finally {
      delete process.env.JOBSTREAM_METRICS_TOKEN
    }
    // The failures did happen (and were logged with their causes): the search below is over real failures.
    expect(answers.filter((a) => / 503 /.test(a)).length).toBeGreaterThanOrEqual(3)
    expect(logged.some((l) => /PostgreSQL/.test(l))).toBe(true)

    const failure = logged.find((l) => /PostgreSQL connect/.test(l)) ?? ""
    const letter = deadLetter("score", failure, { topic: "jobs.unique", key: "k", value: Buffer.from("{}"), headers: {}, partition: 0, offset: 1, timestamp: 0 })
    const everything = [...logged, ...answers, JSON.stringify(letter.headers)].join("\n")
    for (const [name, secret] of Object.entries(secrets)) expect(everything.includes(secret), name).toBe(false)
  })
})
