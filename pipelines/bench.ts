/**
 * `npm run bench`: what users wait on and the pipeline's expensive stages, each row against a baseline run in the
 * same process, on the same data, in the same run. Needs the local stack (sections use Kafka namespaces and
 * databases of their own). Prints one table and writes it as Markdown and JSON (bench-results/, or --out DIR).
 *
 *   npm run bench                  every section but R and L, full size (at most 30 minutes)
 *   npm run bench -- --quick       the same sections, small inputs (at most 5 minutes)
 *   npm run bench -- p2 p5 r l     some sections (ids below, any case)
 *   npm run bench -- p2 --profile  also write V8 CPU profiles of the processes a section starts
 *
 * P1  scorer stage end to end vs bare transformers.js          pipelines/scorer.bench.ts
 * P2  raw postings -> PostgreSQL + ClickHouse vs bare consume   pipelines/pipeline.bench.ts
 * P4  API under load vs a bare Fastify route                    pipelines/api.bench.ts
 * P5  freshness, produced -> scored, vs produced -> unique      pipelines/freshness.bench.ts
 * P6  KPIs over 10M events vs SELECT count()                    pipelines/kpis.bench.ts
 * SCALE  10k-1M seekers in one matrix: scoring vs the product, against embedding a job   pipelines/seekerScale.bench.ts
 * C   connector parsers vs JSON.parse; re-crawl vs first crawl  connectors/connectors.bench.ts
 * D   1M-posting dedup vs the identity layers alone             processors/dedup/dedup.bench.ts
 * R   review desk over WebSocket vs claim + decide direct       pipelines/desk.bench.ts
 * L   learning: scoring with models vs without; a decision re-scored vs a preferences change
 */
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { benchConnectors } from "../connectors/connectors.bench.js"
import { benchDedup } from "../processors/dedup/dedup.bench.js"
import { benchFeedback } from "../processors/matching/feedback.bench.js"
import { scorerSection } from "./scorer.bench.js"
import { type BenchRow, type BenchSection, textTable, writeTable } from "../stack/benchTable.js"
import { apiLoad } from "./api.bench.js"
import { memoryRow, rssOf, stackPids } from "./benchProcesses.js"
import { benchDesk } from "./desk.bench.js"
import { freshnessSection } from "./freshness.bench.js"
import { kpiSection } from "./kpis.bench.js"
import { benchLearning } from "./learning.bench.js"
import { pipelineSection } from "./pipeline.bench.js"
import { seekerScale } from "./seekerScale.bench.js"

/** Sections that run only when asked for by id: the measures of earlier issues, minutes each, kept out of the 30. */
const onRequest = new Set(["R", "L"])

const sections: ReadonlyArray<BenchSection> = [
  scorerSection,
  pipelineSection,
  apiLoad,
  freshnessSection,
  kpiSection,
  seekerScale,
  { id: "C", title: "connectors", run: ({ quick }) => benchConnectors(quick ? 600 : 3000) },
  { id: "D", title: "near-duplicate dedup on one core", run: async ({ quick }) => benchDedup(quick ? 100_000 : 1_000_000) },
  { id: "R", title: "review desk", run: () => benchDesk() },
  { id: "L", title: "learning from decisions", run: async () => [...benchFeedback(), ...(await benchLearning())] }
]

const main = async () => {
  const args = process.argv.slice(2)
  const quick = args.includes("--quick")
  const profile = args.includes("--profile")
  const outAt = args.indexOf("--out")
  const out = outAt >= 0 ? args[outAt + 1]! : join(import.meta.dirname, "..", "bench-results")
  const asked = new Set(args.filter((a, i) => !a.startsWith("--") && (outAt < 0 || i !== outAt + 1)).map((a) => a.toUpperCase()))
  const unknown = [...asked].filter((id) => !sections.some((s) => s.id === id))
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(", ")}; known: ${sections.map((s) => s.id).join(", ")}`)
  const chosen = sections.filter((s) => (asked.size > 0 ? asked.has(s.id) : !onRequest.has(s.id)))

  const started = new Date()
  const rows: Array<BenchRow> = []
  for (const section of chosen) {
    console.log(`\n== ${section.id}: ${section.title}`)
    const t = performance.now()
    const got = [...(await section.run({ quick, ...(profile ? { profileDir: join(out, "profiles") } : {}) }))]
    // The processes every section runs on (a section that starts its own reports theirs in its rows).
    got.push(memoryRow(`${section.id} rss`, "at the end of the section: this process and the stack's servers", rssOf({ bench: process.pid, ...stackPids() })))
    rows.push(...got)
    console.log(`${textTable(got)}\n(${section.id} took ${((performance.now() - t) / 1000).toFixed(0)} s)`)
  }
  const context = {
    started: started.toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    mode: quick ? "quick" : "full",
    sections: chosen.map((s) => s.id).join(" "),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)),
    node: process.version
  }
  const file = join(out, `bench-${quick ? "quick" : "full"}`)
  writeTable(file, rows, context)
  console.log(`\njobstream bench, ${context.mode}, ${context.minutes} min, ${context.cores} cores\n${textTable(rows)}`)
  console.log(`\nwritten: ${file}.md, ${file}.json`)
}

await main()
process.exit(0)
