import { createHash } from "node:crypto"
import { Schema } from "effect"
import { Attribution, CalendarDate, EmploymentType, HttpUrl, Salary, Timestamp } from "./common.js"

/** A posting after normalization: the shape on `jobs.normalized` and `jobs.unique`, and of a `jobs` row. */
export const Job = Schema.Struct({
  /** Stable id: derived from `source` and `externalId`, so a re-crawl of the same posting keeps it. */
  jobId: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{32}$/)),
  source: Schema.String,
  sourceType: Schema.String,
  externalId: Schema.String,
  url: HttpUrl,
  /** `url` with tracking parameters, fragment and case differences removed. */
  canonicalUrl: HttpUrl,
  title: Schema.NonEmptyString,
  company: Schema.NonEmptyString,
  /** Lower-case company name with legal suffixes folded: the partitioning and dedup block key. */
  companyKey: Schema.NonEmptyString,
  locations: Schema.Array(Schema.String),
  remote: Schema.Boolean,
  employmentType: Schema.NullOr(EmploymentType),
  salary: Schema.NullOr(Salary),
  /** Plain text, paragraphs separated by blank lines. */
  description: Schema.String,
  requisitionId: Schema.NullOr(Schema.String),
  postedAt: Schema.NullOr(CalendarDate),
  validThrough: Schema.NullOr(CalendarDate),
  /** The raw posting's content hash: changes exactly when the source's content changes. */
  contentHash: Schema.String,
  fetchedAt: Timestamp,
  normalizedAt: Timestamp,
  /** Credit the source requires wherever the job is shown; absent when it requires none. */
  attribution: Schema.optional(Attribution)
}).annotations({ identifier: "Job", description: "A normalized job posting" })
export type Job = typeof Job.Type

/** Published on `jobs.duplicates` when a posting is recognised as a copy of a job already seen. */
export const Duplicate = Schema.Struct({
  jobId: Schema.String,
  duplicateOf: Schema.String,
  source: Schema.String,
  /** The duplicate posting's own URL: one of the places the canonical job appears. */
  url: HttpUrl,
  /**
   * Which layer matched: `requisition-id`, `canonical-url`, `url-variant` (another URL of the same ATS posting),
   * `title-company-location` or `near-duplicate` (MinHash-LSH over the description).
   */
  reason: Schema.Literal("requisition-id", "canonical-url", "url-variant", "title-company-location", "near-duplicate"),
  /** 1 for the identity layers; the estimated description similarity for the others (1 when none to compare). */
  similarity: Schema.Number.pipe(Schema.between(0, 1)),
  detectedAt: Timestamp
}).annotations({ identifier: "Duplicate", description: "A posting found to duplicate an earlier job" })
export type Duplicate = typeof Duplicate.Type

/**
 * The stable job id: the first 32 hex digits of sha256(`source` NUL `externalId`), of the ids as the connector
 * sent them, so the connectors' lifecycle events (`jobIdOf` of the same values) name the same job.
 */
export const jobIdOf = (source: string, externalId: string): string =>
  createHash("sha256").update(`${source}\u0000${externalId}`, "utf8").digest("hex").slice(0, 32)
