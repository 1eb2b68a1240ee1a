import { randomBytes } from "node:crypto"
import { Effect, Metric, MetricLabel } from "effect"
import { describe, expect, it } from "vitest"
import {
  breakerOpen,
  errorsTotal,
  fetchSeconds,
  lastSuccessSeconds,
  postingsTotal,
  recordError,
  recordFetch,
  recordPosting,
  recordRetry,
  recordSuccess,
  requestsTotal,
  retriesTotal,
  setBreakerOpen
} from "./metrics.js"

// The registry is process-wide: each test records under a source name of its own.
const freshSource = () => `src-${randomBytes(4).toString("hex")}`

const valueOf = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, tags: Record<string, string>) =>
  Effect.runSync(Metric.value(Metric.taggedWithLabels(metric, Object.entries(tags).map(([k, v]) => MetricLabel.make(k, v)))))

describe("connector metrics", () => {
  it("counts requests by source and status, and observes every fetch's duration", () => {
    const source = freshSource()
    Effect.runSync(
      Effect.all([recordFetch(source, "200", 0.03), recordFetch(source, "200", 0.2), recordFetch(source, "timeout", 30)])
    )
    expect(valueOf(requestsTotal, { source, status: "200" }).count).toBe(2)
    expect(valueOf(requestsTotal, { source, status: "timeout" }).count).toBe(1)
    const histogram = valueOf(fetchSeconds, { source })
    expect(histogram.count).toBe(3)
    expect(histogram.sum).toBeCloseTo(30.23)
    expect(new Map(histogram.buckets).get(0.05)).toBe(1)
    expect(new Map(histogram.buckets).get(0.25)).toBe(2)
    expect(new Map(histogram.buckets).get(30)).toBe(3)
  })

  it("counts postings by change, one by default or n at once, and ignores negative amounts", () => {
    const source = freshSource()
    Effect.runSync(
      Effect.all([
        recordPosting(source, "new"),
        recordPosting(source, "new", 4),
        recordPosting(source, "closed", 2),
        recordPosting(source, "closed", -1)
      ])
    )
    expect(valueOf(postingsTotal, { source, change: "new" }).count).toBe(5)
    expect(valueOf(postingsTotal, { source, change: "closed" }).count).toBe(2)
  })

  it("counts errors by kind and retries by reason", () => {
    const source = freshSource()
    Effect.runSync(Effect.all([recordError(source, "parse"), recordError(source, "parse"), recordRetry(source, "throttled")]))
    expect(valueOf(errorsTotal, { source, kind: "parse" }).count).toBe(2)
    expect(valueOf(errorsTotal, { source, kind: "http" }).count).toBe(0)
    expect(valueOf(retriesTotal, { source, reason: "throttled" }).count).toBe(1)
  })

  it("sets the breaker gauge to 1 while open and back to 0, and the last success in Unix seconds", () => {
    const source = freshSource()
    Effect.runSync(setBreakerOpen(source, true))
    expect(valueOf(breakerOpen, { source }).value).toBe(1)
    Effect.runSync(setBreakerOpen(source, false))
    expect(valueOf(breakerOpen, { source }).value).toBe(0)
    Effect.runSync(recordSuccess(source, new Date("2025-04-01T08:00:00.500Z")))
    expect(valueOf(lastSuccessSeconds, { source }).value).toBe(1743494400.5)
  })

  it("keeps sources apart", () => {
    const [a, b] = [freshSource(), freshSource()]
    Effect.runSync(Effect.all([recordError(a, "breaker"), setBreakerOpen(a, true)]))
    expect(valueOf(errorsTotal, { source: b, kind: "breaker" }).count).toBe(0)
    expect(valueOf(breakerOpen, { source: b }).value).toBe(0)
  })
})
