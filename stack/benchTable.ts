/**
 * The bench's one table: every section returns rows, each an absolute figure beside a baseline measured in the
 * same process on the same data, their ratio, and the goal it is held to. `npm run bench` prints the table and
 * writes it as Markdown and JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

export interface BenchRow {
  /** Section and row, e.g. "P4 matches". */
  readonly id: string
  readonly what: string
  /** The measured figure, with its unit ("1,234 postings/s", "p99 8.1 ms"). */
  readonly value: string
  /** The baseline's figure, same unit, or "-" when the row has none (memory). */
  readonly baseline: string
  /** value / baseline, oriented so that 1.0 means "as fast as the baseline"; null without a baseline. */
  readonly ratio: number | null
  readonly goal: string
  /** Whether the goal is met; null when the row only reports. */
  readonly met: boolean | null
  /** The raw numbers behind the row, for the JSON file. */
  readonly figures: Readonly<Record<string, number>>
}

export interface BenchOptions {
  /** Smaller inputs and fewer rounds: the whole suite within 5 minutes. */
  readonly quick: boolean
  /** Where the processes a section starts write their V8 CPU profiles (`--profile`), when set. */
  readonly profileDir?: string
}

export interface BenchSection {
  readonly id: string
  readonly title: string
  readonly run: (options: BenchOptions) => Promise<ReadonlyArray<BenchRow>>
}

const cell = (s: string) => s.replaceAll("|", "\\|")
const ratioText = (r: number | null) => (r === null ? "-" : r.toFixed(2))
const metText = (m: boolean | null) => (m === null ? "-" : m ? "yes" : "NO")

export const markdownTable = (rows: ReadonlyArray<BenchRow>): string =>
  [
    "| # | what | value | baseline | ratio | goal | met |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${[r.id, r.what, r.value, r.baseline, ratioText(r.ratio), r.goal, metText(r.met)].map(cell).join(" | ")} |`
    )
  ].join("\n")

export const textTable = (rows: ReadonlyArray<BenchRow>): string => {
  const columns = rows.map((r) => [r.id, r.what, r.value, r.baseline, ratioText(r.ratio), r.goal, metText(r.met)])
  const header = ["#", "what", "value", "baseline", "ratio", "goal", "met"]
  const widths = header.map((h, i) => Math.max(h.length, ...columns.map((c) => c[i]!.length)))
  const format = (c: ReadonlyArray<string>) => c.map((s, i) => s.padEnd(widths[i]!)).join("  ").trimEnd()
  return [format(header), widths.map((w) => "-".repeat(w)).join("  "), ...columns.map(format)].join("\n")
}

export const writeTable = (
  path: string,
  rows: ReadonlyArray<BenchRow>,
  context: Readonly<Record<string, string | number | boolean>>
): void => {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.md`, `${Object.entries(context).map(([k, v]) => `- ${k}: ${v}`).join("\n")}\n\n${markdownTable(rows)}\n`)
  writeFileSync(`${path}.json`, `${JSON.stringify({ context, rows }, null, 2)}\n`)
}
