import { Effect } from "effect"
import type { CrawlSummary } from "./progress.js"
import { hashId } from "../schemas/Envelope.js"
import { ClickHouse, type ClickHouseError, toDateTime } from "../stack/ClickHouse.js"

/** A row of `connector_events` (ClickHouse migration 005). Fields a kind does not use are "" or 0. */
export interface ConnectorEvent {
  readonly event_id: string
  readonly occurred_at: string
  readonly run_id: string
  readonly source: string
  readonly source_type: string
  readonly kind: "fetch" | "run"
  readonly url: string
  readonly status: string
  readonly latency_ms: number
  readonly attempt: number
  readonly detail: string
  readonly pages: number
  readonly postings: number
  readonly new: number
  readonly changed: number
  readonly unchanged: number
  readonly closed: number
  readonly errors: number
}

export interface FetchOutcome {
  readonly runId: string
  readonly source: string
  readonly sourceType: string
  readonly url: string
  /** The HTTP status code as text, or "network" / "timeout" when no response came. */
  readonly status: string
  readonly latencyMs: number
  /** 1 for the first try of this URL in this run, 2 for the first retry, ... */
  readonly attempt: number
  /** When the request was sent. */
  readonly at: Date
  readonly detail?: string
}

/** A run's counts as the crawler summed them (connectors/progress.ts), with its times and how it ended. */
export type RunOutcome = Pick<
  CrawlSummary,
  "runId" | "source" | "sourceType" | "pages" | "postings" | "new" | "changed" | "unchanged" | "closed" | "errors"
> & {
  readonly startedAt: Date
  readonly finishedAt: Date
  /** How the run ended, e.g. "complete" or "incomplete". */
  readonly status: string
  readonly detail?: string
}

/** One HTTP request's row. Its id is `hashId("fetch", runId, url, attempt)`: the same request sent again folds. */
export const fetchEvent = (fetch: FetchOutcome): ConnectorEvent => ({
  ...empty,
  event_id: hashId("fetch", fetch.runId, fetch.url, String(fetch.attempt)),
  occurred_at: toDateTime(fetch.at),
  run_id: fetch.runId,
  source: fetch.source,
  source_type: fetch.sourceType,
  kind: "fetch",
  url: fetch.url,
  status: fetch.status,
  latency_ms: uint32(fetch.latencyMs),
  attempt: uint8(fetch.attempt),
  detail: fetch.detail ?? ""
})

/**
 * One run's row, with its totals and its duration as `latency_ms`. Its id is `hashId("run", runId)` and its time
 * the run's start, so a run recorded again (even with later totals) folds into one row.
 */
export const runEvent = (run: RunOutcome): ConnectorEvent => ({
  ...empty,
  event_id: hashId("run", run.runId),
  occurred_at: toDateTime(run.startedAt),
  run_id: run.runId,
  source: run.source,
  source_type: run.sourceType,
  kind: "run",
  status: run.status,
  latency_ms: uint32(run.finishedAt.getTime() - run.startedAt.getTime()),
  detail: run.detail ?? "",
  pages: uint32(run.pages),
  postings: uint32(run.postings),
  new: uint32(run.new),
  changed: uint32(run.changed),
  unchanged: uint32(run.unchanged),
  closed: uint32(run.closed),
  errors: uint32(run.errors)
})

/** All rows in one INSERT into `connector_events`; no query at all when there are none. */
export const insertConnectorEvents = (rows: ReadonlyArray<ConnectorEvent>): Effect.Effect<void, ClickHouseError, ClickHouse> =>
  rows.length === 0 ? Effect.void : Effect.flatMap(ClickHouse, (ch) => ch.insert("connector_events", rows))

const empty = {
  url: "",
  attempt: 0,
  pages: 0,
  postings: 0,
  new: 0,
  changed: 0,
  unchanged: 0,
  closed: 0,
  errors: 0
}

// ClickHouse 18.16 refuses a whole INSERT over one negative or fractional value in a UInt column (a clock step
// back makes a negative duration) and silently wraps one too large: values are rounded and clamped instead.
const clamp = (max: number) => (n: number) => (Number.isFinite(n) ? Math.min(max, Math.max(0, Math.round(n))) : 0)
const uint32 = clamp(2 ** 32 - 1)
const uint8 = clamp(2 ** 8 - 1)
