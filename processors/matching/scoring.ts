import { ANNUAL, FILTER, locationMatches, locationPattern, ONSITE_ONLY, PENALTY, REMOTE_ONLY } from "./constraints.js"
import type { JobFeatures } from "./features.js"
import { type SeekerMatrix, setBit, WORDS } from "./seekerMatrix.js"
import { levelIndex, SENIORITY_LEVELS } from "./seniority.js"
import { skillIndex } from "./skills.js"
import { titleShape, titleSimilarity } from "./titles.js"
import { CALIBRATION, calibrated, COMPONENTS, type ComponentName, PENALTIES, SKILL_WEIGHT, WEIGHTS } from "./weights.js"

/**
 * The hybrid, explainable score (0-100) of one job against many seekers in one pass: pure, no I/O.
 *
 * Per seeker: hard constraints first (an excluded skill the posting asks for, remote/location, a salary below
 * the floor in the same currency) reject without further work; then six components in 0..1 (semantic cosine,
 * coverage of the posting's skills by the resume's, BM25 of the resume's terms in the posting, similarity of the
 * title to the seeker's target titles, seniority fit, the share of the posting's required skills the resume has),
 * their weighted mean, minus penalties (must-have skills the
 * posting does not mention, seniority two or more levels off, more experience asked than the resume states,
 * a range that starts below the floor, an excluded skill among the nice-to-haves). That hybrid is then calibrated:
 * the published 0-100 score is the probability of relevance in percent (`calibrated` in weights.ts).
 *
 * Guarantees:
 * - `scoreBatch` makes one pass over the seeker matrix (N x d floats) with no allocation per seeker; its result
 *   equals scoring each seeker alone (the tests compare it with a naive implementation);
 * - a component that cannot be assessed (no skills in the posting, no target titles) is left out of the mean
 *   rather than guessed, and is absent from the output;
 * - every filter and penalty is named in `explanation.constraints` with what to change to lift it.
 *
 * The parts: the inputs in features.ts, the seekers laid out in seekerMatrix.ts, the numbers in weights.ts, the
 * constraints' codes, places and pay in constraints.ts, titles in titles.ts, decisions and explanations in
 * explanations.ts.
 */

/** The scores of one job for every seeker of a matrix, as typed arrays indexed by seeker row. */
export interface ScoreBatch {
  readonly jobId: string
  /** 0..100, integers: the calibrated probability of relevance, in percent (`calibrated` in weights.ts). */
  readonly scores: Uint8Array
  /** The score before rounding (for ranking without ties). */
  readonly exact: Float64Array
  /**
   * The hybrid before calibration: the weighted mean of the components times 100, minus the penalty points (it can
   * fall below 0). A seeker's own model moves the calibrated score from it.
   */
  readonly hybrid: Float64Array
  /** `FILTER` bits; non-zero means rejected without scoring. */
  readonly filters: Uint8Array
  /** `PENALTY` bits. */
  readonly penalties: Uint8Array
  /** Row-major N x `COMPONENTS.length` in `COMPONENTS` order; NaN where a component was not assessed (or the seeker filtered). */
  readonly components: Float32Array
}

/** The job's side of the pass, computed once. */
interface JobSide {
  readonly required: Uint32Array
  readonly other: Uint32Array
  readonly preferred: Uint32Array
  readonly all: Uint32Array
  readonly skillDenominator: number
  readonly hasSkills: boolean
  /** How many of the posting's skills it requires (0: the required component is not assessed). */
  readonly requiredCount: number
  readonly level: number
  readonly levelKnown: boolean
  readonly yearsAsked: number
  readonly titleSims: Float64Array
  readonly locationOk: Uint8Array
  readonly salaryTop: number
  readonly salaryBottom: number
  readonly salaryCurrency: string | null
}

const prepareJob = (job: JobFeatures, m: SeekerMatrix): JobSide => {
  const required = new Uint32Array(WORDS)
  const other = new Uint32Array(WORDS)
  const preferred = new Uint32Array(WORDS)
  const all = new Uint32Array(WORDS)
  let denominator = 0
  let requiredCount = 0
  for (const id of job.skills) {
    const bit = skillIndex(id)
    if (bit < 0) continue
    setBit(all, 0, bit)
    if (job.mustHave.has(id)) {
      setBit(required, 0, bit)
      denominator += SKILL_WEIGHT.required
      requiredCount += 1
    } else if (job.niceToHave.has(id)) {
      setBit(preferred, 0, bit)
      denominator += SKILL_WEIGHT.preferred
    } else {
      setBit(other, 0, bit)
      denominator += SKILL_WEIGHT.other
    }
  }
  const shape = titleShape(job.title)
  const titleSims = Float64Array.from(m.titles, (target) => titleSimilarity(shape, target))
  const jobPlaces = job.locations.map(locationPattern)
  const locationOk = Uint8Array.from(m.locationSets, (set) =>
    jobPlaces.length === 0 || set.some((want) => jobPlaces.some((place) => locationMatches(want, place))) ? 1 : 0
  )
  const salary = job.salary
  const top = salary === null ? Number.NaN : (salary.max ?? salary.min ?? Number.NaN) * ANNUAL[salary.period]
  const bottom = salary === null ? Number.NaN : (salary.min ?? salary.max ?? Number.NaN) * ANNUAL[salary.period]
  return {
    required,
    other,
    preferred,
    all,
    skillDenominator: denominator,
    hasSkills: denominator > 0,
    requiredCount,
    level: levelIndex(job.seniority.level),
    levelKnown: job.seniority.source !== "default",
    yearsAsked: job.seniority.years?.min ?? Number.NaN,
    titleSims,
    locationOk,
    salaryTop: top,
    salaryBottom: bottom,
    salaryCurrency: salary?.currency ?? null
  }
}

/**
 * Scores `job` for every seeker of `m` in one pass. `weights` overrides `WEIGHTS` (for evaluation); missing
 * entries keep theirs.
 */
export const scoreBatch = (
  job: JobFeatures,
  m: SeekerMatrix,
  weights: Partial<Record<ComponentName, number>> = {}
): ScoreBatch => {
  const n = m.size
  const d = m.dimensions
  if (n > 0 && job.vector.length !== d) throw new RangeError(`job ${job.jobId} has a ${job.vector.length}-d vector, seekers ${d}-d`)
  const w = { ...WEIGHTS, ...weights }
  const side = prepareJob(job, m)
  const scores = new Uint8Array(n)
  const exact = new Float64Array(n)
  const hybrid = new Float64Array(n)
  const filters = new Uint8Array(n)
  const penalties = new Uint8Array(n)
  const width = COMPONENTS.length
  const components = new Float32Array(n * width).fill(Number.NaN)

  // Lexical: each posting term adds its weight to every seeker whose resume has it (an inverted pass).
  const lexical = m.scratch
  lexical.fill(0)
  const lex = job.lexical
  if (lex !== null) {
    for (let t = 0; t < lex.terms.length; t++) {
      const seekers = m.termSeekers.get(lex.terms[t]!)
      if (seekers === undefined) continue
      const weight = lex.weights[t]!
      for (let k = 0; k < seekers.length; k++) lexical[seekers[k]!]! += weight
    }
  }
  const lexTotal = lex === null || lex.total <= 0 ? 0 : lex.total

  // Locals: V8 keeps typed arrays in registers better than properties read in the loop.
  const { vectors, skills, excluded, mustHave, hasExcluded, hasMustHave, remote, locationSet } = m
  const { floorAnnual, floorCurrency, titleStart, titleRefs, levels, years } = m
  const { required, other, preferred, all, titleSims, locationOk } = side
  const q = job.vector
  const { low: cosLow, high: cosHigh } = CALIBRATION.semantic
  const { low: lexLow, high: lexHigh } = CALIBRATION.lexical

  // Hard constraints first: a filtered seeker costs nothing more.
  for (let i = 0; i < n; i++) {
    const base = i * WORDS
    let filter = 0
    let penalty = 0
    if (hasExcluded[i] === 1) {
      for (let k = 0; k < WORDS; k++) {
        const e = excluded[base + k]!
        if ((e & (required[k]! | other[k]!)) !== 0) filter |= FILTER.excluded
        else if ((e & preferred[k]!) !== 0) penalty |= PENALTY.excludedNiceToHave
      }
    }
    const remoteMode = remote[i]!
    if (remoteMode === REMOTE_ONLY && !job.remote) filter |= FILTER.remote
    else if (remoteMode === ONSITE_ONLY && job.remote && job.locations.length === 0) filter |= FILTER.remote
    else if (!(job.remote && remoteMode !== ONSITE_ONLY)) {
      const set = locationSet[i]!
      if (set >= 0 && locationOk[set] === 0) filter |= FILTER.location
    }
    const floor = floorAnnual[i]!
    if (!Number.isNaN(floor) && !Number.isNaN(side.salaryTop) && floorCurrency[i] === side.salaryCurrency) {
      if (side.salaryTop < floor) filter |= FILTER.salary
      else if (side.salaryBottom < floor) penalty |= PENALTY.salary
    }
    filters[i] = filter
    penalties[i] = penalty
  }

  // Semantic: one matrix-vector product over the rows that passed (a tight loop of its own runs fastest).
  const dots = m.dots
  const tail = d - (d % 4)
  for (let i = 0; i < n; i++) {
    if (filters[i] !== 0) continue
    const row = i * d
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (let k = 0; k < tail; k += 4) {
      s0 += vectors[row + k]! * q[k]!
      s1 += vectors[row + k + 1]! * q[k + 1]!
      s2 += vectors[row + k + 2]! * q[k + 2]!
      s3 += vectors[row + k + 3]! * q[k + 3]!
    }
    for (let k = tail; k < d; k++) s0 += vectors[row + k]! * q[k]!
    dots[i] = s0 + s1 + s2 + s3
  }

  for (let i = 0; i < n; i++) {
    if (filters[i] !== 0) continue
    const base = i * WORDS
    let penalty = penalties[i]!
    const semantic = clamp01((dots[i]! - cosLow) / (cosHigh - cosLow))
    let sum = w.semantic * semantic
    let weightSum = w.semantic
    const c = i * width
    components[c] = semantic

    // Skills: weighted coverage of the posting's skills by the resume's.
    let mustMissing = 0
    if (side.hasSkills) {
      let req = 0
      let oth = 0
      let pre = 0
      for (let j = 0; j < WORDS; j++) {
        const r = skills[base + j]!
        req += popcount(r & required[j]!)
        oth += popcount(r & other[j]!)
        pre += popcount(r & preferred[j]!)
      }
      const coverage = (req * SKILL_WEIGHT.required + oth * SKILL_WEIGHT.other + pre * SKILL_WEIGHT.preferred) / side.skillDenominator
      components[c + 1] = coverage
      sum += w.skills * coverage
      weightSum += w.skills
      // Required: the share of the posting's required skills the resume has (the must-have stack).
      if (side.requiredCount > 0) {
        const share = req / side.requiredCount
        components[c + 5] = share
        sum += w.required * share
        weightSum += w.required
      }
      if (hasMustHave[i] === 1) {
        for (let j = 0; j < WORDS; j++) mustMissing += popcount(mustHave[base + j]! & ~all[j]!)
        if (mustMissing > 0) penalty |= PENALTY.mustHave
      }
    }

    if (lexTotal > 0) {
      const share = clamp01((lexical[i]! / lexTotal - lexLow) / (lexHigh - lexLow))
      components[c + 2] = share
      sum += w.lexical * share
      weightSum += w.lexical
    }

    const from = titleStart[i]!
    const to = titleStart[i + 1]!
    if (to > from) {
      let best = 0
      for (let t = from; t < to; t++) best = Math.max(best, titleSims[titleRefs[t]!]!)
      components[c + 3] = best
      sum += w.title * best
      weightSum += w.title
    }

    const wanted = levels[i]!
    if (wanted !== 0) {
      let distance = 9
      for (let l = 0; l < SENIORITY_LEVELS.length; l++) {
        if ((wanted & (1 << l)) !== 0) distance = Math.min(distance, Math.abs(l - side.level))
      }
      let fit = distance === 0 ? 1 : distance === 1 ? 0.5 : 0
      // An unknown level is treated as mid, but never counts as further off than one step.
      if (!side.levelKnown) fit = Math.max(fit, 0.5)
      else if (distance >= 2) penalty |= PENALTY.seniority
      components[c + 4] = fit
      sum += w.seniority * fit
      weightSum += w.seniority
    }
    const stated = years[i]!
    if (!Number.isNaN(stated) && side.yearsAsked >= stated + 3) penalty |= PENALTY.experience

    let points = 0
    if ((penalty & PENALTY.mustHave) !== 0) points += PENALTIES.missingMustHave * Math.min(2, mustMissing)
    if ((penalty & PENALTY.excludedNiceToHave) !== 0) points += PENALTIES.excludedNiceToHave
    if ((penalty & PENALTY.seniority) !== 0) points += PENALTIES.seniorityFar
    if ((penalty & PENALTY.experience) !== 0) points += PENALTIES.experience
    if ((penalty & PENALTY.salary) !== 0) points += PENALTIES.salaryPartly
    const value = (weightSum > 0 ? (100 * sum) / weightSum : 0) - points
    hybrid[i] = value
    exact[i] = calibrated(value)
    scores[i] = Math.round(exact[i]!)
    penalties[i] = penalty
  }
  return { jobId: job.jobId, scores, exact, hybrid, filters, penalties, components }
}

/**
 * The weighted mean of the assessed components (in `COMPONENTS` order; NaN: not assessed), times 100: the score
 * before penalties. `scoreBatch` computes the same inline.
 */
export const combine = (components: ArrayLike<number>, weights: Readonly<Record<ComponentName, number>>): number => {
  let sum = 0
  let weightSum = 0
  COMPONENTS.forEach((name, k) => {
    const v = components[k]!
    if (Number.isNaN(v)) return
    sum += weights[name] * v
    weightSum += weights[name]
  })
  return weightSum > 0 ? (100 * sum) / weightSum : 0
}

const popcount = (x: number): number => {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x)
