import { mulberry32 } from "../dedup/labelled.js"
import { glassdoorRows } from "../sampleData.js"
import { backgroundLabel, jobModelFeatures, type Label, modelFeatures, type SeekerModel, train } from "./feedbackModel.js"
import { buildLearnedIndex, learnedLogits } from "./learnedIndex.js"
import { jobFeatures, seekerProfile } from "./features.js"
import { scoreBatch } from "./scoring.js"
import { buildSeekerMatrix } from "./seekerMatrix.js"
import type { BenchRow } from "../../stack/benchTable.js"
import { calibrated, COMPONENTS, GLOBAL_CALIBRATION } from "./weights.js"

/**
 * `npm run bench`, part 7: learning from decisions, on one core, pure computation (the PostgreSQL round trips of
 * a decision are timed by pipelines/feedback.test.ts).
 * - Training one seeker's model: 40 decisions and 100 background matches, from zero, as after each decision.
 * - Scoring one job against 10,000 seekers who all have a model of their own (the worst case), against the same
 *   scoring without models (today's), in the same process: the ratio of throughputs, goal >= 0.8.
 */

const seekers = 10_000
const d = 384
const line = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`)

export const benchFeedback = (): Array<BenchRow> => {
  const random = mulberry32(5)
  const unit = () => {
    const v = Float32Array.from({ length: d }, () => random() - 0.5)
    const n = Math.hypot(...v)
    return v.map((x) => x / n)
  }
  const postings = glassdoorRows().slice(0, 120)
  const jobs = postings.map((p, i) =>
    jobFeatures({ jobId: `j${i}`, title: p.title, description: p.description, locations: [p.location], remote: false, salary: null }, unit())
  )
  const pairs = jobs.map((job) => modelFeatures(job, COMPONENTS.map(() => random())))

  // One seeker's training, as after a decision: 40 decisions, 100 background matches.
  const labels: Array<Label> = [
    ...pairs.slice(0, 40).map((features, i) => ({ jobId: `d${i}`, features, score: 50 + random() * 50, relevant: random() < 0.4 ? 1 : 0, weight: 1 })),
    ...pairs.slice(20, 120).map((features, i) => backgroundLabel(GLOBAL_CALIBRATION, `b${i}`, features, 50 + random() * 50))
  ]
  train(labels, GLOBAL_CALIBRATION)
  const rounds = 20
  const start = performance.now()
  let model: SeekerModel = train(labels, GLOBAL_CALIBRATION)
  for (let r = 1; r < rounds; r++) model = train(labels, GLOBAL_CALIBRATION)
  const trainMs = (performance.now() - start) / rounds

  const resumes = postings.map((p) => `${p.title}. ${p.description.slice(0, 1500)}`)
  const matrix = buildSeekerMatrix(
    Array.from({ length: seekers }, (_, i) => seekerProfile({ seekerId: `s${i}`, resumeText: resumes[i % resumes.length]!, vector: unit(), preferences: {} }))
  )
  // Every seeker with a model of their own: the same weights for all, the work is the same as with 10,000.
  const index = buildLearnedIndex(Array.from({ length: seekers }, () => model))
  const scoreAll = (withModels: boolean) => {
    let sink = 0
    for (const job of jobs.slice(0, 20)) {
      const batch = scoreBatch(job, matrix)
      if (withModels) {
        const z = learnedLogits(index, jobModelFeatures(job), batch.components)
        for (let i = 0; i < seekers; i++) sink += calibrated(batch.hybrid[i]!, z[i]!)
      } else for (let i = 0; i < seekers; i++) sink += batch.exact[i]!
    }
    return sink
  }
  const time = (withModels: boolean) => {
    scoreAll(withModels)
    const runs = Array.from({ length: 5 }, () => {
      const t = performance.now()
      scoreAll(withModels)
      return (performance.now() - t) / 20
    }).sort((a, b) => a - b)
    return runs[2]!
  }
  const todayMs = time(false)
  const learnedMs = time(true)
  console.log("Learning from decisions")
  line("train one seeker's model (40 decisions + 100 background), ms", trainMs.toFixed(2))
  line(`one job against ${seekers.toLocaleString("en")} seekers, no models, ms/job (baseline)`, todayMs.toFixed(2))
  line(`one job against ${seekers.toLocaleString("en")} seekers, each with a model, ms/job`, learnedMs.toFixed(2))
  line("ratio of throughputs, with models / without (goal >= 0.8)", (todayMs / learnedMs).toFixed(2))
  return [
    {
      id: "L models",
      what: `one job against ${seekers.toLocaleString("en")} seekers, each with their own model`,
      value: `${learnedMs.toFixed(2)} ms/job`,
      baseline: `${todayMs.toFixed(2)} ms/job without models`,
      ratio: todayMs / learnedMs,
      goal: ">= 0.8",
      met: todayMs / learnedMs >= 0.8,
      figures: { learnedMs, todayMs, trainMs }
    }
  ]
}
