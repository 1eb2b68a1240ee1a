import type { ImpliedSkill, LeadBullet } from "../schemas/Draft.js"
import { jobText } from "./matching/features.js"
import { tokenize } from "./matching/lexical.js"
import { mustHaveSkills } from "./matching/skillRequirements.js"
import { extractSkills, matchSkills, skillName, withImplied } from "./matching/skills.js"

/**
 * What a resume shows for one job, read with the matcher's own skills vocabulary (processors/matching/skills.ts:
 * aliases, and what a skill implies: PostgreSQL is SQL) and its lexical tokens: the lines to lead with, the job's
 * skills the resume states and those it shows only through others, and a check that a text names no skill the
 * resume does not show. Pure functions, no I/O.
 *
 * Guarantees: every `bullet` and `evidence.bullet` is a line of the resume, trimmed, verbatim; every skill in a
 * `LeadBullet`, a `StatedSkill` or an `ImpliedSkill` is one the resume shows (`shown`); every `askedAs` is a
 * phrase of the posting, verbatim.
 */

export interface JobText {
  readonly title: string
  readonly description: string
}

/** A skill the job asks for and the resume names itself. */
export interface StatedSkill {
  readonly id: string
  readonly skill: string
  readonly required: boolean
  readonly askedAs: string
  /** The first resume line that names it (1-based), and the line. */
  readonly line: number
  readonly bullet: string
}

export interface Evidence {
  /** Every skill the resume shows: those it names and what they imply (the matcher's `extractSkills`). */
  readonly shown: ReadonlySet<string>
  /** The job's skills the resume names, required ones first, in the posting's order. */
  readonly stated: ReadonlyArray<StatedSkill>
  /** The job's skills the resume shows only through others, required ones first. */
  readonly implied: ReadonlyArray<ImpliedSkill>
  /** The job's skills the resume does not show at all: what no draft may name. */
  readonly missing: ReadonlyArray<{ readonly id: string; readonly skill: string; readonly askedAs: string }>
  /** The resume's lines most relevant to the job, best first (at most `maxLeadBullets`). */
  readonly leadWith: ReadonlyArray<LeadBullet>
}

export const maxLeadBullets = 5

/** How much a skill of the job weighs in a line's relevance, by how the job asks for it; a shared word weighs 0.25. */
const weight = { required: 3, asked: 2, preferred: 1 } as const
const termWeight = 0.25

export const evidenceOf = (resumeText: string, job: JobText): Evidence => {
  const asks = jobAsks(job)
  const lines = linesOf(resumeText)
  const lineAt = (offset: number) => lines.find((l) => offset >= l.start && offset < l.end)
  const mentions = matchSkills(resumeText).flatMap((m) => {
    const line = lineAt(m.start)
    return line === undefined ? [] : [{ id: m.id, line }]
  })

  const shown = extractSkills(resumeText)
  const statedSkills: Array<StatedSkill> = []
  const implied: Array<ImpliedSkill> = []
  for (const ask of asks.skills) {
    const own = mentions.find((m) => m.id === ask.id)
    if (own !== undefined) {
      statedSkills.push({ id: ask.id, skill: skillName(ask.id), required: ask.required, askedAs: ask.askedAs, line: own.line.number, bullet: own.line.text })
      continue
    }
    const through = new Map<string, { skill: string; line: number; bullet: string }>()
    for (const m of mentions)
      if (m.id !== ask.id && !through.has(m.id) && withImplied(m.id).includes(ask.id))
        through.set(m.id, { skill: skillName(m.id), line: m.line.number, bullet: m.line.text })
    if (through.size > 0) implied.push({ skill: skillName(ask.id), required: ask.required, askedAs: ask.askedAs, evidence: [...through.values()] })
  }

  const jobTerms = new Set(tokenize(jobText(job)))
  const leadWith: Array<LeadBullet> = []
  for (const line of lines) {
    const inLine = mentions.filter((m) => m.line === line)
    if (!isBullet(line.text, inLine.length)) continue
    const ids = new Set(inLine.flatMap((m) => withImplied(m.id)))
    // In the asks' order: required skills first.
    const skills = asks.skills.filter((a) => ids.has(a.id))
    const skillTerms = new Set(skills.flatMap((a) => tokenize(a.askedAs)))
    const terms = [...new Set(tokenize(line.text))].filter((t) => jobTerms.has(t) && !skillTerms.has(t))
    const relevance = skills.reduce((sum, a) => sum + weight[a.kind], 0) + termWeight * terms.length
    if (skills.length === 0 && relevance < 1) continue
    leadWith.push({ line: line.number, bullet: line.text, skills: skills.map((a) => skillName(a.id)), terms, relevance })
  }
  leadWith.sort((a, b) => b.relevance - a.relevance || a.line - b.line)
  return {
    shown,
    stated: statedSkills,
    implied,
    missing: asks.skills.filter((a) => !shown.has(a.id)).map((a) => ({ id: a.id, skill: skillName(a.id), askedAs: a.askedAs })),
    leadWith: leadWith.slice(0, maxLeadBullets)
  }
}

/**
 * The skills `text` names that the resume does not show, by name, once each: those the matcher reads in it, and the
 * job's missing skills written as the job or the vocabulary writes them, whatever the context ("I know Rust" is a
 * claim, though the matcher wants a technical context to read "Rust" in a posting). `allowed` are phrases the text
 * may quote whatever skills they name (the job's title, the company, the recipient's name and title: "I am applying
 * for the Rust Engineer position" claims nothing); they are cut out before reading.
 */
export const unsupportedSkills = (text: string, evidence: Pick<Evidence, "shown" | "missing">, allowed: ReadonlyArray<string>): Array<string> => {
  let rest = text
  for (const phrase of [...allowed].filter((p) => p.trim() !== "").sort((a, b) => b.length - a.length)) rest = rest.split(phrase).join("\n")
  const out = new Set<string>()
  for (const m of matchSkills(rest)) if (!evidence.shown.has(m.id)) out.add(skillName(m.id))
  for (const m of evidence.missing) if ([m.askedAs, m.skill].some((name) => namedIn(rest, name))) out.add(m.skill)
  return [...out]
}

/** Whether `name` stands in `text` as a word of its own, with its case. */
const namedIn = (text: string, name: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}+#])`, "u").test(text)

// ---------------------------------------------------------------------------------------------------------------

interface Ask {
  readonly id: string
  readonly kind: keyof typeof weight
  readonly required: boolean
  /** The posting's first mention of it, verbatim. */
  readonly askedAs: string
}

/** The skills the posting names itself (not what they imply), required ones first, then in the posting's order. */
const jobAsks = (job: JobText): { readonly skills: ReadonlyArray<Ask> } => {
  const text = jobText(job)
  const requirements = mustHaveSkills(job.description)
  const seen = new Map<string, Ask>()
  for (const m of matchSkills(text)) {
    if (seen.has(m.id)) continue
    const required = requirements.required.has(m.id)
    const kind = required ? "required" : requirements.preferred.has(m.id) ? "preferred" : "asked"
    seen.set(m.id, { id: m.id, kind, required, askedAs: text.slice(m.start, m.end) })
  }
  const all = [...seen.values()]
  return { skills: [...all.filter((a) => a.required), ...all.filter((a) => !a.required)] }
}

interface Line {
  /** 1-based. */
  readonly number: number
  /** Trimmed. */
  readonly text: string
  /** Offsets of the trimmed text in the resume, end exclusive. */
  readonly start: number
  readonly end: number
}

const linesOf = (text: string): Array<Line> => {
  const out: Array<Line> = []
  let offset = 0
  for (const [i, raw] of text.split("\n").entries()) {
    const lead = raw.length - raw.trimStart().length
    const trimmed = raw.trim()
    if (trimmed !== "") out.push({ number: i + 1, text: trimmed, start: offset + lead, end: offset + lead + trimmed.length })
    offset += raw.length + 1
  }
  return out
}

/**
 * A line worth leading with: a sentence of what the person did, not a heading ("Experience") nor a list of skills
 * ("Skills: Python, SQL, Kafka"), which says nothing the skills themselves do not.
 */
const isBullet = (line: string, skillMentions: number): boolean => {
  const words = line.match(/[\p{L}\p{N}][\p{L}\p{N}+#.'-]*/gu)?.length ?? 0
  return words >= 4 && skillMentions / words <= 0.5
}
