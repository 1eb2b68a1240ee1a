import { matchSkills, withImplied } from "./skills.js"

/** The skills a posting asks for, by how it asks: `required` wins when a skill appears in both kinds of section. */
export interface SkillRequirements {
  readonly required: ReadonlySet<string>
  readonly preferred: ReadonlySet<string>
}

type Section = "required" | "preferred" | "other"

const PREFERRED_HEADING =
  /\b(preferred|nice[ -]to[ -]haves?|bonus|pluses|a plus|desired|desirable|additional (?:qualifications|skills|experience)|ideally|extra credit|good to have|even better|would be nice|helpful|will help|not required)\b/
const REQUIRED_HEADING =
  /\b(requirements?|required|must[ -]haves?|qualifications|minimum|basic|what you(?:'|’)?ll need|what you need|what you bring|you(?:'|’)?ll bring|what we(?:'|’)?re looking for|what we are looking for|who you are|about you|you have|you(?:'|’)?d be a great fit|ideal candidate|skills|experience|competencies|essential|expertise|the skill set|education)\b/
const OTHER_HEADING =
  /\b(responsibilities|duties|what you(?:'|’)?ll do|what you will do|about (?:us|the company|the team|the role|our)|benefits|perks|who we are|overview|the role|the team|description|compensation|why |our |company|location|salary|how to apply|what we offer|what you(?:'|’)?ll get|what you will gain|equal opportunity|eeo|physical|travel|schedule|work environment)\b/
/** Words that make a short line a sentence rather than a heading: "Experience with Tableau". */
const PROSE = /\b(with|using|in|including|within|across|and\/or)\b/i
/** Line-level cues that override the section: "Spark is a must", "AWS is a big plus". */
const PREFERRED_CUE =
  /\b(?:(?:is|are|would be|a|strong|big|huge|great|definite) plus|(?:is|are|strongly|highly) preferred|preferred\.?$|nice to have|bonus|desired|desirable|ideally|not required|advantageous|a benefit)\b/i
const REQUIRED_CUE = /\b(?:required|must have|must be|is a must|mandatory|essential|minimum of|at least)\b/i

/**
 * The section a heading line opens, or `null` when the line is not a heading: "Requirements:", "Nice to have",
 * "Skills Required: Python, ..." are; list items ("• Experience with Airflow") and short prose are not.
 */
const headingOf = (line: string): Section | null => {
  if (/^\s*[•·*▪◦‣●–-]/.test(line)) return null
  const text = line.replace(/^[\s#>]+/, "").trim()
  if (text === "") return null
  const colon = text.indexOf(":")
  let head: string
  if (colon > 0 && colon <= 60) head = text.slice(0, colon)
  else if (text.length <= 60 && text.split(/\s+/).length <= 7 && !/[.;,]$/.test(text) && !PROSE.test(text)) head = text
  else return null
  const h = head.toLowerCase()
  if (PREFERRED_HEADING.test(h)) return "preferred"
  if (REQUIRED_HEADING.test(h)) return "required"
  if (OTHER_HEADING.test(h)) return "other"
  return null
}

/**
 * The skills a posting marks as required ("Requirements", "Must have", "Required/Minimum/Basic qualifications",
 * "What you'll need", "Skills") and those it marks as nice to have ("Preferred", "Bonus", "Nice to have",
 * "... is a plus"). A line's own cue overrides its section. Skills mentioned only in other sections
 * (responsibilities, about us) are in neither set.
 */
export const mustHaveSkills = (jobText: string): SkillRequirements => {
  const required = new Set<string>()
  const preferred = new Set<string>()
  if (typeof jobText !== "string" || jobText === "") return { required, preferred }
  const matches = matchSkills(jobText)
  let m = 0
  let section: Section = "other"
  let lineStart = 0
  for (const line of jobText.split("\n")) {
    const lineEnd = lineStart + line.length
    const heading = headingOf(line)
    if (heading !== null) section = heading
    // "(SAS preferred)" picks among required tools; only the line's own words mark it.
    const own = line.replace(/\([^)]*\)/g, "").trim()
    const cue: Section | null = PREFERRED_CUE.test(own) ? "preferred" : REQUIRED_CUE.test(own) ? "required" : null
    const kind = cue ?? section
    for (; m < matches.length && matches[m]!.start < lineEnd; m++) {
      const ids = withImplied(matches[m]!.id)
      if (kind === "required") for (const id of ids) required.add(id)
      else if (kind === "preferred") for (const id of ids) preferred.add(id)
    }
    lineStart = lineEnd + 1
  }
  for (const id of required) preferred.delete(id)
  return { required, preferred }
}
