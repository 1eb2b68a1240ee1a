import type { SalaryPeriod } from "../../schemas/common.js"
import type { Job } from "../../schemas/Job.js"
import type { ConstraintNote, Decision, Preferences, SeniorityLevel, Thresholds } from "../../schemas/Seeker.js"
import { type JobTerms, type LexicalIndex, tokenize } from "./lexical.js"
import {
  levelIndex,
  SENIORITY_LEVELS,
  type SeniorityEstimate,
  seniorityOf,
  seniorityOfResume,
  yearsOfExperience
} from "./seniority.js"
import { extractSkills, mustHaveSkills, resolveSkill, skillCount, skillIndex, skillName } from "./skills.js"

/**
 * The hybrid, explainable score (0-100) of one job against many seekers in one pass: pure, no I/O.
 *
 * Per seeker: hard constraints first (an excluded skill the posting asks for, remote/location, a salary below
 * the floor in the same currency) reject without further work; then five components in 0..1 (semantic cosine,
 * coverage of the posting's skills by the resume's, BM25 of the resume's terms in the posting, similarity of the
 * title to the seeker's target titles, seniority fit), their weighted mean, minus penalties (must-have skills the
 * posting does not mention, seniority two or more levels off, more experience asked than the resume states,
 * a range that starts below the floor, an excluded skill among the nice-to-haves).
 *
 * Guarantees:
 * - `scoreBatch` makes one pass over the seeker matrix (N x d floats) with no allocation per seeker; its result
 *   equals scoring each seeker alone (the tests compare it with a naive implementation);
 * - a component that cannot be assessed (no skills in the posting, no target titles) is left out of the mean
 *   rather than guessed, and is absent from the output;
 * - every filter and penalty is named in `explanation.constraints` with what to change to lift it.
 */

export type ComponentName = "semantic" | "skills" | "lexical" | "title" | "seniority"
export const COMPONENTS: ReadonlyArray<ComponentName> = ["semantic", "skills", "lexical", "title", "seniority"]

/**
 * The weights of the components, checked with `npm run eval:match` (8 resumes x 77 postings graded 0-3 by reading
 * them; see README.md beside this file). Round numbers chosen before the first run; the evaluation kept them:
 * - hybrid ROC-AUC 0.981 / NDCG@10 0.902, against embedding cosine alone 0.889 / 0.658 and TF-IDF cosine
 *   0.936 / 0.686 (the hybrid without the seeker's preferences: 0.955 / 0.885);
 * - rank 4 of the 1001 weight vectors on a 0.1 grid; the best one (0.3/0.3/0/0.3/0.1) reaches 0.979 / 0.908 on
 *   the labels it was picked on, and weights picked on seven resumes score 0.864 NDCG@10 on the eighth, below
 *   these fixed ones: tuning further would fit the labels, not the task;
 * - moving any weight by 0.1 changes AUC by at most 0.007 and NDCG@10 by at most 0.016. Dropping the semantic
 *   or the skills term costs the most (NDCG@10 0.851 and 0.863); seniority changes nothing measurable here
 *   (the profiles state their levels and the postings mostly fit them) and stays at 0.1 as the seeker's stated
 *   preference.
 */
export const WEIGHTS: Readonly<Record<ComponentName, number>> = {
  semantic: 0.4,
  skills: 0.2,
  lexical: 0.15,
  title: 0.15,
  seniority: 0.1
}

/**
 * Raw values mapped linearly to 0..1 and clipped, so that the components share a scale and a strong match can
 * reach the auto-approve threshold. Set from the distribution over all 616 pairs of the evaluation set (not from
 * its grades), rounded: bge-small-en-v1.5 cosines between a resume and a posting have p5 0.535, p50 0.664,
 * p95 0.748; the share of a posting's BM25 weight a resume covers has p50 0.049, p95 0.183. Another embedding
 * model needs its own range.
 */
export const CALIBRATION = {
  semantic: { low: 0.55, high: 0.75 },
  lexical: { low: 0, high: 0.2 }
} as const

/** Points taken off the 0-100 score. Policy, not fitted: the evaluation profiles barely exercise them. */
export const PENALTIES = {
  /** Per must-have skill of the seeker's that the posting does not mention (two at most). */
  missingMustHave: 10,
  /** An excluded skill that the posting lists only as nice to have. */
  excludedNiceToHave: 10,
  /** The posting's seniority is two or more levels from every level the seeker wants. */
  seniorityFar: 10,
  /** The posting asks for three or more years beyond what the resume states. */
  experience: 5,
  /** The salary range starts below the seeker's floor (and reaches it). */
  salaryPartly: 5
} as const

export const DEFAULT_THRESHOLDS: Thresholds = { autoApprove: 90, review: 60 }

/** How much a skill weighs in the coverage of a posting's skills, by how the posting asks for it. */
const SKILL_WEIGHT = { required: 2, other: 1, preferred: 0.5 } as const

/** One job scored for one seeker: the `Match` of schemas/Seeker.ts without resume id, model and time. */
export interface SeekerScore {
  readonly seekerId: string
  readonly jobId: string
  readonly score: number
  readonly decision: Decision
  /** Each assessed component in 0..1 (3 decimals); a component that could not be assessed is absent. */
  readonly components: Partial<Record<ComponentName, number>>
  readonly explanation: {
    /** Skills of the posting that the resume has, required ones first. */
    readonly matchedSkills: ReadonlyArray<string>
    /** Skills the posting marks as required that the resume lacks. */
    readonly missingMustHaves: ReadonlyArray<string>
    /** Up to five other skills of the posting that the resume lacks. */
    readonly missingSkills: ReadonlyArray<string>
    readonly constraints: ReadonlyArray<ConstraintNote>
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** What the scorer needs of a job; `jobFeatures` derives it from a `Job`. */
export interface JobFeatures {
  readonly jobId: string
  /** The posting's embedding (unit length, same model as the resumes'). */
  readonly vector: Float32Array
  readonly title: string
  /** Canonical skill ids of the posting (`extractSkills` of title and description). */
  readonly skills: ReadonlySet<string>
  /** The ones it marks as required. */
  readonly mustHave: ReadonlySet<string>
  /** The ones it marks as nice to have. */
  readonly niceToHave: ReadonlySet<string>
  readonly locations: ReadonlyArray<string>
  readonly remote: boolean
  readonly salary: Job["salary"]
  readonly seniority: SeniorityEstimate
  /** Its BM25 terms among the jobs seen (`LexicalIndex.termWeights`); `null` leaves the lexical term out. */
  readonly lexical: JobTerms | null
}

export type JobInput = Pick<Job, "jobId" | "title" | "description" | "locations" | "remote" | "salary">

/** The text to embed and index for a job: title and description. */
export const jobText = (job: Pick<Job, "title" | "description">): string => `${job.title}\n\n${job.description}`.trim()

/**
 * The features of a job. With `index`, the job's BM25 terms come from it; a job not yet in the index is added
 * (so that a job is never scored against an index that does not know it). The terms are a snapshot of the index
 * at this moment: take features right before scoring.
 */
export const jobFeatures = (job: JobInput, vector: Float32Array, index?: LexicalIndex): JobFeatures => {
  const text = jobText(job)
  const requirements = mustHaveSkills(job.description)
  if (index !== undefined && !index.has(job.jobId)) index.add(job.jobId, text)
  return {
    jobId: job.jobId,
    vector,
    title: job.title,
    skills: extractSkills(text),
    mustHave: requirements.required,
    niceToHave: requirements.preferred,
    locations: job.locations,
    remote: job.remote,
    salary: job.salary,
    seniority: seniorityOf(job.title, job.description),
    lexical: index === undefined ? null : index.termWeights(job.jobId)
  }
}

export interface SeekerProfile {
  readonly seekerId: string
  /** The resume's embedding (unit length). */
  readonly vector: Float32Array
  /** Canonical skill ids of the resume. */
  readonly skills: ReadonlySet<string>
  /** The resume's tokens (`tokenize`), the query of the lexical term. */
  readonly terms: ReadonlyArray<string>
  /** The resume's own seniority: the seniority fit uses it when the preferences name no level. */
  readonly resumeSeniority: SeniorityLevel | null
  /** Years of experience the resume states, if it does. */
  readonly yearsExperience: number | null
  readonly preferences: Preferences
  /** Overrides `preferences.thresholds`; both absent: `DEFAULT_THRESHOLDS`. */
  readonly thresholds?: Thresholds
}

/** A profile from a resume's text and embedding, and the seeker's preferences. */
export const seekerProfile = (input: {
  readonly seekerId: string
  readonly resumeText: string
  readonly vector: Float32Array
  readonly preferences?: Preferences
  readonly thresholds?: Thresholds
}): SeekerProfile => ({
  seekerId: input.seekerId,
  vector: input.vector,
  skills: extractSkills(input.resumeText),
  terms: tokenize(input.resumeText),
  resumeSeniority: seniorityOfResume(input.resumeText).level,
  yearsExperience: yearsOfExperience(input.resumeText),
  preferences: input.preferences ?? {},
  ...(input.thresholds === undefined ? {} : { thresholds: input.thresholds })
})

// ---------------------------------------------------------------------------------------------------------------
// The seeker matrix

const WORDS = Math.ceil(skillCount / 32)
const REMOTE_OK = 0
const REMOTE_ONLY = 1
const ONSITE_ONLY = 2

/** N seekers laid out for one pass: vectors as one N x d Float32Array, skills as bitsets, preferences as codes. */
export interface SeekerMatrix {
  readonly size: number
  readonly dimensions: number
  readonly seekerIds: ReadonlyArray<string>
  /** Row i is seeker i's resume vector. */
  readonly vectors: Float32Array
  /** @internal the rest is the scorer's own layout */
  readonly profiles: ReadonlyArray<SeekerProfile>
  readonly skills: Uint32Array
  readonly mustHave: Uint32Array
  readonly excluded: Uint32Array
  readonly hasMustHave: Uint8Array
  readonly hasExcluded: Uint8Array
  readonly levels: Uint8Array
  readonly years: Float64Array
  readonly remote: Uint8Array
  readonly locationSet: Int32Array
  readonly locationSets: ReadonlyArray<ReadonlyArray<LocationPattern>>
  readonly floorAnnual: Float64Array
  readonly floorCurrency: ReadonlyArray<string | null>
  readonly titleStart: Int32Array
  readonly titleRefs: Int32Array
  readonly titles: ReadonlyArray<TitleShape>
  readonly termSeekers: ReadonlyMap<string, Int32Array>
  readonly autoApprove: Uint8Array
  readonly review: Uint8Array
  /** Scratch for the lexical accumulation and the dot products (one per matrix: `scoreBatch` is synchronous). */
  readonly scratch: Float64Array
  readonly dots: Float64Array
}

/** Lays out `profiles` for scoring; build it once, and again when seekers change (10k seekers: about 0.2-0.4 s). */
export const buildSeekerMatrix = (profiles: ReadonlyArray<SeekerProfile>): SeekerMatrix => {
  const n = profiles.length
  const d = profiles[0]?.vector.length ?? 0
  const vectors = new Float32Array(n * d)
  const skills = new Uint32Array(n * WORDS)
  const mustHave = new Uint32Array(n * WORDS)
  const excluded = new Uint32Array(n * WORDS)
  const hasMustHave = new Uint8Array(n)
  const hasExcluded = new Uint8Array(n)
  const levels = new Uint8Array(n)
  const years = new Float64Array(n)
  const remote = new Uint8Array(n)
  const locationSet = new Int32Array(n).fill(-1)
  const locationSets: Array<ReadonlyArray<LocationPattern>> = []
  const locationKeys = new Map<string, number>()
  const floorAnnual = new Float64Array(n).fill(Number.NaN)
  const floorCurrency: Array<string | null> = []
  const titleStart = new Int32Array(n + 1)
  const titleRefs: Array<number> = []
  const titles: Array<TitleShape> = []
  const titleKeys = new Map<string, number>()
  const termLists = new Map<string, Array<number>>()
  const autoApprove = new Uint8Array(n)
  const review = new Uint8Array(n)

  profiles.forEach((p, i) => {
    if (p.vector.length !== d) throw new RangeError(`seeker ${p.seekerId} has a ${p.vector.length}-d vector, others ${d}-d`)
    vectors.set(p.vector, i * d)
    for (const id of p.skills) setBit(skills, i, skillIndex(id))
    const prefs = p.preferences
    for (const name of prefs.mustHaveSkills ?? []) {
      const id = resolveSkill(name)
      if (id !== undefined) {
        setBit(mustHave, i, skillIndex(id))
        hasMustHave[i] = 1
      }
    }
    for (const name of prefs.excludedSkills ?? []) {
      const id = resolveSkill(name)
      if (id !== undefined) {
        setBit(excluded, i, skillIndex(id))
        hasExcluded[i] = 1
      }
    }
    const wanted = prefs.seniority ?? []
    const own = p.resumeSeniority
    for (const level of wanted.length > 0 ? wanted : own === null ? [] : [own]) levels[i]! |= 1 << levelIndex(level)
    years[i] = p.yearsExperience ?? Number.NaN
    const places = (prefs.locations ?? []).filter((l) => !/^\s*remote\s*$/i.test(l))
    const wantsRemote = (prefs.locations ?? []).some((l) => /^\s*remote\s*$/i.test(l))
    remote[i] = prefs.remote === "remote_only" ? REMOTE_ONLY : prefs.remote === "onsite_only" && !wantsRemote ? ONSITE_ONLY : REMOTE_OK
    if (places.length > 0) {
      const key = places.map((l) => l.trim().toLowerCase()).sort().join("|")
      let set = locationKeys.get(key)
      if (set === undefined) {
        set = locationSets.length
        locationKeys.set(key, set)
        locationSets.push(places.map(locationPattern))
      }
      locationSet[i] = set
    }
    const floor = prefs.salaryFloor
    floorCurrency.push(floor?.currency ?? null)
    if (floor != null) floorAnnual[i] = floor.amount * ANNUAL[floor.period]
    titleStart[i] = titleRefs.length
    for (const target of prefs.targetTitles ?? []) {
      const key = target.trim().toLowerCase()
      let ref = titleKeys.get(key)
      if (ref === undefined) {
        ref = titles.length
        titleKeys.set(key, ref)
        titles.push(titleShape(target))
      }
      titleRefs.push(ref)
    }
    for (const term of new Set(p.terms)) {
      const list = termLists.get(term) ?? []
      list.push(i)
      termLists.set(term, list)
    }
    const thresholds = p.thresholds ?? prefs.thresholds ?? DEFAULT_THRESHOLDS
    autoApprove[i] = thresholds.autoApprove
    review[i] = thresholds.review
  })
  titleStart[n] = titleRefs.length

  return {
    size: n,
    dimensions: d,
    seekerIds: profiles.map((p) => p.seekerId),
    vectors,
    profiles,
    skills,
    mustHave,
    excluded,
    hasMustHave,
    hasExcluded,
    levels,
    years,
    remote,
    locationSet,
    locationSets,
    floorAnnual,
    floorCurrency,
    titleStart,
    titleRefs: Int32Array.from(titleRefs),
    titles,
    termSeekers: new Map([...termLists].map(([t, list]) => [t, Int32Array.from(list)] as const)),
    autoApprove,
    review,
    scratch: new Float64Array(n),
    dots: new Float64Array(n)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring

/** Why a seeker was filtered out, as bits of `ScoreBatch.filters`. */
export const FILTER = { excluded: 1, remote: 2, location: 4, salary: 8 } as const
/** Which penalties applied, as bits of `ScoreBatch.penalties`. */
export const PENALTY = { mustHave: 1, excludedNiceToHave: 2, seniority: 4, experience: 8, salary: 16 } as const

/** The scores of one job for every seeker of a matrix, as typed arrays indexed by seeker row. */
export interface ScoreBatch {
  readonly jobId: string
  /** 0..100, integers. */
  readonly scores: Uint8Array
  /** The score before rounding (for ranking without ties). */
  readonly exact: Float64Array
  /** `FILTER` bits; non-zero means rejected without scoring. */
  readonly filters: Uint8Array
  /** `PENALTY` bits. */
  readonly penalties: Uint8Array
  /** Row-major N x 5 in `COMPONENTS` order; NaN where a component was not assessed (or the seeker filtered). */
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
  for (const id of job.skills) {
    const bit = skillIndex(id)
    if (bit < 0) continue
    setBit(all, 0, bit)
    if (job.mustHave.has(id)) {
      setBit(required, 0, bit)
      denominator += SKILL_WEIGHT.required
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
  const filters = new Uint8Array(n)
  const penalties = new Uint8Array(n)
  const components = new Float32Array(n * 5).fill(Number.NaN)

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
    const c = i * 5
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
    exact[i] = value
    scores[i] = Math.max(0, Math.min(100, Math.round(value)))
    penalties[i] = penalty
  }
  return { jobId: job.jobId, scores, exact, filters, penalties, components }
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

export interface ScoreOptions {
  /** Only seekers scoring at least this (filtered seekers score 0). Default 0: every seeker. */
  readonly minScore?: number
  readonly weights?: Partial<Record<ComponentName, number>>
}

/** Scores `job` for every seeker and explains the results at or above `minScore`, best first. */
export const scoreJob = (job: JobFeatures, m: SeekerMatrix, options: ScoreOptions = {}): Array<SeekerScore> => {
  const batch = scoreBatch(job, m, options.weights)
  const min = options.minScore ?? 0
  const rows: Array<number> = []
  for (let i = 0; i < m.size; i++) if (batch.scores[i]! >= min) rows.push(i)
  rows.sort((a, b) => batch.exact[b]! - batch.exact[a]! || batch.scores[b]! - batch.scores[a]!)
  const describe = explainer(job, m)
  return rows.map((i) => describe(batch, i))
}

/** The full result for row `i` of a batch: decision, components and the explanation. */
export const explain = (job: JobFeatures, m: SeekerMatrix, batch: ScoreBatch, i: number): SeekerScore =>
  explainer(job, m)(batch, i)

/** Explanations for one job, with its side (skills in order, their names) prepared once. */
const explainer = (job: JobFeatures, m: SeekerMatrix) => {
  const required = (id: string) => job.mustHave.has(id)
  // Required skills first, then by name; among the missing non-required ones, nice-to-haves last.
  const jobSkills = [...job.skills].sort((a, b) => Number(required(b)) - Number(required(a)) || skillName(a).localeCompare(skillName(b)))
  const optional = jobSkills.filter((id) => !required(id)).sort((a, b) => Number(job.niceToHave.has(a)) - Number(job.niceToHave.has(b)))
  const mandatory = jobSkills.filter(required)

  return (batch: ScoreBatch, i: number): SeekerScore => {
    const profile = m.profiles[i]!
    const filter = batch.filters[i]!
    const score = batch.scores[i]!
    const decision: Decision =
      filter !== 0 ? "reject" : score >= m.autoApprove[i]! ? "auto_approve" : score >= m.review[i]! ? "manual_review" : "reject"
    const components: Partial<Record<ComponentName, number>> = {}
    for (let k = 0; k < COMPONENTS.length; k++) {
      const v = batch.components[i * 5 + k]!
      if (!Number.isNaN(v)) components[COMPONENTS[k]!] = Math.round(v * 1000) / 1000
    }
    const has = (id: string) => profile.skills.has(id)
    const missingSkills: Array<string> = []
    for (const id of optional) {
      if (missingSkills.length === 5) break
      if (!has(id)) missingSkills.push(skillName(id))
    }
    return {
      seekerId: profile.seekerId,
      jobId: job.jobId,
      score,
      decision,
      components,
      explanation: {
        matchedSkills: jobSkills.filter(has).map(skillName),
        missingMustHaves: mandatory.filter((id) => !has(id)).map(skillName),
        missingSkills,
        constraints: constraintNotes(job, m, i, filter, batch.penalties[i]!, profile.preferences)
      }
    }
  }
}

const names = (ids: Iterable<string>) => [...ids].map(skillName).join(", ")

/** What each constraint the seeker set did to this job, worded so that the seeker knows what to change. */
const constraintNotes = (
  job: JobFeatures,
  m: SeekerMatrix,
  i: number,
  filter: number,
  penalty: number,
  prefs: Preferences
): Array<ConstraintNote> => {
  const notes: Array<ConstraintNote> = []
  const add = (name: ConstraintNote["name"], effect: ConstraintNote["effect"], detail: string) =>
    notes.push({ name, effect, detail })
  const filtered = (bit: number) => (filter & bit) !== 0
  const penalized = (bit: number) => (penalty & bit) !== 0

  const excluded = [...new Set((prefs.excludedSkills ?? []).map((s) => resolveSkill(s)))].filter((id) => id !== undefined)
  if (excluded.length > 0) {
    const asked = excluded.filter((id) => job.skills.has(id) && !job.niceToHave.has(id))
    const nice = excluded.filter((id) => job.niceToHave.has(id))
    if (filtered(FILTER.excluded)) {
      add("excluded_skills", "filter", `the posting asks for ${names(asked)}, which you excluded; remove it from your excluded skills to see such jobs`)
    } else if (penalized(PENALTY.excludedNiceToHave)) {
      add("excluded_skills", "penalty", `the posting lists ${names(nice)} (excluded by you) as nice to have: -${PENALTIES.excludedNiceToHave}`)
    } else add("excluded_skills", "ok", `none of your excluded skills (${names(excluded)}) is asked for`)
  }

  const mode = m.remote[i]!
  const where = job.locations.length > 0 ? job.locations.join("; ") : "no location given"
  const remoteFits = job.remote && mode !== ONSITE_ONLY
  if (filtered(FILTER.remote)) {
    add(
      "remote",
      "filter",
      mode === REMOTE_ONLY
        ? `on-site job (${where}); you want remote work only: allow on-site or hybrid jobs to see it`
        : "remote-only job; you want on-site work: allow remote jobs to see it"
    )
  } else if (remoteFits) add("remote", "ok", `remote job${job.locations.length > 0 ? ` (${where})` : ""}`)

  const places = (prefs.locations ?? []).filter((l) => !/^\s*remote\s*$/i.test(l))
  if (places.length > 0 && !filtered(FILTER.remote) && !remoteFits) {
    if (filtered(FILTER.location)) {
      add("location", "filter", `the job is in ${where}, outside your locations (${places.join("; ")}): add its city or state, or allow remote jobs`)
    } else add("location", "ok", job.locations.length === 0 ? "the posting names no location" : `${where} is within your locations`)
  }

  const floor = prefs.salaryFloor
  if (floor != null) {
    const salary = job.salary
    const wanted = `${formatMoney(floor.amount, floor.currency)} per ${floor.period.toLowerCase()}`
    if (salary === null) add("salary", "ok", `the posting gives no salary; your floor of ${wanted} was not checked`)
    else if (salary.currency !== floor.currency) {
      add("salary", "ok", `the posting pays in ${salary.currency} and your floor is in ${floor.currency}: not compared, no penalty`)
    } else {
      const low = salary.min ?? salary.max ?? 0
      const high = salary.min !== null && salary.max !== null ? `-${formatMoney(salary.max, salary.currency)}` : ""
      const range = `${formatMoney(low, salary.currency)}${high} per ${salary.period.toLowerCase()}`
      const yearly = formatMoney(Math.round(m.floorAnnual[i]!), floor.currency)
      if (filtered(FILTER.salary)) add("salary", "filter", `pays ${range}, below your floor of ${wanted} (${yearly} a year): lower the floor to see it`)
      else if (penalized(PENALTY.salary)) add("salary", "penalty", `pays ${range}: the lower part is below your floor of ${wanted}: -${PENALTIES.salaryPartly}`)
      else add("salary", "ok", `pays ${range}, at or above your floor of ${wanted}`)
    }
  }

  if (filter !== 0) return notes

  const wantedLevels = prefs.seniority ?? []
  const levels = wantedLevels.length > 0 ? wantedLevels.join(", ") : `${m.profiles[i]!.resumeSeniority ?? "mid"} (from your resume)`
  const signal = job.seniority.source === "default" ? "no seniority words or years in the posting" : `"${job.seniority.signal}"`
  const seen = `the posting looks ${job.seniority.level} (${signal}); you want ${levels}`
  if (penalized(PENALTY.seniority)) add("seniority", "penalty", `${seen}: -${PENALTIES.seniorityFar}`)
  else if (m.levels[i] !== 0) add("seniority", "ok", seen)

  const asked = job.seniority.years
  if (penalized(PENALTY.experience) && asked !== null) {
    add("experience", "penalty", `asks for ${asked.min}+ years; your resume states ${m.years[i]}: -${PENALTIES.experience}`)
  }

  const must = prefs.mustHaveSkills ?? []
  if (must.length > 0) {
    const unknown = must.filter((s) => resolveSkill(s) === undefined)
    const missing = [...new Set(must.map((s) => resolveSkill(s)))].filter((id): id is string => id !== undefined && !job.skills.has(id))
    if (job.skills.size === 0) add("must_have_skills", "ok", "the posting names no skills: your must-have skills were not checked")
    else if (penalized(PENALTY.mustHave)) {
      const points = PENALTIES.missingMustHave * Math.min(2, missing.length)
      add("must_have_skills", "penalty", `the posting does not mention ${names(missing)} (your must-have): -${points}`)
    } else add("must_have_skills", "ok", "the posting mentions all your must-have skills")
    if (unknown.length > 0) add("must_have_skills", "ok", `not in the skills vocabulary, so not checked: ${unknown.join(", ")}`)
  }
  return notes
}

// ---------------------------------------------------------------------------------------------------------------
// Titles

/**
 * A title as its role nouns (engineer, scientist, analyst, ...) and its other words, abbreviations expanded and
 * seniority words dropped (seniority has its own component): "Sr. ML Engineer II" -> {engineer}, {machine,
 * learning}.
 */
export interface TitleShape {
  readonly heads: ReadonlyArray<string>
  readonly words: ReadonlyArray<string>
}

const HEADS = new Set([
  "engineer", "scientist", "analyst", "manager", "director", "statistician", "biostatistician", "architect",
  "consultant", "specialist", "researcher", "administrator", "technician", "technologist", "officer", "modeler",
  "designer", "epidemiologist", "actuary", "economist", "evangelist", "executive", "owner", "recruiter", "chemist",
  "biologist", "writer", "accountant", "nurse", "teacher", "mentor"
])
const EXPAND: Readonly<Record<string, ReadonlyArray<string>>> = {
  ml: ["machine", "learning"], ai: ["artificial", "intelligence"], bi: ["business", "intelligence"],
  swe: ["software", "engineer"], sde: ["software", "engineer"], sre: ["reliability", "engineer"],
  eng: ["engineer"], engr: ["engineer"], dev: ["engineer"], developer: ["engineer"], programmer: ["engineer"],
  mgr: ["manager"], mle: ["machine", "learning", "engineer"], ds: ["data", "science"], de: ["data", "engineer"],
  nlp: ["nlp"], backend: ["backend"], frontend: ["frontend"], fullstack: ["fullstack"], ux: ["ux"],
  science: ["science"], analytics: ["analytics"], scientists: ["scientist"], engineers: ["engineer"],
  analysts: ["analyst"], developers: ["engineer"], statistics: ["statistics"], mlops: ["mlops"]
}
const NOISE = new Set([
  "senior", "sr", "junior", "jr", "lead", "staff", "principal", "chief", "head", "associate", "assistant", "i", "ii",
  "iii", "iv", "v", "intern", "internship", "new", "grad", "graduate", "graduates", "entry", "level", "college", "hire",
  "contract", "remote", "experienced", "the", "of", "and", "for", "with", "in", "to", "a", "an", "at", "or", "on",
  "early", "career", "team", "group", "mid", "expert", "multiple", "levels", "future", "opportunity", "opportunities"
])

export const titleShape = (title: string): TitleShape => {
  const text = title
    .toLowerCase()
    .replace(/\b(back|front)[\s-]end\b/g, "$1end")
    .replace(/\bfull[\s-]?stack\b/g, "fullstack")
    .replace(/\bml\s*ops\b/g, "mlops")
    .replace(/\bdev\s*ops\b/g, "devops")
  const heads = new Set<string>()
  const words = new Set<string>()
  for (const raw of text.match(/[a-z][a-z0-9+#]*/g) ?? []) {
    if (NOISE.has(raw)) continue
    // "Engineers" is an engineer; other plurals stay as they are.
    const singular = raw.length > 3 && raw.endsWith("s") && HEADS.has(raw.slice(0, -1)) ? raw.slice(0, -1) : raw
    for (const token of EXPAND[raw] ?? [singular]) {
      if (HEADS.has(token)) heads.add(token)
      else words.add(token)
    }
  }
  return { heads: [...heads], words: [...words] }
}

/**
 * How well a job title fits one target title, 0..1: with a common role noun, 0.4 plus 0.6 times how well the
 * other words agree (mostly: how many of the target's words the job title has); without one, a quarter of that.
 * "Senior Data Scientist / Machine Learning" fits "Data Scientist" at 0.91; "Data Engineer" fits it at 0.25.
 */
export const titleSimilarity = (job: TitleShape, target: TitleShape): number => {
  const headMatch = target.heads.length === 0 ? job.heads.length === 0 : target.heads.some((h) => job.heads.includes(h))
  let words: number
  if (target.words.length === 0 && job.words.length === 0) words = 1
  else if (target.words.length === 0) words = 0.7
  else {
    let common = 0
    for (const word of target.words) if (job.words.includes(word)) common += 1
    const covered = common / target.words.length
    const dice = (2 * common) / (target.words.length + job.words.length)
    words = 0.7 * covered + 0.3 * dice
  }
  return headMatch ? 0.4 + 0.6 * words : 0.25 * words
}

// ---------------------------------------------------------------------------------------------------------------
// Places and pay

/** A location as lower-case parts ("austin", "tx"); US states as their codes; a country as "us". */
export interface LocationPattern {
  readonly parts: ReadonlyArray<string>
}

const STATES: Readonly<Record<string, string>> = {
  alabama: "al", alaska: "ak", arizona: "az", arkansas: "ar", california: "ca", colorado: "co", connecticut: "ct",
  delaware: "de", florida: "fl", georgia: "ga", hawaii: "hi", idaho: "id", illinois: "il", indiana: "in", iowa: "ia",
  kansas: "ks", kentucky: "ky", louisiana: "la", maine: "me", maryland: "md", massachusetts: "ma", michigan: "mi",
  minnesota: "mn", mississippi: "ms", missouri: "mo", montana: "mt", nebraska: "ne", nevada: "nv",
  "new hampshire": "nh", "new jersey": "nj", "new mexico": "nm", "new york state": "ny", "north carolina": "nc",
  "north dakota": "nd", ohio: "oh", oklahoma: "ok", oregon: "or", pennsylvania: "pa", "rhode island": "ri",
  "south carolina": "sc", "south dakota": "sd", tennessee: "tn", texas: "tx", utah: "ut", vermont: "vt",
  virginia: "va", washington: "wa", "west virginia": "wv", wisconsin: "wi", wyoming: "wy", "district of columbia": "dc",
  "puerto rico": "pr"
}
const STATE_CODES = new Set(Object.values(STATES))
const COUNTRY_US = new Set(["us", "usa", "u.s.", "u.s.a.", "united states", "united states of america", "america"])
/** Short names job boards use for whole places. */
const PLACES: Readonly<Record<string, string>> = {
  sf: "san francisco, ca", nyc: "new york, ny", la: "los angeles, ca", dc: "washington, dc", "new york city": "new york, ny",
  "bay area": "san francisco bay area, ca", "washington dc": "washington, dc", "washington d.c.": "washington, dc"
}

export const locationPattern = (location: string): LocationPattern => {
  let text = location.toLowerCase().replace(/\b\d{5}(?:-\d{4})?\b/g, "").replace(/\s+/g, " ").trim()
  text = text.replace(/^remote(?: in)?\s*/, "")
  text = PLACES[text] ?? text
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => (COUNTRY_US.has(p) ? "us" : (STATES[p] ?? p)))
  return { parts }
}

/** Whether the job's place is within the wanted one: every wanted part is among the job's ("tx" covers "austin, tx"). */
export const locationMatches = (wanted: LocationPattern, place: LocationPattern): boolean => {
  if (wanted.parts.length === 0) return true
  if (wanted.parts.length === 1 && wanted.parts[0] === "us") {
    return place.parts.some((p) => p === "us" || STATE_CODES.has(p))
  }
  return wanted.parts.every((p) => place.parts.includes(p))
}

/** Working hours, days, weeks and months in a year: the conversion of a pay period to a yearly amount. */
export const ANNUAL: Readonly<Record<SalaryPeriod, number>> = { HOUR: 2080, DAY: 260, WEEK: 52, MONTH: 12, YEAR: 1 }

const formatMoney = (amount: number, currency: string): string => {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 }).format(amount)
  } catch {
    return `${amount} ${currency}`
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bits

const setBit = (bits: Uint32Array, row: number, bit: number) => {
  if (bit < 0) return
  bits[row * WORDS + (bit >>> 5)]! |= 1 << (bit & 31)
}

const popcount = (x: number): number => {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x)

