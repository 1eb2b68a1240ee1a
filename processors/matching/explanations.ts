import type { ConstraintNote, Decision, Preferences } from "../../schemas/Seeker.js"
import { FILTER, ONSITE_ONLY, PENALTY, REMOTE_ONLY } from "./constraints.js"
import type { JobFeatures } from "./features.js"
import { type ScoreBatch, scoreBatch } from "./scoring.js"
import type { SeekerMatrix } from "./seekerMatrix.js"
import { resolveSkill, skillName } from "./skills.js"
import { COMPONENTS, type ComponentName, PENALTIES } from "./weights.js"

/**
 * A scored batch as what a seeker sees: the decision by the seeker's thresholds, the components rounded, the skills
 * matched and missing, and what each constraint the seeker set did, worded with what to change to lift it.
 */

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
    /**
     * The hybrid score the calibrated one comes from: the components' weighted mean times 100, minus the
     * constraints' penalty points, 0..100 (one decimal). What the seeker's own model starts from.
     */
    readonly hybrid: number
    /** What the seeker's own model did to the score (scorer.ts adds it; absent without decisions). */
    readonly learned?: { readonly points: number; readonly reasons: ReadonlyArray<string> }
  }
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
      const v = batch.components[i * COMPONENTS.length + k]!
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
        constraints: constraintNotes(job, m, i, filter, batch.penalties[i]!, profile.preferences),
        hybrid: filter !== 0 ? 0 : Math.round(Math.min(100, Math.max(0, batch.hybrid[i]!)) * 10) / 10
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

const formatMoney = (amount: number, currency: string): string => {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, maximumFractionDigits: 0 }).format(amount)
  } catch {
    return `${amount} ${currency}`
  }
}
