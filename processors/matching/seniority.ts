import type { SeniorityLevel } from "../../schemas/Seeker.js"

/**
 * The seniority of a job title (and its description), and the years of experience a posting asks for or a
 * resume states: pure functions, no I/O.
 *
 * Guarantees:
 * - `seniorityOf` always answers, and says where the answer came from: the title's own words win
 *   ("Senior Manager" is a manager, "Associate Director" a director, "Data Engineer I" junior), then the years
 *   the description asks for, then `mid` as a labelled default;
 * - years are read only where the text talks about experience ("5+ years of experience", "at least three
 *   years", "2-4 yrs in data science"); company ages ("over 100 years"), ages and durations of benefits are not.
 */

/** From least to most senior; `manager` covers managers, directors and executives (a different track). */
export const SENIORITY_LEVELS: ReadonlyArray<SeniorityLevel> = ["intern", "junior", "mid", "senior", "staff", "manager"]

export interface YearsRange {
  readonly min: number
  readonly max: number | null
}

export interface SeniorityEstimate {
  readonly level: SeniorityLevel
  /** `title`: a word of the title; `years`: the experience the description asks for; `default`: no signal. */
  readonly source: "title" | "years" | "default"
  /** The words that decided it ("Sr.", "5+ years"), for explanations. */
  readonly signal: string
  /** The experience the text asks for, when it says. */
  readonly years: YearsRange | null
}

/** 0 for intern ... 5 for manager. */
export const levelIndex = (level: SeniorityLevel): number => SENIORITY_LEVELS.indexOf(level)

/** How many steps apart two levels are. */
export const levelDistance = (a: SeniorityLevel, b: SeniorityLevel): number => Math.abs(levelIndex(a) - levelIndex(b))

/** The seniority a title says, checked in this order so that the strongest word wins. */
const TITLE_RULES: ReadonlyArray<readonly [SeniorityLevel, RegExp]> = [
  ["intern", /\b(intern|internship|co-?op|apprentice|summer analyst)\b/i],
  ["manager", /\b(manager|director|head of|head|vp|svp|evp|vice president|chief|cto|cdo|cio|president|managing)\b/i],
  ["staff", /\b(staff|principal|principle|lead|architect|distinguished|fellow)\b/i],
  ["senior", /\b(senior|sr|snr|iii|iv|v)\b|\b[345]\b(?!\s*(?:years?|yrs?|\+))/i],
  ["junior", /\b(junior|jr|entry[- ]level|entry|new grads?|new graduates?|graduate|college hire|early[- ]career|early in career|associate|trainee|university hire|campus|undergrad)\b|\b1\b(?!\s*(?:years?|yrs?|\+))/i],
  ["mid", /\b(ii|2|mid[- ]level|intermediate)\b(?!\s*(?:years?|yrs?|\+))/i]
]

/** "Data Engineer I", "Scientist I/II": a capital I standing alone (a lower-case "i" is not a level). */
const ROMAN_ONE = /(?<=\s|^)I(?=$|[\s/,)-])/

/**
 * The seniority of a posting (or of a resume, given its headline as `title`): the title's words first, then the
 * years of experience `description` asks for (under 2: junior, under 5: mid, else senior), else `mid`.
 */
export const seniorityOf = (title: string, description = ""): SeniorityEstimate => {
  const years = yearsRequired(description)
  const lower = title.toLowerCase()
  for (const [level, rule] of TITLE_RULES) {
    const m = rule.exec(lower) ?? (level === "junior" ? ROMAN_ONE.exec(title) : null)
    if (m !== null) return { level, source: "title", signal: m[0].trim(), years }
  }
  if (years !== null) {
    const level: SeniorityLevel = years.min < 2 ? "junior" : years.min < 5 ? "mid" : "senior"
    return { level, source: "years", signal: `${years.min}${years.max === null ? "+" : `-${years.max}`} years`, years }
  }
  return { level: "mid", source: "default", signal: "no seniority words or years", years: null }
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  fifteen: 15, twenty: 20
}
const NUM = String.raw`(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)`
/** "5+ years", "3-5 years", "at least 2 years", "minimum of three (3) years", "5 yrs", "two years'". */
const YEARS = new RegExp(
  String.raw`(?:(?:at least|minimum(?: of)?|min\.?|over|more than)\s+)?\b${NUM}(?:\s*\(\d{1,2}\))?\s*(\+|plus)?\s*` +
    String.raw`(?:(?:-|–|to)\s*${NUM}\s*\+?\s*)?(?:years?|yrs?)(?:['’])?`,
  "gi"
)
const EXPERIENCE_AFTER = /^[^.\n;]{0,60}?\b(experience|exp\b|professional|industry|hands[- ]on|working|work\b|background|developing|building|programming|in (?:a|the|data|software|analytics|machine|statistic))/i
const EXPERIENCE_BEFORE = /\b(experience|exp)\b[^.\n]{0,25}$/i
const NOT_EXPERIENCE_AFTER = /^\s*(old|of age|in business|ago|history|of history|of service|of operation|company|warranty|vested)/i

const numberOf = (s: string): number => NUMBER_WORDS[s.toLowerCase()] ?? Number(s)

/**
 * Every mention of years of experience in `text`, in order. `strict` (postings) wants the word "experience" or
 * the like nearby; a resume's summary speaks of its owner's experience anyway ("8 years in clinical research").
 */
const experienceMentions = (text: string, strict: boolean): Array<YearsRange> => {
  const out: Array<YearsRange> = []
  for (const m of text.matchAll(YEARS)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 80)
    const before = text.slice(Math.max(0, m.index - 40), m.index)
    if (NOT_EXPERIENCE_AFTER.test(after)) continue
    // "(10 years of additional experience may be substituted for education)" is an alternative, not the bar.
    if (strict && /\([^)]*$/.test(before)) continue
    if (strict && !EXPERIENCE_AFTER.test(after) && !EXPERIENCE_BEFORE.test(before)) continue
    const low = numberOf(m[1]!)
    const high = m[3] === undefined ? null : numberOf(m[3])
    // Company histories and other large numbers are not experience requirements.
    if (!(low >= 0 && low <= 25) || (high !== null && (high < low || high > 30))) continue
    out.push({ min: low, max: high })
  }
  return out
}

/**
 * The experience a posting asks for: the largest minimum among its mentions (the bar an applicant must clear),
 * with that mention's upper bound; `null` when it names none.
 */
export const yearsRequired = (text: string): YearsRange | null => {
  let best: YearsRange | null = null
  for (const r of experienceMentions(text, true)) if (best === null || r.min > best.min) best = r
  return best
}

/**
 * The seniority of a resume: the words of its headline (the first two lines: "Senior Data Scientist, NLP",
 * "Software Engineer (new grad)"), else the years it states, else `mid`.
 */
export const seniorityOfResume = (resumeText: string): SeniorityEstimate => {
  const headline = resumeText
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, 2)
    .join(" ")
    .replace(/\S+@\S+/g, "")
  const fromTitle = seniorityOf(headline)
  if (fromTitle.source === "title") return fromTitle
  const years = yearsOfExperience(resumeText)
  if (years === null) return fromTitle
  const level: SeniorityLevel = years < 2 ? "junior" : years < 5 ? "mid" : "senior"
  return { level, source: "years", signal: `${years} years of experience`, years: { min: years, max: years } }
}

/**
 * The years of experience a resume states about its owner ("7 years of experience", "about 1 year of
 * experience"): the largest stated in the first 1,000 characters (the summary), else `null`.
 */
export const yearsOfExperience = (resumeText: string): number | null => {
  const head = resumeText.slice(0, 1_000)
  let best: number | null = null
  for (const r of experienceMentions(head, false)) best = Math.max(best ?? 0, r.max ?? r.min)
  return best
}
