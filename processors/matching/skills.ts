import { IMPLIES, type SkillCategory, TABLE } from "./skillTable.js"

/**
 * The skills vocabulary of `skillTable.ts` compiled, and the extraction of skills from postings and resumes: pure
 * functions, no I/O.
 *
 * Guarantees:
 * - every id `extractSkills` returns is the canonical id of an entry of `SKILLS` (aliases fold: k8s -> kubernetes,
 *   golang -> go, postgres/psql -> postgresql, sklearn -> scikit-learn, ML -> machine-learning);
 * - matches respect token boundaries, and the punctuation that is part of a name stays part of it ("C++", "C#",
 *   ".NET", "Node.js", "CI/CD", "A/B testing"); "C++/Java" or "Python-based" are split only when the whole token
 *   is not a name;
 * - names that are also ordinary words or letters ("R", "Go", "C", "TF", "Flask", "Spring", "EMR", "S3") count
 *   only with their exact case and in a technical context: next to another skill in a list ("Python, R, SAS"),
 *   after "in/using/with" ("written in Go") or before "programming/language/developer" ("R programming").
 *   "go-getter", "Go above and beyond", "10 mL", "R&D", "Vitamin C", "DBT therapy" and "at the helm" give nothing;
 * - one pass over the text with precompiled tables: about 0.2 ms for a 3 kB posting on a busy 2-core machine.
 */

export interface SkillDefinition {
  /** Canonical id: lower-case ASCII, `-` between words (`scikit-learn`, `cpp`, `ci-cd`). */
  readonly id: string
  /** How a person writes it. */
  readonly name: string
  readonly category: SkillCategory
  /** Every spelling that maps to this skill, as written in `TABLE` (with its markers). */
  readonly aliases: ReadonlyArray<string>
}

/** One skill found in a text: character offsets into the text, end exclusive. */
export interface SkillMatch {
  readonly id: string
  readonly start: number
  readonly end: number
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled tables

type Mode = "plain" | "case" | "ambiguous"

interface Alias {
  readonly skill: number
  /** Lower-case atoms. */
  readonly atoms: ReadonlyArray<string>
  /** The exact spelling of each atom, for `case` and `ambiguous` aliases. */
  readonly raw: ReadonlyArray<string> | null
  readonly mode: Mode
  /** Lower-case words that cancel the match when they follow it. */
  readonly notBefore: ReadonlySet<string> | null
}

const parseAliases = (name: string, spec: string): Array<string> => {
  const list = spec === "" ? [] : spec.split("|")
  // A `*` name is written with its marker in the list; otherwise the display name is a plain alias.
  return name.startsWith("*") ? list : [name, ...list]
}

export const SKILLS: ReadonlyArray<SkillDefinition> = TABLE.map(([id, name, category, spec]) => ({
  id,
  name: name.replace(/^\*/, ""),
  category,
  aliases: parseAliases(name, spec)
}))

const SKILL_INDEX = new Map(SKILLS.map((s, i) => [s.id, i] as const))

/** Number of skills: the width of the bitsets that `seekerMatrix.ts` keeps per seeker. */
export const skillCount = SKILLS.length

/** The position of a skill id in `SKILLS` (its bit in a skills bitset), or -1. */
export const skillIndex = (id: string): number => SKILL_INDEX.get(id) ?? -1

/** The display name of a canonical id; the id itself when unknown. */
export const skillName = (id: string): string => {
  const i = SKILL_INDEX.get(id)
  return i === undefined ? id : SKILLS[i]!.name
}

// ---------------------------------------------------------------------------------------------------------------
// Atoms: the tokens of a text, with the punctuation that belongs to names kept inside them

interface Atom {
  /** Lower-case text. */
  readonly lower: string
  readonly raw: string
  readonly start: number
  readonly end: number
  /** What separates this atom from the previous one ("" inside a split token). */
  readonly gap: string
}

/**
 * A word with the punctuation names use inside (`.` `-` `/` `&` `'` followed by a letter or digit) and at the end
 * (`++`, `#`); a leading `.` when a word starts with one (".NET").
 */
const TOKEN = /(?<![\p{L}\p{N}.])\.(?=[\p{L}])[\p{L}\p{N}]+|[\p{L}\p{N}][\p{L}\p{N}+#]*(?:[.\-/&'][\p{L}\p{N}+#]+)*/gu

/** Atom strings that some alias starts with (whole-token lookups, before splitting). */
const FIRST_ATOMS = new Set<string>()

const tokenAtoms = (text: string, split: (lower: string) => boolean): Array<Atom> => {
  const atoms: Array<Atom> = []
  let previousEnd = 0
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0]
    const start = m.index
    const gap = text.slice(previousEnd, start)
    previousEnd = start + raw.length
    const lower = raw.toLowerCase()
    if (!split(lower) || !/[.\-/&']/.test(raw)) {
      atoms.push({ lower, raw, start, end: start + raw.length, gap })
      continue
    }
    // "C++/Java", "Python-based", "sklearn.metrics": the parts, keeping a part that is itself a name whole.
    let first = true
    for (const part of splitCompound(raw)) {
      atoms.push({
        lower: part.text.toLowerCase(),
        raw: part.text,
        start: start + part.offset,
        end: start + part.offset + part.text.length,
        gap: first ? gap : part.separator
      })
      first = false
    }
  }
  return atoms
}

/** `raw` cut at `/` first and then, for parts that are not names, at `-` and `.` ("R&D" and "AT&T" stay whole). */
const splitCompound = (raw: string): Array<{ text: string; offset: number; separator: string }> => {
  const out: Array<{ text: string; offset: number; separator: string }> = []
  const cut = (s: string, offset: number, separators: RegExp, separatorBefore: string, deeper: RegExp | null) => {
    let at = 0
    let sep = separatorBefore
    for (const m of s.matchAll(separators)) {
      push(s.slice(at, m.index), offset + at, sep, deeper)
      sep = m[0]
      at = m.index + m[0].length
    }
    push(s.slice(at), offset + at, sep, deeper)
  }
  const push = (s: string, offset: number, separator: string, deeper: RegExp | null) => {
    if (s === "") return
    const lower = s.toLowerCase()
    if (deeper !== null && !FIRST_ATOMS.has(lower) && deeper.test(s)) cut(s, offset, new RegExp(deeper.source, "g"), separator, null)
    else out.push({ text: s, offset, separator })
  }
  cut(raw, 0, /\//g, "", /[-.]/)
  return out
}

// Compile the aliases now that the atomizer exists.
const ALIASES_BY_FIRST = new Map<string, Array<Alias>>()
const RESOLVE = new Map<string, string>()

for (const [skill, definition] of SKILLS.entries()) {
  for (const written of definition.aliases) {
    const [body, after] = written.split("!") as [string, string | undefined]
    const mode: Mode = body.startsWith("~") ? "ambiguous" : body.startsWith("=") ? "case" : "plain"
    const text = mode === "plain" ? body : body.slice(1)
    // Aliases are atomized without splitting: "c/c++" stays one atom, "a/b testing" is ["a/b", "testing"].
    const atoms = tokenAtoms(text, () => false)
    if (atoms.length === 0) continue
    RESOLVE.set(text.toLowerCase(), definition.id)
    const alias: Alias = {
      skill,
      atoms: atoms.map((a) => a.lower),
      raw: mode === "plain" ? null : atoms.map((a) => a.raw),
      mode,
      notBefore: after === undefined || after === "" ? null : new Set(after.split(","))
    }
    const first = alias.atoms[0]!
    FIRST_ATOMS.add(first)
    const list = ALIASES_BY_FIRST.get(first) ?? []
    list.push(alias)
    ALIASES_BY_FIRST.set(first, list)
  }
  RESOLVE.set(definition.id, definition.id)
}
// Longest aliases first, so "sql server" wins over "sql" and "apache spark" over "spark".
for (const list of ALIASES_BY_FIRST.values()) list.sort((a, b) => b.atoms.length - a.atoms.length)

/** Each skill index with everything it implies, itself included. */
const CLOSURE: ReadonlyArray<ReadonlyArray<string>> = SKILLS.map((s) => {
  const seen = new Set<string>([s.id])
  const todo = [s.id]
  while (todo.length > 0) {
    for (const next of IMPLIES[todo.pop()!] ?? []) {
      if (!SKILL_INDEX.has(next)) throw new Error(`skills: ${s.id} implies unknown skill ${next}`)
      if (!seen.has(next)) {
        seen.add(next)
        todo.push(next)
      }
    }
  }
  return [...seen]
})

/** `id` with everything it implies (PostgreSQL: postgresql, sql). */
export const withImplied = (id: string): ReadonlyArray<string> => {
  const i = SKILL_INDEX.get(id)
  return i === undefined ? [id] : CLOSURE[i]!
}

/**
 * The canonical id of a skill a person typed ("Golang", "k8s", "Postgres", "R"), or `undefined` when the
 * vocabulary does not know it. Case-insensitive; ambiguous spellings resolve too, since here the intent is clear.
 */
export const resolveSkill = (name: string): string | undefined => {
  const key = name.trim().toLowerCase().replace(/\s+/g, " ")
  return RESOLVE.get(key) ?? RESOLVE.get(key.replace(/[\s-]+/g, " ")) ?? RESOLVE.get(key.replace(/\s+/g, "-"))
}

// ---------------------------------------------------------------------------------------------------------------
// Extraction

/** Words after which a one-letter or ordinary-word skill name is a technology: "written in Go", "using R". */
const TRIGGER_BEFORE = new Set(["in", "using", "with", "like", "including", "eg", "e.g", "languages", "language"])
/** Words before which it is: "R programming", "Go developer", "C code". */
const TRIGGER_AFTER = new Set([
  "programming", "language", "languages", "code", "coding", "scripts", "scripting", "developer", "developers",
  "development", "engineer", "engineers", "programmer", "packages", "package", "libraries", "library", "shiny",
  "studio", "markdown", "ecosystem", "stack", "frameworks", "framework", "microservices", "services"
])
/** Words that join items of a list: "R and Python", "Go or Rust". */
const CONNECTORS = new Set(["and", "or", "&", "plus", "nor", "as", "well"])

/** What separates the items of a list. */
const LIST_SEPARATOR = /[,/;(|&+]/
/** A gap that ends a sentence or a line: context does not carry across it. */
const BREAK = /\n|[.!?:](?:\s|$)/

interface Found {
  readonly skill: number
  readonly from: number
  readonly to: number
  readonly mode: Mode
  accepted: boolean
}

const matchAt = (atoms: ReadonlyArray<Atom>, i: number): Found | null => {
  const candidates = ALIASES_BY_FIRST.get(atoms[i]!.lower)
  if (candidates === undefined) return null
  for (const alias of candidates) {
    const n = alias.atoms.length
    if (i + n > atoms.length) continue
    let ok = true
    for (let k = 0; k < n && ok; k++) {
      const atom = atoms[i + k]!
      if (atom.lower !== alias.atoms[k]) ok = false
      else if (alias.raw !== null && atom.raw !== alias.raw[k]) ok = false
      // A multi-word name does not continue across a sentence break or a comma.
      else if (k > 0 && !/^[\s\-/]*$/.test(atom.gap)) ok = false
    }
    if (!ok) continue
    const next = atoms[i + n]
    if (alias.notBefore !== null && next !== undefined && !BREAK.test(next.gap) && alias.notBefore.has(next.lower)) continue
    return { skill: alias.skill, from: i, to: i + n, mode: alias.mode, accepted: alias.mode !== "ambiguous" }
  }
  return null
}

/** Whether the ambiguous match `f` stands in a technical context (see the module comment). */
const inContext = (atoms: ReadonlyArray<Atom>, found: ReadonlyArray<Found>, index: number): boolean => {
  const f = found[index]!
  const before = atoms[f.from - 1]
  const first = atoms[f.from]!
  if (before !== undefined && !BREAK.test(first.gap)) {
    if (TRIGGER_BEFORE.has(before.lower)) return true
    if (before.lower === "as" && atoms[f.from - 2]?.lower === "such") return true
  }
  const after = atoms[f.to]
  if (after !== undefined && !BREAK.test(after.gap) && TRIGGER_AFTER.has(after.lower)) return true
  return neighbour(atoms, found, index, -1) || neighbour(atoms, found, index, 1)
}

/** An accepted skill right before (`direction` -1) or after (+1) match `index`, allowing one connector word. */
const neighbour = (atoms: ReadonlyArray<Atom>, found: ReadonlyArray<Found>, index: number, direction: -1 | 1): boolean => {
  const f = found[index]!
  const other = found[index + direction]
  // Methods ("information security", "statistics") are prose more often than list items: they support nothing.
  if (other === undefined || !other.accepted || SKILLS[other.skill]!.category === "method") return false
  const [left, right] = direction < 0 ? [other, f] : [f, other]
  const between = right.from - left.to
  if (between > 1) return false
  if (between === 1 && !CONNECTORS.has(atoms[left.to]!.lower)) return false
  // Adjacent names need a list separator between them: "Hadoop, Pig" or "Python/R", not "S3 Information".
  if (between === 0 && !LIST_SEPARATOR.test(atoms[right.from]!.gap)) return false
  for (let k = left.to; k <= right.from; k++) if (BREAK.test(atoms[k]!.gap)) return false
  return true
}

const findAll = (text: string): { atoms: Array<Atom>; found: Array<Found> } => {
  const atoms = tokenAtoms(text, (lower) => !FIRST_ATOMS.has(lower))
  const found: Array<Found> = []
  for (let i = 0; i < atoms.length; ) {
    const f = matchAt(atoms, i)
    if (f === null) {
      i += 1
      continue
    }
    found.push(f)
    i = f.to
  }
  // Two rounds: an ambiguous name accepted in the first can support its neighbour ("Go, Rust") in the second.
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < found.length; k++) {
      if (!found[k]!.accepted && inContext(atoms, found, k)) found[k]!.accepted = true
    }
  }
  return { atoms, found }
}

/** Every skill mention in `text`, in order, with character offsets. */
export const matchSkills = (text: string): Array<SkillMatch> => {
  if (typeof text !== "string" || text === "") return []
  const { atoms, found } = findAll(text)
  return found
    .filter((f) => f.accepted)
    .map((f) => ({ id: SKILLS[f.skill]!.id, start: atoms[f.from]!.start, end: atoms[f.to - 1]!.end }))
}

/** The canonical ids of the skills `text` mentions, with what they imply (PostgreSQL also gives SQL). */
export const extractSkills = (text: string): ReadonlySet<string> => {
  const ids = new Set<string>()
  for (const m of matchSkills(text)) for (const id of withImplied(m.id)) ids.add(id)
  return ids
}
