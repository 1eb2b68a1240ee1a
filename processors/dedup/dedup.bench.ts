import { Either } from "effect"
import type { Job } from "../../schemas/Job.js"
import { normalizePosting } from "../normalize/posting.js"
import { glassdoorRows } from "../sampleData.js"
import { mulberry32 } from "./labelled.js"
import type { BenchRow } from "../../stack/benchTable.js"
import { decide, defaultThresholds, InMemoryIndex, layers } from "./matcher.js"

/**
 * Near-duplicate dedup throughput on generated postings, on one core (one JS thread, nothing else running in
 * the process), `npm run bench`. Postings are generated from the 956 real Glassdoor postings: ~42k companies
 * (real names with a numeric suffix), each with 12 different real jobs, half of which are copied 1-3 times
 * (cut short, re-titled, wrapped by an agency, behind a tracking URL) across a year. Generation is not timed:
 * each chunk of 1,000 postings is generated, then decided.
 *
 * Baseline, same process, same postings: the identity layers alone (requisition, canonical URL, URL variants),
 * the least any deduplicator does. Reported: both times, postings/s, the ratio, duplicates found against those
 * generated, and the heap the index holds.
 */
export const benchDedup = (total = 1_000_000): Array<BenchRow> => {
  const rows = glassdoorRows()
  const now = new Date("2024-06-01T00:00:00Z")
  const bases = rows.map((row) =>
    Either.getOrThrow(
      normalizePosting(
        {
          source: "bench",
          sourceType: "bench",
          externalId: `r${row.row}`,
          url: `https://careers.example.com/jobs/${row.row}`,
          fetchedAt: now.toISOString(),
          contentHash: "0".repeat(64),
          fields: { title: row.title, company: row.company, description: row.description, locations: [row.location] },
          payload: null
        },
        now
      )
    )
  )
  const run = (identityOnly: boolean) => {
    const random = mulberry32(11)
    const index = new InMemoryIndex()
    const thresholds = identityOnly ? { ...defaultThresholds, layers: layers.slice(0, 3) } : defaultThresholds
    let made = 0
    let generatedCopies = 0
    let found = 0
    let ms = 0
    let company = 0
    let seq = 0
    const nextId = () => (seq++).toString(16).padStart(32, "0")
    while (made < total) {
      const chunk: Array<Job> = []
      while (chunk.length < 1_000 && made + chunk.length < total) {
        const name = `${bases[company % bases.length]!.company} ${company}`
        const key = `${bases[company % bases.length]!.companyKey}-${company}`
        company++
        for (let j = 0; j < 12; j++) {
          const base = bases[Math.floor(random() * bases.length)]!
          const day = 19_000 + Math.floor(random() * 335)
          const original = variant(base, name, key, nextId(), day, "original", random)
          chunk.push(original)
          if (random() < 0.5) {
            const copies = 1 + Math.floor(random() * 3)
            generatedCopies += copies
            for (let c = 0; c < copies; c++)
              chunk.push(variant(original, name, key, nextId(), day + Math.floor(random() * 20), pickKind(random), random))
          }
        }
      }
      made += chunk.length
      const start = performance.now()
      for (const job of chunk) if (decide(index, job, thresholds).decision.kind === "duplicate") found++
      ms += performance.now() - start
    }
    return { ms, made, generatedCopies, found, heapMb: process.memoryUsage().heapUsed / 1e6 }
  }
  const identity = run(true)
  const full = run(false)
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)
  const perSecond = (r: { ms: number; made: number }) => Math.round(r.made / (r.ms / 1000)).toLocaleString("en")
  line(`identity layers only, ${identity.made.toLocaleString("en")} postings (baseline), s`, (identity.ms / 1000).toFixed(1))
  line("all layers (MinHash-LSH included), s (goal <= 60)", (full.ms / 1000).toFixed(1))
  line("all layers, postings/s", perSecond(full))
  line("ratio all layers / identity only", (full.ms / identity.ms).toFixed(2))
  line("copies generated / found as duplicates (identity only)", `${full.generatedCopies} / ${identity.found}`)
  line("copies generated / found as duplicates (all layers)", `${full.generatedCopies} / ${full.found}`)
  line("heap after the run, MB", full.heapMb.toFixed(0))
  return [
    {
      id: "D dedup",
      what: `near-duplicate dedup of ${full.made.toLocaleString("en")} generated postings, one core, all layers`,
      value: `${perSecond(full)} postings/s`,
      baseline: `${perSecond(identity)} postings/s identity layers only`,
      ratio: identity.ms / full.ms,
      goal: total >= 1_000_000 ? "<= 60 s for 1M" : "reported",
      met: total >= 1_000_000 ? full.ms <= 60_000 : null,
      figures: { postings: full.made, ms: full.ms, identityMs: identity.ms, found: full.found, copies: full.generatedCopies, heapMb: full.heapMb }
    }
  ]
}

const kinds = ["truncated", "retitled", "agency", "tracking"] as const
const pickKind = (random: () => number) => kinds[Math.floor(random() * kinds.length)]!

const variant = (
  of: Job,
  company: string,
  companyKey: string,
  id: string,
  day: number,
  kind: "original" | (typeof kinds)[number],
  random: () => number
): Job => {
  const date = new Date(day * 86_400_000).toISOString()
  const url = kind === "tracking" ? `${of.url}?utm_source=board&utm_campaign=${id}` : `https://jobs.example.com/${companyKey}/${id}`
  const description =
    kind === "truncated"
      ? of.description.slice(0, Math.floor(of.description.length * (0.75 + random() * 0.2)))
      : kind === "agency"
        ? `Our client ${company} is hiring through Talent Partners.\n\n${of.description}\n\nApply through our portal today.`
        : of.description
  return {
    ...of,
    jobId: id,
    source: kind === "original" ? "careers" : kind,
    externalId: id,
    url,
    canonicalUrl: kind === "tracking" ? of.canonicalUrl : url,
    title: kind === "retitled" ? `${of.title} (m/f/d)` : of.title,
    company,
    companyKey,
    description,
    postedAt: date.slice(0, 10),
    fetchedAt: date,
    normalizedAt: date
  }
}
