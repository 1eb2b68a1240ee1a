// The data table behind every chart, and the big numbers.

import { h } from "./dom.js"
import { display, humanize } from "./format.js"

export const dataTable = (kpi, columns, rows) => {
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

export const bigNumber = (label, value, key, tone = "", note = "") =>
  h("figure", { class: `big-number ${tone}`, "data-metric": key },
    h("output", { class: "value" }, value),
    h("figcaption", {}, label, note ? h("span", { class: "note" }, ` ${note}`) : null))
