import { Effect, Either } from "effect"
import type { PostgresError } from "../stack/Postgres.js"
import { contentHashOf } from "./jsonld/extract.js"
import * as metrics from "./metrics.js"
import { Publisher } from "./Publisher.js"
import type { ApiPosting, ApiRequest, SourceApi } from "./SourceApi.js"

/** A posting ready to publish, with the content hash that tells the next crawl whether it changed. */
export interface Hashed {
  readonly posting: ApiPosting
  readonly contentHash: string
}

/**
 * Completes listed postings from their `detail` requests (Greenhouse's pay ranges) before they are published.
 * Guarantees:
 * - a posting's change is judged on it as listed: its hash is the listed payload's, so a posting listed again
 *   unchanged is not asked for again, and one whose listing changed is;
 * - only postings the Publisher would send (new, changed, reopened) are asked for, at most `concurrency` at a
 *   time, each through `fetch`: the crawler's polite fetch, under the host's rate limit, retries and breaker;
 * - a detail that fails (no answer, or one `complete` cannot read) loses nothing: the posting is published as
 *   listed, the failure logged and counted (`jobstream_connector_errors_total{kind="detail"}`, and `missing`),
 *   and its hash marked, so that the next crawl finds it changed and asks again (the caller must then not keep
 *   the listing's validators: a 304 would skip it). The crawl stays complete: the listing was.
 * Postings come back in the order given.
 */
export const completeDetails = <E extends { readonly message: string }, R>(input: {
  readonly api: SourceApi
  readonly source: string
  readonly postings: ReadonlyArray<ApiPosting>
  readonly concurrency: number
  readonly fetch: (request: ApiRequest) => Effect.Effect<string, E, R>
}): Effect.Effect<{ readonly postings: ReadonlyArray<Hashed>; readonly missing: number }, PostgresError, Publisher | R> =>
  Effect.gen(function* () {
    const { api, source } = input
    const listed = input.postings.map((posting): Hashed => ({ posting, contentHash: contentHashOf(posting.payload) }))
    const complete = api.complete
    const wanted = listed.filter(({ posting }) => posting.detail !== undefined)
    if (complete === undefined || wanted.length === 0) return { postings: listed, missing: 0 }
    const publisher = yield* Publisher
    const changed = yield* publisher.changed(
      source,
      wanted.map(({ posting, contentHash }) => ({ externalId: posting.externalId, contentHash }))
    )
    const ask = new Set(wanted.filter((_, i) => changed[i] === true))
    let missing = 0

    const completed = (hashed: Hashed, request: ApiRequest) =>
      Effect.either(input.fetch(request)).pipe(
        Effect.map((body) =>
          Either.flatMap(
            Either.mapLeft(body, (error) => error.message),
            (answer) => complete(answer, request, hashed.posting)
          )
        ),
        Effect.flatMap(
          Either.match({
            onRight: (posting): Effect.Effect<Hashed> => Effect.succeed({ posting, contentHash: hashed.contentHash }),
            onLeft: (reason) =>
              Effect.as(
                Effect.all([
                  Effect.sync(() => void (missing += 1)),
                  metrics.recordError(source, "detail"),
                  Effect.logWarning(`${source}: posting ${hashed.posting.externalId} published without its detail: ${reason}`)
                ]),
                { posting: hashed.posting, contentHash: contentHashOf({ listed: hashed.contentHash, detail: "missing" }) }
              )
          })
        )
      )

    const postings = yield* Effect.forEach(
      listed,
      (hashed) => (ask.has(hashed) && hashed.posting.detail !== undefined ? completed(hashed, hashed.posting.detail) : Effect.succeed(hashed)),
      { concurrency: input.concurrency }
    )
    return { postings, missing }
  }).pipe(Effect.withSpan("ApiCrawler.completeDetails"))
