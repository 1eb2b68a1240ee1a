import type { Either } from "effect"
import type { RawFields } from "../schemas/RawPosting.js"

/**
 * What a job source's public API looks like to the connector runtime: which requests list a board, and how one
 * response body becomes postings. Pure: no I/O, never throws on response content (a body it cannot read becomes
 * one entry in `errors`, and the postings it could read are still returned).
 */
export interface SourceApi {
  /** The source type, as written in the sources file: `greenhouse`, `lever`, ... */
  readonly type: string
  /**
   * True when a full crawl lists every open posting of the board, so a posting missing from it has closed.
   * False for search APIs and feeds that show only the latest items, where absence means nothing.
   */
  readonly listsWholeBoard: boolean
  /** The first requests for one configured board. `baseUrl` replaces the public host (replay servers, tests). */
  readonly start: (board: BoardConfig) => ReadonlyArray<ApiRequest>
  /** One response body -> its postings, the follow-up requests (next page, detail pages) and what went wrong. */
  readonly parse: (body: string, request: ApiRequest, board: BoardConfig) => ApiPage
  /**
   * For sources whose postings carry a `detail` request: the posting completed from that request's answer, or
   * why it cannot be (one short message). Pure, like `parse`.
   */
  readonly complete?: (body: string, request: ApiRequest, posting: ApiPosting) => Either.Either<ApiPosting, string>
}

export interface BoardConfig {
  /** The configured source name, e.g. `greenhouse-acme`: unique across the sources file. */
  readonly source: string
  /** The board id at the source (Greenhouse board token, Lever site, Ashby job board name, ...), when it has one. */
  readonly board?: string
  /** Overrides the public API host, e.g. `http://127.0.0.1:8788/greenhouse`: replay servers and tests. */
  readonly baseUrl?: string
  /** The employer, for APIs that name none (a Lever, Ashby or Workable board is one company's); else the board. */
  readonly company?: string
  /** Free-text search terms for sources that search rather than list a board (Adzuna, USAJOBS, HN). */
  readonly query?: string
  /** Credentials read from the environment by the caller, never from the sources file. */
  readonly credentials?: Readonly<Record<string, string>>
}

export interface ApiRequest {
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  /** What the request is for, so `parse` knows which shape to expect: `list`, `detail`, ... */
  readonly label: string
  /** Carried from the request that produced this one (a page number, the listing item for a detail page). */
  readonly userData?: Readonly<Record<string, unknown>>
}

export interface ApiPage {
  readonly postings: ReadonlyArray<ApiPosting>
  readonly next: ReadonlyArray<ApiRequest>
  readonly errors: ReadonlyArray<string>
}

export interface ApiPosting {
  /** The posting's id at its source: stable across crawls. */
  readonly externalId: string
  /** The posting's public page (the apply page when the source has no other). */
  readonly url: string
  readonly fields: RawFields
  /** The item as the source gave it, kept for reprocessing and hashed for change detection. */
  readonly payload: unknown
  /** Attribution the source's terms require to be shown with the posting (RemoteOK, Adzuna). */
  readonly attribution?: { readonly text: string; readonly url: string }
  /**
   * A request whose answer completes the posting (Greenhouse's pay ranges, which only its single-job endpoint
   * gives), read by the source's `complete`. The runtime makes it only for a posting that is new, changed or
   * reopened as listed, under the source's rate limit; when it fails, the posting is published as listed.
   */
  readonly detail?: ApiRequest
}
