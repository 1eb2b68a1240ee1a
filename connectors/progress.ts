import { Data } from "effect"

/** A crawl's counts so far: what `onProgress` receives after every request. */
export interface CrawlProgress {
  readonly source: string
  readonly pages: number
  /** Postings seen on the board this run: new, changed, unchanged (fetched or confirmed by a 304) and reopened. */
  readonly postings: number
  readonly new: number
  readonly changed: number
  readonly unchanged: number
  readonly reopened: number
  readonly closed: number
  readonly errors: number
  readonly retries: number
  readonly seconds: number
}

/** A finished crawl. `complete`: every request answered, nothing malformed, no cap reached. */
export interface CrawlSummary extends CrawlProgress {
  readonly runId: string
  readonly sourceType: string
  readonly complete: boolean
}

/** The crawl could not run at all (not a bad page or a failed request: those are counted and dead-lettered). */
export class CrawlError extends Data.TaggedError("CrawlError")<{ readonly source: string; readonly cause: unknown }> {
  override get message() {
    return `crawl of ${this.source} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** One line for a terminal: `greenhouse-acme  12 pages  340 postings (5 new, 2 changed, 1 closed)  0 errors  8.1/s`. */
export const progressLine = (p: CrawlProgress): string => {
  const rate = p.seconds > 0 ? p.postings / p.seconds : 0
  return [
    p.source,
    `${p.pages} pages`,
    `${p.postings} postings (${p.new} new, ${p.changed} changed, ${p.reopened} reopened, ${p.closed} closed)`,
    `${p.errors} errors`,
    `${p.retries} retries`,
    `${rate.toFixed(1)} postings/s`,
    `${p.seconds.toFixed(1)} s`
  ].join("  ")
}
