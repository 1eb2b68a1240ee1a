import { Configuration, log, RequestQueue, type BasicCrawler, type RequestsLike } from "crawlee"
import { Cause, Effect, Exit, Runtime } from "effect"
import { CrawlError } from "./progress.js"

/**
 * Crawlee at one edge: Crawlee drives a crawl and calls async handlers, while what a connector does with a page is
 * an Effect. A crawl captures its runtime once (its services, log annotations and span) and gives Crawlee async
 * functions that run Effects on it.
 */
export interface Bridge<R> {
  /**
   * An async function, as Crawlee calls its handlers, that runs `f`'s Effect. It rejects with the Effect's own error
   * (the tagged error, or the defect) rather than a wrapper, so Crawlee retries, counts and reports it as thrown and a
   * `failedRequestHandler` can tell errors apart by class.
   */
  readonly handler: <Args extends ReadonlyArray<unknown>, E>(
    f: (...args: Args) => Effect.Effect<void, E, R>
  ) => (...args: Args) => Promise<void>
}

/** Captures the runtime of the calling crawl, once: its handlers' Effects run on it. */
export const makeBridge = <R = never>(): Effect.Effect<Bridge<R>, never, R> =>
  Effect.map(Effect.runtime<R>(), (runtime) => {
    const runExit = Runtime.runPromiseExit(runtime)
    return {
      handler:
        <Args extends ReadonlyArray<unknown>, E>(f: (...args: Args) => Effect.Effect<void, E, R>) =>
        async (...args: Args) => {
          const exit = await runExit(f(...args))
          if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
        }
    }
  })

/** What the crawler of one run is built with. */
export interface CrawlerSetup {
  readonly requestQueue: RequestQueue
  /** Crawlee's configuration for the run (storage in memory, nothing kept): the crawler's constructor takes it. */
  readonly storage: Configuration
}

/**
 * Runs the crawler that `make` builds over `start` until its queue is done, with a request queue of its own (named
 * by `runId`) kept in memory, so runs never see each other's state. Succeeds with whether the queue was finished:
 * false when maxRequestsPerCrawl left requests in it. Crawlee failing as a whole (not a request: its handlers count
 * those) is a CrawlError.
 */
export const runCrawler = (input: {
  readonly source: string
  readonly runId: string
  readonly start: RequestsLike
  readonly make: (setup: CrawlerSetup) => Pick<BasicCrawler, "run">
}): Effect.Effect<boolean, CrawlError> =>
  Effect.tryPromise({
    try: async () => {
      const storage = new Configuration({ persistStorage: false, purgeOnStart: true })
      const requestQueue = await RequestQueue.open(input.runId, { config: storage })
      await input.make({ requestQueue, storage }).run(input.start)
      const finished = await requestQueue.isFinished()
      await requestQueue.drop()
      return finished
    },
    catch: (cause) => new CrawlError({ source: input.source, cause })
  })

// Crawlee's own INFO lines (start, statistics) would drown the crawl's progress line.
log.setLevel(log.LEVELS.WARNING)
