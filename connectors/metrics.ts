import { Effect, Metric, MetricBoundaries, MetricLabel } from "effect"

/**
 * The connectors' metrics, per source, in Effect's process-wide metric registry (`/metrics` renders them). Each
 * recorder is one Effect that never fails, so crawler code stays one line per event. A series exists from the
 * first event that records it: a source that never timed out has no `status="timeout"` series.
 */

/** What a fetched posting turned out to be, or what happened to a posting no longer (or again) on its board. */
export type PostingChange = "new" | "changed" | "unchanged" | "closed" | "reopened"
/** `http`: a response that is not a success; `parse`: a page with nothing usable; `rejected`: dead-lettered. */
export type ErrorKind = "http" | "parse" | "rejected" | "breaker" | "detail"
/** Why a request is tried again: 429 (`throttled`), 5xx (`server`), no response at all (`network`). */
export type RetryReason = "throttled" | "server" | "network"

// Counters are incremental: a negative or NaN amount leaves them unchanged, as Prometheus counters require.
export const requestsTotal = Metric.counter("jobstream_connector_requests_total", {
  description: "HTTP requests a connector made, by source and status (HTTP status code, network or timeout).",
  incremental: true
})

export const fetchSeconds = Metric.histogram(
  "jobstream_connector_fetch_seconds",
  MetricBoundaries.fromIterable([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  "Duration of a connector's HTTP requests in seconds, whatever their outcome, by source."
)

export const postingsTotal = Metric.counter("jobstream_connector_postings_total", {
  description: "Postings a connector handled, by source and change (new, changed, unchanged, closed, reopened).",
  incremental: true
})

export const errorsTotal = Metric.counter("jobstream_connector_errors_total", {
  description: "Connector errors by source and kind (http, parse, rejected, breaker, detail: a posting published without its detail).",
  incremental: true
})

export const retriesTotal = Metric.counter("jobstream_connector_retries_total", {
  description: "Requests a connector tried again, by source and reason (throttled, server, network).",
  incremental: true
})

export const breakerOpen = Metric.gauge("jobstream_connector_breaker_open", {
  description: "1 while the source's circuit breaker is open (requests are not sent), 0 otherwise."
})

export const lastSuccessSeconds = Metric.gauge("jobstream_connector_last_success_timestamp_seconds", {
  description: "Unix time in seconds of the source's last successful run."
})

/** One HTTP request: counted under its status, its duration observed in the source's histogram. */
export const recordFetch = (source: string, status: string, seconds: number): Effect.Effect<void> =>
  Effect.zipRight(
    Metric.increment(tagged(requestsTotal, { source, status })),
    Metric.update(tagged(fetchSeconds, { source }), seconds)
  )

/** `n` postings (one by default) with the same change. */
export const recordPosting = (source: string, change: PostingChange, n = 1): Effect.Effect<void> =>
  Metric.incrementBy(tagged(postingsTotal, { source, change }), n)

export const recordError = (source: string, kind: ErrorKind): Effect.Effect<void> =>
  Metric.increment(tagged(errorsTotal, { source, kind }))

export const recordRetry = (source: string, reason: RetryReason): Effect.Effect<void> =>
  Metric.increment(tagged(retriesTotal, { source, reason }))

export const setBreakerOpen = (source: string, open: boolean): Effect.Effect<void> =>
  Metric.set(tagged(breakerOpen, { source }), open ? 1 : 0)

/** The source's last successful run ended at `at`: Unix seconds, milliseconds as the fraction. */
export const recordSuccess = (source: string, at: Date): Effect.Effect<void> =>
  Metric.set(tagged(lastSuccessSeconds, { source }), at.getTime() / 1000)

/** The metric's series for these labels, in this order. */
const tagged = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, labels: Record<string, string>) =>
  Metric.taggedWithLabels(metric, Object.entries(labels).map(([key, value]) => MetricLabel.make(key, value)))
