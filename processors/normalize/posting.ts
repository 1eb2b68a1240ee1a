import { Data, Either, ParseResult, Schema } from "effect"
import { Job, jobIdOf } from "../../schemas/Job.js"
import type { RawFields, RawPosting } from "../../schemas/RawPosting.js"
import { cleanCompanyName, companyKey } from "./company.js"
import { addDays, isoDate, toCalendarDate } from "./dates.js"
import { normalizeEmploymentType } from "./employmentType.js"
import { cleanLocations, isRemote } from "./places.js"
import { parseSalary } from "./salary.js"
import { cleanText, htmlToText, prefix, storable, truncateText } from "./text.js"
import { canonicalUrl } from "./url.js"

/**
 * Turning a `RawPosting` into a `Job`: pure functions, no I/O. Tuned on the real postings in
 * `processors/sampleData/` (Glassdoor descriptions, SimplifyJobs locations and URLs), not on the demo fixtures.
 *
 * Guarantees:
 * - `normalizePosting` returns either a value that passes `Job` validation or a `NormalizeError` saying what to
 *   fix; it never throws.
 * - Nothing is guessed that could be wrong: an ambiguous salary, date or employment type becomes `null`.
 *
 * Each field's rules live beside this file: text.ts, company.ts, url.ts, places.ts, salary.ts, employmentType.ts,
 * dates.ts.
 */

/** A posting that cannot become a `Job`; the message says what is missing. Skip it to the dead-letter topic. */
export class NormalizeError extends Data.TaggedError("NormalizeError")<{
  readonly reason: string
  readonly field?: string
}> {}

/** Longer titles are a description or a whole page pasted into the title field. */
export const MAX_TITLE_LENGTH = 300
/** Descriptions are cut here (at a line break when one is near) to keep messages well below Kafka's 1 MB. */
export const MAX_DESCRIPTION_LENGTH = 100_000

export const normalizePosting = (raw: RawPosting, now: Date): Either.Either<Job, NormalizeError> => {
  if (Number.isNaN(now.getTime())) {
    return Either.left(new NormalizeError({ reason: "the normalization clock gave an invalid date", field: "now" }))
  }
  const fields: RawFields = raw.fields ?? {}
  const title = cleanText(fields.title)
  const company = cleanCompanyName(fields.company)
  const missing = [title === "" ? "title" : null, company === "" ? "company" : null].filter((f) => f !== null)
  if (missing.length > 0) {
    return Either.left(
      new NormalizeError({
        reason:
          `posting ${raw.source}:${raw.externalId} has no ${missing.join(" and no ")} ` +
          `(empty after removing markup and whitespace); check what the ${raw.sourceType} connector extracts ` +
          `from ${raw.url}`,
        field: missing[0]!
      })
    )
  }
  if (title.length > MAX_TITLE_LENGTH) {
    return Either.left(
      new NormalizeError({
        reason:
          `title of ${raw.source}:${raw.externalId} is ${title.length} characters (at most ${MAX_TITLE_LENGTH}); ` +
          `the ${raw.sourceType} connector probably put the description or the page text in the title`,
        field: "title"
      })
    )
  }
  const key = companyKey(company)
  if (key === "") {
    return Either.left(
      new NormalizeError({
        reason: `company "${company}" of ${raw.source}:${raw.externalId} has no letters or digits`,
        field: "company"
      })
    )
  }
  const url = typeof raw.url === "string" ? storable(raw.url).trim() : ""
  const canonical = canonicalUrl(url)
  if (canonical === null) {
    return Either.left(
      new NormalizeError({
        reason: `url "${url.slice(0, 200)}" of ${raw.source}:${raw.externalId} is not an absolute http(s) URL`,
        field: "url"
      })
    )
  }
  const locations = cleanLocations(fields.locations)
  const postedAt = toCalendarDate(fields.datePosted, now)
  const validThrough = toCalendarDate(fields.validThrough, now)
  const requisitionId = prefix(cleanText(fields.requisitionId), 200).trimEnd()
  const job: Job = {
    jobId: jobIdOf(raw.source, raw.externalId),
    source: storable(raw.source),
    sourceType: storable(raw.sourceType),
    externalId: storable(raw.externalId),
    url,
    canonicalUrl: canonical,
    title,
    company,
    companyKey: key,
    locations,
    remote: isRemote(fields.remote, locations, title),
    employmentType: normalizeEmploymentType(fields.employmentType, title),
    salary: parseSalary(fields.salary),
    description: truncateText(htmlToText(fields.description ?? ""), MAX_DESCRIPTION_LENGTH),
    requisitionId: requisitionId === "" ? null : requisitionId,
    // A posting date after tomorrow is a source error (time zones allow one day); a wrong date would
    // distort freshness, so it is dropped.
    postedAt: postedAt !== null && postedAt > (isoDate(addDays(now, 1)) ?? "") ? null : postedAt,
    validThrough,
    contentHash: raw.contentHash,
    fetchedAt: raw.fetchedAt,
    normalizedAt: now.toISOString(),
    ...(raw.attribution === undefined
      ? {}
      : { attribution: { text: storable(raw.attribution.text), url: storable(raw.attribution.url) } })
  }
  return Schema.validateEither(Job)(job).pipe(
    Either.mapLeft(
      (error) =>
        new NormalizeError({
          reason:
            `posting ${raw.source}:${raw.externalId} does not fit the Job schema after normalization: ` +
            ParseResult.TreeFormatter.formatErrorSync(error)
        })
    )
  )
}
