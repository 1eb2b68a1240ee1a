import { randomBytes } from "node:crypto"
import { Effect, Metric, MetricBoundaries } from "effect"
import { describe, expect, it } from "vitest"
import { recordFetch, recordPosting } from "../connectors/metrics.js"
import { renderPrometheus } from "./prometheus.js"

// The registry is process-wide: each test names its metrics with a prefix of its own and reads only those lines.
const prefix = () => `t${randomBytes(4).toString("hex")}_`

const scrape = (stages: ReadonlyMap<string, number> = new Map()) => Effect.runSync(renderPrometheus(stages))

/** The lines of the exposition that belong to metrics whose sanitised name starts with `p`. */
const linesOf = (text: string, p: string) =>
  text.split("\n").filter((line) => line.startsWith(p) || line.startsWith(`# HELP ${p}`) || line.startsWith(`# TYPE ${p}`))

describe("renderPrometheus", () => {
  it("writes HELP and TYPE once per name, then every tagged series sorted by labels", () => {
    const p = prefix()
    const requests = Metric.counter(`${p}requests_total`, { description: "Requests made.", incremental: true })
    const open = Metric.gauge(`${p}open`, { description: "1 while open." })
    Effect.runSync(
      Effect.all([
        Metric.incrementBy(Metric.tagged(Metric.tagged(requests, "source", "globex"), "status", "503"), 2),
        Metric.increment(Metric.tagged(Metric.tagged(requests, "source", "acme"), "status", "200")),
        Metric.set(open.pipe(Metric.tagged("source", "acme")), 1),
        Metric.set(open, 0.5)
      ])
    )
    expect(linesOf(scrape(), p)).toEqual([
      `# HELP ${p}open 1 while open.`,
      `# TYPE ${p}open gauge`,
      `${p}open 0.5`,
      `${p}open{source="acme"} 1`,
      `# HELP ${p}requests_total Requests made.`,
      `# TYPE ${p}requests_total counter`,
      `${p}requests_total{source="acme",status="200"} 1`,
      `${p}requests_total{source="globex",status="503"} 2`
    ])
  })

  it("writes histograms as cumulative buckets up to +Inf, then _sum and _count", () => {
    const p = prefix()
    const seconds = Metric.histogram(`${p}seconds`, MetricBoundaries.fromIterable([0.1, 1, 10]), "Fetch time.")
    const tagged = seconds.pipe(Metric.tagged("source", "acme"))
    Effect.runSync(Effect.forEach([0.05, 0.1, 0.5, 2, 60], (v) => Metric.update(tagged, v), { discard: true }))
    expect(linesOf(scrape(), p)).toEqual([
      `# HELP ${p}seconds Fetch time.`,
      `# TYPE ${p}seconds histogram`,
      `${p}seconds_bucket{source="acme",le="0.1"} 2`,
      `${p}seconds_bucket{source="acme",le="1"} 3`,
      `${p}seconds_bucket{source="acme",le="10"} 4`,
      `${p}seconds_bucket{source="acme",le="+Inf"} 5`,
      `${p}seconds_sum{source="acme"} 62.65`,
      `${p}seconds_count{source="acme"} 5`
    ])
  })

  it("escapes label values and help text, and sanitises metric and label names", () => {
    const p = prefix()
    const counter = Metric.counter(`${p}odd.name-total`, { description: "Back\\slash and\nnewline." })
    Effect.runSync(Metric.increment(Metric.tagged(counter, "9th label", 'a "quoted" C:\\path\nand a line')))
    expect(linesOf(scrape(), p)).toEqual([
      `# HELP ${p}odd_name_total Back\\\\slash and\\nnewline.`,
      `# TYPE ${p}odd_name_total counter`,
      `${p}odd_name_total{_9th_label="a \\"quoted\\" C:\\\\path\\nand a line"} 1`
    ])
    const digit = Metric.gauge(`9${p}starts_with_a_digit`)
    Effect.runSync(Metric.set(digit, 3))
    expect(linesOf(scrape(), `_9${p}`)).toEqual([`# TYPE _9${p}starts_with_a_digit gauge`, `_9${p}starts_with_a_digit 3`])
  })

  it("writes the stage counters as jobstream_stage_records_total, one series per counter", () => {
    const text = scrape(new Map([["normalize.out.jobs.dlq", 2], ["normalize.in", 12]]))
    expect(linesOf(text, "jobstream_stage_records_total")).toEqual([
      expect.stringMatching(/^# HELP jobstream_stage_records_total \S/),
      "# TYPE jobstream_stage_records_total counter",
      'jobstream_stage_records_total{counter="normalize.in"} 12',
      'jobstream_stage_records_total{counter="normalize.out.jobs.dlq"} 2'
    ])
    expect(linesOf(scrape(), "jobstream_stage_records_total")).toEqual([])
  })

  it("types a name that metrics of different types share as untyped", () => {
    const p = prefix()
    Effect.runSync(
      Effect.all([
        Metric.increment(Metric.tagged(Metric.counter(`${p}shared`), "kind", "counter")),
        Metric.set(Metric.gauge(`${p}shared`).pipe(Metric.tagged("kind", "gauge")), 7)
      ])
    )
    expect(linesOf(scrape(), p)).toEqual([`# TYPE ${p}shared untyped`, `${p}shared{kind="counter"} 1`, `${p}shared{kind="gauge"} 7`])
  })

  it("writes summaries with their quantiles and frequencies as one counter series per value", () => {
    const p = prefix()
    const summary = Metric.summary({ name: `${p}latency`, maxAge: "1 minute", maxSize: 10, error: 0, quantiles: [0.5] })
    const frequency = Metric.frequency(`${p}outcomes`)
    Effect.runSync(
      Effect.all([
        Effect.forEach([2, 2, 2], (v) => Metric.update(summary, v), { discard: true }),
        Effect.forEach(["ok", "ok", "failed"], (v) => Metric.update(frequency, v), { discard: true })
      ])
    )
    expect(linesOf(scrape(), p)).toEqual([
      `# TYPE ${p}latency summary`,
      `${p}latency{quantile="0.5"} 2`,
      `${p}latency_sum 6`,
      `${p}latency_count 3`,
      `# TYPE ${p}outcomes counter`,
      `${p}outcomes{value="failed"} 1`,
      `${p}outcomes{value="ok"} 2`
    ])
  })

  it("renders the connector metrics, and every line of the whole exposition follows the format's grammar", () => {
    const source = `src-${randomBytes(4).toString("hex")}`
    Effect.runSync(Effect.all([recordFetch(source, "200", 0.3), recordFetch(source, "network", 5), recordPosting(source, "reopened")]))
    const p = prefix()
    Effect.runSync(Metric.set(Metric.gauge(`${p}special`).pipe(Metric.tagged("v", "x")), NaN))
    const text = scrape(new Map([["dedup.in", 3]]))
    expect(text).toContain(`jobstream_connector_requests_total{source="${source}",status="network"} 1\n`)
    expect(text).toContain(`jobstream_connector_fetch_seconds_bucket{source="${source}",le="0.5"} 1\n`)
    expect(text).toContain(`jobstream_connector_fetch_seconds_bucket{source="${source}",le="+Inf"} 2\n`)
    expect(text).toContain(`jobstream_connector_postings_total{source="${source}",change="reopened"} 1\n`)
    expect(text).toContain(`${p}special{v="x"} NaN\n`)
    expect(violations(text)).toEqual([])
    expect(violations('bad name 1\n# TYPE x counter\nx{le="1} 2\nx 1\n# TYPE x gauge\ny 2')).toEqual([
      "no final newline",
      "not a line of the format: bad name 1",
      'not a line of the format: x{le="1} 2',
      "second TYPE: # TYPE x gauge",
      "TYPE after samples: # TYPE x gauge",
      "sample without TYPE: y 2"
    ])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// The text exposition format 0.0.4, as Prometheus parses it: what a line may be, and what a scrape as a whole may
// contain (one HELP and one TYPE per name, TYPE before the name's samples, a final newline).

const name = "[a-zA-Z_:][a-zA-Z0-9_:]*"
const label = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`
const value = "(?:NaN|[+-]Inf|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)"
const sampleLine = new RegExp(`^(${name})(?:\\{(?:${label}(?:,${label})*,?)?\\})? ${value}(?: -?\\d+)?$`)
const helpLine = new RegExp(`^# HELP (${name}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`)
const typeLine = new RegExp(`^# TYPE (${name}) (counter|gauge|histogram|summary|untyped)$`)

const violations = (text: string) => {
  const problems: Array<string> = []
  if (!text.endsWith("\n")) problems.push("no final newline")
  const helped = new Set<string>()
  const typed = new Map<string, string>()
  const sampled = new Set<string>()
  for (const line of text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n")) {
    const help = helpLine.exec(line)
    const type = typeLine.exec(line)
    const sample = sampleLine.exec(line)
    if (help) {
      if (helped.has(help[1]!)) problems.push(`second HELP: ${line}`)
      helped.add(help[1]!)
    } else if (type) {
      if (typed.has(type[1]!)) problems.push(`second TYPE: ${line}`)
      if (sampled.has(type[1]!)) problems.push(`TYPE after samples: ${line}`)
      typed.set(type[1]!, type[2]!)
    } else if (sample) {
      const family = [...typed].find(([n, t]) => sample[1] === n || (suffixes[t] ?? []).some((s) => sample[1] === n + s))
      if (family === undefined) problems.push(`sample without TYPE: ${line}`)
      else sampled.add(family[0])
    } else if (!line.startsWith("#")) problems.push(`not a line of the format: ${line}`)
  }
  return problems
}

const suffixes: Record<string, ReadonlyArray<string>> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
  untyped: ["_bucket", "_sum", "_count"]
}
