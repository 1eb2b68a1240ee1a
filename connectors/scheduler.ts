import { Duration, Effect, Random } from "effect"
import { crawlSource } from "./crawlSource.js"
import { progressLine } from "./progress.js"
import type { SourceConfig } from "./sources.js"

/** A run's start moves by up to this share of the interval, either way, so sources never fire in lockstep. */
export const jitterShare = 0.1

/** How long to wait before the next run of a source: its interval, moved by up to ±10%. */
export const nextDelay = (intervalMs: number, random: number): number =>
  Math.round(intervalMs * (1 + jitterShare * (2 * random - 1)))

/**
 * Crawls every enabled source forever, each on its own interval with jitter, concurrently (each host's rate
 * limit still applies). With `skipFirst` each source first waits its jittered interval
 * (the main job has just crawled them all). A run that fails is logged and the schedule goes on.
 */
export const runSchedule = (sources: ReadonlyArray<SourceConfig>, options: { readonly skipFirst: boolean }) =>
  Effect.forEach(
    sources.filter((s) => s.enabled),
    (source) => {
      const pause = Random.next.pipe(Effect.flatMap((r) => Effect.sleep(Duration.millis(nextDelay(source.intervalMs, r)))))
      const crawl = crawlSource(source).pipe(
        Effect.tap((summary) => Effect.logInfo(progressLine(summary))),
        Effect.catchAll((error) => Effect.logWarning(`scheduled crawl of ${source.name} failed`, error))
      )
      return Effect.zipRight(options.skipFirst ? pause : Effect.void, Effect.forever(Effect.zipRight(crawl, pause))).pipe(
        Effect.annotateLogs("source", source.name)
      )
    },
    { concurrency: "unbounded", discard: true }
  )
