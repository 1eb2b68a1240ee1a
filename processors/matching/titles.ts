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
