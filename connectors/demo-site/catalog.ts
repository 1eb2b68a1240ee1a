import { readFileSync } from "node:fs"
import { Schema } from "effect"

/**
 * The demo careers site's content: real postings (see README.md) published as schema.org JobPosting JSON-LD,
 * plus four deliberate problem pages. Everything is a pure function of `count`: no clock, no randomness, so a
 * test knows exactly what a crawl must find.
 */

/** One row of `postings.json`, as derived from glassdoor_jobs.csv. */
const FixtureRow = Schema.Struct({
  sourceRow: Schema.Number,
  title: Schema.NonEmptyString,
  company: Schema.NonEmptyString,
  location: Schema.String,
  salaryText: Schema.NullOr(Schema.String),
  size: Schema.NullOr(Schema.String),
  industry: Schema.NullOr(Schema.String),
  description: Schema.String
})
type FixtureRow = typeof FixtureRow.Type

let fixtureCache: ReadonlyArray<FixtureRow> | undefined
/** The committed fixture, read and decoded once, on first use. */
export const fixture = (): ReadonlyArray<FixtureRow> =>
  (fixtureCache ??= Schema.decodeUnknownSync(Schema.parseJson(Schema.Array(FixtureRow)))(
    readFileSync(new URL("./postings.json", import.meta.url), "utf8")
  ))

/** Dates count back from here, not from today, so that pages never change between runs. */
export const REFERENCE_DATE = "2024-06-03"
export const PARTNER_QUERY = "utm_source=partner&utm_medium=feed"

export interface DemoSalary {
  readonly currency: "USD"
  readonly minValue: number
  readonly maxValue: number
  readonly unitText: "YEAR" | "HOUR"
}

export interface DemoPosting {
  /** The requisition id, published as the JSON-LD `identifier`: the posting's `externalId` when crawled. */
  readonly id: string
  readonly slug: string
  /** Path of the posting's own page, e.g. `/careers/jobs/data-scientist-tecolote-research-demo-0001`. */
  readonly path: string
  readonly title: string
  readonly company: string
  readonly location: string
  readonly remote: boolean
  /** As published: a schema.org value, a looser spelling ("Full-time"), or a list. */
  readonly employmentType: string | ReadonlyArray<string>
  /** As published, date-only or with a time and offset; the date part is REFERENCE_DATE minus some days. */
  readonly datePosted: string
  readonly validThrough: string | null
  readonly salaryText: string | null
  readonly baseSalary: DemoSalary | null
  /** Plain text, as in the fixture. */
  readonly description: string
  /** How the JSON-LD `description` is written: HTML (most), the plain text, or HTML escaped twice. */
  readonly descriptionFormat: "html" | "text" | "escaped-html"
  readonly industry: string | null
  readonly size: string | null
  /** The row of glassdoor_jobs.csv this posting comes from. */
  readonly sourceRow: number
}

export type DemoPage =
  | { readonly kind: "posting"; readonly slug: string; readonly path: string; readonly posting: DemoPosting }
  | {
      /** A partner's copy of an earlier posting: its own page and id, but the original's URL (with tracking). */
      readonly kind: "syndicated"
      readonly slug: string
      readonly path: string
      readonly posting: DemoPosting
      readonly original: DemoPosting
    }
  | { readonly kind: "malformed"; readonly slug: string; readonly path: string }
  | { readonly kind: "invalid"; readonly slug: string; readonly path: string; readonly id: string }

export interface DemoCatalog {
  /** Every page, in listing order. */
  readonly pages: ReadonlyArray<DemoPage>
  /** Ids of postings that normalize and are unique: what `jobs.unique` must hold after a crawl. */
  readonly validIds: ReadonlyArray<string>
  /** Ids of the syndicated copies: they normalize, but their canonical URL is an earlier posting's. */
  readonly duplicateIds: ReadonlyArray<string>
  readonly duplicates: ReadonlyArray<{ readonly id: string; readonly duplicateOf: string }>
  /** Pages whose JSON-LD is not JSON: each yields an extraction error, no posting. */
  readonly malformedPaths: ReadonlyArray<string>
  /** Ids of postings without title and hiringOrganization: extracted, then rejected by normalization. */
  readonly invalidIds: ReadonlyArray<string>
}

/** `count` postings from the fixture, cycling through it with a different office and id once it runs out. */
export const demoPostings = (count: number): Array<DemoPosting> => {
  const rows = fixture()
  return Array.from({ length: Math.max(0, Math.floor(count)) }, (_, i) => postingAt(rows, i))
}

/**
 * The site for `count` postings: the postings, then, at fixed places in the listing, one malformed page and one
 * invalid posting, and at the end two partner copies of early postings (so a crawl normally meets the
 * originals first).
 */
export const demoCatalog = (count: number): DemoCatalog => {
  const postings = demoPostings(count)
  const pages: Array<DemoPage> = postings.map((posting) => ({ kind: "posting", slug: posting.slug, path: posting.path, posting }))
  const invalid: DemoPage = { kind: "invalid", slug: "untitled-role-demo-invalid-1", path: jobPath("untitled-role-demo-invalid-1"), id: "DEMO-INVALID-1" }
  const malformed: DemoPage = { kind: "malformed", slug: "data-engineer-broken-markup", path: jobPath("data-engineer-broken-markup") }
  pages.splice(Math.floor(pages.length / 2), 0, invalid)
  pages.splice(Math.floor(pages.length / 4), 0, malformed)
  const copies = postings.length === 0 ? [] : [2, 5].map((i) => postings[Math.min(i, postings.length - 1)]!)
  copies.forEach((original, n) => {
    const id = `PARTNER-${n + 1}`
    const slug = `partner-${n + 1}-${original.slug}`
    pages.push({ kind: "syndicated", slug, path: jobPath(slug), original, posting: { ...original, id, slug, path: jobPath(slug) } })
  })
  return summarize(pages)
}

/** The catalog without some pages (the site's `remove`); a copy whose original is gone counts as unique. */
export const withoutSlugs = (catalog: DemoCatalog, removed: ReadonlySet<string>): DemoCatalog =>
  removed.size === 0 ? catalog : summarize(catalog.pages.filter((page) => !removed.has(page.slug)))

const summarize = (pages: ReadonlyArray<DemoPage>): DemoCatalog => {
  const present = new Set(pages.flatMap((p) => (p.kind === "posting" ? [p.posting.id] : [])))
  const duplicates = pages.flatMap((p) =>
    p.kind === "syndicated" && present.has(p.original.id) ? [{ id: p.posting.id, duplicateOf: p.original.id }] : []
  )
  const duplicateIds = new Set(duplicates.map((d) => d.id))
  return {
    pages,
    validIds: pages.flatMap((p) =>
      (p.kind === "posting" || p.kind === "syndicated") && !duplicateIds.has(p.posting.id) ? [p.posting.id] : []
    ),
    duplicateIds: [...duplicateIds],
    duplicates,
    malformedPaths: pages.flatMap((p) => (p.kind === "malformed" ? [p.path] : [])),
    invalidIds: pages.flatMap((p) => (p.kind === "invalid" ? [p.id] : []))
  }
}

/**
 * The text of the page's `<script type="application/ld+json">`: a JobPosting (inside an `@graph` with the
 * Organization referenced by `@id` on every fifth page), always next to a WebPage object that a reader must
 * skip; for the malformed page, text that is not JSON. `<` is escaped so no value can close the script.
 */
export const jobPostingJsonLd = (page: DemoPage, baseUrl: string): string => {
  if (page.kind === "malformed") {
    // A missing comma and a missing closing brace: no lenient parser should guess its way through this.
    return `{"@context": "https://schema.org", "@type": "JobPosting", "title": "Data Engineer" "hiringOrganization": {"@type": "Organization", "name": "Broken Markup Inc."}`
  }
  const webPage = { "@type": "WebPage", "@id": `${baseUrl}${page.path}`, name: "Demo Careers" }
  if (page.kind === "invalid") {
    const posting = {
      "@type": "JobPosting",
      identifier: { "@type": "PropertyValue", name: "Demo Careers", value: page.id },
      url: `${baseUrl}${page.path}`,
      description: "<p>We are hiring. Details to follow.</p>",
      datePosted: REFERENCE_DATE,
      employmentType: "FULL_TIME",
      jobLocation: { "@type": "Place", address: { "@type": "PostalAddress", addressLocality: "Boston", addressRegion: "MA", addressCountry: "US" } }
    }
    return toScriptJson({ "@context": "https://schema.org", "@graph": [webPage, posting] })
  }
  const p = page.posting
  const index = indexOfId(p.id)
  const url = page.kind === "syndicated" ? `${baseUrl}${page.original.path}?${PARTNER_QUERY}` : `${baseUrl}${p.path}`
  const organization = {
    "@type": "Organization",
    "@id": `${baseUrl}/#org-${slugify(p.company)}`,
    name: p.company,
    ...(p.industry === null ? {} : { industry: p.industry }),
    ...(p.size === null ? {} : { numberOfEmployees: p.size })
  }
  const useGraph = index % 5 === 0
  const posting = {
    "@type": "JobPosting",
    title: p.title,
    identifier: index % 2 === 0 ? { "@type": "PropertyValue", name: "Demo Careers", value: p.id } : p.id,
    url,
    description: descriptionOf(p),
    hiringOrganization: useGraph ? { "@id": organization["@id"] } : organization,
    jobLocation: { "@type": "Place", address: addressOf(p.location) },
    ...(p.remote
      ? { jobLocationType: "TELECOMMUTE", applicantLocationRequirements: { "@type": "Country", name: "United States" } }
      : {}),
    employmentType: p.employmentType,
    datePosted: p.datePosted,
    ...(p.validThrough === null ? {} : { validThrough: p.validThrough }),
    ...(p.baseSalary === null
      ? {}
      : {
          baseSalary: {
            "@type": "MonetaryAmount",
            currency: p.baseSalary.currency,
            value: {
              "@type": "QuantitativeValue",
              minValue: p.baseSalary.minValue,
              maxValue: p.baseSalary.maxValue,
              unitText: p.baseSalary.unitText
            }
          }
        })
  }
  return toScriptJson(
    useGraph
      ? { "@context": "https://schema.org", "@graph": [webPage, organization, posting] }
      : [{ "@context": "https://schema.org", ...webPage }, { "@context": "https://schema.org", ...posting }]
  )
}

/** A plain-text description as simple HTML: paragraphs, line breaks, and bullet lines as a list. */
export const textToHtml = (text: string): string =>
  text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.split("\n").map((line) => line.trim()).filter((line) => line !== ""))
    .filter((lines) => lines.length > 0)
    .map((lines) =>
      lines.length > 1 && lines.every((line) => BULLET.test(line))
        ? `<ul>${lines.map((line) => `<li>${escapeHtml(line.replace(BULLET, ""))}</li>`).join("")}</ul>`
        : `<p>${lines.map(escapeHtml).join("<br>")}</p>`
    )
    .join("\n")

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

export const jobPath = (slug: string): string => `/careers/jobs/${slug}`

/**
 * The pages the site also serves from its script-driven front end, at `renderedPath(slug)`: those of every fifth
 * posting (DEMO-0005, DEMO-0010, ...), in listing order. Such a page has the same JSON-LD as the posting's own
 * page, but only once its script has run: a crawler that does not run scripts finds no posting there.
 */
export const renderedPages = (catalog: DemoCatalog): Array<Extract<DemoPage, { kind: "posting" }>> =>
  catalog.pages.flatMap((page) => (page.kind === "posting" && (indexOfId(page.posting.id) + 1) % 5 === 0 ? [page] : []))

export const renderedPath = (slug: string): string => `/careers/rendered/jobs/${slug}`

// ---------------------------------------------------------------------------------------------------------------

const BULLET = /^[•·●▪-]\s*/

const OFFICES = [
  "Austin, TX", "Denver, CO", "Seattle, WA", "Atlanta, GA", "Raleigh, NC", "Pittsburgh, PA", "Minneapolis, MN",
  "Salt Lake City, UT", "Columbus, OH", "Phoenix, AZ", "Portland, OR", "Nashville, TN"
]

const postingAt = (rows: ReadonlyArray<FixtureRow>, i: number): DemoPosting => {
  const row = rows[i % rows.length]!
  const round = Math.floor(i / rows.length)
  const id = `DEMO-${String(i + 1).padStart(4, "0")}`
  // Past the fixture, the same role is offered again in another office: a new requisition, a hard negative
  // for near-duplicate detection (same company and title, different place and id).
  const location = round === 0 ? row.location : OFFICES[(i + round) % OFFICES.length]!
  const slug = `${slugify(row.title)}-${slugify(row.company)}-${id.toLowerCase()}`
  const posted = addDays(REFERENCE_DATE, -(i % 365))
  const datePosted = i % 3 === 0 ? posted : i % 3 === 1 ? `${posted}T09:30:00Z` : `${posted}T09:30:00-05:00`
  const remote = /\bremote\b/i.test(row.title) || i % 6 === 5
  const employmentType: DemoPosting["employmentType"] = /\bintern\b/i.test(row.title)
    ? "INTERN"
    : i % 11 === 4
      ? "PART_TIME"
      : i % 13 === 6
        ? ["FULL_TIME", "CONTRACTOR"]
        : i % 7 === 3
          ? "Full-time"
          : "FULL_TIME"
  return {
    id,
    slug,
    path: jobPath(slug),
    title: row.title,
    company: row.company,
    location,
    remote,
    employmentType,
    datePosted,
    validThrough: i % 2 === 0 ? addDays(posted, 60) : null,
    salaryText: row.salaryText,
    baseSalary: row.salaryText === null ? null : glassdoorSalary(row.salaryText),
    description: round === 0 ? row.description : `Office: ${location}. Requisition ${id}.\n\n${row.description}`,
    descriptionFormat: i % 10 === 4 ? "text" : i % 15 === 7 ? "escaped-html" : "html",
    industry: row.industry,
    size: row.size,
    sourceRow: row.sourceRow
  }
}

/**
 * A fixture row's Glassdoor salary text as numbers: Glassdoor's own formats only ("$53K-$91K (Glassdoor est.)",
 * "$17-$24 Per Hour(Glassdoor est.)"), always US dollars; null for no text or any other text. The replay
 * builders (`connectors/replay`) read salaries with it too, so every source shows the same pay for a row.
 */
export const glassdoorSalary = (text: string | null): DemoSalary | null => {
  const m = text === null ? null : /\$(\d+)(K?)-\$(\d+)(K?)\s*(Per Hour)?/i.exec(text)
  if (!m) return null
  const scale = m[2] !== "" ? 1000 : 1
  return { currency: "USD", minValue: Number(m[1]) * scale, maxValue: Number(m[3]) * scale, unitText: m[5] ? "HOUR" : "YEAR" }
}

const descriptionOf = (p: DemoPosting): string => {
  if (p.descriptionFormat === "text") return p.description
  const html = textToHtml(p.description)
  return p.descriptionFormat === "escaped-html" ? escapeHtml(html) : html
}

const addressOf = (location: string): Record<string, string> => {
  const cut = location.lastIndexOf(",")
  if (location === "United States") return { "@type": "PostalAddress", addressCountry: "US" }
  if (cut < 0) return { "@type": "PostalAddress", addressRegion: location, addressCountry: "US" }
  return {
    "@type": "PostalAddress",
    addressLocality: location.slice(0, cut).trim(),
    addressRegion: location.slice(cut + 1).trim(),
    addressCountry: "US"
  }
}

const indexOfId = (id: string): number => {
  const m = /DEMO-(\d+)$/.exec(id)
  return m ? Number(m[1]) - 1 : 0
}

const toScriptJson = (value: unknown): string => JSON.stringify(value, null, 2).replace(/</g, "\\u003c")

const slugify = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "") || "job"

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
