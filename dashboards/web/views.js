// What a view shows besides its KPI panels: headline numbers, pending reviews, source and infrastructure
// health, a seeker's applications as a kanban.

import { $, h } from "./dom.js"
import { state } from "./state.js"
import { clip, display, formatNumber, humanize, plural, relativeTime, toNumber, toTime } from "./format.js"
import { countColumns, STATUSES, sum, unique } from "./columns.js"
import { isErrorsKpi, isPostingsKpi } from "./api.js"
import { bigNumber } from "./tables.js"

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

export const renderViewExtras = (view, results, extras, fail) => {
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
