import { mulberry32 } from "../dedup/labelled.js"
import { backgroundLabel, type Calibration, probability, train, type TrainSettings } from "./feedbackModel.js"
import { rocAuc } from "./rankingMetrics.js"

/**
 * The feedback curve of `npm run eval:match -- --feedback`: how much a seeker's own model gains with K of their
 * decisions. Each resume gets K of its labelled pairs at random as decisions; its model learns from them and
 * scores the rest; AUC is measured on the rest only, pooled over the resumes, and averaged over repeated draws.
 * The global calibration every model starts from is given: fitted on another set, as production's is, so no pair
 * of the set tunes what scores it, and with K = 0 the ranking is the hybrid score's.
 */

export interface EvalPair {
  readonly resume: number
  /** The job's features as the seeker's model reads them (`modelFeatures`). */
  readonly features: ReadonlyArray<string>
  /** The hybrid score, 0-100. */
  readonly score: number
  readonly relevant: boolean
}

export interface CurvePoint {
  readonly k: number
  /** Draws that could give every resume K decisions and keep some pairs to measure on. */
  readonly draws: number
  /** ROC-AUC of the seeker's model, and of the hybrid score alone, on the same held-out pairs. */
  readonly auc: number
  readonly hybridAuc: number
  /** Held-out pairs at or above the auto-approve probability: their share, and the share of them relevant. */
  readonly coverage: number
  readonly precision: number
  /** The share of the relevant held-out pairs auto-approved. */
  readonly recall: number
}

export interface CurveSettings {
  readonly calibration: Calibration
  readonly draws: number
  readonly seed: number
  /** The calibrated probability that auto-approves. */
  readonly autoApprove: number
  readonly training?: TrainSettings
}

export const feedbackCurve = (pairs: ReadonlyArray<EvalPair>, ks: ReadonlyArray<number>, settings: CurveSettings): Array<CurvePoint> => {
  const resumes = [...new Set(pairs.map((p) => p.resume))].sort((a, b) => a - b)
  const byResume = new Map(resumes.map((r) => [r, pairs.filter((p) => p.resume === r)]))
  const smallest = Math.min(...[...byResume.values()].map((ps) => ps.length))
  return ks.map((k) => {
    // At least ten pairs of each resume to measure on.
    if (k > smallest - 10) return { k, draws: 0, auc: NaN, hybridAuc: NaN, coverage: NaN, precision: NaN, recall: NaN }
    const random = mulberry32(settings.seed + k)
    const runs = Array.from({ length: k === 0 ? 1 : settings.draws }, () => {
      const model: Array<number> = []
      const hybrid: Array<number> = []
      const truth: Array<boolean> = []
      for (const r of resumes) {
        const mine = shuffle([...byResume.get(r)!], random)
        const calibration = settings.calibration
        const decided = mine.slice(0, k)
        // As in production (pipelines/Feedback.ts): the undecided pairs, up to 100, as background labels.
        const learned = train(
          [
            ...decided.map((p, i) => ({ jobId: String(i), features: p.features, score: p.score, relevant: p.relevant ? 1 : 0, weight: 1 })),
            ...mine.slice(k, k + 100).map((p, i) => backgroundLabel(calibration, `b${i}`, p.features, p.score))
          ],
          calibration,
          settings.training
        )
        for (const p of mine.slice(k)) {
          model.push(probability(learned, calibration, p.features, p.score))
          hybrid.push(p.score)
          truth.push(p.relevant)
        }
      }
      const approved = model.map((p) => p >= settings.autoApprove)
      const approvedCount = approved.filter(Boolean).length
      const hits = approved.filter((a, i) => a && truth[i]).length
      const relevant = truth.filter(Boolean).length
      return {
        auc: rocAuc(model, truth),
        hybridAuc: rocAuc(hybrid, truth),
        coverage: approvedCount / truth.length,
        precision: approvedCount === 0 ? NaN : hits / approvedCount,
        recall: relevant === 0 ? NaN : hits / relevant
      }
    })
    const avg = (f: (r: (typeof runs)[number]) => number) => {
      const xs = runs.map(f).filter((x) => !Number.isNaN(x))
      return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length
    }
    return {
      k,
      draws: runs.length,
      auc: avg((r) => r.auc),
      hybridAuc: avg((r) => r.hybridAuc),
      coverage: avg((r) => r.coverage),
      precision: avg((r) => r.precision),
      recall: avg((r) => r.recall)
    }
  })
}

const shuffle = <A>(xs: Array<A>, random: () => number): Array<A> => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
  }
  return xs
}
