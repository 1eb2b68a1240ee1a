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
 * limit still applies). The first run of each source waits a jittered share of its interval when `skipFirst`
 * (the main job has just crawled them all). A run that fails is logged and the schedule goes on.
 */
export const runSchedule = (sources: ReadonlyArray<SourceConfig>, options: { readonly skipFirst: boolean }) =>
  Effect.forEach(
    sources.filter((s) => s.enabled),
    (source) =>
      Effect.gen(function* () {
        if (options.skipFirst) yield* Effect.sleep(Duration.millis(nextDelay(source.intervalMs, yield* Random.next)))
        while (true) {
          yield* crawlSource(source).pipe(
            Effect.tap((summary) => Effect.logInfo(progressLine(summary))),
            Effect.catchAll((error) => Effect.logWarning(`scheduled crawl of ${source.name} failed`, error))
          )
          yield* Effect.sleep(Duration.millis(nextDelay(source.intervalMs, yield* Random.next)))
        }
      }).pipe(Effect.annotateLogs("source", source.name)),
    { concurrency: "unbounded", discard: true }
  )
