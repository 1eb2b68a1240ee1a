import { Duration, Effect, Fiber, ManagedRuntime, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { crawlApi } from "../connectors/ApiCrawler.js"
import { fixture } from "../connectors/demo-site/catalog.js"
import { defaultRetry } from "../connectors/Politeness.js"
import { sourceApis } from "../connectors/registry.js"
import { greenhouseJobs } from "../connectors/replay/boards.js"
import { replayBoard, startReplayServer, type ReplayServer } from "../connectors/replay/server.js"
import { deduplicator } from "../processors/deduplicator.js"
import { normalizer } from "../processors/normalizer.js"
import type { JobsPage } from "../schemas/Api.js"
import { jobIdOf } from "../schemas/Job.js"
import { postgresJobs } from "../sinks/postgresJobs.js"
import { prepare } from "../stack/clients.js"
import { Postgres } from "../stack/Postgres.js"
import { runStage } from "../stack/stage.js"
import { dropNamespace, resetStores } from "../stack/testing.js"
import { makeApi } from "./api.js"
import { withServices } from "./ingest.js"
import { testConfig } from "./testing.js"

// A posting's life across the layers: crawled from a replayed Greenhouse board, through the stages into
// PostgreSQL, and out of the API, closed when its board drops it and reopened when it is back.

const config = testConfig()
const runtime = ManagedRuntime.make(withServices(config.layer))
let replay: ReplayServer

const rows = fixture()

const crawl = (source: string) =>
  runtime.runPromise(
    crawlApi({
      api: sourceApis.get("greenhouse")!,
      board: replayBoard("greenhouse", replay.url, source),
      rate: { perMinute: 60_000 },
      // Fast retries: the crawl's shape is under test, not its production pauses.
      retry: { ...defaultRetry, baseDelayMs: 20, maxDelayMs: 200 }
    })
  )

const query = <A extends object>(sql: string, params: Array<unknown> = []) =>
  runtime.runPromise(Effect.flatMap(Postgres, (db) => db.query<A>(sql, params)))

const waitUntil = <A extends object>(sql: string, params: Array<unknown>, done: (rows: ReadonlyArray<A>) => boolean) =>
  runtime.runPromise(
    Effect.flatMap(Postgres, (db) => db.query<A>(sql, params)).pipe(
      Effect.repeat({ schedule: Schedule.spaced(Duration.millis(200)), until: done }),
      Effect.timeout("60 seconds")
    )
  )

beforeAll(async () => {
  await runtime.runPromise(Effect.andThen(resetStores, prepare))
  replay = await startReplayServer()
})

afterAll(async () => {
  await replay?.close()
  await runtime.runPromise(dropNamespace)
  await runtime.dispose()
})

describe("a posting removed from its board", () => {
  it("yields a closed event that reaches PostgreSQL, and a reopened one when it comes back", async () => {
    const source = "replay-lifecycle"
    const board = rows.slice(0, 8)
    const removed = board[3]!
    const removedId = String(greenhouseJobs([removed], { board: "acme" }).jobs[0]!.id)
    const stages = await runtime.runPromise(
      Effect.forkDaemon(
        Effect.all([normalizer, deduplicator, postgresJobs].map((stage) => runStage(stage)), { concurrency: "unbounded" })
      )
    )
    try {
      replay.setRows("greenhouse", board)
      await crawl(source)
      const jobId = jobIdOf(source, removedId)
      await waitUntil<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE job_id = $1", [jobId], (r) => Number(r[0]?.n) === 1)

      replay.setRows("greenhouse", board.filter((row) => row !== removed))
      const closing = await crawl(source)
      expect(closing).toMatchObject({ postings: board.length - 1, closed: 1, complete: true })
      await waitUntil<{ closed_at: Date | null }>(
        "SELECT closed_at FROM jobs WHERE job_id = $1", [jobId], (r) => r[0]?.closed_at != null
      )
      const [closed] = await query<{ closed_at: Date | null }>("SELECT closed_at FROM jobs WHERE job_id = $1", [jobId])
      expect(closed?.closed_at).toBeInstanceOf(Date)
      const [others] = await query<{ n: string }>(
        "SELECT count(*) AS n FROM jobs WHERE source = $1 AND closed_at IS NULL", [source]
      )
      expect(Number(others?.n)).toBe(board.length - 1)
      const api = makeApi(await runtime.runtime())
      const list = async (status?: string) =>
        (await api.inject({ method: "GET", url: "/jobs", query: { source, limit: "100", ...(status ? { status } : {}) } })).json<JobsPage>()
      expect((await list()).items.map((j) => j.jobId)).not.toContain(jobId)
      expect((await list()).items).toHaveLength(board.length - 1)
      expect((await list("closed")).items.map((j) => [j.jobId, j.closedAt !== null])).toEqual([[jobId, true]])

      replay.setRows("greenhouse", board)
      const back = await crawl(source)
      expect(back).toMatchObject({ reopened: 1, closed: 0 })
      await waitUntil<{ closed_at: Date | null }>("SELECT closed_at FROM jobs WHERE job_id = $1", [jobId], (r) => r[0]?.closed_at === null)
    } finally {
      replay.setRows("greenhouse", rows)
      await runtime.runPromise(Fiber.interrupt(stages))
    }
  })
})
