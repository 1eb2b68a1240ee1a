import { labelledSet, type Labelled } from "./labelled.js"
import { decide, defaultThresholds, InMemoryIndex, layers, type Layer, type Thresholds } from "./matcher.js"

/**
 * `npm run eval:dedup`: the matcher over the labelled set (see labelled.ts), with the layers switched on one by
 * one, cheapest first. Prints pairwise precision, recall and F1 (a pair of postings is predicted a duplicate
 * when they end in one cluster), how precise each layer's own merges are, and what went to review.
 */

export interface Scores {
  readonly precision: number
  readonly recall: number
  readonly f1: number
  readonly truePairs: number
  readonly predictedPairs: number
}

export interface Evaluation {
  readonly overall: Scores
  /** Per layer: merges it made and how many of them join postings of one job. */
  readonly merges: ReadonlyMap<Layer, { readonly made: number; readonly correct: number }>
  readonly reviews: { readonly flagged: number; readonly duplicates: number }
  readonly reposts: number
}

export const evaluate = (set: ReadonlyArray<Labelled>, thresholds: Thresholds = defaultThresholds): Evaluation => {
  const index = new InMemoryIndex()
  const truthOf = new Map(set.map((l) => [l.job.jobId, l.truth]))
  const clusterOf = new Map<string, string>()
  const merges = new Map<Layer, { made: number; correct: number }>()
  let flagged = 0
  let flaggedDuplicates = 0
  let reposts = 0
  for (const { job, truth } of set) {
    const { decision, entry } = decide(index, job, thresholds)
    clusterOf.set(job.jobId, entry.clusterId)
    if (decision.kind === "duplicate") {
      const m = merges.get(decision.reason) ?? merges.set(decision.reason, { made: 0, correct: 0 }).get(decision.reason)!
      m.made++
      if (truthOf.get(decision.of.jobId) === truth) m.correct++
    } else if (decision.kind === "unique") {
      if (decision.review) {
        flagged++
        if (truthOf.get(decision.review.of.jobId) === truth) flaggedDuplicates++
      }
      if (decision.repostOf) reposts++
    }
  }
  return { overall: pairwise(set, clusterOf), merges, reviews: { flagged, duplicates: flaggedDuplicates }, reposts }
}

/** Pairwise clustering scores: pairs in one predicted cluster against pairs in one true cluster. */
const pairwise = (set: ReadonlyArray<Labelled>, clusterOf: ReadonlyMap<string, string>): Scores => {
  const pairs = (groups: Map<string, number>) => [...groups.values()].reduce((sum, n) => sum + (n * (n - 1)) / 2, 0)
  const count = (key: (l: Labelled) => string) => {
    const groups = new Map<string, number>()
    for (const l of set) groups.set(key(l), (groups.get(key(l)) ?? 0) + 1)
    return groups
  }
  const truePairs = pairs(count((l) => l.truth))
  const predictedPairs = pairs(count((l) => clusterOf.get(l.job.jobId)!))
  const both = pairs(count((l) => `${l.truth}\u0000${clusterOf.get(l.job.jobId)}`))
  const precision = predictedPairs === 0 ? 1 : both / predictedPairs
  const recall = truePairs === 0 ? 1 : both / truePairs
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1, truePairs, predictedPairs }
}

const main = () => {
  const set = labelledSet()
  const kinds = new Map<string, number>()
  for (const l of set) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1)
  console.log(`labelled set: ${set.length} postings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})`)
  console.log(`thresholds: merge ${defaultThresholds.merge}, review ${defaultThresholds.review}, window ${defaultThresholds.windowDays} days\n`)
  const pct = (x: number) => (x * 100).toFixed(1).padStart(6)
  console.log("layers on (cumulative)           precision  recall      F1   pairs found/true")
  for (let i = 1; i <= layers.length; i++) {
    const on = layers.slice(0, i)
    const { overall } = evaluate(set, { ...defaultThresholds, layers: on })
    console.log(
      `+ ${on[on.length - 1]!.padEnd(30)} ${pct(overall.precision)}   ${pct(overall.recall)}  ${pct(overall.f1)}   ${Math.round(overall.recall * overall.truePairs)}/${overall.truePairs}`
    )
  }
  const all = evaluate(set)
  console.log("\nmerges by layer (all layers on)   made  correct  precision")
  for (const layer of layers) {
    const m = all.merges.get(layer) ?? { made: 0, correct: 0 }
    console.log(`  ${layer.padEnd(30)} ${String(m.made).padStart(5)}  ${String(m.correct).padStart(7)}  ${m.made === 0 ? "     -" : pct(m.correct / m.made)}`)
  }
  console.log(`\nflagged for review: ${all.reviews.flagged} (${all.reviews.duplicates} of them true duplicates); reposts: ${all.reposts}`)
  console.log(`overall: precision ${pct(all.overall.precision)}  recall ${pct(all.overall.recall)}  F1 ${pct(all.overall.f1)}`)
}

if (import.meta.url === `file://${process.argv[1]}`) main()
