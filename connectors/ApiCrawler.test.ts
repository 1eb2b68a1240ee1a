import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { prepare } from "../stack/clients.js"
import { dropNamespace, resetStores, stackTestConfig } from "../stack/testing.js"
import { ClickHouse } from "../stack/ClickHouse.js"
import { Postgres } from "../stack/Postgres.js"
import { crawlApi, type ApiSource } from "./ApiCrawler.js"
import { fixture, glassdoorSalary } from "./demo-site/catalog.js"
import { memoryPublisher } from "./memoryPublisher.js"
import * as Politeness from "./Politeness.js"
import * as Publisher from "./Publisher.js"
import { sourceApis } from "./registry.js"
import { greenhouseJobs } from "./replay/boards.js"
import { replayBoard, replayTypes, startReplayServer, type ReplayServer, type ReplayType } from "./replay/server.js"

const config = stackTestConfig()
const runtime = ManagedRuntime.make(Layer.provideMerge(Layer.mergeAll(Publisher.layer, Politeness.layer), config.layer))
let replay: ReplayServer

const rows = fixture()
/** Fast retries: the policy's shape is under test, not its production pauses. */
const quickRetry = { ...Politeness.defaultRetry, baseDelayMs: 20, maxDelayMs: 200 }

/** Board, query and credentials each replayed source type needs. */
const boardOf = (type: ReplayType, source: string) => replayBoard(type, replay.url, source)

const crawl = (type: ReplayType, source: string, extra: Partial<ApiSource> = {}) =>
  runtime.runPromise(
    crawlApi({
      api: sourceApis.get(type)!,
      board: boardOf(type, source),
      rate: { perMinute: 60_000 },
      retry: quickRetry,
      ...extra
    })
  )

const query = <A extends object>(sql: string, params: Array<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<A>(sql, params)))

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  replay = await startReplayServer()
})

afterAll(async () => {
  await replay?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("every API source type against its replayed API", () => {
  // Every replayed type yields one posting per row (Hacker News's deleted comment and replies are extra items).
  const expected = rows.length

  it.each(replayTypes.map((type) => [type]))("%s: every posting is published once, then found unchanged", async (type) => {
    const source = `replay-${type}`
    const first = await crawl(type, source)
    expect(first).toMatchObject({ postings: expected, new: expected, changed: 0, errors: 0, complete: true })
    const [stored] = await query<{ n: string }>("SELECT count(*) AS n FROM source_postings WHERE source = $1", [source])
    expect(Number(stored?.n)).toBe(expected)

    const second = await crawl(type, source)
    expect(second).toMatchObject({ postings: expected, new: 0, changed: 0, unchanged: expected, closed: 0, errors: 0 })
  })

  it("asks again with If-None-Match and takes a 304 as every posting of the listing still there", async () => {
    const before = replay.requests().length
    const again = await crawl("greenhouse", "replay-greenhouse")
    const asked = replay.requests().slice(before)
    expect(asked.map((r) => r.status)).toEqual([304])
    expect(again).toMatchObject({ pages: 1, postings: rows.length, unchanged: rows.length, closed: 0, complete: true })
  })

  it("pages through Lever until a page comes back short of the limit", async () => {
    // 120 postings: the fixture's rows, and again under other ids.
    replay.setRows("lever", [...rows, ...rows.map((row) => ({ ...row, sourceRow: row.sourceRow + 100_000 }))])
    const before = replay.requests().length
    const summary = await crawl("lever", "replay-lever-paging")
    const lever = replay.requests().slice(before).map((r) => r.path)
    expect(lever).toEqual([expect.stringMatching(/skip=0&limit=100$/), expect.stringMatching(/skip=100&limit=100$/)])
    expect(summary).toMatchObject({ postings: 2 * rows.length, complete: true })
    replay.setRows("lever", rows)
  })

  it("never writes a credential into ClickHouse connector events or the HTTP cache", async () => {
    await crawl("adzuna", "replay-adzuna-secret")
    const events = await runtime.runPromise(
      Effect.flatMap(ClickHouse, (ch) =>
        ch.query<{ url: string }>("SELECT url FROM connector_events WHERE source = 'replay-adzuna-secret' AND kind = 'fetch'")
      )
    )
    expect(events.length).toBeGreaterThan(0)
    for (const e of events) expect(e.url).not.toContain("replay-secret-key")
    const cached = await query<{ url: string; next: unknown }>("SELECT url, next FROM source_http_cache")
    expect(cached.length).toBeGreaterThan(0)
    for (const row of cached) expect(JSON.stringify(row)).not.toMatch(/replay-secret-key|replay-usajobs-key/)
  })
})

describe("the real shapes of each API reach the published fields", () => {
  /** A crawl whose postings stay in memory, so that their fields can be read; `memory` carries what it published. */
  const crawlInMemory = (type: ReplayType, source: string, memory = memoryPublisher()) =>
    runtime
      .runPromise(
        crawlApi({ api: sourceApis.get(type)!, board: boardOf(type, source), rate: { perMinute: 60_000 }, retry: quickRetry }).pipe(
          Effect.provide(memory.layer)
        )
      )
      .then((summary) => ({ summary, postings: memory.postings.filter((p) => p.source === source), memory }))

  it("Greenhouse: packed places split, and pay from the single-job endpoint for new postings only", async () => {
    const before = replay.requests().length
    const { summary, postings, memory } = await crawlInMemory("greenhouse", "shapes-greenhouse")
    const asked = replay.requests().slice(before).map((r) => r.path)
    expect(summary).toMatchObject({ postings: rows.length, errors: 0, complete: true })
    expect(asked.filter((path) => path.includes("pay_transparency=true"))).toHaveLength(rows.length)
    rows.forEach((row, i) => {
      const pay = glassdoorSalary(row.salaryText)
      const posting = postings.find((p) => p.externalId === String(4_000_000 + row.sourceRow))!
      expect(posting.fields.salary, row.title).toEqual(pay === null ? undefined : { min: pay.minValue, max: pay.maxValue, currency: "USD" })
      if (i % 4 === 1) expect(posting.fields.locations).toContain(rows[i + 1]!.location)
    })
    expect(postings[1]!.fields.locations).toEqual([rows[1]!.location, rows[2]!.location])

    // Listed again unchanged: no posting is asked for its pay again.
    const again = replay.requests().length
    await crawlInMemory("greenhouse", "shapes-greenhouse", memory)
    expect(replay.requests().slice(again).filter((r) => r.path.includes("pay_transparency"))).toEqual([])
  })

  it("Greenhouse: a pay request that fails loses no posting, keeps the crawl complete, and is asked again next time", async () => {
    const three = rows.slice(0, 3)
    replay.setRows("greenhouse", three)
    // The listing as the board gives it, then a 404 for the first pay request.
    replay.injectFaults([{ status: 200, body: JSON.stringify(greenhouseJobs(three, { board: "acme" })) }, { status: 404 }])
    const before = replay.requests().length
    const first = await crawlInMemory("greenhouse", "shapes-greenhouse-pay-fails")
    expect(replay.requests().slice(before).map((r) => r.status)).toEqual([200, 404, 200, 200])
    expect(first.summary).toMatchObject({ postings: 3, new: 3, errors: 0, complete: true })
    expect(first.postings.map((p) => p.fields.salary === undefined)).toEqual([true, false, false])
    expect(first.postings[0]!.fields.title).toBe(three[0]!.title)

    const again = replay.requests().length
    const second = await crawlInMemory("greenhouse", "shapes-greenhouse-pay-fails", first.memory)
    const pay = replay.requests().slice(again).filter((r) => r.path.includes("pay_transparency"))
    expect(pay.map((r) => r.path)).toEqual([expect.stringContaining(`/jobs/${4_000_000 + three[0]!.sourceRow}?`)])
    const retried = second.postings.filter((p) => p.externalId === String(4_000_000 + three[0]!.sourceRow)).at(-1)!
    expect(retried.fields.salary).toMatchObject({ currency: "USD" })
    replay.setRows("greenhouse", rows)
  })

  it("Lever onsite, Recruitee's several places, Workable's hidden places, HN's wrapped comments", async () => {
    const lever = (await crawlInMemory("lever", "shapes-lever")).postings
    expect(lever.filter((p) => p.fields.remote === false).length).toBeGreaterThan(rows.length / 2)
    expect(lever.every((p) => typeof p.fields.remote === "boolean")).toBe(true)

    const recruitee = (await crawlInMemory("recruitee", "shapes-recruitee")).postings
    expect(recruitee[2]!.fields.locations).toEqual([`${rows[2]!.location}, United States`, `${rows[3]!.location}, United States`])

    const workable = (await crawlInMemory("workable", "shapes-workable")).postings
    expect(workable[3]!.fields.locations).toBeUndefined()
    expect(workable[2]!.fields.locations).toHaveLength(1)

    const hn = (await crawlInMemory("hackernews", "shapes-hackernews")).postings
    expect(hn).toHaveLength(rows.length)
    // Rows 0, 1 and 2 are in the three paragraph forms; the header's title and company come through in each.
    for (const i of [0, 1, 2]) expect(hn[i]!.fields, `comment ${i}`).toMatchObject({ company: rows[i]!.company })
    for (const i of [0, 1]) expect(hn[i]!.fields.title).toBe(rows[i]!.title)
  })
})

describe("politeness and robustness", () => {
  it("backs off through 500s and 429s with Retry-After, recovers, and loses no posting", async () => {
    replay.injectFaults([
      { status: 500 },
      { status: 503 },
      { status: 429, retryAfterSeconds: 1 },
      { status: 502 },
      { status: 429, retryAfterSeconds: 1 }
    ])
    const started = Date.now()
    const summary = await crawl("smartrecruiters", "replay-flaky", { concurrency: 1 })
    expect(summary).toMatchObject({ postings: rows.length, new: rows.length, errors: 0, retries: 5, complete: true })
    // Two Retry-After pauses of a second each were honoured.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    const [stored] = await query<{ n: string }>("SELECT count(*) AS n FROM source_postings WHERE source = 'replay-flaky'")
    expect(Number(stored?.n)).toBe(rows.length)
  })

  it("opens the breaker after requests fail for good, closes nothing meanwhile, and recovers after the cooldown", async () => {
    const source = "replay-breaker"
    replay.setRows("greenhouse", rows.slice(0, 5))
    const healthy = await crawl("greenhouse", source)
    expect(healthy).toMatchObject({ postings: 5, complete: true })

    replay.setRows("greenhouse", rows.slice(0, 4))
    const breaker = { failures: 1, cooldownMs: 1500 }
    replay.injectFaults([{ status: 500 }, { status: 500 }])
    const broken = await crawl("greenhouse", source, { retry: { ...quickRetry, attempts: 2 }, breaker })
    expect(broken).toMatchObject({ postings: 0, closed: 0, complete: false, errors: 1 })

    const refused = await crawl("greenhouse", source, { breaker })
    expect(refused).toMatchObject({ pages: 0, closed: 0, complete: false })

    await new Promise((resolve) => setTimeout(resolve, 1600))
    const recovered = await crawl("greenhouse", source, { breaker })
    expect(recovered).toMatchObject({ postings: 4, closed: 1, complete: true })
    replay.setRows("greenhouse", rows)
  })

  it("sends a body it cannot read to jobs.dlq, keeps the postings it could read, and closes nothing", async () => {
    const source = "replay-malformed"
    replay.setRows("ashby", rows.slice(0, 3))
    await crawl("ashby", source)
    replay.setRows("ashby", rows.slice(0, 2))
    replay.injectFaults([{ status: 200, body: "<html><body>Service temporarily unavailable</body></html>" }])
    const summary = await crawl("ashby", source)
    expect(summary).toMatchObject({ postings: 0, errors: 1, closed: 0, complete: false })
    const [rejected] = await query<{ reason: string }>("SELECT reason FROM source_rejections WHERE source = $1", [source])
    expect(rejected?.reason).toMatch(/not JSON/)
    replay.setRows("ashby", rows)
  })

  it("stops at the host's daily quota and reports the crawl incomplete", async () => {
    // A Politeness of its own: the shared one has counted every request of this file against the replay host.
    const summary = await runtime.runPromise(
      crawlApi({
        api: sourceApis.get("smartrecruiters")!,
        board: boardOf("smartrecruiters", "replay-quota"),
        rate: { perMinute: 60_000, perDay: 10 },
        retry: quickRetry
      }).pipe(Effect.provideServiceEffect(Politeness.Politeness, Politeness.make))
    )
    expect(summary.complete).toBe(false)
    expect(summary.pages).toBe(10)
    expect(summary.errors).toBeGreaterThan(0)
  })
})
