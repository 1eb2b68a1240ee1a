import { tokenize } from "./lexical.js"
import type { JobFeatures } from "./features.js"
import { skillName } from "./skills.js"
import { COMPONENTS } from "./weights.js"

/**
 * A seeker's own model on top of the global hybrid score, learned from their decisions (GLMix-style: the global
 * score is the fixed effect, the seeker's coefficients the random one). The probability that a job is relevant to
 * the seeker is
 *
 *   p = sigmoid(prior(score) + bias + sum of w[f] over the job's features f)
 *
 * where `prior` is the global calibration of the 0-100 hybrid score (its log-odds) and the features are named,
 * sparse and binary: the skills the job asks for (`skill:`), the ones it requires (`must:`), the words of its
 * title (`title:`), its seniority (`level:`), and the hybrid's components above or below their middle
 * (`high:`/`low:`). With no labels every weight is 0 and p is the global calibration exactly; an L2 penalty keeps
 * weights small until several decisions agree, so the seeker's part takes over only as evidence grows. The
 * seeker's undecided matches join as background labels (`backgroundLabel`), so that what is learned is what sets
 * the decided jobs apart from their matches at large. Training is a few passes of gradient descent over a few
 * hundred labels: milliseconds.
 */

/** The global calibration of the hybrid score: p = sigmoid(slope * (score - middle)). */
export interface Calibration {
  readonly slope: number
  readonly middle: number
}

/** One decision as a label: the job's features as the scorer saw them, its hybrid score, and the verdict. */
export interface Label {
  readonly jobId: string
  readonly features: ReadonlyArray<string>
  readonly score: number
  /**
   * 1 relevant (approved, thumbs up, interview, offer); 0 not (rejected, thumbs down); in between, a background
   * label's expected relevance.
   */
  readonly relevant: number
  /** How much the label counts: 1 for a decision, less for a weak one (rejected at screening). */
  readonly weight: number
  /**
   * A match the seeker has not decided, standing for their matches at large: its target is what the global
   * calibration expects of it. Traits common to all their matches then cannot be blamed for a few rejections;
   * what sets the rejected jobs apart from the rest is learned.
   */
  readonly background?: boolean
}

/** How much a background label counts against a decision. */
export const backgroundWeight = 0.5

/** A background label for an undecided match: the prior's own expectation of it. */
export const backgroundLabel = (calibration: Calibration, jobId: string, features: ReadonlyArray<string>, score: number): Label => ({
  jobId,
  features,
  score,
  relevant: sigmoid(priorOf(calibration, score)),
  weight: backgroundWeight,
  background: true
})

/** A seeker's learned state: what is stored per seeker and loaded to score. */
export interface SeekerModel {
  readonly bias: number
  readonly weights: Readonly<Record<string, number>>
  /** Decisions it was trained on (background labels aside), and how many of them said relevant. */
  readonly labels: number
  readonly positives: number
}

export const emptyModel: SeekerModel = { bias: 0, weights: {}, labels: 0, positives: 0 }

export interface TrainSettings {
  /** L2 penalty per weight, as if every weight had this many labels' worth of evidence for 0. */
  readonly l2: number
  readonly epochs: number
  readonly rate: number
}

export const defaultTraining: TrainSettings = { l2: 1, epochs: 60, rate: 0.5 }

/**
 * Weights smaller than this are not kept: 0.02 in log-odds moves a probability by half a point at most (at 50%),
 * and every weight kept is work for each job scored against the seeker.
 */
const minWeight = 0.02

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** The log-odds the global calibration gives a hybrid score. */
export const priorOf = (calibration: Calibration, score: number) => calibration.slope * (score - calibration.middle)

/** The features of a job's own (skills asked for and required, title words, seniority): the same for every seeker. */
export const jobModelFeatures = (job: Pick<JobFeatures, "title" | "skills" | "mustHave" | "seniority">): Array<string> => {
  const out = new Set<string>()
  for (const s of job.skills) out.add(`skill:${s}`)
  for (const s of job.mustHave) out.add(`must:${s}`)
  for (const t of tokenize(job.title)) out.add(`title:${t}`)
  out.add(`level:${job.seniority.level}`)
  return [...out]
}

const HIGH = COMPONENTS.map((name) => `high:${name}`)
const LOW = COMPONENTS.map((name) => `low:${name}`)

/** Each assessed component above or below its middle, `components` in `COMPONENTS` order (NaN: not assessed). */
const componentFeature = (components: ArrayLike<number>, k: number): string | null => {
  const v = components[k]!
  return Number.isNaN(v) ? null : v >= 0.5 ? HIGH[k]! : LOW[k]!
}

/** The named features of a job for one seeker, as their model reads them. */
export const modelFeatures = (job: Pick<JobFeatures, "title" | "skills" | "mustHave" | "seniority">, components: ArrayLike<number>): Array<string> => {
  const out = jobModelFeatures(job)
  for (let k = 0; k < COMPONENTS.length; k++) {
    const f = componentFeature(components, k)
    if (f !== null) out.push(f)
  }
  return out
}

/** The model's log-odds for a job with `features` and hybrid `score`. */
export const logit = (model: SeekerModel, calibration: Calibration, features: ReadonlyArray<string>, score: number) => {
  let z = priorOf(calibration, score) + model.bias
  for (const f of features) z += model.weights[f] ?? 0
  return z
}

/** The calibrated probability of relevance, 0..1. */
export const probability = (model: SeekerModel, calibration: Calibration, features: ReadonlyArray<string>, score: number) =>
  sigmoid(logit(model, calibration, features, score))

/**
 * Fits the seeker's model to all their labels (from zero each time: the same labels give the same model,
 * whatever order they came in). Full-batch gradient descent on the weighted log-loss plus the L2 penalty, the
 * prior held fixed as an offset; the bias is penalized too, so a few labels cannot swing every score.
 */
export const train = (labels: ReadonlyArray<Label>, calibration: Calibration, settings: TrainSettings = defaultTraining): SeekerModel => {
  if (labels.every((l) => l.background === true)) return emptyModel
  const names = [...new Set(labels.flatMap((l) => l.features))].sort()
  const index = new Map(names.map((n, i) => [n, i]))
  const rows = labels.map((l) => ({ at: l.features.map((f) => index.get(f)!), prior: priorOf(calibration, l.score), y: l.relevant, w: l.weight }))
  const total = rows.reduce((s, r) => s + r.w, 0)
  const w = new Float64Array(names.length)
  let bias = 0
  const grad = new Float64Array(names.length)
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    grad.fill(0)
    let gBias = 0
    for (const r of rows) {
      let z = r.prior + bias
      for (const i of r.at) z += w[i]!
      const err = r.w * (sigmoid(z) - r.y)
      gBias += err
      for (const i of r.at) grad[i]! += err
    }
    // Gradients per label's worth of evidence; the penalty as if `l2` labels said 0.
    bias -= (settings.rate * (gBias + settings.l2 * bias)) / (total + settings.l2)
    for (let i = 0; i < w.length; i++) w[i] = clamp(w[i]! - (settings.rate * (grad[i]! + settings.l2 * w[i]!)) / (total + settings.l2), -8, 8)
  }
  const weights: Record<string, number> = {}
  names.forEach((n, i) => {
    if (Math.abs(w[i]!) >= minWeight) weights[n] = Math.round(w[i]! * 1e4) / 1e4
  })
  const decided = labels.filter((l) => l.background !== true)
  return { bias: Math.round(bias * 1e4) / 1e4, weights, labels: decided.length, positives: decided.filter((l) => l.relevant === 1).length }
}

/** What a learned weight says, for an explanation: the feature, how many labels had it, and which way it pulls. */
export interface Learned {
  readonly feature: string
  readonly weight: number
  readonly rejected: number
  readonly approved: number
}

/**
 * The learned weights that moved this job's score the most, strongest first, each backed by at least `support`
 * labels that went its way ("you turned down 6 jobs that require C++").
 */
export const learnedFor = (
  model: SeekerModel,
  labels: ReadonlyArray<Label>,
  features: ReadonlyArray<string>,
  options: { readonly support?: number; readonly limit?: number } = {}
): Array<Learned> => {
  const support = options.support ?? 2
  // A required skill is an asked-for one too: the two weigh alike, and "require" says more.
  const required = new Set(features.filter((f) => f.startsWith("must:")).map((f) => f.slice(5)))
  return features
    .filter((f) => !(f.startsWith("skill:") && required.has(f.slice(6))))
    .map((feature) => {
      const weight = model.weights[feature] ?? 0
      const having = labels.filter((l) => l.background !== true && l.features.includes(feature))
      return { feature, weight, rejected: having.filter((l) => l.relevant === 0).length, approved: having.filter((l) => l.relevant === 1).length }
    })
    .filter((l) => Math.abs(l.weight) >= 0.25 && (l.weight < 0 ? l.rejected : l.approved) >= support)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight))
    .slice(0, options.limit ?? 3)
}

/** A learned weight in words. */
export const describeLearned = (l: Learned): string => {
  const [kind, value] = [l.feature.slice(0, l.feature.indexOf(":")), l.feature.slice(l.feature.indexOf(":") + 1)]
  const what =
    kind === "must"
      ? `require ${skillName(value)}`
      : kind === "skill"
        ? `ask for ${skillName(value)}`
        : kind === "title"
          ? `have "${value}" in the title`
          : kind === "level"
            ? `are ${value} level`
            : `score ${kind} on ${value}`
  return l.weight < 0
    ? `you turned down ${l.rejected} job${l.rejected === 1 ? "" : "s"} that ${what}`
    : `you approved ${l.approved} job${l.approved === 1 ? "" : "s"} that ${what}`
}

/**
 * Fits the global calibration to scored, labelled pairs (Platt scaling: a one-feature logistic regression of
 * relevance on the score), by Newton's method.
 */
export const fitCalibration = (pairs: ReadonlyArray<{ readonly score: number; readonly relevant: boolean }>): Calibration => {
  // Parameters of sigmoid(a * score + c), score scaled to 0..1 for the numerics.
  let a = 0
  let c = 0
  for (let iter = 0; iter < 50; iter++) {
    let ga = 0
    let gc = 0
    let haa = 1e-6
    let hac = 0
    let hcc = 1e-6
    for (const { score, relevant } of pairs) {
      const x = score / 100
      const p = sigmoid(a * x + c)
      const e = p - (relevant ? 1 : 0)
      const v = p * (1 - p)
      ga += e * x
      gc += e
      haa += v * x * x
      hac += v * x
      hcc += v
    }
    const det = haa * hcc - hac * hac
    const da = (hcc * ga - hac * gc) / det
    const dc = (haa * gc - hac * ga) / det
    a -= da
    c -= dc
    if (Math.abs(da) + Math.abs(dc) < 1e-9) break
  }
  return { slope: a / 100, middle: a === 0 ? 50 : (-c / a) * 100 }
}
