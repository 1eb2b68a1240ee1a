import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { Either, Schema } from "effect"
import type { Job } from "../../schemas/Job.js"
import type { RawFields } from "../../schemas/RawPosting.js"
import { cleanCompanyName } from "../normalize/company.js"
import { normalizePosting } from "../normalize/posting.js"
import { glassdoorRows, simplifyListings, type GlassdoorRow } from "../sampleData.js"

/**
 * The labelled set `npm run eval:dedup` measures against, in arrival order. Every posting carries the id of the
 * job it really is (`truth`); postings with the same truth are duplicates, all others are not.
 *
 * - Glassdoor (956 rows): rows with the same description, title, company and location are one job (the scrape's
 *   real duplicates); the same description at another location is another job.
 * - SimplifyJobs (1288 listings): every listing is its own job except the pairs in `labels.json`, checked by
 *   hand (the same posting reached through different URLs: board variants, a career site's page and its ATS
 *   page); listings with the same company and title but another requisition stay apart (hard negatives).
 * - Generated, from a seeded random choice of real postings: copies reformatted as HTML, cut short, re-titled
 *   (abbreviations, decorations, the specialisation moved to the front), behind tracking URLs, wrapped by a
 *   staffing agency with the company's legal name and the state spelled out or no location at all, and listings behind another URL variant of their board; hard negatives:
 *   the same text at another place, the same text with a higher level in the title.
 */

export interface Labelled {
  readonly job: Job
  readonly truth: string
  /** `original`, or which variant or hard negative this posting is. */
  readonly kind: string
}

export const labelledSet = (seed = 7): Array<Labelled> => {
  const random = mulberry32(seed)
  const out: Array<Labelled> = []
  const gd = glassdoorRows()
  const seenTruth = new Set<string>()
  const bases: Array<{ row: GlassdoorRow; truth: string; job: Job }> = []
  for (const row of gd) {
    const truth = `gd:${hash(row.description, row.title, cleanCompanyName(row.company), row.location)}`
    const job = normalized({
      source: "glassdoor",
      externalId: `gd-${row.row}`,
      url: `https://www.glassdoor.com/job-listing/${slug(row.title)}-${slug(cleanCompanyName(row.company))}-r${row.row}`,
      day: 100 + (row.row % 20),
      fields: { title: row.title, company: row.company, description: row.description, locations: [row.location], salary: { text: row.salary } }
    })
    out.push({ job, truth, kind: "original" })
    if (!seenTruth.has(truth)) bases.push({ row, truth, job })
    seenTruth.add(truth)
  }

  const variants: Array<Labelled> = []
  for (const base of bases) {
    if (random() > 0.6) continue
    const { row, job } = base
    const n = 1 + Math.floor(random() * 2)
    for (let v = 0; v < n; v++) {
      const kind = pick(random, ["reformatted", "truncated", "retitled", "tracking", "agency", "other-location", "other-level"])
      const id = `${kind}-${row.row}-${v}`
      const day = 100 + (row.row % 20) + Math.floor(random() * 30)
      const fields: { -readonly [K in keyof RawFields]: RawFields[K] } = { title: row.title, company: row.company, description: row.description, locations: [row.location] }
      let url = `https://jobs.${kind}.example/view/${id}`
      let truth = base.truth
      if (kind === "reformatted") fields.description = asHtml(row.description, random)
      else if (kind === "truncated") fields.description = truncate(row.description, 0.7 + random() * 0.2)
      else if (kind === "retitled") fields.title = retitle(row.title, random)
      else if (kind === "tracking") url = `${job.url}?utm_source=partner&utm_medium=feed&utm_campaign=${v}&gclid=${id}`
      else if (kind === "agency") {
        fields.company = legalName(cleanCompanyName(row.company), random)
        fields.description = agencyCopy(cleanCompanyName(row.company), row.description)
        fields.locations = random() < 0.5 ? [spellState(row.location)] : []
      } else if (kind === "other-location") {
        const elsewhere = gd[Math.floor(random() * gd.length)]!.location
        if (elsewhere.split(",")[0] === row.location.split(",")[0]) continue
        fields.locations = [elsewhere]
        truth = `${kind}:${id}`
      } else if (kind === "other-level") {
        if (/\b(?:senior|sr|lead|principal|staff|director|manager|head|chief|vp|intern|junior|jr)\b/i.test(row.title)) continue
        fields.title = `${pick(random, ["Senior", "Lead", "Principal", "Junior"])} ${row.title}`
        truth = `${kind}:${id}`
      }
      variants.push({ job: normalized({ source: `variant-${kind}`, externalId: id, url, day, fields }), truth, kind })
    }
  }

  const listings = simplifyListings()
  const pairs = Schema.decodeUnknownSync(Schema.parseJson(Schema.Array(Schema.Tuple(Schema.String, Schema.String))))(
    readFileSync(new URL("./labels.json", import.meta.url), "utf8")
  )
  const truthOf = new Map(listings.map((l) => [l.id, `simplify:${l.id}`]))
  for (const [a, b] of pairs) truthOf.set(b, truthOf.get(a)!)
  for (const l of listings) {
    const day = Math.floor(l.date_posted / 86_400)
    const fields: RawFields = { title: l.title, company: l.company_name, locations: [...l.locations] }
    const job = normalized({ source: `simplify-${l.source}`, externalId: l.id, url: l.url, day, fields })
    out.push({ job, truth: truthOf.get(l.id)!, kind: "original" })
    const other = boardVariant(l.url)
    if (other !== null && random() < 0.3) {
      const title = l.title.replace(/ – (.+)$/, " ($1)")
      variants.push({
        job: normalized({ source: "variant-board-url", externalId: `board-${l.id}`, url: other, day: day + 3, fields: { ...fields, title } }),
        truth: truthOf.get(l.id)!,
        kind: "board-url"
      })
    }
  }

  // Variants arrive mixed among the originals, after the posting they copy would have been crawled.
  for (const v of variants) out.splice(Math.floor(out.length / 3 + random() * (out.length * 2) / 3), 0, v)
  return out
}

/** Another URL of the same posting on the same board, as job boards and aggregators link it. */
const boardVariant = (url: string): string | null => {
  const greenhouse = /^https:\/\/boards\.greenhouse\.io\/([\w-]+)\/jobs\/(\d+)$/.exec(url)
  if (greenhouse) return `https://job-boards.greenhouse.io/${greenhouse[1]}/jobs/${greenhouse[2]}?gh_src=linkedin`
  const lever = /^(https:\/\/jobs\.lever\.co\/[\w-]+\/[0-9a-f-]{36})\/apply$/.exec(url)
  if (lever) return `${lever[1]}?lever-origin=applied&lever-source%5B%5D=Indeed`
  const ashby = /^(https:\/\/jobs\.ashbyhq\.com\/[\w-]+\/[0-9a-f-]{36})\/application$/.exec(url)
  if (ashby) return ashby[1]!
  return null
}

const normalized = (p: { source: string; externalId: string; url: string; day: number; fields: RawFields }): Job =>
  Either.getOrThrow(
    normalizePosting(
      {
        source: p.source,
        sourceType: "eval",
        externalId: p.externalId,
        url: p.url,
        fetchedAt: new Date(p.day * 86_400_000).toISOString(),
        contentHash: hash(JSON.stringify(p.fields)),
        fields: { datePosted: new Date(p.day * 86_400_000).toISOString().slice(0, 10), ...p.fields },
        payload: null
      },
      new Date(p.day * 86_400_000 + 86_400_000)
    )
  )

const asHtml = (text: string, random: () => number): string =>
  text
    .split(/\n+/)
    .map((line) => (random() < 0.5 ? `<li>${line}</li>` : `<p>${line.replace(/ /g, random() < 0.3 ? "&nbsp; " : " ")}</p>`))
    .join("\n")

const truncate = (text: string, share: number): string => {
  const words = text.split(/(?<=\s)/)
  return `${words.slice(0, Math.floor(words.length * share)).join("").trimEnd()}... Read the full description on the employer's site.`
}

const retitle = (title: string, random: () => number): string => {
  const spelled = title.replace(/\bSenior\b/, "Sr.").replace(/\bSr\.?(?=\s)/, "Senior").replace(/\bManager\b/, "Mgr")
  const parts = /^(.+?)\s*[,–—-]\s+(.+)$/.exec(title)
  return pick(random, [
    parts ? `${parts[2]} ${parts[1]}` : spelled,
    `${spelled} (m/f/d)`,
    `${title.toUpperCase()}`,
    `${spelled} - Hiring Now!`,
    `${spelled} (Contract)`
  ])
}

const legalName = (company: string, random: () => number) =>
  pick(random, [`${company}, Inc.`, `${company} LLC`, /^the\b/i.test(company) ? company : `The ${company} Company`, company.toUpperCase()])

const agencyCopy = (company: string, description: string) =>
  `Our client, ${company}, is growing and has asked us to find an outstanding candidate for this role. ` +
  `We are a specialist recruitment agency with offices nationwide.\n\n${description}\n\n` +
  `Talent Partners Staffing is an equal opportunity employer. Apply today through our portal and a recruiter ` +
  `will contact you within two business days. Referral bonuses available for successful introductions.`

const STATES: Record<string, string> = {
  CA: "California", MA: "Massachusetts", NY: "New York", VA: "Virginia", IL: "Illinois", PA: "Pennsylvania",
  TX: "Texas", MD: "Maryland", WA: "Washington", NJ: "New Jersey", FL: "Florida", NC: "North Carolina"
}
const spellState = (location: string) => location.replace(/, ([A-Z]{2})$/, (m, s: string) => (STATES[s] ? `, ${STATES[s]}` : m))

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60)

const hash = (...parts: ReadonlyArray<string>) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 16)

const pick = <A>(random: () => number, items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!

/** A small seeded generator, so the set is the same on every run. */
export const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
