import type { SeekerModel } from "./feedbackModel.js"
import { COMPONENTS } from "./weights.js"

/**
 * The seekers' own models laid out for one pass over a job, as `SeekerMatrix` lays out their profiles: the weights
 * of every job-level feature as an inverted list (feature -> the rows whose model weighs it), the bias and the
 * component features per row. A job's learned log-odds for every row then cost one lookup per feature of the job
 * and one addition per (row, weight) that applies, instead of a lookup per feature per seeker.
 */
export interface LearnedIndex {
  readonly size: number
  /** How many rows have a model: none, and a pass has nothing to add. */
  readonly rows: number
  /** Rows with a model of their own (at least one decision). */
  readonly learned: Uint8Array
  readonly bias: Float64Array
  /** Per component k, the weight of `high:` and of `low:` for row i at k * size + i. */
  readonly high: Float64Array
  readonly low: Float64Array
  readonly features: ReadonlyMap<string, { readonly rows: Int32Array; readonly weights: Float64Array }>
}

/** `models[i]` is the model of the matrix's row i, or null for a seeker without one. */
export const buildLearnedIndex = (models: ReadonlyArray<SeekerModel | null>): LearnedIndex => {
  const n = models.length
  const learned = new Uint8Array(n)
  const bias = new Float64Array(n)
  const high = new Float64Array(COMPONENTS.length * n)
  const low = new Float64Array(COMPONENTS.length * n)
  const lists = new Map<string, { rows: Array<number>; weights: Array<number> }>()
  models.forEach((model, i) => {
    if (model === null || model.labels === 0) return
    learned[i] = 1
    bias[i] = model.bias
    for (const [feature, weight] of Object.entries(model.weights)) {
      const colon = feature.indexOf(":")
      const k = COMPONENTS.indexOf(feature.slice(colon + 1) as (typeof COMPONENTS)[number])
      if (feature.startsWith("high:") && k >= 0) high[k * n + i] = weight
      else if (feature.startsWith("low:") && k >= 0) low[k * n + i] = weight
      else {
        let list = lists.get(feature)
        if (!list) lists.set(feature, (list = { rows: [], weights: [] }))
        list.rows.push(i)
        list.weights.push(weight)
      }
    }
  })
  const features = new Map([...lists].map(([f, l]) => [f, { rows: Int32Array.from(l.rows), weights: Float64Array.from(l.weights) }] as const))
  return { size: n, rows: learned.reduce((a, b) => a + b, 0), learned, bias, high, low, features }
}

/**
 * Every row's learned log-odds for a job with `jobFeatures` (`jobModelFeatures`), given the batch's components
 * (row i's at i * `COMPONENTS.length`, NaN: not assessed). Rows without a model get 0.
 */
export const learnedLogits = (index: LearnedIndex, jobFeatures: ReadonlyArray<string>, components: Float32Array): Float64Array => {
  const { size: n, learned, bias, high, low } = index
  const c = COMPONENTS.length
  const z = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    if (learned[i] === 0) continue
    let sum = bias[i]!
    for (let k = 0, at = i * c; k < c; k++) {
      const v = components[at + k]!
      // NaN (not assessed) fails both comparisons.
      if (v >= 0.5) sum += high[k * n + i]!
      else if (v < 0.5) sum += low[k * n + i]!
    }
    z[i] = sum
  }
  for (const f of jobFeatures) {
    const list = index.features.get(f)
    if (list === undefined) continue
    const { rows, weights } = list
    for (let j = 0; j < rows.length; j++) z[rows[j]!]! += weights[j]!
  }
  return z
}
