import { spawn, type ChildProcess } from "node:child_process"
import { createHash } from "node:crypto"
import { once } from "node:events"
import { join } from "node:path"
import { Duration, Effect, Fiber, ManagedRuntime, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeApi } from "./api.js"
import { drained, withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { Kafka } from "../stack/Kafka.js"
import { runStage } from "../stack/stage.js"
import { testConfig } from "./testing.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import type { JobCluster, JobsPage } from "../schemas/Api.js"
import { encode, Topics } from "../schemas/Envelope.js"
import type { RawPosting } from "../schemas/RawPosting.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { deduplicator } from "../processors/deduplicator.js"
import { jobIdOf } from "../schemas/Job.js"
import { cleanCompanyName } from "../processors/normalize/company.js"
import { normalizePosting } from "../processors/normalize/posting.js"
import { glassdoorRows, type GlassdoorRow } from "../processors/sampleData.js"

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const cli = join(import.meta.dirname, "cli.ts")
const children: Array<ChildProcess> = []

/** Real postings with distinct companies and descriptions, so that each is its own job. */
const originals = (n: number): Array<GlassdoorRow> => {
  const seen = new Set<string>()
  return glassdoorRows().filter((r) => {
    const company = cleanCompanyName(r.company)
    if (seen.has(company) || r.description.length < 1500) return false
    seen.add(company)
    return true
  }).slice(0, n)
}

const raw = (source: string, id: string, url: string, fields: RawPosting["fields"]): RawPosting => ({
  source,
  sourceType: "jsonld",
  externalId: id,
  url,
  fetchedAt: "2024-06-03T10:00:00.000Z",
  contentHash: createHash("sha256").update(JSON.stringify(fields)).digest("hex"),
  fields: { datePosted: "2024-06-01", ...fields },
  payload: fields
})

const original = (r: GlassdoorRow) =>
  raw("careers", `C-${r.row}`, `https://careers.example.org/jobs/${r.row}`, {
    title: r.title, company: r.company, description: r.description, locations: [r.location]
  })

/** Three copies of each original, each found by a different layer. */
const copies = (r: GlassdoorRow) => [
  raw("partner-feed", `P-${r.row}`, `https://careers.example.org/jobs/${r.row}?utm_source=partner&utm_medium=feed`, {
    title: r.title, company: r.company, description: r.description, locations: [r.location]
  }),
  raw("aggregator", `A-${r.row}`, `https://aggregator.example.net/view/${r.row}`, {
    title: `${r.title} (m/f/d)`, company: `${cleanCompanyName(r.company)}, Inc.`, description: r.description.slice(0, Math.floor(r.description.length * 0.85)), locations: [r.location]
  }),
  raw("agency", `S-${r.row}`, `https://staffing.example.com/jobs/${r.row}`, {
    title: r.title.split(/\s*[-–,]\s+/).reverse().join(" "),
    company: cleanCompanyName(r.company).toUpperCase(),
    description: `Our client is hiring through Talent Partners, a staffing agency.\n\n${r.description}\n\nApply through our portal.`,
    locations: []
  })
]

const startProcessors = () => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "process"], { env: config.env, stdio: "ignore" })
  children.push(child)
  return child
}

const query = <A extends object>(sql: string, params: Array<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<A>(sql, params)))

const waitFor = (sql: string, expected: number) =>
  runtime.runPromise(
    Effect.flatMap(Postgres, (db) => db.query<{ n: string }>(sql)).pipe(
      Effect.map((rows) => Number(rows[0]?.n)),
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(200)), until: (n) => n >= expected }),
      Effect.timeout("150 seconds")
    )
  )

const send = (postings: ReadonlyArray<RawPosting>) =>
  runtime.runPromise(Effect.flatMap(Kafka, (kafka) => kafka.send(postings.map((p) => encode(Topics.raw, p)))))

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("near-duplicates across a killed and restarted dedup consumer", () => {
  const rows = originals(20)

  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    const first = startProcessors()
    await send(rows.map(original))
    await waitFor("SELECT count(*) AS n FROM jobs WHERE source = 'careers'", rows.length)
    first.kill("SIGKILL")
    await once(first, "exit")

    const second = startProcessors()
    await send(rows.flatMap(copies))
    await runtime.runPromise(drained("150 seconds"))
    second.kill("SIGTERM")
    await once(second, "exit")
  })

  it("recognises every copy sent after the restart as a duplicate of the job seen before the kill", async () => {
    const found = await query<{ job_id: string; duplicate_of: string; reason: string }>(
      "SELECT job_id, duplicate_of, reason FROM job_duplicates ORDER BY job_id"
    )
    const expected = rows.flatMap((r) =>
      ["partner-feed:P", "aggregator:A", "agency:S"].map((s) => {
        const [source, prefix] = s.split(":")
        return { job_id: jobIdOf(source!, `${prefix}-${r.row}`), duplicate_of: jobIdOf("careers", `C-${r.row}`) }
      })
    )
    expect(found.map(({ job_id, duplicate_of }) => ({ job_id, duplicate_of }))).toEqual(
      expected.sort((a, b) => a.job_id.localeCompare(b.job_id))
    )
    const reasons = new Set(found.map((f) => f.reason))
    expect(reasons.has("canonical-url")).toBe(true)
    expect([...reasons].some((r) => r === "title-company-location" || r === "near-duplicate")).toBe(true)
    const [jobs] = await query<{ n: string }>("SELECT count(*) AS n FROM jobs")
    expect(Number(jobs?.n)).toBe(rows.length)
  })

  it("shows one canonical job with every source URL in the API", async () => {
    const api = makeApi(await runtime.runtime())
    const page = (await api.inject({ method: "GET", url: "/jobs", query: { limit: "100" } })).json<JobsPage>()
    expect(page.items).toHaveLength(rows.length)
    for (const r of rows) {
      const job = page.items.find((j) => j.externalId === `C-${r.row}`)!
      expect(job.appearsAt.map((a) => a.source).sort()).toEqual(["agency", "aggregator", "careers", "partner-feed"])
      expect(job.appearsAt.map((a) => a.url)).toContain(`https://staffing.example.com/jobs/${r.row}`)
    }
    const copyId = jobIdOf("agency", `S-${rows[0]!.row}`)
    const cluster = (await api.inject({ method: "GET", url: `/jobs/${copyId}` })).json<JobCluster>()
    expect(cluster.job.jobId).toBe(jobIdOf("careers", `C-${rows[0]!.row}`))
    const bySource = (await api.inject({ method: "GET", url: "/jobs", query: { source: "agency" } })).json<JobsPage>()
    expect(bySource.items).toHaveLength(rows.length)
    expect((await api.inject({ method: "GET", url: `/jobs/${"0".repeat(32)}` })).statusCode).toBe(404)
  })

  it("counts duplicates per source in ClickHouse", async () => {
    const counts = await runtime.runPromise(
      Effect.flatMap(ClickHouse, (ch) =>
        ch.query<{ source: string; n: string }>(
          "SELECT source, count() AS n FROM pipeline_events FINAL WHERE event_type = 'duplicate' GROUP BY source ORDER BY source"
        )
      )
    )
    expect(counts.map((c) => [c.source, Number(c.n)])).toEqual([
      ["agency", rows.length],
      ["aggregator", rows.length],
      ["partner-feed", rows.length]
    ])
  })
})

describe("two dedup consumers in one group", () => {
  const rows = originals(60)
  const handled = [0, 0]

  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    const now = new Date("2024-06-03T10:00:00Z")
    const jobs = rows.flatMap((r) => [original(r), ...copies(r)]).map((p) => {
      const job = normalizePosting(p, now)
      if (job._tag === "Left") throw job.left
      return encode(Topics.normalized, job.right)
    })
    const members = [0, 1].map((m) =>
      runStage({
        ...deduplicator,
        groupId: "jobstream.dedup.pair",
        maxBatch: 20,
        handle: (batch) => Effect.zipRight(Effect.sync(() => (handled[m]! += batch.length)), deduplicator.handle(batch))
      })
    )
    const fibers = await Promise.all(members.map((m) => runtime.runPromise(Effect.forkDaemon(m))))
    await new Promise((r) => setTimeout(r, 4000))
    await runtime.runPromise(Effect.flatMap(Kafka, (kafka) => kafka.send(jobs)))
    await waitFor("SELECT count(*) AS n FROM dedup_entries", jobs.length)
    await runtime.runPromise(Effect.all(fibers.map(Fiber.interrupt)))
  })

  it("splits the partitions between them", () => {
    expect(handled[0]).toBeGreaterThan(0)
    expect(handled[1]).toBeGreaterThan(0)
  })

  it("puts every copy in its original's cluster, whichever member decided it", async () => {
    const entries = await query<{ job_id: string; cluster_id: string }>("SELECT job_id, cluster_id FROM dedup_entries")
    expect(entries).toHaveLength(rows.length * 4)
    const clusterOf = new Map(entries.map((e) => [e.job_id, e.cluster_id]))
    for (const r of rows) {
      const canonical = jobIdOf("careers", `C-${r.row}`)
      expect(clusterOf.get(canonical)).toBe(canonical)
      for (const [source, prefix] of [["partner-feed", "P"], ["aggregator", "A"], ["agency", "S"]] as const)
        expect(clusterOf.get(jobIdOf(source, `${prefix}-${r.row}`)), `${source} copy of row ${r.row}`).toBe(canonical)
    }
  })
})
