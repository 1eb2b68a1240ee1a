import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { fixture } from "../../connectors/demo-site/catalog.js"
import type { BoardRow } from "../../connectors/replay/boards.js"
import { greenhouseApi } from "../../connectors/greenhouse/api.js"
import { replayBoard, startReplayServer } from "../../connectors/replay/server.js"
import { jobIdOf } from "../../schemas/Job.js"
import { Topics } from "../../schemas/Envelope.js"
import { Postgres } from "../../stack/Postgres.js"
import { startProbe, type RouteSummary, type Sample } from "./apiLog.js"
import { exited, spawnCli } from "./appProcess.js"
import { postingsOf, type PostingsReport } from "./checks.js"
import { probeRoutes, recoveryBoundMs } from "./dependencyFault.js"
import type { Reading } from "./recovery.js"
import { ensureSettled, type FaultContext } from "./suite.js"
import { appEnv } from "./wiring.js"

export interface CrawlKillObservation {
  readonly boardSize: number
  /** Ms from the crawler's start to its SIGKILL; undefined when it finished before any posting reached Kafka. */
  readonly killedAfterMs: number | undefined
  /** Records the killed crawl left on `jobs.raw`, and the postings it had recorded as published in PostgreSQL. */
  readonly rawFromKilled: number
  readonly recordedByKilled: number
  /** How the crawl started afterwards ended: 0 is a complete crawl. */
  readonly secondExit: number | NodeJS.Signals
  readonly recoveryMs: number | undefined
  readonly lastReading: Reading
  readonly postings: PostingsReport
  /** Rows of `source_postings` for the source once both crawls are done: one per posting on the board. */
  readonly recorded: number
  /** The app's API all along: nothing it depends on is down, so every route should answer normally. */
  readonly samples: ReadonlyArray<Sample>
  readonly api: ReadonlyArray<RouteSummary>
}

const source = "faults-crawl"

/**
 * A large Greenhouse board (the fixture's real postings repeated under new ids) served by the replay server,
 * crawled by `jobstream crawl` in a process of its own, SIGKILLed as soon as its first records reach the broker
 * (after the send, before the crawl records what it published), then crawled again to the end.
 */
export const killCrawlerMidCrawl = async (ctx: FaultContext, boardSize: number): Promise<CrawlKillObservation> => {
  await ensureSettled(ctx)
  const base = fixture()
  const rows: Array<BoardRow> = Array.from({ length: boardSize }, (_, i) => ({
    ...base[i % base.length]!,
    sourceRow: base[i % base.length]!.sourceRow + 100_000 * Math.floor(i / base.length)
  }))
  // The replay server runs in this process, as the probe does: the board (3,000 postings, tens of MB of JSON) is
  // built once, before the probe starts, so building it cannot stall the probe's measurements.
  const replay = await startReplayServer({ memoize: true })
  replay.setRows("greenhouse", rows)
  for (const request of greenhouseApi.start(replayBoard("greenhouse", replay.url, source))) await (await fetch(request.url)).arrayBuffer()
  const dir = mkdtempSync(join(tmpdir(), "jobstream-faults-"))
  try {
    const sources = join(dir, "sources.yaml")
    writeFileSync(
      sources,
      [
        "sources:",
        `  - name: ${source}`,
        "    type: greenhouse",
        "    board: acme",
        `    baseUrl: ${replay.url}/greenhouse`,
        "    rateLimit: { perMinute: 6000 }",
        ""
      ].join("\n")
    )
    const env = { ...appEnv(ctx.target), JOBSTREAM_SOURCES: sources }
    const logPath = ctx.app.logPath.replace(/\.log$/, ".crawl.log")
    // The broker is up here: a reading it cannot give is the suite's failure, not the app's.
    const rawEnd = async () => {
      const end = await ctx.watch.kafka.topicEnd(Topics.raw.name)
      if (end === null) throw new Error(`the broker did not say how many records ${Topics.raw.name} holds`)
      return end
    }
    const rawBefore = await rawEnd()

    const probe = startProbe(ctx.log, ctx.app.url, probeRoutes(ctx))
    const started = Date.now()
    const first = spawnCli(["crawl", source], env, logPath)
    let killedAfterMs: number | undefined
    while (first.exitCode === null && first.signalCode === null) {
      if ((await rawEnd()) > rawBefore) {
        first.kill("SIGKILL")
        killedAfterMs = Date.now() - started
        break
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    await exited(first)
    const rawFromKilled = (await rawEnd()) - rawBefore
    const recordedByKilled = await recordedPostings(ctx)

    const second = spawnCli(["crawl", source], env, logPath)
    const timer = setTimeout(() => second.kill("SIGKILL"), 180_000)
    const secondExit = await exited(second)
    clearTimeout(timer)
    const crawled = Date.now()

    const recovered = await ctx.watch.recovered(ctx.app.url, recoveryBoundMs)
    await probe.stop()
    const until = Date.now()
    const expected = rows.map((row) => jobIdOf(source, String(4_000_000 + row.sourceRow)))
    return {
      boardSize,
      killedAfterMs,
      rawFromKilled,
      recordedByKilled,
      secondExit,
      recoveryMs: recovered.at === undefined ? undefined : recovered.at - crawled,
      lastReading: recovered.last,
      postings: await postingsOf(ctx.runtime, source, expected),
      recorded: await recordedPostings(ctx),
      samples: ctx.log.between(started, until),
      api: ctx.log.summarize(started, until)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await replay.close()
  }
}

const recordedPostings = (ctx: FaultContext) =>
  ctx.runtime.runPromise(
    Effect.flatMap(Postgres, (db) =>
      db.query<{ n: string }>("SELECT count(*) AS n FROM source_postings WHERE source = $1", [source])
    ).pipe(Effect.map(([row]) => Number(row?.n ?? 0)), Effect.timeout("30 seconds"))
  )
