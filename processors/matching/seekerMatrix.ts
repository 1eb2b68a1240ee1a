import { ANNUAL, type LocationPattern, locationPattern, ONSITE_ONLY, REMOTE_OK, REMOTE_ONLY } from "./constraints.js"
import type { SeekerProfile } from "./features.js"
import { levelIndex } from "./seniority.js"
import { resolveSkill, skillCount, skillIndex } from "./skills.js"
import { titleShape, type TitleShape } from "./titles.js"
import { DEFAULT_THRESHOLDS } from "./weights.js"

/** How many 32-bit words a skill bitset takes per seeker. */
export const WORDS = Math.ceil(skillCount / 32)

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

/** Sets `bit` in the bitset of `row` (a skill unknown to the vocabulary, index -1, sets nothing). */
export const setBit = (bits: Uint32Array, row: number, bit: number) => {
  if (bit < 0) return
  bits[row * WORDS + (bit >>> 5)]! |= 1 << (bit & 31)
}
