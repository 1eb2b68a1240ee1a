import { readFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { performance } from "node:perf_hooks"
import { Schema } from "effect"
import type { Contact } from "../schemas/Contact.js"
import { extractContacts } from "./contacts.js"
import { htmlToText } from "./normalize/text.js"
import { type GlassdoorRow, glassdoorRows } from "./sampleData.js"

/**
 * `npm run eval:contacts`: the contact extractor against the hand-checked labels of `contacts.labels.json`, as
 * precision and recall on the tuning half and on the held-out half, then its speed over every distinct Glassdoor
 * description.
 *
 * The sample is fixed by rule, not by hand: the first row of each distinct Glassdoor description (596) whose raw
 * text has an `@`, "reach out", "contact:"/"contact information:", an obfuscated "(at)"/"[at]", "email us"/"contact
 * me", or "apply"/"application" followed within 80 characters by a URL (78 rows), plus every 40th of the others
 * (13 rows, the negatives most postings are). Rows with an even number are for tuning the rules, odd ones are
 * held out. The extractor reads each text as the normalizer stores it (`htmlToText`).
 */

/** A labelled contact: what must be read, not where (`kind` and the name, address or URL as written). */
const LabelledContact = Schema.Struct({
  kind: Schema.Literal("person", "email", "apply-link"),
  name: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
})
const Labels = Schema.Struct({
  about: Schema.String,
  postings: Schema.Array(Schema.Struct({ row: Schema.Int, contacts: Schema.Array(LabelledContact), note: Schema.optional(Schema.String) }))
})
export type Labels = typeof Labels.Type

export const loadContactLabels = (): Labels =>
  Schema.decodeUnknownSync(Schema.parseJson(Labels))(readFileSync(new URL("./contacts.labels.json", import.meta.url), "utf8"))

const SELECTED = /@|\breach out\b|\bcontact(?: information)?:|\[at\]|\(at\)|\bappl(?:y|ications?)\b[^.\n]{0,80}(?:https?:\/\/|www\.)|\b(?:e-?mail|contact) (?:us|me)\b/i

/** The first row of each distinct description, in file order. */
export const distinctRows = (rows: ReadonlyArray<GlassdoorRow>): Array<GlassdoorRow> => {
  const seen = new Set<string>()
  return rows.filter((r) => !seen.has(r.description) && seen.add(r.description))
}

/** The rows the labels must cover, by the rule above. */
export const contactSample = (rows: ReadonlyArray<GlassdoorRow>): Array<GlassdoorRow> => {
  const distinct = distinctRows(rows)
  return [...distinct.filter((r) => SELECTED.test(r.description)), ...distinct.filter((r) => !SELECTED.test(r.description)).filter((_, i) => i % 40 === 0)]
}

export const isHeldOut = (row: number): boolean => row % 2 === 1

export interface Score {
  readonly postings: number
  readonly labelled: number
  readonly returned: number
  readonly correct: number
  readonly precision: number
  readonly recall: number
  /** Returned but not labelled, and labelled but not returned, as `row: contact`. */
  readonly wrong: ReadonlyArray<string>
  readonly missed: ReadonlyArray<string>
}

/** A contact as the labels write it: a returned one matches a labelled one exactly (addresses in any case). */
const keyOf = (c: { readonly kind: string; readonly name?: string | null; readonly email?: string | null; readonly url?: string | null }) =>
  [c.kind, c.name ?? "", (c.email ?? "").toLowerCase(), c.url ?? ""].join(" | ")

/** Precision and recall over the labelled postings for which `include(row)` holds. */
export const scoreContacts = (
  labels: Labels,
  textOf: (row: number) => string,
  include: (row: number) => boolean,
  extract: (text: string) => ReadonlyArray<Contact> = (description) => extractContacts({ description })
): Score => {
  const postings = labels.postings.filter((p) => include(p.row))
  let labelled = 0
  let returned = 0
  let correct = 0
  const wrong: Array<string> = []
  const missed: Array<string> = []
  for (const p of postings) {
    const expected = new Set(p.contacts.map(keyOf))
    const got = new Set(extract(textOf(p.row)).map(keyOf))
    labelled += expected.size
    returned += got.size
    for (const k of got) if (expected.has(k)) correct++
    else wrong.push(`${p.row}: ${k}`)
    for (const k of expected) if (!got.has(k)) missed.push(`${p.row}: ${k}`)
  }
  return {
    postings: postings.length,
    labelled,
    returned,
    correct,
    precision: returned === 0 ? 1 : correct / returned,
    recall: labelled === 0 ? 1 : correct / labelled,
    wrong,
    missed
  }
}

/** Microseconds per posting to extract the contacts of `texts`, the best of five passes (after a warm-up). */
export const microsPerPosting = (texts: ReadonlyArray<string>): number => {
  const pass = () => {
    const t0 = performance.now()
    for (const description of texts) extractContacts({ description })
    return ((performance.now() - t0) * 1000) / texts.length
  }
  pass()
  return Math.min(...Array.from({ length: 5 }, pass))
}

const main = () => {
  const rows = glassdoorRows()
  const labels = loadContactLabels()
  const text = new Map(rows.map((r) => [r.row, htmlToText(r.description)]))
  const textOf = (row: number) => text.get(row)!
  const line = (name: string, s: Score) =>
    `${name.padEnd(9)} postings ${s.postings}  labelled ${s.labelled}  returned ${s.returned}  correct ${s.correct}  ` +
    `precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}`
  for (const [name, include] of [["tuning", (r: number) => !isHeldOut(r)], ["held out", isHeldOut]] as const) {
    const s = scoreContacts(labels, textOf, include)
    console.log(line(name, s))
    for (const w of s.wrong) console.log(`  wrong   ${w}`)
    for (const m of s.missed) console.log(`  missed  ${m}`)
  }
  const distinct = distinctRows(rows).map((r) => textOf(r.row))
  console.log(`speed     ${microsPerPosting(distinct).toFixed(1)} µs/posting over ${distinct.length} distinct descriptions`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main()
