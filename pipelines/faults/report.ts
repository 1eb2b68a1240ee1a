import { formatSummary, type RouteSummary } from "./apiLog.js"
import type { ApplicationsReport, PostingsReport } from "./checks.js"
import { notRecovered, type Reading } from "./recovery.js"

/** One line of the closing table: a fault and what it cost. */
export interface ReportRow {
  readonly scenario: string
  /** How long the fault lasted, as text ("30 s", "10 kills"). */
  readonly fault: string
  readonly recoveryMs: number | undefined
  readonly lastReading: Reading
  readonly inFlight: string
  readonly published: number
  readonly postings: PostingsReport
  readonly applications?: ApplicationsReport | undefined
  readonly api?: ReadonlyArray<RouteSummary> | undefined
  readonly note?: string | undefined
}

/** Exactly once, or what was not: for a table cell. */
export const onceCell = (p: PostingsReport, a?: ApplicationsReport) => {
  const problems = [
    p.missing.length > 0 ? `${p.missing.length} lost` : "",
    p.twice.length > 0 ? `${p.twice.length} twice in PG` : "",
    p.unexpected.length > 0 ? `${p.unexpected.length} unexpected` : "",
    p.uniqueRows !== p.jobs || p.uniqueJobs !== p.jobs ? `CH unique ${p.uniqueRows} rows/${p.uniqueJobs} ids for ${p.jobs} jobs` : "",
    a && a.confirmedLost > 0 ? `${a.confirmedLost} app moves lost` : "",
    a && (a.eventRows !== a.history || a.eventIds !== a.history) ? `CH app events ${a.eventRows}/${a.eventIds} for ${a.history} moves` : ""
  ].filter((s) => s !== "")
  const tally = `${p.jobs} jobs${p.duplicates > 0 ? ` + ${p.duplicates} dup` : ""}${a ? `, ${a.history} app moves` : ""}`
  return problems.length === 0 ? `ok (${tally})` : `FAIL: ${problems.join(", ")} (${tally})`
}

const recoveryCell = (r: ReportRow) =>
  r.recoveryMs === undefined ? `none: ${notRecovered(r.lastReading).slice(0, 3).join("; ")}` : `${(r.recoveryMs / 1000).toFixed(1)} s`

/** The table the closing note takes its numbers from: one row per fault, the API's answers under it. */
export const renderReport = (rows: ReadonlyArray<ReportRow>): string => {
  const header = ["scenario", "fault", "recovery", "in flight", "published", "exactly once"]
  const cells = rows.map((r) => [r.scenario, r.fault, recoveryCell(r), r.inFlight, String(r.published), onceCell(r.postings, r.applications)])
  const widths = header.map((h, i) => Math.min(70, Math.max(h.length, ...cells.map((c) => c[i]!.length))))
  const line = (c: ReadonlyArray<string>) => c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")
  const out = ["Fault suite (pipelines/faults): recovery = fault over -> every group has members, /healthz ok, lag 0", line(header), widths.map((w) => "-".repeat(w)).join("-|-")]
  rows.forEach((r, i) => {
    out.push(line(cells[i]!))
    if (r.api && r.api.length > 0) out.push(`    API meanwhile: ${r.api.map(formatSummary).join("; ")}`)
    if (r.note) out.push(`    ${r.note}`)
  })
  return out.join("\n")
}
