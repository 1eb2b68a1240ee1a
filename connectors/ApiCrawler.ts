import { BasicCrawler, type Request } from "crawlee"
import { Array as Arr, Effect } from "effect"
import type { RawPosting } from "../schemas/RawPosting.js"
import { Postgres } from "../stack/Postgres.js"
import { fetchEvent, insertConnectorEvents, runEvent, type ConnectorEvent } from "./connectorEvents.js"
import { redactUrl } from "./apiSupport.js"
import { makeBridge, runCrawler } from "./crawleeBridge.js"
import { closeMissing, recordRun, startRun } from "./crawlRun.js"
import { fetchPolitely, type Attempt } from "./Fetcher.js"
import * as metrics from "./metrics.js"
import { completeDetails, type Hashed } from "./postingDetails.js"
import type { CrawlProgress } from "./progress.js"
import {
  BreakerOpen,
  defaultBreaker,
  defaultRetry,
  Politeness,
  type BreakerPolicy,
  type RatePolicy,
  type RetryPolicy
} from "./Politeness.js"
import { Publisher } from "./Publisher.js"
import type { ApiRequest, BoardConfig, SourceApi } from "./SourceApi.js"

export interface ApiSource {
  readonly api: SourceApi
  readonly board: BoardConfig
  readonly rate: RatePolicy
  readonly retry?: RetryPolicy
  readonly breaker?: BreakerPolicy
  /** Requests one run may make; a run cut short by it closes nothing. Default 2,000. */
  readonly maxRequests?: number
  /** Requests in flight at once, listings and detail requests alike (the host's rate still spaces them). Default 2. */
  readonly concurrency?: number
  /** Called after every request with the counts so far (the CLI's live progress line). */
  readonly onProgress?: (progress: CrawlProgress) => void
}

interface Validators {
  readonly url: string
  readonly etag: string | null
  readonly last_modified: string | null
  readonly external_ids: ReadonlyArray<string>
  readonly next: ReadonlyArray<ApiRequest>
}

/** A page's postings are completed and published this many at a time, so that a long page's first ones go out early. */
const PUBLISH_CHUNK = 100

/**
 * Crawls one configured board of a job-source API with Crawlee's BasicCrawler: each request is fetched politely
 * (Fetcher.ts), its body parsed by the source's pure `SourceApi`, each posting completed from its `detail`
 * request when it is new or changed (postingDetails.ts) and handed to the Publisher, and the follow-up requests
 * queued. Guarantees:
 * - a body the parser cannot fully read goes to `jobs.dlq` with the reasons and its bytes; the crawl goes on;
 * - a listing that answers 304 Not Modified keeps its postings seen and its next pages queued, from what its
 *   last full answer held; requests carrying credentials are never cached, so no secret reaches the database;
 * - postings missing from the board are closed only when the source lists whole boards and the run was
 *   complete: every request answered, nothing malformed, no cap reached, and at least one posting found (an
 *   empty answer is more often a broken board than an empty one);
 * - each attempt is counted on `/metrics` and written to ClickHouse `connector_events` with the run's summary.
 */
export const crawlApi = (config: ApiSource) =>
  Effect.gen(function* () {
    const publisher = yield* Publisher
    const politeness = yield* Politeness
    const db = yield* Postgres
    const bridge = yield* makeBridge<Politeness>()
    const { api, board } = config
    const source = board.source
    const retry = config.retry ?? defaultRetry
    const breaker = config.breaker ?? defaultBreaker
    const run = yield* startRun(source, api.type, config.onProgress)
    const { runId, counts, progress } = run
    const events: Array<ConnectorEvent> = []

    const onAttempt = (attempt: Attempt) =>
      Effect.suspend(() => {
        events.push(
          fetchEvent({
            runId,
            source,
            sourceType: api.type,
            url: attempt.url,
            status: attempt.status,
            latencyMs: attempt.seconds * 1000,
            attempt: attempt.attempt,
            at: new Date(Date.now() - attempt.seconds * 1000),
            ...(attempt.retry === undefined ? {} : { detail: `retried: ${attempt.retry}` })
          })
        )
        if (attempt.retry !== undefined) counts.retries += 1
        return Effect.zipRight(
          metrics.recordFetch(source, attempt.status, attempt.seconds),
          attempt.retry === undefined ? Effect.void : metrics.recordRetry(source, attempt.retry)
        )
      })

    /** Postings of one page, published together. */
    const publish = (postings: ReadonlyArray<Hashed>, fetchedAt: string) =>
      Effect.gen(function* () {
        const raws = postings.map(
          ({ posting, contentHash }): RawPosting => ({
            source,
            sourceType: api.type,
            externalId: posting.externalId,
            url: posting.url,
            fetchedAt,
            contentHash,
            fields: posting.fields,
            payload: posting.payload,
            ...(posting.attribution === undefined ? {} : { attribution: posting.attribution })
          })
        )
        const changes = yield* publisher.publish(raws)
        counts.postings += changes.length
        const byChange = new Map<(typeof changes)[number], number>()
        for (const change of changes) byChange.set(change, (byChange.get(change) ?? 0) + 1)
        for (const [change, n] of byChange) {
          counts[change] += n
          yield* metrics.recordPosting(source, change, n)
        }
      })

    // The validators the source kept, read once per run rather than once per request.
    const validators = new Map(
      (yield* db.query<Validators>(
        "SELECT url, etag, last_modified, external_ids, next FROM source_http_cache WHERE source = $1",
        [source]
      )).map((v) => [v.url, v])
    )

    /** One request, fetched politely (conditionally when `cached` holds validators) and settled on the breaker. */
    const fetchRequest = (request: ApiRequest, cached?: Validators) =>
      Effect.gen(function* () {
        yield* politeness.checkBreaker(source)
        const fetched = yield* fetchPolitely(
          {
            url: request.url,
            shownUrl: redactUrl(request.url),
            ...(request.headers === undefined ? {} : { headers: request.headers }),
            etag: cached?.etag ?? undefined,
            lastModified: cached?.last_modified ?? undefined
          },
          config.rate,
          retry,
          onAttempt
        ).pipe(
          Effect.tapErrorTag("FetchFailed", () =>
            Effect.flatMap(politeness.settle(source, false, breaker), (opened) =>
              opened ? Effect.all([metrics.setBreakerOpen(source, true), metrics.recordError(source, "breaker")]) : Effect.void
            )
          )
        )
        yield* politeness.settle(source, true, breaker)
        return fetched
      })

    const handle = (request: ApiRequest, enqueue: (next: ReadonlyArray<ApiRequest>) => Effect.Effect<void>) =>
      Effect.gen(function* () {
        const shownUrl = redactUrl(request.url)
        // A request that carries a credential (in its URL or headers) is never cached: no secret is stored.
        const cacheable = shownUrl === request.url && request.headers === undefined
        const cached = cacheable ? validators.get(request.url) : undefined
        const fetched = yield* fetchRequest(request, cached)
        counts.pages += 1
        if (fetched.status === 304 && cached !== undefined) {
          yield* publisher.touch(source, cached.external_ids, new Date())
          counts.postings += cached.external_ids.length
          counts.unchanged += cached.external_ids.length
          yield* metrics.recordPosting(source, "unchanged", cached.external_ids.length)
          return yield* enqueue(cached.next)
        }
        const fetchedAt = new Date().toISOString()
        const page = api.parse(fetched.body, request, board)
        let detailsMissing = 0
        for (const postings of Arr.chunksOf(page.postings, PUBLISH_CHUNK)) {
          const ready = yield* completeDetails({
            api,
            source,
            postings,
            concurrency: config.concurrency ?? 2,
            fetch: (detail) => Effect.map(fetchRequest(detail), (answer) => answer.body)
          }).pipe(Effect.provideService(Publisher, publisher))
          detailsMissing += ready.missing
          yield* publish(ready.postings, fetchedAt)
        }
        if (page.errors.length > 0) {
          counts.errors += page.errors.length
          yield* Effect.all([
            publisher.reject({ source, url: shownUrl, reason: page.errors.join("; "), bytes: fetched.body }),
            metrics.recordError(source, "parse")
          ])
        }
        yield* enqueue(page.next)
        // Validators are kept only for a page read whole: a 304 must not skip a posting whose detail is missing.
        const whole = page.errors.length === 0 && detailsMissing === 0
        if (cacheable && (fetched.etag !== undefined || fetched.lastModified !== undefined) && whole)
          yield* db.query(
            `INSERT INTO source_http_cache (source, url, etag, last_modified, external_ids, next, fetched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source, url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
               external_ids = excluded.external_ids, next = excluded.next, fetched_at = excluded.fetched_at`,
            [
              source, request.url, fetched.etag ?? null, fetched.lastModified ?? null,
              page.postings.map((p) => p.externalId), JSON.stringify(page.next), fetchedAt
            ]
          )
      })

    const toCrawlee = (request: ApiRequest) => ({
      url: request.url,
      uniqueKey: `${request.label} ${request.url}`,
      label: request.label,
      userData: { apiRequest: request }
    })
    const finished = yield* runCrawler({
      source,
      runId,
      start: api.start(board).map(toCrawlee),
      make: ({ requestQueue, storage }) =>
        new BasicCrawler(
          {
            requestQueue,
            maxRequestsPerCrawl: config.maxRequests ?? 2000,
            maxConcurrency: config.concurrency ?? 2,
            // Retries happen inside fetchPolitely, with backoff and Retry-After; a request that fails there is final.
            maxRequestRetries: 0,
            requestHandlerTimeoutSecs: 60 * 60,
            requestHandler: bridge.handler(({ request }: { request: Request }) =>
              handle(request.userData.apiRequest as ApiRequest, (next) =>
                Effect.promise(() => requestQueue.addRequests(next.map(toCrawlee)))
              ).pipe(Effect.zipRight(Effect.sync(progress)))
            ),
            failedRequestHandler: bridge.handler(({ request }: { request: Request }, error: Error) => {
              counts.errors += 1
              const kind = error instanceof BreakerOpen ? "breaker" : "http"
              return Effect.all([
                metrics.recordError(source, kind),
                Effect.logWarning(`${source}: ${redactUrl(request.url)} failed: ${error.message}`)
              ]).pipe(Effect.zipRight(Effect.sync(progress)))
            })
          },
          storage
        )
    })

    // A request that failed for good counted as an error too: no errors means every request was answered.
    const complete = counts.errors === 0 && finished
    if (api.listsWholeBoard && (yield* closeMissing(run, complete)))
      yield* metrics.recordPosting(source, "closed", counts.closed)
    if (!(yield* politeness.breakerOpen(source))) yield* metrics.setBreakerOpen(source, false)
    if (complete) yield* metrics.recordSuccess(source, new Date())
    const summary = yield* recordRun(run, complete)
    yield* insertConnectorEvents([...events, runEvent({
        ...summary,
        startedAt: run.startedAt,
        finishedAt: new Date(),
        status: complete ? "complete" : "incomplete",
        detail: JSON.stringify({ reopened: counts.reopened, retries: counts.retries })
      })]).pipe(
      Effect.catchAll((error) => Effect.logWarning(`${source}: connector events not written to ClickHouse`, error))
    )
    progress()
    return summary
  }).pipe(Effect.withSpan("ApiCrawler.crawl"), Effect.annotateLogs("connector", config.board.source))
