/* global document, window, location, fetch, URLSearchParams, sessionStorage, setInterval, clearInterval, getComputedStyle */
// The jobstream operations dashboard: plain ES module, no build step. It reads the KPI catalogue at run time
// and renders each KPI by the shape of its answer, so a KPI added on the server shows up without a change here.
// Every value that reaches the DOM goes through textContent: job titles and companies come from crawled sites.

const Chart = globalThis.Chart
const REFRESH_MS = 10_000
const KEY_STORAGE = "jobstream.dashboard.seekerKey"
const STATUSES = ["saved", "applied", "screening", "interview", "offer", "accepted", "rejected", "withdrawn", "no_response"]
const STAGE_ORDERS = [
  ["discovered", "normalized", "unique", "duplicate", "scored", "decided", "auto_approve", "manual_review", "reject", "closed"],
  STATUSES
]
const RANGES = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 }
// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#7F6A00", "#000000"]

/** Which view shows a KPI, by its name and title; the first rule that matches wins, the last catches the rest. */
const VIEW_RULES = [
  ["overview", /postings?.?per|per.?minute|throughput|ingest/i],
  ["funnel", /funnel|stage|lag|conversion/i],
  ["matching", /score|decision|match|review/i],
  ["sources", /duplicate|dedup|connector|error|dlq|dead.?letter|source|crawl/i],
  ["applications", /application/i],
  ["overview", /./]
]
const VIEWS = ["overview", "funnel", "sources", "matching", "applications"]

const $ = (selector, root = document) => root.querySelector(selector)
const state = {
  catalogue: null,
  view: "overview",
  generation: 0,
  refreshes: 0,
  timer: null,
  sources: new Set(),
  charts: new Map(),
  /** The range of the latest refresh, in ms: time series span it. */
  range: null
}

// ---------------------------------------------------------------------------------------------- data access

class ApiError extends Error {}

/** Fetches JSON; any non-2xx answer (unless listed in `accept`) is an error that says which call and why. */
const getJson = async (path, { headers = {}, accept = [] } = {}) => {
  let response
  try {
    response = await fetch(path, { headers: { accept: "application/json", ...headers } })
  } catch (cause) {
    throw new ApiError(`GET ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  const text = await response.text()
  let body = null
  try {
    body = text.length > 0 ? JSON.parse(text) : null
  } catch {
    body = null
  }
  if (!response.ok && !accept.includes(response.status)) {
    const detail = body && typeof body === "object" ? [body.error, body.message].filter(Boolean).join(": ") : text.slice(0, 300)
    throw new ApiError(`GET ${readable(path)} answered ${response.status}${detail ? ` (${detail})` : ""}`)
  }
  if (body === null) throw new ApiError(`GET ${path} answered ${response.status} without a JSON body`)
  return body
}

const readable = (path) => {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** The filters as query parameters: an ISO range in UTC and, when one is chosen, the source. */
const filterParams = () => {
  const range = $("#range").value
  let from
  let to
  if (range === "custom") {
    from = new Date($("#from").value)
    to = new Date($("#to").value)
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new ApiError("Custom range: fill in both From and To.")
    if (from >= to) throw new ApiError("Custom range: From must be before To.")
  } else {
    to = new Date()
    from = new Date(to.getTime() - RANGES[range])
  }
  const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })
  const source = $("#source").value
  if (source) params.set("source", source)
  return params
}

const loadCatalogue = async () => {
  const body = await getJson("/kpis")
  const list = Array.isArray(body) ? body : Array.isArray(body?.items) ? body.items : Array.isArray(body?.kpis) ? body.kpis : null
  if (list === null) throw new ApiError("GET /kpis did not answer a list of KPIs")
  return list.map((k) => ({ ...k, view: viewOf(k) }))
}

const viewOf = (kpi) => {
  const text = `${kpi.name} ${kpi.title ?? ""}`
  return VIEW_RULES.find(([, rule]) => rule.test(text))[0]
}

/** One KPI's answer with its rows as arrays in column order (the API may send arrays or objects). */
const loadKpi = async (kpi, params) => {
  const body = await getJson(`/kpis/${encodeURIComponent(kpi.name)}?${params}`)
  const columns = Array.isArray(body.columns) && body.columns.length > 0 ? body.columns : kpi.columns ?? []
  const rows = (Array.isArray(body.rows) ? body.rows : []).map((row) =>
    Array.isArray(row) ? row : columns.map((c) => row?.[c.name])
  )
  const described = columns.map((c, i) => ({ ...c, index: i, kind: kindOf(c, rows, i) }))
  for (const column of described.filter((c) => c.name === "source")) for (const row of rows) noteSource(row[column.index])
  return { kpi, columns: described, rows }
}

// ---------------------------------------------------------------------------------------------- refresh loop

/**
 * Loads everything the current view shows. A newer refresh supersedes an older one still in flight: only the
 * latest generation writes to the page.
 */
const refresh = async () => {
  const generation = ++state.generation
  const view = state.view
  const viewEl = $(`[data-view="${view}"]`)
  viewEl.dataset.state = "loading"
  setStatus("Loading…")
  const failures = []
  const fail = (error) => failures.push(error instanceof Error ? error.message : String(error))
  let params
  try {
    params = filterParams()
    state.range = { from: Date.parse(params.get("from")), to: Date.parse(params.get("to")) }
  } catch (error) {
    showGlobalError(error.message)
    viewEl.dataset.state = "error"
    setStatus("")
    return
  }
  try {
    if (state.catalogue === null) state.catalogue = await loadCatalogue()
  } catch (error) {
    if (generation !== state.generation) return
    showGlobalError(`The KPI catalogue could not be read: ${error.message}`)
    fail(error)
  }
  const current = () => generation === state.generation

  const catalogue = state.catalogue ?? []
  const mine = catalogue.filter((k) => k.view === view)
  // Extra KPIs some views summarise although another view charts them.
  const extra = catalogue.filter((k) => k.view !== view && neededBy(view, k))
  const results = new Map()
  await Promise.all(
    [...mine, ...extra].map(async (kpi) => {
      try {
        results.set(kpi.name, await loadKpi(kpi, params))
      } catch (error) {
        results.set(kpi.name, error)
      }
    })
  )
  const extras = await loadViewExtras(view, params)
  if (!current()) return

  if (state.catalogue !== null) hideGlobalError()
  renderPanels(view, mine, results, fail)
  renderViewExtras(view, results, extras, fail)
  updateSourceOptions()
  state.refreshes += 1
  document.body.dataset.refreshes = String(state.refreshes)
  viewEl.dataset.state = failures.length > 0 ? "partial" : "ready"
  setStatus(
    `Updated ${new Date().toLocaleTimeString()}${failures.length > 0 ? ` · ${failures.length} part${failures.length > 1 ? "s" : ""} failed` : ""}`
  )
}

const neededBy = (view, kpi) =>
  (view === "overview" && isErrorsKpi(kpi)) || (view === "sources" && (isPostingsKpi(kpi) || isErrorsKpi(kpi)))

const isPostingsKpi = (kpi) => /postings?.?per|per.?minute|throughput|ingest/i.test(`${kpi.name} ${kpi.title ?? ""}`)
const isErrorsKpi = (kpi) => /error|dlq|dead.?letter/i.test(`${kpi.name} ${kpi.title ?? ""}`)

const loadViewExtras = async (view, params) => {
  const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }))
  const source = params.get("source")
  const reviews = () => getJson(`/reviews/pending?limit=50${source ? `&source=${encodeURIComponent(source)}` : ""}`)
  if (view === "overview") return { reviews: await settle(reviews()) }
  if (view === "matching") return { reviews: await settle(reviews()) }
  if (view === "sources") return { health: await settle(getJson("/healthz", { accept: [503] })) }
  if (view === "applications") return { applications: await settle(loadApplications()) }
  return {}
}

// ---------------------------------------------------------------------------------------------- KPI panels

const renderPanels = (view, kpis, results, fail) => {
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

/** A time column on x; one line per category value (e.g. per source), or else one per measured column. */
const NAMED_STEPS = { minute: 60e3, hour: 3600e3, day: 86400e3, week: 7 * 86400e3 }
// Bucket widths tried, as multiples of the KPI's own bucket, to keep a chart within MAX_POINTS points.
const WIDTHS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 2880, 10080]
const MAX_POINTS = 1500

/**
 * A time bucket column on x over the whole chosen range, so a burst shows where in the range it happened; one
 * line per category value (e.g. per source), or else one per measured column. Counts are additive: a bucket
 * with no row is 0, and a long range merges buckets into wider ones. Shares and durations are drawn as they come.
 */
const timeSeries = ({ kpi, columns, rows }, time) => {
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
const categoryBars = ({ kpi, columns, rows }) => {
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

// ---------------------------------------------------------------------------------------------- view extras

const renderOverviewNumbers = (kpis, results) => {
  const container = $("#overview-numbers")
  const numbers = []
  for (const kpi of kpis) {
    const result = results.get(kpi.name)
    if (!result || result instanceof Error) continue
    const counts = countColumns(result.columns.filter((c) => c.kind === "number"))
    if (isPostingsKpi(kpi) && counts[0]) {
      numbers.push(bigNumber(`${humanize(counts[0].name)} in range`, formatNumber(sum(result.rows, counts[0])), "postings-total", "", `(${kpi.title ?? humanize(kpi.name)})`))
      const sourceColumn = result.columns.find((c) => c.name === "source")
      if (sourceColumn)
        numbers.push(bigNumber("Sources with postings", formatNumber(unique(result.rows.map((r) => String(r[sourceColumn.index]))).length), "active-sources"))
    } else if (result.rows.length === 1) {
      for (const c of result.columns.filter((c) => c.kind === "number"))
        numbers.push(bigNumber(`${kpi.title ?? humanize(kpi.name)}: ${humanize(c.name)}`, display(c, result.rows[0][c.index]), `${kpi.name}.${c.name}`))
    }
  }
  const errorsKpi = (state.catalogue ?? []).find(isErrorsKpi)
  const errors = errorsKpi ? results.get(errorsKpi.name) : undefined
  if (errors && !(errors instanceof Error)) {
    const count = countColumns(errors.columns.filter((c) => c.kind === "number"))[0]
    if (count) numbers.push(bigNumber("Connector errors in range", formatNumber(sum(errors.rows, count)), "connector-errors", sum(errors.rows, count) > 0 ? "warn" : ""))
  }
  container.replaceChildren(...numbers)
  const reviews = lastExtras.reviews
  if (reviews?.value) {
    container.append(bigNumber("Matches awaiting manual review", formatNumber(reviews.value.totalReviews), "pending-reviews",
      "", `across ${formatNumber(reviews.value.totalJobs)} job${reviews.value.totalJobs === 1 ? "" : "s"}`))
  } else if (reviews?.error) {
    container.append(h("p", { class: "error", role: "alert" }, reviews.error.message))
  }
}

let lastExtras = {}

const renderViewExtras = (view, results, extras, fail) => {
  lastExtras = extras
  for (const part of Object.values(extras)) if (part?.error) fail(part.error)
  if (view === "overview") renderOverviewNumbers((state.catalogue ?? []).filter((k) => k.view === "overview"), results)
  if (view === "matching") renderPendingReviews(extras.reviews)
  if (view === "sources") {
    renderSourceHealth(results)
    renderInfraHealth(extras.health)
  }
  if (view === "applications") renderKanban(extras.applications)
}

const renderPendingReviews = (reviews) => {
  const panel = $("#pending-reviews")
  const body = $(".panel-body", panel)
  if (reviews.error) {
    panel.dataset.state = "error"
    body.replaceChildren(h("p", { class: "error", role: "alert" }, reviews.error.message))
    return
  }
  const { items, totalJobs, totalReviews } = reviews.value
  panel.dataset.state = items.length > 0 ? "ready" : "empty"
  panel.dataset.totalJobs = String(totalJobs)
  panel.dataset.totalReviews = String(totalReviews)
  if (items.length === 0) {
    body.replaceChildren(h("p", { class: "muted" }, "No match is waiting for a manual review."))
    return
  }
  body.replaceChildren(
    h("table", { class: "data" },
      h("caption", {}, `${plural(totalReviews, "seeker match", "seeker matches")} on ${plural(totalJobs, "job", "jobs")} ${totalReviews === 1 ? "waits" : "wait"} for a decision; oldest first${items.length < totalJobs ? ` (first ${items.length} shown)` : ""}.`),
      h("thead", {}, h("tr", {}, ...["Job", "Company", "Source", "Seekers waiting", "Best score", "Waiting since"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...items.map((r) =>
        h("tr", { "data-job-id": r.jobId },
          h("th", { scope: "row" }, r.title),
          h("td", {}, r.company),
          h("td", {}, r.source),
          h("td", { class: "num" }, formatNumber(r.seekersWaiting)),
          h("td", { class: "num" }, String(r.bestScore)),
          h("td", {}, h("time", { datetime: r.oldestScoredAt, title: new Date(r.oldestScoredAt).toLocaleString() }, relativeTime(r.oldestScoredAt))))))))
}

/** One row per source: postings and last activity from the postings KPI, errors from the errors KPI. */
const renderSourceHealth = (results) => {
  const panel = $("#source-health")
  const body = $(".panel-body", panel)
  const catalogue = state.catalogue ?? []
  const postings = results.get(catalogue.find(isPostingsKpi)?.name)
  const errors = results.get(catalogue.find(isErrorsKpi)?.name)
  const problems = [postings, errors].filter((r) => r instanceof Error)
  const perSource = new Map()
  const entry = (source) => {
    if (!perSource.has(source)) perSource.set(source, { postings: 0, last: null, errors: 0, lastError: null, reason: "" })
    return perSource.get(source)
  }
  if (postings && !(postings instanceof Error)) {
    const source = postings.columns.find((c) => c.name === "source")
    const time = postings.columns.find((c) => c.kind === "time")
    const count = countColumns(postings.columns.filter((c) => c.kind === "number"))[0]
    if (source && count)
      for (const row of postings.rows) {
        const e = entry(String(row[source.index]))
        const n = toNumber(row[count.index])
        e.postings += n
        if (time && n > 0) e.last = Math.max(e.last ?? 0, toTime(row[time.index]))
      }
  }
  if (errors && !(errors instanceof Error)) {
    const source = errors.columns.find((c) => c.name === "source" || /connector|stage/i.test(c.name))
    const count = countColumns(errors.columns.filter((c) => c.kind === "number"))[0]
    const when = errors.columns.find((c) => c.kind === "time" && /last/i.test(c.name)) ?? errors.columns.find((c) => c.kind === "time")
    const reason = errors.columns.find((c) => c.kind === "category" && /reason|message|error/i.test(c.name))
    if (source && count)
      for (const row of errors.rows) {
        const e = entry(String(row[source.index] || "(unknown)"))
        e.errors += toNumber(row[count.index])
        const t = when ? toTime(row[when.index]) : NaN
        if (!Number.isNaN(t) && t >= (e.lastError ?? 0)) {
          e.lastError = t
          e.reason = reason ? String(row[reason.index] ?? "") : ""
        }
      }
  }
  panel.dataset.state = problems.length > 0 ? "error" : perSource.size > 0 ? "ready" : "empty"
  const rows = [...perSource].sort(([a], [b]) => a.localeCompare(b))
  body.replaceChildren(
    ...problems.map((p) => h("p", { class: "error", role: "alert" }, p.message)),
    rows.length === 0
      ? h("p", { class: "muted" }, "No source published postings or errors in this time range.")
      : h("table", { class: "data" },
          h("caption", {}, "Postings, last activity and errors per source in the selected range"),
          h("thead", {}, h("tr", {}, ...["Source", "Status", "Postings", "Last posting", "Connector errors", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...rows.map(([source, e]) => {
            const status = e.errors > 0 ? "errors" : e.postings > 0 ? "ok" : "idle"
            return h("tr", { "data-source": source },
              h("th", { scope: "row" }, source),
              h("td", {}, h("span", { class: `badge ${status}` }, status === "ok" ? "OK" : status === "errors" ? "Errors" : "Idle")),
              h("td", { class: "num", "data-postings": String(e.postings) }, formatNumber(e.postings)),
              h("td", {}, e.last ? h("time", { datetime: new Date(e.last).toISOString() }, relativeTime(e.last)) : "—"),
              h("td", { class: "num", "data-errors": String(e.errors) }, formatNumber(e.errors)),
              h("td", { class: "detail", title: e.reason || null }, ...(e.lastError ? [h("time", { datetime: new Date(e.lastError).toISOString() }, relativeTime(e.lastError)), e.reason ? `: ${clip(e.reason, 140)}` : ""] : ["—"])))
          })))
  )
}

const renderInfraHealth = (health) => {
  const panel = $("#infra-health")
  const body = $(".panel-body", panel)
  if (health.error) {
    panel.dataset.state = "error"
    body.replaceChildren(h("p", { class: "error", role: "alert" }, health.error.message))
    return
  }
  const checks = Object.entries(health.value.checks ?? {})
  panel.dataset.state = health.value.status === "ok" ? "ready" : "degraded"
  body.replaceChildren(
    h("table", { class: "data" },
      h("caption", {}, `Overall: ${health.value.status}`),
      h("thead", {}, h("tr", {}, ...["Dependency", "State", "Detail", "Latency"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...checks.map(([name, c]) =>
        h("tr", {},
          h("th", { scope: "row" }, name),
          h("td", {}, h("span", { class: `badge ${c.ok ? "ok" : "errors"}` }, c.ok ? "Up" : "Down")),
          h("td", { class: "detail" }, c.detail),
          h("td", { class: "num" }, `${c.latencyMs} ms`)))))
  )
}

// ---------------------------------------------------------------------------------------------- applications

const loadApplications = async () => {
  const key = sessionStorage.getItem(KEY_STORAGE)
  if (!key) return null
  const status = $("#app-status").value
  return getJson(`/seekers/me/applications${status ? `?status=${encodeURIComponent(status)}` : ""}`, {
    headers: { authorization: `Bearer ${key}` }
  })
}

const renderKanban = (applications) => {
  const panel = $("#kanban-panel")
  const body = $(".panel-body", panel)
  if (applications.error) {
    panel.dataset.state = "error"
    body.replaceChildren(h("p", { class: "error", role: "alert" }, applications.error.message))
    return
  }
  if (applications.value === null) {
    panel.dataset.state = "idle"
    body.replaceChildren(h("p", { class: "muted" }, "Paste a seeker's API key to see their applications."))
    return
  }
  const items = Array.isArray(applications.value.items) ? applications.value.items : []
  const statuses = [...STATUSES, ...unique(items.map((i) => i.status)).filter((s) => !STATUSES.includes(s))]
  panel.dataset.state = items.length > 0 ? "ready" : "empty"
  panel.dataset.count = String(items.length)
  body.replaceChildren(
    h("div", { class: "kanban" }, ...statuses.map((status) => {
      const cards = items
        .filter((i) => i.status === status)
        .sort((a, b) => String(changedAt(b)).localeCompare(String(changedAt(a))))
      const id = `lane-${status}`
      return h("section", { class: `lane ${STATUSES.indexOf(status) >= 6 ? "exit" : ""}`, "data-status": status, "aria-labelledby": id },
        h("h4", { id }, humanize(status), " ", h("span", { class: "count", "aria-label": `${cards.length} applications` }, String(cards.length))),
        cards.length === 0
          ? h("p", { class: "muted lane-empty" }, "None")
          : h("ul", {}, ...cards.map((a) =>
              h("li", { class: "card", "data-application-id": a.applicationId },
                h("p", { class: "card-title" }, a.title ?? a.jobId),
                h("p", { class: "card-company" }, a.company ?? ""),
                changedAt(a) ? h("p", { class: "card-meta" }, "Moved here ", h("time", { datetime: changedAt(a), title: new Date(changedAt(a)).toLocaleString() }, relativeTime(changedAt(a)))) : null,
                a.stalled ? h("p", { class: "card-meta" }, h("span", { class: "badge errors" }, "Stalled")) : null))))
    }))
  )
}

/** When the application reached its status (the API names it statusChangedAt; updatedAt is accepted too). */
const changedAt = (a) => a.statusChangedAt ?? a.updatedAt ?? null

// ---------------------------------------------------------------------------------------------- charts

const chartBox = (id, plot, kpi) => {
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

const destroyChart = (id) => {
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

const colour = (dataset, i) => {
  const c = PALETTE[i % PALETTE.length]
  return { ...dataset, borderColor: c, backgroundColor: `${c}cc`, pointRadius: 2, borderWidth: 2 }
}

const merge = (a, b) => {
  const out = { ...a }
  for (const [k, v] of Object.entries(b ?? {}))
    out[k] = v && typeof v === "object" && !Array.isArray(v) && typeof v !== "function" && a[k] && typeof a[k] === "object" ? merge(a[k], v) : v
  return out
}

// ---------------------------------------------------------------------------------------------- tables, numbers

const dataTable = (kpi, columns, rows) => {
  const limit = 200
  return h("details", { class: "table-details" },
    h("summary", {}, `Data table (${rows.length} row${rows.length === 1 ? "" : "s"})`),
    h("div", { class: "table-scroll" },
      h("table", { class: "data" },
        h("caption", { class: "visually-hidden" }, `${kpi.title ?? humanize(kpi.name)}: the values behind the chart`),
        h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.kind === "number" ? "num" : "" }, humanize(c.name))))),
        h("tbody", {}, ...rows.slice(0, limit).map((row) =>
          h("tr", {}, ...columns.map((c) => h("td", { class: c.kind === "number" ? "num" : "" }, display(c, row[c.index])))))))),
    rows.length > limit ? h("p", { class: "muted" }, `First ${limit} of ${rows.length} rows.`) : null)
}

const bigNumber = (label, value, key, tone = "", note = "") =>
  h("figure", { class: `big-number ${tone}`, "data-metric": key },
    h("output", { class: "value" }, value),
    h("figcaption", {}, label, note ? h("span", { class: "note" }, ` ${note}`) : null))

/** A column's kind: time (drawn on x), number (measured) or category (grouped by). */
const kindOf = (column, rows, index) => {
  const type = String(column.type ?? "").toLowerCase()
  const name = String(column.name).toLowerCase()
  if (/date|time/.test(type) || /^(minute|hour|day|week|month|time|ts|bucket_start|period_start|week_start)$|_at$/.test(name)) return "time"
  if (/int|float|decimal|number|double|numeric|real/.test(type)) return "number"
  if (type === "" && rows.length > 0 && rows.every((r) => typeof r[index] === "number")) return "number"
  return "category"
}

const isShare = (c) => /rate|ratio|share|conversion/i.test(c.name)
const isDuration = (c) => /(^|_)(seconds|secs|hours|minutes|ms|millis)$|_s$/i.test(c.name)
/** Numbers that do not add up over rows: shares, averages, quantiles, extremes, durations, ordinals, scores. */
const isRate = (c) =>
  isShare(c) || isDuration(c) || /pct|percent|avg|mean|median|(^|_)p\d\d|(^|_)(max|min)(_|$)|lag|score|^(step|rank|position|order|index|bucket)$/i.test(c.name)
/** Columns that add up meaningfully over rows (counts), as opposed to rates, averages and durations. */
const countColumns = (numbers) => numbers.filter((c) => !isRate(c))
/**
 * What to draw, in this order: the column the KPI is named after (`duplicate_rate`, `postings_per_minute`);
 * else typical durations (averages, medians, quantiles: the extremes would flatten them); else the counts;
 * else everything. Mixing counts and shares on one axis would flatten the shares.
 */
const plotted = (numbers, kpi) => {
  const named = numbers.filter((c) => c.name.length >= 4 && kpi.name.toLowerCase().includes(c.name.toLowerCase()))
  if (named.length > 0) return named
  const durations = numbers.filter((c) => isDuration(c) && !/(^|_)(max|min)(_|$)/i.test(c.name))
  if (durations.length > 0) return durations
  const counts = countColumns(numbers)
  return counts.length > 0 ? counts : numbers
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

const display = (column, value) => {
  if (value === null || value === undefined || value === "") return "—"
  if (column.kind === "time") return new Date(toTime(value)).toLocaleString()
  if (column.kind !== "number") return typeof value === "object" ? JSON.stringify(value) : String(value)
  const n = toNumber(value)
  if (/rate|ratio|share|conversion/i.test(column.name) && n <= 1) return formatPercent(n)
  if (/pct|percent/i.test(column.name)) return `${formatNumber(n)} %`
  if (/_ms$|millis/i.test(column.name)) return formatDuration(n / 1000)
  if (/seconds|_s$|_secs?$/i.test(column.name)) return formatDuration(n)
  if (/hours$/i.test(column.name)) return formatDuration(n * 3600)
  if (/minutes$/i.test(column.name)) return formatDuration(n * 60)
  return formatNumber(n)
}

const toNumber = (v) => (typeof v === "number" ? v : Number(v ?? 0)) || 0
/** ClickHouse sends `2026-11-25 13:20:00` (UTC, no zone) for DateTime and `2026-11-25` for Date. */
const toTime = (v) => {
  if (typeof v === "number") return v < 1e11 ? v * 1000 : v
  const s = String(v)
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00Z`)
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return Date.parse(`${s.replace(" ", "T")}Z`)
  return Date.parse(s)
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
const sum = (rows, column) => rows.reduce((acc, r) => acc + toNumber(r[column.index]), 0)
const clip = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text)
const plural = (n, one, many) => `${formatNumber(n)} ${n === 1 ? one : many}`
const ratio = (a, b) => (b > 0 ? a / b : null)
const unique = (xs) => [...new Set(xs)]
const orderStages = (names) => {
  const order = STAGE_ORDERS.find((o) => names.every((n) => o.includes(n)))
  return order ? [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b)) : names
}

const numberFormat = new Intl.NumberFormat("en", { maximumFractionDigits: 2 })
const formatNumber = (n) => numberFormat.format(n)
const formatPercent = (n) => (n === null ? "—" : `${(n * 100).toFixed(1)} %`)
const formatDuration = (seconds) => {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`
  if (seconds < 120) return `${+seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  if (seconds < 172800) return `${+(seconds / 3600).toFixed(1)} h`
  return `${+(seconds / 86400).toFixed(1)} d`
}
const formatTick = (v, span) =>
  new Date(v).toLocaleString(undefined, span > 2 * 86400e3 ? { month: "short", day: "numeric" } : span > 86400e3 ? { weekday: "short", hour: "2-digit", minute: "2-digit" } : { hour: "2-digit", minute: "2-digit" })
const relativeTime = (t) => {
  const seconds = Math.round((Date.now() - (typeof t === "number" ? t : Date.parse(t))) / 1000)
  if (seconds < 60) return "just now"
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86400)} days ago`
}
const humanize = (name) => {
  const s = String(name).replace(/[_.-]+/g, " ").trim()
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** Builds an element; children that are null are skipped, strings become text nodes (never HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, v)
  for (const child of children) if (child !== null && child !== undefined && child !== "") el.append(child)
  return el
}

// ---------------------------------------------------------------------------------------------- page chrome

const noteSource = (value) => {
  if (typeof value === "string" && value.length > 0) state.sources.add(value)
}

const updateSourceOptions = () => {
  const select = $("#source")
  const present = new Set([...select.options].map((o) => o.value))
  const missing = [...state.sources].filter((s) => !present.has(s))
  if (missing.length === 0) return
  const chosen = select.value
  const all = [...state.sources].sort()
  select.replaceChildren(h("option", { value: "" }, "All sources"), ...all.map((s) => h("option", { value: s }, s)))
  select.value = chosen
}

const setStatus = (text) => {
  $("#status").textContent = text
}
const showGlobalError = (message) => {
  const el = $("#global-error")
  el.textContent = message
  el.hidden = false
}
const hideGlobalError = () => {
  $("#global-error").hidden = true
}

const showView = (view) => {
  state.view = VIEWS.includes(view) ? view : "overview"
  for (const el of document.querySelectorAll("[data-view]")) el.hidden = el.dataset.view !== state.view
  for (const link of document.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === state.view) link.setAttribute("aria-current", "page")
    else link.removeAttribute("aria-current")
  }
  document.title = `jobstream · ${humanize(state.view)} · operations dashboard`
}

const schedule = () => {
  clearInterval(state.timer)
  state.timer = $("#live").checked ? setInterval(() => document.hidden || refresh(), REFRESH_MS) : null
}

const toLocalInput = (date) => {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60e3)
  return local.toISOString().slice(0, 16)
}

const start = () => {
  if (!Chart) {
    showGlobalError("The chart library did not load (/dashboard/vendor/chart.umd.min.js).")
    return
  }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily
  Chart.defaults.color = "#3b4452"
  for (const status of STATUSES) $("#app-status").append(h("option", { value: status }, humanize(status)))
  $("#seeker-key").value = sessionStorage.getItem(KEY_STORAGE) ?? ""

  $("#range").addEventListener("change", () => {
    const custom = $("#range").value === "custom"
    $("#custom-range").hidden = !custom
    if (custom && !$("#from").value) {
      $("#to").value = toLocalInput(new Date())
      $("#from").value = toLocalInput(new Date(Date.now() - RANGES["24h"]))
    }
    refresh()
  })
  for (const id of ["#from", "#to", "#source"]) $(id).addEventListener("change", () => refresh())
  $("#live").addEventListener("change", schedule)
  $("#refresh").addEventListener("click", () => refresh())
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault()
    refresh()
  })
  $("#seeker-key-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const key = $("#seeker-key").value.trim()
    if (key) sessionStorage.setItem(KEY_STORAGE, key)
    else sessionStorage.removeItem(KEY_STORAGE)
    refresh()
  })
  $("#app-status").addEventListener("change", () => refresh())
  $("#forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE)
    $("#seeker-key").value = ""
    refresh()
  })
  window.addEventListener("hashchange", () => {
    showView(location.hash.slice(1))
    refresh()
  })
  showView(location.hash.slice(1))
  schedule()
  refresh()
}

start()
