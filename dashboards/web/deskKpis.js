// The review desk's KPIs for today on the ops panel, as `/desk/ops/ws` pushes them (`{"type":"kpis"}`): time to
// decision, auto-apply vs manual approvals per source, and SLA misses per reviewer. Each KPI comes as the KPI API
// answers it (`{ kpi, columns, rows }`, rows keyed by column name).

import { h } from "./dom.js"
import { formatDuration, formatNumber, formatPercent, toNumber } from "./format.js"
import { bigNumber } from "./tables.js"

const rowsOf = (kpis, name) => kpis?.kpis?.find((k) => k.kpi === name)?.rows ?? []

/** SLA misses today per reviewer id, for the reviewers' table. */
export const missesByReviewer = (kpis) =>
  new Map(rowsOf(kpis, "sla_misses").map((r) => [String(r.reviewer_id), toNumber(r.misses)]))

/** The KPI block: waiting for the first push, the reason the KPIs could not be read, or today's numbers. */
export const deskKpiBlock = (kpis) => {
  if (kpis === null) return h("p", { class: "muted", "data-kpis": "loading" }, "Reading the desk's KPIs…")
  if (kpis.error) return h("p", { class: "error", role: "alert", "data-kpis": "error" }, `The desk's KPIs are unavailable: ${kpis.error}`)
  const [decided] = rowsOf(kpis, "review_decision_time")
  const channels = rowsOf(kpis, "approval_channels")
  const total = (column) => channels.reduce((sum, r) => sum + toNumber(r[column]), 0)
  const approvals = total("approvals")
  const rate = (n) => (approvals === 0 ? "" : formatPercent(n / approvals))
  const decisions = decided ? toNumber(decided.decisions) : 0
  return h("div", { class: "desk-kpis", "data-kpis": "ready", "data-from": kpis.from, "data-to": kpis.to },
    h("h4", {}, `Today (UTC, since ${kpis.from.slice(0, 10)} 00:00)`),
    h("div", { class: "numbers small" },
      bigNumber("Tasks decided", formatNumber(decisions), "desk-decisions"),
      bigNumber("Time to decision, median", decided ? formatDuration(toNumber(decided.p50_seconds)) : "—", "desk-decision-p50"),
      bigNumber("Time to decision, p95", decided ? formatDuration(toNumber(decided.p95_seconds)) : "—", "desk-decision-p95"),
      bigNumber("Auto-applied", formatNumber(total("auto")), "desk-auto", "", rate(total("auto"))),
      bigNumber("Approved by a person", formatNumber(total("manual")), "desk-manual", "", rate(total("manual")))),
    channels.length === 0
      ? null
      : h("table", { class: "data" },
          h("caption", {}, "Approvals today by source: auto-apply vs manual"),
          h("thead", {}, h("tr", {}, ...["Source", "Approvals", "Auto", "Manual", "Auto rate", "Manual rate"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, ...channels.map((r) =>
            h("tr", { "data-source": String(r.source) },
              h("th", { scope: "row" }, String(r.source)),
              h("td", { class: "num", "data-approvals": String(toNumber(r.approvals)) }, formatNumber(toNumber(r.approvals))),
              h("td", { class: "num", "data-auto": String(toNumber(r.auto)) }, formatNumber(toNumber(r.auto))),
              h("td", { class: "num", "data-manual": String(toNumber(r.manual)) }, formatNumber(toNumber(r.manual))),
              h("td", { class: "num" }, formatPercent(toNumber(r.auto_rate))),
              h("td", { class: "num" }, formatPercent(toNumber(r.manual_rate))))))))
}
