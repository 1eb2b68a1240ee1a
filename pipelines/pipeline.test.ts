import { Effect, Fiber, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { demoCatalog } from "../connectors/demo-site/catalog.js"
import { demoSource, startDemoSite } from "../connectors/demo-site/server.js"
import { crawlJsonLd, type CrawlSummary } from "../connectors/jsonld/main.js"
import { jobIdOf } from "../schemas/Job.js"
import { Topics } from "../schemas/Envelope.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { makeApi } from "./api.js"
import { drained, runPipeline, withServices } from "./ingest.js"
import { prepare } from "../stack/clients.js"
import { testConfig } from "./testing.js"
import { dropNamespace, readWithKcat, resetStores } from "../stack/testing.js"

const postings = 30
const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
const catalog = demoCatalog(postings)
let site: Awaited<ReturnType<typeof startDemoSite>>
let pipeline: Fiber.RuntimeFiber<void, unknown>

const crawl = () =>
  runtime.runPromise(
    crawlJsonLd(demoSource(site.url)).pipe(Effect.tap(() => drained("60 seconds")))
  )

const kcat = (topic: string) => runtime.runPromise(readWithKcat(topic))

const pgCount = (sql: string) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<{ n: string }>(sql))).then((rows) => Number(rows[0]?.n))

const chRows = <R>(sql: string) => runtime.runPromise(Effect.flatMap(ClickHouse, (ch) => ch.query<R>(sql)))

describe("the first slice, end to end on the real stack", () => {
  let first: CrawlSummary
  let second: CrawlSummary
  let rawAfterFirst: Awaited<ReturnType<typeof kcat>>
  let eventsAfterFirst: number

  beforeAll(async () => {
    await runtime.runPromise(Effect.andThen(resetStores, prepare))
    pipeline = runtime.runFork(runPipeline)
    site = await startDemoSite({ port: 0, count: postings })
    first = await crawl()
    rawAfterFirst = await kcat(Topics.raw.name)
    eventsAfterFirst = Number((await chRows<{ n: string }>("SELECT count() AS n FROM pipeline_events"))[0]?.n)
    second = await crawl()
  })

  afterAll(async () => {
    await site?.close()
    if (pipeline) await runtime.runPromise(Fiber.interrupt(pipeline))
    await runtime.runPromise(dropNamespace)
    await runtime.dispose()
  })

  it("crawls every page of the demo site, publishes each valid posting once and records the run", async () => {
    expect(first.postings).toBe(catalog.validIds.length + catalog.duplicateIds.length + catalog.invalidIds.length)
    expect(first.new).toBe(first.postings)
    expect(first.errors).toBe(catalog.malformedPaths.length)
    expect(rawAfterFirst).toHaveLength(first.postings)
    const [run] = await runtime.runPromise(
      Effect.flatMap(Postgres, (db) =>
        db.query<{ pages: number; new: number; errors: number }>("SELECT pages, new, errors FROM crawl_runs WHERE run_id = $1", [
          first.runId
        ])
      )
    )
    expect(run).toEqual({ pages: first.pages, new: first.new, errors: first.errors })
  })

  it("carries one posting from the site to jobs.raw (read back by kcat), PostgreSQL, ClickHouse and GET /jobs", async () => {
    const externalId = catalog.validIds[3]!
    const jobId = jobIdOf("demo-careers", externalId)

    const message = rawAfterFirst.find((m) => m.key === `demo-careers:${externalId}`)
    expect(message).toBeDefined()
    expect(message!.headers["schema-name"]).toBe("jobstream.RawPosting")
    const raw = JSON.parse(message!.value)
    expect(raw.externalId).toBe(externalId)

    const [row] = await runtime.runPromise(
      Effect.flatMap(Postgres, (db) => db.query<{ title: string; company: string }>("SELECT title, company FROM jobs WHERE job_id = $1", [jobId]))
    )
    expect(row?.title).toBe(raw.fields.title)

    const events = await chRows<{ event_type: string }>(
      `SELECT event_type FROM pipeline_events WHERE job_id = '${jobId}' ORDER BY event_type`
    )
    expect(events.map((e) => e.event_type)).toEqual(["discovered", "normalized", "unique"])

    const api = makeApi(await runtime.runtime())
    const found: Array<{ jobId: string; title: string }> = []
    let cursor: string | null = null
    do {
      const response = await api.inject({ method: "GET", url: "/jobs", query: { limit: "7", ...(cursor ? { cursor } : {}) } })
      expect(response.statusCode).toBe(200)
      const page = response.json() as { items: Array<{ jobId: string; title: string }>; nextCursor: string | null }
      found.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    expect(found.find((j) => j.jobId === jobId)?.title).toBe(row?.title)
    expect(new Set(found.map((j) => j.jobId)).size).toBe(found.length)
    await api.close()
  })

  it("keeps one job per canonical URL and records the copies as duplicates", async () => {
    expect(await pgCount("SELECT count(*) AS n FROM jobs")).toBe(catalog.validIds.length)
    expect(await pgCount("SELECT count(*) AS n FROM job_duplicates WHERE reason = 'canonical-url'")).toBe(
      catalog.duplicateIds.length
    )
    const [dups] = await chRows<{ n: string }>("SELECT uniqExact(event_id) AS n FROM pipeline_events WHERE event_type = 'duplicate'")
    expect(Number(dups?.n)).toBe(catalog.duplicateIds.length)
  })

  it("sends malformed pages and unusable postings to jobs.dlq with the reason and the original bytes", async () => {
    const dead = await kcat("jobs.dlq")
    expect(dead).toHaveLength(catalog.malformedPaths.length + catalog.invalidIds.length)
    const byStage = (stage: string) => dead.filter((d) => d.headers["dlq-stage"] === stage)
    expect(byStage("normalize")).toHaveLength(catalog.invalidIds.length)
    expect(byStage("normalize")[0]!.headers["dlq-reason"]).toMatch(/title/)
    // The original bytes: the raw posting exactly as it was on jobs.raw.
    expect(JSON.parse(byStage("normalize")[0]!.value).externalId).toBe(catalog.invalidIds[0])
    const malformed = byStage("connector:demo-careers")
    expect(malformed).toHaveLength(catalog.malformedPaths.length)
    expect(malformed[0]!.headers["dlq-source-url"]).toContain(catalog.malformedPaths[0])
    expect(malformed[0]!.headers["dlq-reason"]).toMatch(/JSON/)
    expect(malformed[0]!.value).toMatch(/application\/ld\+json/i)
  })

  it("adds nothing anywhere when the same site is crawled again", async () => {
    expect(second.postings).toBe(first.postings)
    expect(second.new + second.changed).toBe(0)
    expect(await kcat(Topics.raw.name)).toHaveLength(rawAfterFirst.length)
    expect(await pgCount("SELECT count(*) AS n FROM jobs")).toBe(catalog.validIds.length)
    const [events] = await chRows<{ n: string }>("SELECT count() AS n FROM pipeline_events")
    expect(Number(events?.n)).toBe(eventsAfterFirst)
  })

  it("answers GET /healthz with every dependency healthy and every stage running in its group, caught up", async () => {
    const api = makeApi(await runtime.runtime())
    // Lag is read every few seconds: the first answers may still show the crawl's records in flight.
    const deadline = Date.now() + 20_000
    let response = await api.inject({ method: "GET", url: "/healthz" })
    const caughtUp = () =>
      Object.entries(response.json().stages as Record<string, { lag: number | null }>).every(([, s]) => s.lag === 0)
    while (!caughtUp() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500))
      response = await api.inject({ method: "GET", url: "/healthz" })
    }
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(Object.values(body.checks).map((c) => (c as { ok: boolean }).ok)).toEqual([true, true, true])
    expect(Object.keys(body.stages).sort()).toEqual(["clickhouse", "dedup", "matches", "normalize", "notifier", "notify", "outbox", "postgres", "score"])
    for (const [name, stage] of Object.entries(body.stages)) {
      expect(stage, name).toMatchObject({ state: "running", member: true, restarts: 0, lastError: null })
      expect((stage as { lag: number | null }).lag, name).toBe(0)
    }
    expect(body.stages.normalize.lastProgressAt).not.toBeNull()
    expect((await api.inject({ method: "GET", url: "/livez" })).statusCode).toBe(200)
    expect((await api.inject({ method: "GET", url: "/readyz" })).json()).toMatchObject({ status: "ready" })
    await api.close()
  })
})
