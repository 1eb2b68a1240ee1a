import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { KafkaError } from "../stack/kafkaCalls.js"
import type { PostgresError } from "../stack/Postgres.js"
import type { CrawlProgress, CrawlSummary } from "./progress.js"
import { Publisher } from "./Publisher.js"

/** What a run counts as it goes: its CrawlProgress without the source and the time. */
export type RunCounts = { -readonly [K in Exclude<keyof CrawlProgress, "source" | "seconds">]: number }

/**
 * One crawl of one source, from its start to its summary in `crawl_runs`: the lifecycle the API crawler and the
 * JSON-LD crawler share. The crawler adds to `counts` as pages come in and decides whether the run was complete;
 * closing what it did not see and recording the run are done here, the same way for both.
 */
export interface ActiveRun {
  /** The run's id in `crawl_runs` and `connector_events`, and the name of its request queue. */
  readonly runId: string
  readonly source: string
  readonly sourceType: string
  readonly startedAt: Date
  readonly counts: RunCounts
  /** Hands the counts so far to the crawl's `onProgress`, when it has one. */
  readonly progress: () => void
}

/** A run of `source` starting now, under a fresh id. */
export const startRun = (
  source: string,
  sourceType: string,
  onProgress?: (progress: CrawlProgress) => void
): Effect.Effect<ActiveRun> =>
  Effect.sync(() => {
    const startedAt = new Date()
    const counts: RunCounts = { pages: 0, postings: 0, new: 0, changed: 0, unchanged: 0, reopened: 0, closed: 0, errors: 0, retries: 0 }
    return {
      runId: randomUUID(),
      source,
      sourceType,
      startedAt,
      counts,
      progress: () => onProgress?.({ ...counts, source, seconds: secondsSince(startedAt) })
    }
  })

/**
 * Closes the source's open postings that this run did not see, when the run allows it: it was `complete` and found
 * at least one posting (an empty answer is more often a broken board than an empty one). `counts.closed` says how
 * many closed; true when the run closed what it missed.
 */
export const closeMissing = (run: ActiveRun, complete: boolean): Effect.Effect<boolean, KafkaError | PostgresError, Publisher> =>
  Effect.gen(function* () {
    if (!complete || run.counts.postings === 0) return false
    const publisher = yield* Publisher
    run.counts.closed = yield* publisher.closeMissing({ source: run.source, sourceType: run.sourceType, since: run.startedAt })
    return true
  })

/** The run's summary as of now, kept in `crawl_runs` for the operators' history of the source. */
export const recordRun = (run: ActiveRun, complete: boolean): Effect.Effect<CrawlSummary, PostgresError, Publisher> =>
  Effect.gen(function* () {
    const publisher = yield* Publisher
    const summary: CrawlSummary = {
      runId: run.runId,
      source: run.source,
      sourceType: run.sourceType,
      ...run.counts,
      complete,
      seconds: secondsSince(run.startedAt)
    }
    yield* publisher.recordRun({ ...summary, startedAt: run.startedAt })
    return summary
  })

const secondsSince = (at: Date): number => (Date.now() - at.getTime()) / 1000
