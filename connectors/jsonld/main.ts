import { CheerioCrawler, PlaywrightCrawler, RobotsTxtFile, type Request, type SkippedRequestCallback } from "crawlee"
import { Effect } from "effect"
import { chromium } from "playwright-core"
import { chromiumArgs, chromiumPath } from "../../stack/chromium.js"
import type { RawPosting } from "../../schemas/RawPosting.js"
import { makeBridge, runCrawler } from "../crawleeBridge.js"
import { closeMissing, recordRun, startRun } from "../crawlRun.js"
import * as metrics from "../metrics.js"
import type { CrawlProgress, CrawlSummary } from "../progress.js"
import { Publisher } from "../Publisher.js"
import { contentHashOf, type FoundPosting } from "./extract.js"
import { makeRenderedRoutes, makeRoutes, SITEMAP, type Findings } from "./routes.js"

export type { CrawlSummary } from "../progress.js"

export interface JsonLdSource {
  readonly source: string
  /** Pages to read first; may be empty when `sitemap` says where the pages are. */
  readonly startUrls: ReadonlyArray<string>
  /** Globs of links to follow from every page; the default follows nothing beyond the start and sitemap pages. */
  readonly follow?: ReadonlyArray<string>
  /** A sitemap (or sitemap index) whose pages are crawled as well as `startUrls`. */
  readonly sitemap?: string
  /**
   * Also crawl the sitemaps that the start URLs' robots.txt names. Default: only when neither `sitemap` nor
   * `follow` says where the pages are.
   */
  readonly discover?: boolean
  /** Read each page in headless Chromium once it has loaded, for sites whose scripts add the JSON-LD. */
  readonly render?: boolean
  /** Requests one run may make, sitemaps included; default 1,000. */
  readonly maxRequests?: number
  readonly maxConcurrency?: number
  /** At most this many requests a minute (the source's rate limit); default unlimited. */
  readonly maxRequestsPerMinute?: number
  /** Called after every request with the counts so far (the CLI's live progress line). */
  readonly onProgress?: (progress: CrawlProgress) => void
}

/**
 * Crawls career pages for schema.org JobPosting JSON-LD and publishes every posting found: with Crawlee's
 * CheerioCrawler (the HTML as served) or, with `render`, its PlaywrightCrawler in Debian's Chromium. Guarantees:
 * - every request, sitemaps included, is checked against its site's robots.txt; a disallowed URL is not fetched;
 * - a posting found on several pages of one run (same id, same content) is published and counted once;
 * - a page whose JSON-LD cannot be read, or a sitemap that is not one, goes to `jobs.dlq`; the crawl goes on;
 * - `complete` is true only when every request succeeded (after Crawlee's retries; a page answering 5xx fails,
 *   a 404 is read as a page without postings), nothing was malformed, every robots.txt read for `discover` was
 *   read, and maxRequests turned nothing away. Only then may postings missing from the run be closed. A page
 *   that robots.txt disallows is not missing: the crawl covers what it may read;
 * - a complete run that found postings closes the source's postings it did not find (`jobs.lifecycle`);
 * - `pages` counts the documents read, sitemaps included.
 * Storage stays in memory, in a request queue of its own per run, so runs never see each other's state.
 */
export const crawlJsonLd = (config: JsonLdSource) =>
  Effect.gen(function* () {
    const publisher = yield* Publisher
    const bridge = yield* makeBridge()
    const run = yield* startRun(config.source, "jsonld", config.onProgress)
    const { counts, progress } = run
    let cut = false
    const published = new Map<string, string>()
    /** A page counts once the routes are done with it: a failed attempt that Crawlee retries does not. */
    const counted =
      <C>(handler: (context: C) => void | PromiseLike<void>) =>
      async (context: C) => {
        await handler(context)
        counts.pages += 1
        progress()
      }

    const findings: Findings = {
      posting: bridge.handler((found: FoundPosting) =>
        Effect.gen(function* () {
          const contentHash = contentHashOf(found.payload)
          if (published.get(found.externalId) === contentHash) return
          published.set(found.externalId, contentHash)
          const posting: RawPosting = {
            source: config.source,
            sourceType: "jsonld",
            externalId: found.externalId,
            url: found.url,
            fetchedAt: new Date().toISOString(),
            contentHash,
            fields: found.fields,
            payload: found.payload
          }
          counts.postings += 1
          for (const change of yield* publisher.publish([posting])) counts[change] += 1
        })
      ),
      malformed: bridge.handler((url: string, reason: string, body: string) =>
        Effect.suspend(() => {
          counts.errors += 1
          return publisher.reject({ source: config.source, url, reason, bytes: body })
        })
      )
    }
    const routeOptions = { follow: config.follow ?? [] }

    const discover = config.discover ?? (config.sitemap === undefined && !config.follow?.length)
    const discovered = discover ? yield* robotsSitemaps(config.startUrls) : { sitemaps: [], unread: 0 }
    const sitemaps = [...(config.sitemap === undefined ? [] : [config.sitemap]), ...discovered.sitemaps]
    counts.errors += discovered.unread

    const finished = yield* runCrawler({
      source: config.source,
      runId: run.runId,
      start: [...config.startUrls, ...sitemaps.map((url) => ({ url, label: SITEMAP }))],
      make: ({ requestQueue, storage }) => {
        const shared = {
          requestQueue,
          maxRequestsPerCrawl: config.maxRequests ?? 1000,
          maxConcurrency: config.maxConcurrency ?? 4,
          maxRequestsPerMinute: config.maxRequestsPerMinute,
          respectRobotsTxtFile: true,
          maxRequestRetries: 3,
          errorHandler: async () => void (counts.retries += 1),
          // After the retries: the site is down or the handler's Kafka or PostgreSQL is. Either way pages are missing.
          failedRequestHandler: bridge.handler(({ request }: { request: Request }, error: Error) => {
            counts.errors += 1
            return Effect.logWarning(`${config.source}: ${request.url} failed: ${error.message}`).pipe(
              Effect.zipRight(Effect.sync(progress))
            )
          }),
          onSkippedRequest: (async ({ reason }) => {
            if (reason === "limit" || reason === "enqueueLimit") cut = true
          }) satisfies SkippedRequestCallback
        }
        return config.render
          ? new PlaywrightCrawler(
              {
                ...shared,
                requestHandler: counted(makeRenderedRoutes(findings, routeOptions)),
                launchContext: { launcher: chromium, launchOptions: { executablePath: chromiumPath, headless: true, args: [...chromiumArgs] } },
                browserPoolOptions: { useFingerprints: false },
                // Chromium shows an error page like any other; CheerioCrawler fails a 5xx, and so must this.
                postNavigationHooks: [
                  async ({ response }) => {
                    const status = response?.status() ?? 0
                    if (status >= 500) throw new Error(`${status} ${response?.statusText() ?? ""}`.trim())
                  }
                ]
              },
              storage
            )
          : new CheerioCrawler(
              {
                ...shared,
                requestHandler: counted(makeRoutes(findings, routeOptions)),
                additionalMimeTypes: ["application/xml", "text/xml"]
              },
              storage
            )
      }
    })
    if (!finished) cut = true
    const complete = counts.errors === 0 && !cut
    yield* closeMissing(run, complete)
    const summary = yield* recordRun(run, complete)
    yield* recordMetrics(summary)
    return summary
  }).pipe(Effect.withSpan("JsonLdConnector.crawl"), Effect.annotateLogs("connector", config.source))

/** The run's totals on `/metrics` (the API crawler records each request; Crawlee keeps these pages' timings). */
const recordMetrics = (summary: CrawlSummary) =>
  Effect.all(
    [
      ...(["new", "changed", "unchanged", "reopened", "closed"] as const).map((change) =>
        metrics.recordPosting(summary.source, change, summary[change])
      ),
      ...(summary.errors > 0 ? [metrics.recordError(summary.source, "parse")] : []),
      ...(summary.complete ? [metrics.recordSuccess(summary.source, new Date())] : [])
    ],
    { discard: true }
  )

/**
 * The sitemaps named by the robots.txt of each start URL's site, and how many robots.txt files could not be read
 * (a missing one, 404, is read as naming none). An unreadable one may hide sitemaps: the crawl is incomplete.
 */
const robotsSitemaps = (startUrls: ReadonlyArray<string>) =>
  Effect.partition(
    new Set(startUrls.flatMap((url) => (URL.canParse(url) ? [new URL(url).origin] : []))),
    (origin) =>
      Effect.tryPromise(() => RobotsTxtFile.find(origin, undefined, { timeoutMillis: 30_000 })).pipe(
        Effect.map((robots) => robots.getSitemaps()),
        Effect.tapError((error) => Effect.logWarning(`${origin}/robots.txt could not be read: ${String(error.cause)}`))
      ),
    { concurrency: 4 }
  ).pipe(Effect.map(([unread, found]) => ({ sitemaps: found.flat(), unread: unread.length })))
