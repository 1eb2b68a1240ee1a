import { Effect } from "effect"
import { ClickHouse, type ClickHouseError } from "../stack/ClickHouse.js"
import { kpiInfo, type KpiColumn, type KpiFilters, type KpiName, type KpiRow } from "./kpiCatalogue.js"
import { kpiSql } from "./kpiSql.js"

/**
 * The KPIs over ClickHouse: `runKpi` runs a KPI's SQL (kpiSql.ts) and types the rows as its catalogue entry
 * (kpiCatalogue.ts) says.
 */

/** Runs one KPI; its rows carry exactly the catalogue's columns, typed as the catalogue says. */
export const runKpi = (name: KpiName, filters: KpiFilters): Effect.Effect<Array<KpiRow>, ClickHouseError, ClickHouse> =>
  Effect.gen(function* () {
    const { columns } = kpiInfo(name)
    const ch = yield* ClickHouse
    const rows = yield* ch.query<Record<string, unknown>>(kpiSql(name, filters))
    return rows.map((row) => typedRow(columns, row))
  }).pipe(Effect.withSpan(`Kpis.${name}`, { attributes: { source: filters.source ?? "" } }))

/**
 * ClickHouse's JSON to the catalogue's types: 18.16 quotes 64-bit integers and current releases do not;
 * DateTime comes as `YYYY-MM-DD hh:mm:ss` (UTC here) and leaves as ISO-8601 with `Z`.
 */
const typedRow = (columns: ReadonlyArray<KpiColumn>, row: Record<string, unknown>): KpiRow =>
  Object.fromEntries(
    columns.map((c) => {
      const value = row[c.name]
      switch (c.type) {
        case "integer":
        case "number":
          return [c.name, Number(value)]
        case "timestamp":
          return [c.name, `${String(value).replace(" ", "T")}Z`]
        default:
          return [c.name, String(value ?? "")]
      }
    })
  )
