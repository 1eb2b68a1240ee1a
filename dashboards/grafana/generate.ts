import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Schema } from "effect"
import { pendingReviewsSql } from "../../pipelines/Reviews.js"
import { catalogue, SourceName, type KpiName } from "../../sinks/kpiCatalogue.js"
import { kpiSql } from "../../sinks/kpiSql.js"

/**
 * The Grafana dashboard, generated from the KPI definitions so its panels run the very SQL of `GET /kpis/:name`
 * (and the review queue that of `GET /reviews/pending`). Grafana's time picker and a `source` variable take the
 * place of the API's filters: each KPI's SQL is rendered with sentinel filters, which are then swapped for the
 * ClickHouse plugin's macros. `npm exec tsx dashboards/grafana/generate.ts` rewrites the JSON; a test keeps it
 * current.
 */

export const outFile = join(import.meta.dirname, "dashboards", "jobstream.json")

export const clickhouse = { type: "grafana-clickhouse-datasource", uid: "jobstream-clickhouse" } as const
export const postgres = { type: "grafana-postgresql-datasource", uid: "jobstream-postgres" } as const

/** The `source` variable's value when "All" is chosen: no source is named like this (`SourceName`). */
export const allSources = "__all__"

const sentinelFrom = new Date("2001-02-03T04:05:06Z")
const sentinelTo = new Date("2002-03-04T05:06:07Z")
const sentinelSource = Schema.decodeSync(SourceName)("grafana-source-sentinel")
const sourceVar = "${source:sqlstring}"

/** A KPI's SQL with the dashboard's time range and source in place of fixed filters. */
export const grafanaSql = (name: KpiName): string => {
  const sql = dedent(kpiSql(name, { from: sentinelFrom, to: sentinelTo, source: sentinelSource }))
    .replaceAll("toDateTime('2001-02-03 04:05:06', 'UTC')", "$__fromTime")
    .replaceAll("toDateTime('2002-03-04 05:06:07', 'UTC')", "$__toTime")
    .replace(/([\w.]+) = 'grafana-source-sentinel'/g, `(${sourceVar} = '${allSources}' OR $1 = ${sourceVar})`)
  if (/2001-02-03|2002-03-04|grafana-source-sentinel/.test(sql))
    throw new Error(`KPI ${name}: a filter is written in a way the Grafana generator does not know`)
  return sql
}

/** The review queue's SQL with the first 50 jobs and the dashboard's source. */
export const grafanaReviewsSql = (): string => {
  const sql = pendingReviewsSql
    .replace("$2::text IS NULL OR j.source = $2::text", `${sourceVar} = '${allSources}' OR j.source = ${sourceVar}`)
    .replace("LIMIT $1", "LIMIT 50")
  if (/\$\d/.test(sql)) throw new Error("the pending reviews SQL has a parameter the Grafana generator does not fill")
  return sql
}

type Query = { readonly datasource: typeof clickhouse | typeof postgres; readonly rawSql: string; readonly table?: boolean }

interface PanelSpec {
  readonly title: string
  readonly description?: string
  readonly type: "stat" | "timeseries" | "barchart" | "piechart" | "table"
  readonly w: number
  readonly h: number
  readonly query: Query
  readonly options?: object
  readonly fieldConfig?: object
  /** The KPIs whose SQL this panel runs, to check that every KPI has one. */
  readonly kpis: ReadonlyArray<string>
}

const ch = (rawSql: string, table = true): Query => ({ datasource: clickhouse, rawSql, table })
const wrap = (name: KpiName, select: string, rest = "") => `SELECT ${select}\nFROM (\n${indent(grafanaSql(name))}\n)${rest ? `\n${rest}` : ""}`
const reviews = (select: string) => `SELECT ${select}\nFROM (\n${indent(grafanaReviewsSql())}\n) AS q`

const stat = (title: string, query: Query, kpis: ReadonlyArray<string>, description: string, unit = "short"): PanelSpec => ({
  title,
  description,
  type: "stat",
  w: 6,
  h: 4,
  query,
  kpis,
  options: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "none", textMode: "value" },
  fieldConfig: { defaults: { unit, color: { mode: "fixed", fixedColor: "blue" } }, overrides: [] }
})

const table = (name: KpiName, w = 12, h = 8, units: Record<string, string> = {}): PanelSpec => {
  const info = catalogue.find((k) => k.name === name)!
  return {
    title: info.title,
    description: info.description,
    type: "table",
    w,
    h,
    query: ch(grafanaSql(name)),
    kpis: [name],
    options: { showHeader: true, cellHeight: "sm" },
    fieldConfig: {
      defaults: {},
      overrides: Object.entries(units).map(([field, unit]) => ({ matcher: { id: "byName", options: field }, properties: [{ id: "unit", value: unit }] }))
    }
  }
}

const bars = (title: string, description: string, rawSql: string, kpis: ReadonlyArray<string>, xField: string, horizontal = false, unit = "short"): PanelSpec => ({
  title,
  description,
  type: "barchart",
  w: 12,
  h: 8,
  query: ch(rawSql),
  kpis,
  options: { xField, orientation: horizontal ? "horizontal" : "vertical", showValue: "auto", legend: { displayMode: "list", placement: "bottom", showLegend: true } },
  fieldConfig: { defaults: { unit, min: 0 }, overrides: [] }
})

const known = new Set(catalogue.map((k) => k.name))
const has = (name: string): name is KpiName => known.has(name)

/** The rows of the dashboard: the built-in dashboard's views, in its order. */
const rows = (): ReadonlyArray<{ readonly title: string; readonly panels: ReadonlyArray<PanelSpec> }> => {
  const overview: Array<PanelSpec> = []
  if (has("postings_per_minute")) {
    overview.push(stat("Postings in range", ch(wrap("postings_per_minute", "sum(postings) AS postings")), ["postings_per_minute"], "Postings discovered in the time range (postings_per_minute, summed)."))
    overview.push(stat("Sources with postings", ch(wrap("postings_per_minute", "uniqExact(source) AS sources")), ["postings_per_minute"], "Sources that published at least one posting in the time range."))
  }
  if (has("connector_errors"))
    overview.push(stat("Connector errors in range", ch(wrap("connector_errors", "sum(errors) AS errors")), ["connector_errors"], "Pages or answers the connectors could not read."))
  overview.push(stat("Matches awaiting manual review", { datasource: postgres, rawSql: reviews("coalesce(max(total_reviews), 0) AS pending"), table: true }, [], "Seeker x job matches the scorer left for a person (PostgreSQL, as GET /reviews/pending)."))
  if (has("postings_per_minute"))
    overview.push({
      title: catalogue.find((k) => k.name === "postings_per_minute")!.title,
      description: catalogue.find((k) => k.name === "postings_per_minute")!.description,
      type: "timeseries",
      w: 24,
      h: 8,
      query: ch(grafanaSql("postings_per_minute"), false),
      kpis: ["postings_per_minute"],
      options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi" } },
      fieldConfig: { defaults: { unit: "short", min: 0, custom: { drawStyle: "line", pointSize: 4, showPoints: "always" } }, overrides: [] }
    })

  const funnel: Array<PanelSpec> = []
  if (has("funnel")) {
    funnel.push(bars("Funnel", "Entities entering each stage in the range, summed over weeks and sources.", wrap("funnel", "stage, sum(reached) AS reached", "GROUP BY step, stage\nORDER BY step"), ["funnel"], "stage", true))
    funnel.push(table("funnel", 12, 8, { conversion: "percentunit" }))
  }
  if (has("time_in_stage")) funnel.push(table("time_in_stage", 12, 7, { avg_hours: "h", median_hours: "h", p90_hours: "h", max_hours: "h" }))
  if (has("pipeline_lag"))
    funnel.push(bars("End-to-end lag per stage", "Seconds from discovery to each stage (avg, median, p95).", wrap("pipeline_lag", "stage, avg_seconds, median_seconds, p95_seconds"), ["pipeline_lag"], "stage", false, "s"))

  const sources: Array<PanelSpec> = []
  if (has("duplicate_rate")) sources.push(table("duplicate_rate", 12, 7, { duplicate_rate: "percentunit" }))
  if (has("connector_errors")) sources.push(table("connector_errors", 12, 7))

  const matching: Array<PanelSpec> = []
  if (has("score_distribution"))
    matching.push(bars("Score distribution", catalogue.find((k) => k.name === "score_distribution")!.description, wrap("score_distribution", "toString(bucket) AS bucket, matches"), ["score_distribution"], "bucket"))
  if (has("decisions"))
    matching.push({
      title: "Decisions split",
      description: catalogue.find((k) => k.name === "decisions")!.description,
      type: "piechart",
      w: 12,
      h: 8,
      query: ch(wrap("decisions", "decision, matches")),
      kpis: ["decisions"],
      options: { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: true }, pieType: "donut", legend: { displayMode: "table", placement: "right", values: ["value", "percent"] } },
      fieldConfig: { defaults: { unit: "short" }, overrides: [] }
    })
  matching.push({
    title: "Pending manual reviews",
    description: "Jobs with matches waiting for a person, oldest first; counts only, no seeker identities.",
    type: "table",
    w: 24,
    h: 8,
    query: { datasource: postgres, rawSql: reviews("job_id, title, company, source, seekers_waiting, best_score, oldest_scored_at"), table: true },
    kpis: []
  })

  const covered = new Set([...overview, ...funnel, ...sources, ...matching].flatMap((p) => p.kpis))
  // A KPI added to the catalogue later still gets a panel, as a table, until someone gives it a better one.
  const other = catalogue.filter((k) => !covered.has(k.name)).map((k) => table(k.name as KpiName))
  return [
    { title: "Overview", panels: overview },
    { title: "Funnel", panels: funnel },
    { title: "Sources & connector health", panels: sources },
    { title: "Matching", panels: matching },
    ...(other.length > 0 ? [{ title: "Other KPIs", panels: other }] : [])
  ]
}

/** The dashboard JSON, as Grafana's file provider reads it. */
export const dashboard = () => {
  let id = 0
  let y = 0
  const panels: Array<object> = []
  for (const row of rows()) {
    panels.push({ id: ++id, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] })
    y += 1
    let x = 0
    let rowHeight = 0
    for (const p of row.panels) {
      if (x + p.w > 24) {
        x = 0
        y += rowHeight
        rowHeight = 0
      }
      panels.push({
        id: ++id,
        type: p.type,
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        datasource: p.query.datasource,
        gridPos: { h: p.h, w: p.w, x, y },
        targets: [
          p.query.datasource === clickhouse
            ? {
                refId: "A",
                datasource: clickhouse,
                editorType: "sql",
                queryType: p.query.table === false ? "timeseries" : "table",
                format: p.query.table === false ? 0 : 1,
                rawSql: p.query.rawSql
              }
            : { refId: "A", datasource: postgres, editorMode: "code", format: "table", rawQuery: true, rawSql: p.query.rawSql }
        ],
        options: p.options ?? {},
        fieldConfig: p.fieldConfig ?? { defaults: {}, overrides: [] }
      })
      x += p.w
      rowHeight = Math.max(rowHeight, p.h)
    }
    y += rowHeight
  }
  return {
    uid: "jobstream-ops",
    title: "jobstream operations",
    description: "The built-in /dashboard's views over the same KPI SQL (generated by dashboards/grafana/generate.ts).",
    tags: ["jobstream"],
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: "10s",
    time: { from: "now-24h", to: "now" },
    timepicker: { refresh_intervals: ["10s", "30s", "1m", "5m"] },
    timezone: "utc",
    templating: {
      list: [
        {
          name: "source",
          label: "Source",
          type: "query",
          datasource: clickhouse,
          definition: "SELECT DISTINCT source FROM pipeline_events WHERE event_type = 'discovered' AND source != '' ORDER BY source",
          query: "SELECT DISTINCT source FROM pipeline_events WHERE event_type = 'discovered' AND source != '' ORDER BY source",
          refresh: 2,
          includeAll: true,
          allValue: allSources,
          multi: false,
          current: { selected: true, text: "All", value: "$__all" },
          sort: 1
        }
      ]
    },
    annotations: { list: [] },
    panels
  }
}

export const render = () => `${JSON.stringify(dashboard(), null, 2)}\n`

const dedent = (sql: string) => {
  const lines = sql.replace(/^\s*\n/, "").replace(/\s+$/, "").split("\n")
  const margin = Math.min(...lines.filter((l) => l.trim().length > 0).map((l) => l.match(/^ */)![0].length))
  return lines.map((l) => l.slice(margin)).join("\n")
}
const indent = (sql: string) => sql.split("\n").map((l) => `  ${l}`).join("\n")

if (process.argv[1] === import.meta.filename) {
  await writeFile(outFile, render())
  console.log(`wrote ${outFile}`)
}
