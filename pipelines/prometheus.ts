import { Effect, Metric, type MetricPair, MetricState, Option } from "effect"

/** The media type of what `renderPrometheus` writes: the Prometheus text exposition format 0.0.4. */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

/**
 * Every metric in this process's registry (Effect's global one: every `Metric` updated at least once) and the
 * pipeline's stage counters (`StageStats` snapshot) as `jobstream_stage_records_total{counter="..."}`, in the
 * Prometheus text exposition format 0.0.4.
 *
 * Guarantees: one `# HELP` and `# TYPE` line per metric name, followed by all its series; metric and label names
 * sanitised to what Prometheus accepts, label values escaped; histograms as cumulative `_bucket` lines ending
 * with `le="+Inf"`, then `_sum` and `_count`; metrics and series sorted by name and labels, so the same state
 * always renders the same text. A name used by metrics of different types is typed `untyped`, which accepts
 * all their lines.
 */
export const renderPrometheus = (stages: ReadonlyMap<string, number>): Effect.Effect<string> =>
  Effect.map(Metric.snapshot, (pairs) => render([...pairs.flatMap(seriesOf), ...stageSeries(stages)]))

type Type = "counter" | "gauge" | "histogram" | "summary" | "untyped"
type Labels = ReadonlyArray<readonly [string, string]>

/** One labelled instance of a metric, its sample lines already written. */
interface Series {
  readonly name: string
  readonly type: Type
  readonly help: string
  readonly labels: string
  readonly lines: ReadonlyArray<string>
}

const stageSeries = (stages: ReadonlyMap<string, number>): ReadonlyArray<Series> =>
  [...stages].map(([counter, n]) =>
    series(
      "jobstream_stage_records_total",
      "counter",
      "Records each pipeline stage read (<stage>.in) and published per topic (<stage>.out.<topic>) since the process started.",
      [["counter", counter]],
      (sample) => [sample("", [], n)]
    )
  )

const seriesOf = (pair: MetricPair.MetricPair.Untyped): ReadonlyArray<Series> => {
  const { metricKey: key, metricState: state } = pair
  const help = Option.getOrElse(key.description, () => "")
  const labels = key.tags.map((t) => [t.key, t.value] as const)
  const one = (type: Type, write: (sample: Sample) => ReadonlyArray<string>) => [series(key.name, type, help, labels, write)]
  if (MetricState.isCounterState(state)) return one("counter", (sample) => [sample("", [], state.count)])
  if (MetricState.isGaugeState(state)) return one("gauge", (sample) => [sample("", [], state.value)])
  if (MetricState.isHistogramState(state))
    return one("histogram", (sample) => [
      ...state.buckets.filter(([le]) => le !== Infinity).map(([le, n]) => sample("_bucket", [["le", formatValue(le)]], n)),
      sample("_bucket", [["le", "+Inf"]], state.count),
      sample("_sum", [], state.sum),
      sample("_count", [], state.count)
    ])
  if (MetricState.isSummaryState(state))
    return one("summary", (sample) => [
      ...state.quantiles.map(([q, v]) => sample("", [["quantile", formatValue(q)]], Option.getOrElse(v, () => NaN))),
      sample("_sum", [], state.sum),
      sample("_count", [], state.count)
    ])
  // A frequency counts occurrences of string values: one counter series per value seen.
  if (MetricState.isFrequencyState(state))
    return [...state.occurrences].map(([value, n]) =>
      series(key.name, "counter", help, [...labels, ["value", value]], (sample) => [sample("", [], n)])
    )
  return []
}

type Sample = (suffix: string, extra: Labels, value: number | bigint) => string

const series = (rawName: string, type: Type, help: string, labels: Labels, write: (sample: Sample) => ReadonlyArray<string>): Series => {
  const name = metricName(rawName)
  const own = labels.map(([k, v]) => [labelName(k), v] as const)
  return {
    name,
    type,
    help,
    labels: formatLabels(own),
    lines: write((suffix, extra, value) => `${name}${suffix}${formatLabels([...own, ...extra])} ${formatValue(value)}`)
  }
}

/** Groups series by metric name: the HELP of the first series that has one, the type they share or `untyped`. */
const render = (all: ReadonlyArray<Series>) => {
  const families = new Map<string, { help: string; type: Type; series: Array<Series> }>()
  for (const s of all) {
    const family = families.get(s.name)
    if (family === undefined) families.set(s.name, { help: s.help, type: s.type, series: [s] })
    else {
      family.series.push(s)
      if (family.help === "") family.help = s.help
      if (family.type !== s.type) family.type = "untyped"
    }
  }
  return [...families]
    .sort(([a], [b]) => compare(a, b))
    .flatMap(([name, family]) => [
      ...(family.help === "" ? [] : [`# HELP ${name} ${escapeHelp(family.help)}`]),
      `# TYPE ${name} ${family.type}`,
      ...family.series.sort((a, b) => compare(a.labels, b.labels)).flatMap((s) => s.lines)
    ])
    .map((line) => `${line}\n`)
    .join("")
}

const formatLabels = (labels: Labels) =>
  labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`

/** Go's float syntax, which Prometheus parses: `NaN`, `+Inf`, `-Inf`, or a JavaScript number's digits. */
const formatValue = (value: number | bigint) =>
  typeof value === "bigint"
    ? value.toString()
    : Number.isNaN(value)
      ? "NaN"
      : value === Infinity
        ? "+Inf"
        : value === -Infinity
          ? "-Inf"
          : String(value)

const metricName = (name: string) => {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[a-zA-Z_:]/.test(clean) ? clean : `_${clean}`
}

const labelName = (name: string) => {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, "_")
  return /^[a-zA-Z_]/.test(clean) ? clean : `_${clean}`
}

const escapeLabelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const escapeHelp = (help: string) => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
