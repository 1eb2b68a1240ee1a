import { spawn, type ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { join } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jobIdOf } from "../schemas/Job.js"
import { encode, Topics } from "../schemas/Envelope.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { drained } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { testConfig } from "./testing.js"
import { dropNamespace, resetStores } from "../stack/testing.js"

const total = 4000
const config = testConfig()
const runtime = ManagedRuntime.make(config.layer)
const cli = join(import.meta.dirname, "cli.ts")
const children: Array<ChildProcess> = []

const posting = (i: number): RawPosting => {
  const company = `Restart Test Company ${i % 40}`
  const title = `Data Engineer ${i}`
  const payload = { "@type": "JobPosting", title, hiringOrganization: { name: company }, identifier: `R-${i}` }
  return {
    source: "restart-test",
    sourceType: "jsonld",
    externalId: `R-${i}`,
    url: `https://careers.example.org/jobs/${i}`,
    fetchedAt: new Date().toISOString(),
    contentHash: createHash("sha256").update(JSON.stringify(payload)).digest("hex"),
    fields: { title, company, description: `<p>Build pipelines. Posting ${i}.</p>`, locations: ["Berlin, Germany"] },
    payload
  }
}

/** The stream processors as a separate OS process, as in production. */
const startProcessors = () => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "process"], { env: config.env, stdio: "ignore" })
  children.push(child)
  return child
}

const jobsInPostgres = () =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<{ n: string }>("SELECT count(*) AS n FROM jobs"))).then(
    (rows) => Number(rows[0]?.n)
  )

describe("a pipeline process killed with SIGKILL mid-stream", () => {
  let countAtKill = 0

  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    const kafka = await runtime.runPromise(Kafka)
    for (let from = 0; from < total; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, total - from) }, (_, k) => encode(Topics.raw, posting(from + k)))
      await runtime.runPromise(kafka.send(batch))
    }

    const first = startProcessors()
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      countAtKill = await jobsInPostgres()
      if (countAtKill > 0) break
      await new Promise((r) => setTimeout(r, 20))
    }
    first.kill("SIGKILL")
    await once(first, "exit")

    const second = startProcessors()
    await runtime.runPromise(drained("180 seconds"))
    second.kill("SIGTERM")
    await once(second, "exit")
  })

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("was killed while postings were still flowing", () => {
    expect(countAtKill).toBeGreaterThan(0)
    expect(countAtKill).toBeLessThan(total)
  })

  it("loses no posting and duplicates none in PostgreSQL once restarted", async () => {
    const rows = await runtime.runPromise(
      Effect.flatMap(Postgres, (db) => db.query<{ job_id: string }>("SELECT job_id FROM jobs WHERE source = 'restart-test'"))
    )
    const expected = Array.from({ length: total }, (_, i) => jobIdOf("restart-test", `R-${i}`)).sort()
    expect(rows.map((r) => r.job_id).sort()).toEqual(expected)
  })

  it("counts every posting exactly once in ClickHouse, however often it was replayed", async () => {
    const [row] = await runtime.runPromise(
      Effect.flatMap(ClickHouse, (ch) =>
        ch.query<{ n: string; ids: string }>(
          "SELECT count() AS n, uniqExact(job_id) AS ids FROM pipeline_events FINAL WHERE event_type = 'unique'"
        )
      )
    )
    expect(Number(row?.n)).toBe(total)
    expect(Number(row?.ids)).toBe(total)
  })
})
