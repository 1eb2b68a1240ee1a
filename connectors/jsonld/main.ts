import { randomUUID } from "node:crypto"
import { CheerioCrawler, Configuration, log, RequestQueue } from "crawlee"
import { Data, Effect, Runtime } from "effect"
import type { RawPosting } from "../../schemas/RawPosting.js"
import { Publisher, type Change } from "../Publisher.js"
import { contentHashOf } from "./extract.js"
import { makeRoutes } from "./routes.js"

export interface JsonLdSource {
  readonly source: string
  readonly startUrls: ReadonlyArray<string>
  /** Globs of links to follow; the default follows nothing beyond the start pages. */
  readonly follow?: ReadonlyArray<string>
  readonly maxRequests?: number
  readonly maxConcurrency?: number
}

export interface CrawlSummary {
  readonly runId: string
  readonly source: string
  readonly pages: number
  readonly postings: number
  readonly new: number
  readonly changed: number
  readonly unchanged: number
  readonly errors: number
}

/** The crawl could not run at all (not a bad page: those are counted and dead-lettered). */
export class CrawlError extends Data.TaggedError("CrawlError")<{ readonly source: string; readonly cause: unknown }> {
  override get message() {
    return `crawl of ${this.source} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/**
 * Crawls career pages for schema.org JobPosting JSON-LD with Crawlee's CheerioCrawler and publishes every posting
 * found. Storage stays in memory, in a request queue of its own per run, so runs never see each other's state.
 */
export const crawlJsonLd = (config: JsonLdSource) =>
  Effect.gen(function* () {
    const publisher = yield* Publisher
    const runtime = yield* Effect.runtime<never>()
    const run = <A, E>(effect: Effect.Effect<A, E>) => Runtime.runPromise(runtime)(effect)
    const runId = randomUUID()
    const startedAt = new Date()
    const counts = { pages: 0, postings: 0, new: 0, changed: 0, unchanged: 0, errors: 0 }
    const count = (change: Change) => void (counts[change] += 1)

    const routes = makeRoutes(
      {
        posting: async (found) => {
          const posting: RawPosting = {
            source: config.source,
            sourceType: "jsonld",
            externalId: found.externalId,
            url: found.url,
            fetchedAt: new Date().toISOString(),
            contentHash: contentHashOf(found.payload),
            fields: found.fields,
            payload: found.payload
          }
          counts.postings += 1
          count(await run(publisher.publish(posting)))
        },
        malformed: async (url, reason, html) => {
          counts.errors += 1
          await run(publisher.reject({ source: config.source, url, reason, bytes: html }))
        }
      },
      { follow: config.follow ?? [] }
    )

    yield* Effect.tryPromise({
      try: async () => {
        const storage = new Configuration({ persistStorage: false, purgeOnStart: true })
        const requestQueue = await RequestQueue.open(runId, { config: storage })
        const crawler = new CheerioCrawler(
          {
            requestQueue,
            requestHandler: routes,
            maxRequestsPerCrawl: config.maxRequests ?? 1000,
            maxConcurrency: config.maxConcurrency ?? 4,
            respectRobotsTxtFile: true,
            maxRequestRetries: 3,
            // Handler failures are Kafka or PostgreSQL outages: Crawlee retries the page, then we count it.
            failedRequestHandler: async () => void (counts.errors += 1),
            postNavigationHooks: [async () => void (counts.pages += 1)]
          },
          storage
        )
        await crawler.run([...config.startUrls])
        await requestQueue.drop()
      },
      catch: (cause) => new CrawlError({ source: config.source, cause })
    })
    const summary = { runId, source: config.source, ...counts } satisfies CrawlSummary
    yield* publisher.recordRun({ ...summary, startedAt })
    return summary
  }).pipe(Effect.withSpan("JsonLdConnector.crawl"), Effect.annotateLogs("connector", config.source))

// Crawlee's own INFO lines would drown the pipeline's summary.
log.setLevel(log.LEVELS.WARNING)
