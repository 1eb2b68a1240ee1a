/* global document */
// KPI panels: one per KPI of the view, drawn from the shape of its answer.

import { $, h } from "./dom.js"
import { display, formatNumber, formatPercent, humanize, toNumber } from "./format.js"
import { countColumns, orderStages, ratio, sum, unique } from "./columns.js"
import { categoryBars, chartBox, colour, destroyChart, timeSeries } from "./charts.js"
import { bigNumber, dataTable } from "./tables.js"

export const renderPanels = (view, kpis, results, fail) => {
  const container = $(`[data-panels="${view}"]`)
  const wanted = new Set(kpis.map((k) => panelId(k.name)))
  for (const stale of container.querySelectorAll(":scope > [data-kpi]")) if (!wanted.has(stale.id)) removePanel(stale)
  for (const kpi of kpis) {
    const panel = ensurePanel(container, kpi)
    const result = results.get(kpi.name)
    if (result instanceof Error || result === undefined) {
      fail(result ?? new Error(`${kpi.name}: no answer`))
      showPanelError(panel, result?.message ?? "no answer")
      continue
    }
    try {
      renderKpi(panel, result)
    } catch (error) {
      fail(error)
      showPanelError(panel, `${kpi.name} could not be drawn: ${error.message}`)
    }
  }
}

const panelId = (name) => `kpi-${name.replace(/[^A-Za-z0-9_-]/g, "_")}`

const ensurePanel = (container, kpi) => {
  const id = panelId(kpi.name)
  let panel = document.getElementById(id)
  if (panel) return panel
  panel = h("section", { class: "panel", id, "data-kpi": kpi.name, "aria-labelledby": `${id}-title`, "data-state": "loading" },
    h("h3", { id: `${id}-title` }, kpi.title ?? humanize(kpi.name)),
    kpi.description ? h("p", { class: "description" }, kpi.description) : null,
    h("div", { class: "panel-body" }))
  container.append(panel)
  return panel
}

const removePanel = (panel) => {
  destroyChart(panel.id)
  panel.remove()
}

const showPanelError = (panel, message) => {
  destroyChart(panel.id)
  panel.dataset.state = "error"
  $(".panel-body", panel).replaceChildren(h("p", { class: "error", role: "alert" }, message))
}

/** Picks the rendering from the answer's shape: funnel by name, then time series, single row, categories. */
const renderKpi = (panel, result) => {
  const body = $(".panel-body", panel)
  const { kpi, columns, rows } = result
  if (rows.length === 0) {
    destroyChart(panel.id)
    panel.dataset.state = "empty"
    panel.dataset.shape = "empty"
    body.replaceChildren(h("p", { class: "muted" }, "No data in this time range."))
    return
  }
  // Time on x only for a bucket column (minute, week); instants like `last_at` are attributes of a row.
  const time = columns.find((c) => c.kind === "time" && !/_at$/i.test(c.name))
  const shape = /funnel/i.test(`${kpi.name} ${kpi.title ?? ""}`) ? "funnel" : time ? "timeseries" : rows.length === 1 ? "numbers" : "bars"
  panel.dataset.shape = shape
  // The overview's time series is the page's main chart: it gets the full width.
  panel.classList.toggle("wide", shape === "funnel" || (shape === "timeseries" && panel.closest('[data-view="overview"]') !== null))
  panel.dataset.state = "ready"
  panel.dataset.rows = String(rows.length)
  if (shape === "funnel") return renderFunnel(panel, body, result)
  if (shape === "numbers") {
    destroyChart(panel.id)
    const numbers = columns.filter((c) => c.kind === "number")
    const others = columns.filter((c) => c.kind !== "number")
    body.replaceChildren(
      ...[
        h("div", { class: "numbers small" }, ...numbers.map((c) => bigNumber(humanize(c.name), display(c, rows[0][c.index]), `${kpi.name}.${c.name}`))),
        others.length > 0
          ? h("dl", { class: "attributes" }, ...others.flatMap((c) => [h("dt", {}, humanize(c.name)), h("dd", {}, display(c, rows[0][c.index]))]))
          : null
      ].filter(Boolean)
    )
    return
  }
  const plot = shape === "timeseries" ? timeSeries(result, time) : categoryBars(result)
  const totals = countColumns(columns.filter((c) => c.kind === "number"))
  const totalLine = totals.length > 0 && shape === "timeseries"
    ? h("p", { class: "total" }, ...totals.flatMap((c, i) => [
        i > 0 ? " · " : "",
        `Total ${humanize(c.name).toLowerCase()}: `,
        h("output", { "data-total": c.name }, formatNumber(sum(rows, c)))
      ]))
    : null
  body.replaceChildren(...[totalLine, chartBox(panel.id, plot, kpi), dataTable(kpi, columns, rows)].filter(Boolean))
}

/**
 * The funnel: counts per stage summed over the other dimensions (weeks, sources) in the range, in the stages'
 * natural order, with the conversion from the previous and the first stage. Long (a stage column) and wide (a
 * column per stage) answers both work.
 */
const renderFunnel = (panel, body, { kpi, columns, rows }) => {
  panel.classList.toggle("wide", true)
  const numbers = columns.filter((c) => c.kind === "number")
  const stageColumn = columns.find((c) => c.kind === "category" && /stage|step|status|event/i.test(c.name))
  const stepColumn = numbers.find((c) => /^(step|rank|position|order)$/i.test(c.name))
  let stages
  if (stageColumn) {
    const count = numbers.find((c) => /^(n|count|total|reached|entered|events|jobs|postings|applications|.*_count|count_.*)$/i.test(c.name)) ?? countColumns(numbers)[0] ?? numbers[0]
    const appearing = unique(rows.map((r) => String(r[stageColumn.index] ?? "")))
    // The funnel's own step numbers order it when it has them; else the known stage orders, else first seen.
    const stepOf = (name) => Math.min(...rows.filter((r) => String(r[stageColumn.index]) === name).map((r) => toNumber(r[stepColumn.index])))
    const names = stepColumn ? [...appearing].sort((a, b) => stepOf(a) - stepOf(b)) : orderStages(appearing)
    stages = names.map((name) => ({ name, count: sum(rows.filter((r) => String(r[stageColumn.index]) === name), count) }))
  } else {
    stages = countColumns(numbers).map((c) => ({ name: c.name, count: sum(rows, c) }))
  }
  const first = stages[0]?.count ?? 0
  const withRates = stages.map((s, i) => ({
    ...s,
    ofPrevious: i === 0 ? null : ratio(s.count, stages[i - 1].count),
    ofFirst: i === 0 ? null : ratio(s.count, first)
  }))
  const plot = {
    type: "bar",
    data: { labels: stages.map((s) => humanize(s.name)), datasets: [colour({ label: "Count", data: stages.map((s) => s.count) }, 0)] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
    describe: `Funnel of ${stages.length} stages: ${stages.map((s) => `${humanize(s.name)} ${s.count}`).join(", ")}.`
  }
  const conversion = h("table", { class: "data funnel-table" },
    h("caption", {}, "Counts and conversion per stage in the selected range"),
    h("thead", {}, h("tr", {}, ...["Stage", "Count", "From previous stage", "From first stage"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...withRates.map((s) =>
      h("tr", { "data-stage": s.name },
        h("th", { scope: "row" }, humanize(s.name)),
        h("td", { class: "num", "data-count": String(s.count) }, formatNumber(s.count)),
        h("td", { class: "num" }, s.ofPrevious === null ? "—" : formatPercent(s.ofPrevious)),
        h("td", { class: "num" }, s.ofFirst === null ? "—" : formatPercent(s.ofFirst))))))
  body.replaceChildren(h("div", { class: "funnel-layout" }, chartBox(panel.id, plot, kpi), conversion), dataTable(kpi, columns, rows))
}
