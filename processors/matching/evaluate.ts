import { pathToFileURL } from "node:url"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as Embedder from "../Embedder.js"
import { scoreJob } from "./explanations.js"
import type { JobFeatures, SeekerProfile } from "./features.js"
import { combine, scoreBatch } from "./scoring.js"
import { buildSeekerMatrix } from "./seekerMatrix.js"
import { CALIBRATION, COMPONENTS, type ComponentName, DEFAULT_THRESHOLDS, GLOBAL_CALIBRATION, WEIGHTS } from "./weights.js"
import { extractSkills } from "./skills.js"
import { loadLabels } from "./labels.js"
import { ndcgAt, rocAuc } from "./rankingMetrics.js"
import { type Calibration, fitCalibration } from "./feedbackModel.js"
import { feedbackCurve } from "./feedbackCurve.js"
import { mulberry32 } from "../dedup/labelled.js"
import { type Pair, scorePairs } from "./evalPairs.js"
import { titleFamilySet } from "./titleFamilies.js"

/**
 * `npm run eval:match`: the matching quality on the labelled set in `labels.json` (8 resumes x 77 postings,
 * graded 0-3 by reading them; see README.md), side by side for the hybrid score, the embedding cosine alone and
 * a TF-IDF cosine baseline: ROC-AUC over all pairs (relevant = grade >= 2) and NDCG@10 per resume, averaged.
 * Then how sensitive the hybrid is to its weights, and the speed of the pieces. With `--feedback [K,K,...]`
 * (default 0,10,20,40,80), the feedback curve: each resume's own model learning from K of its labelled pairs
 * (feedbackCurve.ts). Needs the embedding model (`bash stack/model.sh`); nothing else.
 */

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Scores {
  readonly auc: number
  readonly ndcg: number
  readonly perResume: ReadonlyArray<number>
}

const evaluateScores = (pairs: ReadonlyArray<Pair>, resumes: number, score: (p: Pair) => number): Scores => {
  const auc = rocAuc(pairs.map(score), pairs.map((p) => p.grade >= 2))
  const perResume = Array.from({ length: resumes }, (_, r) => {
    const mine = pairs.filter((p) => p.resume === r)
    return ndcgAt(10, mine.map(score), mine.map((p) => p.grade))
  })
  return { auc, ndcg: mean(perResume), perResume }
}

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
const f3 = (x: number) => (Number.isNaN(x) ? "  -  " : x.toFixed(3))
const pad = (s: string, n: number) => s.padEnd(n)
const percentile = (xs: ReadonlyArray<number>, p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))]!
}

/** Every weight vector of the first five components on a 0.1 grid of the simplex (1001 of them); `required` keeps its weight. */
const weightGrid = (): Array<Record<ComponentName, number>> => {
  const out: Array<Record<ComponentName, number>> = []
  for (let a = 0; a <= 10; a++)
    for (let b = 0; a + b <= 10; b++)
      for (let c = 0; a + b + c <= 10; c++)
        for (let d = 0; a + b + c + d <= 10; d++) {
          const e = 10 - a - b - c - d
          out.push({ semantic: a / 10, skills: b / 10, lexical: c / 10, title: d / 10, seniority: e / 10, required: WEIGHTS.required })
        }
  return out
}

const program = Effect.gen(function* () {
  const labels = loadLabels()
  const { pairs, postings, jobs, profiles, matrix, lexicalShares } = yield* scorePairs(labels)
  const resumes = labels.resumes.length
  const relevant = pairs.filter((p) => p.grade >= 2).length
  yield* Console.log(`${pairs.length} pairs, ${relevant} relevant (grade >= 2), ${pairs.filter((p) => p.filtered).length} filtered by constraints\n`)

  // --- the three methods
  const methods: Array<readonly [string, Scores]> = [
    ["hybrid score", evaluateScores(pairs, resumes, (p) => p.hybrid)],
    ["embedding cosine", evaluateScores(pairs, resumes, (p) => p.cosine)],
    ["TF-IDF cosine", evaluateScores(pairs, resumes, (p) => p.tfidf)]
  ]
  yield* Console.log("method               ROC-AUC   NDCG@10")
  for (const [name, s] of methods) yield* Console.log(`${pad(name, 20)} ${f3(s.auc)}     ${f3(s.ndcg)}`)
  const bareScore = evaluateScores(pairs, resumes, (p) => p.bare)
  yield* Console.log(`(hybrid, resume only: ${f3(bareScore.auc)}     ${f3(bareScore.ndcg)}   the same scorer without target titles and preferences)`)
  yield* Console.log(`\nNDCG@10 per resume    ${methods.map(([n]) => pad(n, 17)).join("")}`)
  for (let r = 0; r < resumes; r++) {
    yield* Console.log(`${pad(labels.resumes[r]!.id, 21)} ${methods.map(([, s]) => pad(f3(s.perResume[r]!), 17)).join("")}`)
  }

  // --- each component alone, and the calibration ranges
  yield* Console.log("\ncomponent alone      ROC-AUC   NDCG@10   (pairs where assessed / all)")
  for (const [k, name] of COMPONENTS.entries()) {
    const value = (p: Pair) => (Number.isNaN(p.components[k]!) ? -1 : p.components[k]!)
    const s = evaluateScores(pairs, resumes, value)
    const assessed = pairs.filter((p) => !Number.isNaN(p.components[k]!)).length
    yield* Console.log(`${pad(name, 20)} ${f3(s.auc)}     ${f3(s.ndcg)}     ${assessed}/${pairs.length}`)
  }
  const cosines = pairs.map((p) => p.cosine)
  yield* Console.log(
    `\ncalibration (all pairs, grades not used): cosine p5 ${f3(percentile(cosines, 5))} p50 ${f3(percentile(cosines, 50))} ` +
      `p95 ${f3(percentile(cosines, 95))} (set: ${CALIBRATION.semantic.low}..${CALIBRATION.semantic.high}); ` +
      `lexical share p5 ${f3(percentile(lexicalShares, 5))} p50 ${f3(percentile(lexicalShares, 50))} p95 ${f3(percentile(lexicalShares, 95))} ` +
      `(set: ${CALIBRATION.lexical.low}..${CALIBRATION.lexical.high})`
  )
  yield* Console.log("hybrid score by grade (min / median / max):")
  for (const g of [3, 2, 1, 0]) {
    const xs = pairs.filter((p) => p.grade === g && !p.filtered).map((p) => p.hybrid)
    if (xs.length > 0) yield* Console.log(`  grade ${g}: ${Math.round(Math.min(...xs))} / ${Math.round(percentile(xs, 50))} / ${Math.round(Math.max(...xs))} (${xs.length} pairs)`)
  }
  if (process.argv.includes("--top")) {
    for (let r = 0; r < resumes; r++) {
      const mine = pairs.filter((p) => p.resume === r).sort((a, b) => b.hybrid - a.hybrid)
      yield* Console.log(`\ntop 10 for ${labels.resumes[r]!.id}: score grade posting`)
      for (const p of mine.slice(0, 10)) {
        yield* Console.log(`  ${Math.round(p.hybrid).toString().padStart(3)}  ${p.grade}  ${postings[p.posting]!.jobId} ${postings[p.posting]!.title.slice(0, 70)}`)
      }
      const missed = mine.slice(10).filter((p) => p.grade >= 2)
      for (const p of missed) yield* Console.log(`  missed: ${Math.round(p.hybrid)} grade ${p.grade} ${postings[p.posting]!.jobId} ${postings[p.posting]!.title.slice(0, 60)}`)
    }
  }

  // --- weight sensitivity
  const hybridWith = (w: Record<ComponentName, number>) => (p: Pair) => (p.filtered ? -1 : combine(p.components, w) - p.points)
  const chosen = methods[0]![1]
  const grid = weightGrid().map((w) => ({ w, s: evaluateScores(pairs, resumes, hybridWith(w)) }))
  const objective = (s: Scores) => (s.auc + s.ndcg) / 2
  grid.sort((a, b) => objective(b.s) - objective(a.s))
  const best = grid[0]!
  const rank = grid.filter((g) => objective(g.s) > objective(chosen)).length + 1
  const fmtW = (w: Record<ComponentName, number>) => COMPONENTS.map((c) => `${c} ${w[c].toFixed(2)}`).join(", ")
  yield* Console.log(`\nweights in use: ${fmtW(WEIGHTS)}`)
  yield* Console.log(`  rank ${rank} of ${grid.length} weight vectors on a 0.1 grid by (AUC + NDCG@10) / 2`)
  yield* Console.log(`  best on the grid: ${fmtW(best.w)}: AUC ${f3(best.s.auc)}, NDCG@10 ${f3(best.s.ndcg)} (tuned on the same labels: optimistic)`)
  const near = grid.filter((g) => objective(g.s) >= objective(chosen) - 0.01).length
  yield* Console.log(`  ${near} grid vectors within 0.01 of the chosen objective; median of the grid: AUC ${f3(percentile(grid.map((g) => g.s.auc), 50))}, NDCG@10 ${f3(percentile(grid.map((g) => g.s.ndcg), 50))}`)
  yield* Console.log("  one weight moved by +-0.1 (others rescaled to keep the sum):")
  for (const c of COMPONENTS) {
    const cells: Array<string> = []
    for (const delta of [-0.1, 0.1]) {
      const w = { ...WEIGHTS }
      const total = COMPONENTS.reduce((sum, o) => sum + w[o], 0)
      const target = Math.max(0, w[c] + delta)
      const rest = total - w[c]
      for (const o of COMPONENTS) if (o !== c) w[o] = rest > 0 ? (w[o] * (total - target)) / rest : 0
      w[c] = target
      const s = evaluateScores(pairs, resumes, hybridWith(w))
      cells.push(`${delta > 0 ? "+" : "-"}0.1: AUC ${f3(s.auc)} NDCG ${f3(s.ndcg)}`)
    }
    yield* Console.log(`    ${pad(c, 10)} ${cells.join("   ")}`)
  }
  for (const c of COMPONENTS) {
    const w = { ...WEIGHTS, [c]: 0 }
    const s = evaluateScores(pairs, resumes, hybridWith(w))
    yield* Console.log(`    without ${pad(c, 10)} AUC ${f3(s.auc)} NDCG ${f3(s.ndcg)}`)
  }
  // Leave one resume out: weights picked on seven resumes, NDCG measured on the eighth.
  const held: Array<number> = []
  for (let r = 0; r < resumes; r++) {
    const others = (s: Scores) => mean(s.perResume.filter((_, k) => k !== r))
    const pick = grid.reduce((a, b) => (others(b.s) > others(a.s) ? b : a))
    held.push(pick.s.perResume[r]!)
  }
  yield* Console.log(`  leave-one-resume-out NDCG@10 with grid-tuned weights: ${f3(mean(held))} (fixed weights: ${f3(chosen.ndcg)})`)

  // --- the second set, and the feedback curve on both
  const second = titleFamilySet(labels)
  const scored = yield* scorePairs(second)
  yield* Console.log(`\nsecond set (labels from each posting's own title, not from the scorer; titles hidden from the scorer): ${second.resumes.length} resumes x ${second.postings.length} Glassdoor postings`)
  yield* Console.log("set                 hybrid   resume only   embedding cosine   TF-IDF cosine   (ROC-AUC)")
  for (const [name, set, ps] of [["labels.json", labels, pairs], ["title families", second, scored.pairs]] as const) {
    const auc = (f: (p: Pair) => number) => f3(evaluateScores(ps, set.resumes.length, f).auc)
    yield* Console.log(`${pad(name, 19)} ${auc((p) => p.hybrid)}    ${auc((p) => p.bare)}         ${auc((p) => p.cosine)}              ${auc((p) => p.tfidf)}`)
  }
  const feedbackAt = process.argv.indexOf("--feedback")
  if (feedbackAt >= 0) {
    const asked = process.argv[feedbackAt + 1]
    const ks = asked !== undefined && /^\d+(,\d+)*$/.test(asked) ? asked.split(",").map(Number) : [0, 10, 20, 40, 80]
    // Each set's curve starts from the calibration fitted on the other set: never on the pairs it is measured on.
    const fit = (ps: ReadonlyArray<Pair>) => fitCalibration(ps.map((p) => ({ score: Math.max(0, p.hybrid), relevant: p.grade >= 2 })))
    yield* Console.log(curve("labels.json", pairs, ks, fit(scored.pairs)))
    yield* Console.log(curve("title families", scored.pairs, ks, fit(pairs)))
    const pooled = fit([...pairs, ...scored.pairs])
    yield* Console.log(
      `\nglobal calibration, both sets pooled: slope ${pooled.slope.toFixed(4)}, middle ${pooled.middle.toFixed(1)} ` +
        `(in use: ${GLOBAL_CALIBRATION.slope}, ${GLOBAL_CALIBRATION.middle})`
    )
  }

  // --- decisions under the default thresholds
  const decisions = new Map<string, number>()
  for (const [j, job] of jobs.entries()) {
    for (const result of scoreJob(job, matrix)) {
      const grade = labels.grades[result.seekerId]?.[postings[j]!.jobId] ?? 0
      const key = `${grade}:${result.decision}`
      decisions.set(key, (decisions.get(key) ?? 0) + 1)
    }
  }
  yield* Console.log(`\ndecisions (auto >= ${DEFAULT_THRESHOLDS.autoApprove}, review >= ${DEFAULT_THRESHOLDS.review}) by grade:`)
  for (const g of [3, 2, 1, 0]) {
    const row = ["auto_approve", "manual_review", "reject"].map((d) => `${d} ${decisions.get(`${g}:${d}`) ?? 0}`)
    yield* Console.log(`  grade ${g}: ${row.join(", ")}`)
  }

  yield* Console.log("\nspeed")
  yield* Console.log(speed(postings.map((p) => p.description), jobs, profiles))
})

/** The feedback curve of one set: each resume's own model after K of its pairs as decisions, AUC on the rest, 20 draws. */
const curve = (name: string, pairs: ReadonlyArray<Pair>, ks: ReadonlyArray<number>, calibration: Calibration): string => {
  const evalPairs = pairs.map((p) => ({ resume: p.resume, features: p.features, score: Math.max(0, p.hybrid), relevant: p.grade >= 2 }))
  const own = fitCalibration(evalPairs)
  const lines = [
    `\nfeedback curve, ${name}: starting from the other set's calibration (slope ${calibration.slope.toFixed(4)}, middle ` +
      `${calibration.middle.toFixed(1)}; this set's own fit: ${own.slope.toFixed(4)}, ${own.middle.toFixed(1)})`,
    "   K  draws  AUC model  AUC hybrid  auto-approve p >= 0.9: coverage  precision  recall"
  ]
  for (const c of feedbackCurve(evalPairs, ks, { calibration, draws: 20, seed: 7, autoApprove: 0.9 }))
    lines.push(
      c.draws === 0
        ? `${String(c.k).padStart(4)}  n/a: fewer than K + 10 postings per resume`
        : `${String(c.k).padStart(4)}  ${String(c.draws).padStart(5)}  ${f3(c.auc).padStart(9)}  ${f3(c.hybridAuc).padStart(10)}  ` +
            `${f3(c.coverage).padStart(32)}  ${f3(c.precision).padStart(9)}  ${f3(c.recall).padStart(6)}`
    )
  return lines.join("\n")
}

/** Skill extraction per posting, and one job against 10k seekers (the eval's resumes repeated, random vectors). */
const speed = (descriptions: ReadonlyArray<string>, jobs: ReadonlyArray<JobFeatures>, profiles: ReadonlyArray<SeekerProfile>): string => {
  for (const d of descriptions) extractSkills(d)
  let t = performance.now()
  const rounds = 20
  for (let r = 0; r < rounds; r++) for (const d of descriptions) extractSkills(d)
  const extraction = (performance.now() - t) / (rounds * descriptions.length)
  const avgChars = descriptions.reduce((a, d) => a + d.length, 0) / descriptions.length

  const n = 10_000
  const d = jobs[0]!.vector.length
  const random = mulberry32(42)
  const unit = () => {
    const v = Float32Array.from({ length: d }, () => random() - 0.5)
    const norm = Math.hypot(...v)
    return v.map((x) => x / norm)
  }
  // Each synthetic seeker is one of the real resumes with its vector moved a little, so scores look real.
  const jitter = (v: Float32Array) => {
    const noise = unit()
    const out = v.map((x, k) => x + 0.15 * noise[k]!)
    const norm = Math.hypot(...out)
    return out.map((x) => x / norm)
  }
  const many = Array.from({ length: n }, (_, i) => {
    const p = profiles[i % profiles.length]!
    return { ...p, seekerId: `s${i}`, vector: jitter(p.vector) }
  })
  t = performance.now()
  const matrix = buildSeekerMatrix(many)
  const build = performance.now() - t
  const batches = jobs
  // The median of five rounds over every job, after a warm-up round: the machine may be shared.
  const perRound = (run: () => void) => {
    run()
    const rounds = Array.from({ length: 5 }, () => {
      const start = performance.now()
      run()
      return (performance.now() - start) / batches.length
    })
    return percentile(rounds, 50)
  }
  const perJob = perRound(() => batches.forEach((job) => scoreBatch(job, matrix)))
  let kept = 0
  const withExplanations = perRound(() => {
    kept = 0
    for (const job of batches) kept += scoreJob(job, matrix, { minScore: DEFAULT_THRESHOLDS.review }).length
  })
  return [
    `  skill extraction: ${extraction.toFixed(3)} ms per posting (mean ${Math.round(avgChars)} characters)`,
    `  seeker matrix of ${n} x ${d}: built in ${build.toFixed(0)} ms`,
    `  one job against ${n} seekers (${d}-d): ${perJob.toFixed(2)} ms per job (scoreBatch, one pass)`,
    `  with explanations for the ${Math.round(kept / batches.length)} seekers per job at or above ${DEFAULT_THRESHOLDS.review}: ${withExplanations.toFixed(2)} ms per job`
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  NodeRuntime.runMain(program.pipe(Effect.provide(Embedder.layerConfig)))
}
