import { type FastCheck, Schema } from "effect"

/** Text PostgreSQL can store: no NUL, no unpaired surrogate (in `u` mode a surrogate range matches only those). */
const isStorable = (s: string) => !s.includes("\u0000") && !/[\ud800-\udfff]/u.test(s)

/**
 * A string PostgreSQL can store. A `text` or `jsonb` value holds neither U+0000 nor half of a UTF-16 surrogate
 * pair (JSON can escape both), so such a string in API input would only fail later, in SQL, looking like an
 * outage; every string the API accepts is this, and refuses them as a 400 naming the field. (Wire types from
 * Kafka keep `Schema.String`: crawled pages may carry either, and normalization removes them.)
 */
export const Text = Schema.String.pipe(
  Schema.filter((s) => isStorable(s) || "must not contain the NUL character (U+0000) or an unpaired surrogate", {
    description: "text without the NUL character (U+0000) or unpaired surrogates",
    // The same rule for fastify's validator (which compiles patterns in `u` mode) and the exported JSON Schemas.
    jsonSchema: { pattern: "^[^\\u0000\\ud800-\\udfff]*$" }
  })
)

/**
 * Whether `YYYY-MM-DD` names a day that exists (2024-02-29 does, 2024-02-30 and 2023-02-29 do not). Year 0000 is
 * refused: PostgreSQL has none (1 BC comes before 1 AD).
 */
export const isCalendarDate = (ymd: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 as they are rather than as 1900-1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** Instants from 1970 to 9999, as `toISOString` writes them: what property tests generate for dates. */
const isoInstants = (fc: typeof FastCheck) =>
  fc.date({ min: new Date(0), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }).map((d) => d.toISOString())

/** An ISO-8601 instant in UTC, as produced by `Date.prototype.toISOString`; the day and time must exist. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/),
  Schema.filter((s) => (isCalendarDate(s) && isClockTime(s.slice(11, 19))) || "a date and time that exist", {
    jsonSchema: { format: "date-time" }
  }),
  Schema.annotations({
    identifier: "Timestamp",
    description: "ISO-8601 instant in UTC",
    arbitrary: () => (fc) => isoInstants(fc)
  })
)

/** A calendar date, `YYYY-MM-DD`, that exists. */
export const CalendarDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/),
  Schema.filter((s) => isCalendarDate(s) || "a date that exists on the calendar", { jsonSchema: { format: "date" } }),
  Schema.annotations({
    identifier: "CalendarDate",
    description: "YYYY-MM-DD",
    arbitrary: () => (fc) => isoInstants(fc).map((s) => s.slice(0, 10))
  })
)

export const HttpUrl = Schema.String.pipe(
  Schema.pattern(/^https?:\/\/\S+$/),
  Schema.maxLength(4096),
  Schema.annotations({ identifier: "HttpUrl" })
)

/** Credit a source's terms require wherever its posting is shown (Remote OK, Adzuna): a text and a link. */
export const Attribution = Schema.Struct({ text: Schema.String, url: HttpUrl }).annotations({ identifier: "Attribution" })

export const EmploymentType = Schema.Literal(
  "FULL_TIME",
  "PART_TIME",
  "CONTRACTOR",
  "TEMPORARY",
  "INTERN",
  "VOLUNTEER",
  "PER_DIEM",
  "OTHER"
).annotations({ identifier: "EmploymentType" })
export type EmploymentType = typeof EmploymentType.Type

export const SalaryPeriod = Schema.Literal("HOUR", "DAY", "WEEK", "MONTH", "YEAR").annotations({
  identifier: "SalaryPeriod"
})
export type SalaryPeriod = typeof SalaryPeriod.Type

/**
 * A pay range; `min` and `max` are in `currency` per `period`. Either bound may be missing, not both. Bounds are
 * finite: JSON has no infinity, and would carry one as null.
 */
export const Salary = Schema.Struct({
  min: Schema.NullOr(Schema.Number.pipe(Schema.finite(), Schema.nonNegative())),
  max: Schema.NullOr(Schema.Number.pipe(Schema.finite(), Schema.nonNegative())),
  currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
  period: SalaryPeriod
}).annotations({ identifier: "Salary" })
export type Salary = typeof Salary.Type

/** `HH:MM:SS` on a 24-hour clock; a leap second (`:60`) is refused, as `toISOString` never writes one. */
const isClockTime = (hms: string) => {
  const [h, m, sec] = hms.split(":").map(Number)
  return h! < 24 && m! < 60 && sec! < 60
}
