// Charts (Chart.js, loaded by the page as a global): what to draw for a time series or categories, and the
// chart instances kept per panel so a live refresh updates them in place.

import { h } from "./dom.js"
import { state } from "./state.js"
import { display, formatDuration, formatPercent, formatTick, humanize, toNumber, toTime } from "./format.js"
import { isDuration, isRate, isShare, plotted, sum, unique } from "./columns.js"

export const Chart = globalThis.Chart
// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F6A00", "#000000"]

/** The bucket a time column names (`minute`, `week`), in ms; other time columns take the step of their data. */
const NAMED_STEPS = { minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3 }
// Bucket widths tried, as multiples of the KPI's own bucket, to keep a chart within MAX_POINTS points.
const WIDTHS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080]
const MAX_POINTS = 1500

/**
 * A time bucket column on x over the whole chosen range, so a burst shows where in the range it happened; one
 * line per category value (e.g. per source), or else one per measured column. Counts are additive: a bucket
 * with no row is 0, and a long range merges buckets into wider ones. Shares and durations are drawn as they come.
 */
export const timeSeries = ({ kpi, columns, rows }, time) => {
  const category = columns.find((c) => c.kind === "category")
  const measures = plotted(columns.filter((c) => c.kind === "number"), kpi)
  const additive = measures.every((m) => !isRate(m))
  const sorted = [...rows].sort((a, b) => toTime(a[time.index]) - toTime(b[time.index]))
  const xs = unique(sorted.map((r) => toTime(r[time.index])))
  const inferred = xs.slice(1).reduce((m, x, i) => Math.min(m, x - xs[i]), Infinity)
  const named = Object.entries(NAMED_STEPS).find(([unit]) => time.name.toLowerCase().includes(unit))?.[1]
  const step = named ?? (Number.isFinite(inferred) ? inferred : null)
  let start = xs[0]
  let end = xs[xs.length - 1]
  let width = step
  if (step && additive) {
    // Whole buckets in the phase of the data (weeks start on the data's Mondays, not on the epoch's Thursday).
    const align = (t) => xs[0] + Math.floor((t - xs[0]) / step) * step
    if (state.range) {
      start = Math.min(start, align(state.range.from))
      end = Math.max(end, align(state.range.to))
    }
    width = step * (WIDTHS.find((k) => (end - start) / (step * k) < MAX_POINTS) ?? WIDTHS[WIDTHS.length - 1])
  }
  const bucketOf = (x) => (width ? start + Math.floor((x - start) / width) * width : x)
  const buckets = width && additive ? Array.from({ length: Math.floor((end - start) / width) + 1 }, (_, i) => start + i * width) : null
  const series = (points) => {
    const summed = sumByX(points.map((p) => ({ x: additive ? bucketOf(p.x) : p.x, y: p.y })))
    if (!buckets) return summed
    const at = new Map(summed.map((p) => [p.x, p.y]))
    return buckets.map((x) => ({ x, y: at.get(x) ?? 0 }))
  }
  let datasets
  if (category && measures.length > 0) {
    const byCategory = new Map()
    for (const row of sorted) {
      const key = String(row[category.index] ?? "")
      if (!byCategory.has(key)) byCategory.set(key, [])
      byCategory.get(key).push({ x: toTime(row[time.index]), y: toNumber(row[measures[0].index]) })
    }
    datasets = [...byCategory].map(([label, data]) => ({ label: label || "(none)", data: series(data) }))
  } else {
    datasets = measures.map((m) => ({ label: humanize(m.name), data: series(sorted.map((row) => ({ x: toTime(row[time.index]), y: toNumber(row[m.index]) }))) }))
  }
  const points = buckets ? buckets.length : xs.length
  const span = end - start
  const tickEvery = width ? width * Math.max(1, Math.ceil(span / width / 8)) : 0
  // Sub-day ticks fall on round clock times; day and week ticks on the data's own days.
  const firstTick = tickEvery && step < 86400e3 ? Math.ceil(start / tickEvery) * tickEvery : start
  const ticks = tickEvery ? Array.from({ length: Math.floor((end - firstTick) / tickEvery) + 1 }, (_, i) => firstTick + i * tickEvery) : xs
  const dense = points > 60
  return {
    type: "line",
    data: {
      datasets: datasets.map((d, i) => ({
        ...colour(d, i),
        // Dense lines mark only the buckets that had something, so a short burst stays visible.
        pointRadius: dense ? (ctx) => (ctx.raw?.y > 0 ? 2.5 : 0) : 2,
        borderWidth: dense ? 1.5 : 2,
        fill: additive && datasets.length <= 3 ? "origin" : false,
        backgroundColor: `${PALETTE[i % PALETTE.length]}33`
      }))
    },
    options: {
      parsing: false,
      scales: {
        x: {
          type: "linear",
          min: start,
          max: end,
          offset: points === 1,
          afterBuildTicks: (scale) => {
            scale.ticks = ticks.map((value) => ({ value }))
          },
          ticks: { autoSkip: false, maxRotation: 0, callback: (v) => formatTick(v, span) }
        },
        y: valueAxis(measures, datasets)
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `${new Date(items[0].parsed.x).toLocaleString()}${width && width !== step ? ` (+${formatDuration(width / 1000)})` : ""}` : "")
          }
        }
      }
    },
    describe: `Line chart over time, ${datasets.length} series, ${points} points${width && width !== step ? ` of ${formatDuration(width / 1000)} each` : ""}.`
  }
}

/** Categories (or the first column) as bars; a second category column splits each bar into grouped bars. */
export const categoryBars = ({ kpi, columns, rows }) => {
  const categories = columns.filter((c) => c.kind === "category")
  const label = categories[0] ?? columns.find((c) => c.kind !== "time") ?? columns[0]
  const measures = plotted(columns.filter((c) => c.kind === "number" && c !== label), kpi)
  const labels = unique(rows.map((r) => String(r[label.index] ?? "")))
  // A second category splits the bars only when it is a dimension (a stage, a decision), not free text.
  const split = categories.slice(1).find((c) => /source|stage|status|decision|type|kind|step|event/i.test(c.name))
  let datasets
  if (split && measures.length > 0) {
    const groups = unique(rows.map((r) => String(r[split.index] ?? "")))
    datasets = groups.map((g) => ({
      label: g,
      data: labels.map((l) => sum(rows.filter((r) => String(r[label.index]) === l && String(r[split.index]) === g), measures[0]))
    }))
  } else {
    datasets = measures.map((m) => ({ label: humanize(m.name), data: labels.map((l) => sum(rows.filter((r) => String(r[label.index]) === l), m)) }))
  }
  const horizontal = labels.length > 10 || labels.some((l) => l.length > 14)
  return {
    type: "bar",
    data: { labels: label.kind === "number" ? bandLabels(label, labels) : labels.map((l) => (label.kind === "time" ? display(label, l) : l)), datasets: datasets.map(colour) },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: { [horizontal ? "x" : "y"]: valueAxis(measures, datasets) },
      plugins: { legend: { display: datasets.length > 1 } }
    },
    describe: `Bar chart of ${humanize(measures[0]?.name ?? "values")} by ${humanize(label.name)}, ${labels.length} bars.`
  }
}

export const chartBox = (id, plot, kpi) => {
  const canvas = h("canvas", { role: "img", "aria-label": `${kpi.title ?? humanize(kpi.name)}. ${plot.describe} The data table below has the values.` })
  const box = h("div", { class: "chart" }, canvas)
  const existing = state.charts.get(id)
  if (existing && existing.config.type === plot.type) {
    // Reuse the chart in place: no flicker on live refresh, and a screen reader keeps its position.
    const oldCanvas = existing.canvas
    existing.data.labels = plot.data.labels
    existing.data.datasets = plot.data.datasets
    existing.options.indexAxis = plot.options.indexAxis
    Object.assign(existing.options.scales, plot.options.scales ?? {})
    oldCanvas.setAttribute("aria-label", canvas.getAttribute("aria-label"))
    existing.update("none")
    return oldCanvas.parentElement
  }
  destroyChart(id)
  state.charts.set(id, new Chart(canvas, { type: plot.type, data: plot.data, options: merge(baseOptions(), plot.options) }))
  return box
}

export const destroyChart = (id) => {
  state.charts.get(id)?.destroy()
  state.charts.delete(id)
}

const baseOptions = () => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: "nearest", intersect: false },
  plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
})

export const colour = (dataset, i) => {
  const c = PALETTE[i % PALETTE.length]
  return { ...dataset, borderColor: c, backgroundColor: `${c}cc`, pointRadius: 2, borderWidth: 2 }
}

const merge = (a, b) => {
  const out = { ...a }
  for (const [k, v] of Object.entries(b ?? {}))
    out[k] = v && typeof v === "object" && !Array.isArray(v) && typeof v !== "function" && a[k] && typeof a[k] === "object" ? merge(a[k], v) : v
  return out
}

const NICE_SECONDS = [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000]

/** Seconds per unit of a duration column, from its name. */
const secondsPer = (c) => (/hours$/i.test(c.name) ? 3600 : /minutes$/i.test(c.name) ? 60 : /_ms$|millis/i.test(c.name) ? 0.001 : 1)

/** A value axis reads in the measures' unit: percent for shares, time for durations, whole numbers for counts. */
const valueAxis = (measures, datasets = []) => {
  if (measures.length > 0 && measures.every(isShare)) return { beginAtZero: true, ticks: { callback: (v) => formatPercent(v) } }
  if (measures.length > 0 && measures.every(isDuration)) {
    const unit = secondsPer(measures[0])
    // Ticks on round durations (10 s, 5 min, 6 h...), not on round numbers of the column's unit.
    const max = Math.max(0, ...datasets.flatMap((d) => d.data.map((p) => (typeof p === "number" ? p : p?.y ?? 0)))) * unit
    const step = NICE_SECONDS.find((n) => max / n <= 8) ?? NICE_SECONDS[NICE_SECONDS.length - 1]
    return { beginAtZero: true, ticks: { stepSize: max > 0 ? step / unit : undefined, callback: (v) => (v === 0 ? "0" : formatDuration(v * unit)) } }
  }
  return { beginAtZero: true, ticks: { precision: measures.every((m) => !isRate(m)) ? 0 : undefined } }
}

/** Points sharing an x (rows split by a column the chart does not show) add up. */
const sumByX = (points) => {
  const at = new Map()
  for (const p of points) at.set(p.x, (at.get(p.x) ?? 0) + p.y)
  return [...at].map(([x, y]) => ({ x, y }))
}
/** Numeric bands (a score bucket of 0, 10, ...) read as ranges: `0–9`, ..., `≥ 90`. */
const bandLabels = (column, labels) => {
  const values = labels.map(Number)
  const width = values.length > 1 ? values[1] - values[0] : 0
  const even = width > 0 && values.every((v, i) => i === 0 || v - values[i - 1] === width)
  if (!/bucket|band|bin/i.test(column.name) || !even) return labels
  return values.map((v, i) => (i === values.length - 1 ? `≥ ${v}` : `${v}–${v + width - 1}`))
}
