import { Schema } from "effect"

/** An ISO-8601 instant in UTC, as produced by `Date.prototype.toISOString`. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/),
  Schema.annotations({ identifier: "Timestamp", description: "ISO-8601 instant in UTC" })
)

/** A calendar date, `YYYY-MM-DD`. */
export const CalendarDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/),
  Schema.annotations({ identifier: "CalendarDate", description: "YYYY-MM-DD" })
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

/** A pay range; `min` and `max` are in `currency` per `period`. Either bound may be missing, not both. */
export const Salary = Schema.Struct({
  min: Schema.NullOr(Schema.Number.pipe(Schema.nonNegative())),
  max: Schema.NullOr(Schema.Number.pipe(Schema.nonNegative())),
  currency: Schema.String.pipe(Schema.pattern(/^[A-Z]{3}$/)),
  period: SalaryPeriod
}).annotations({ identifier: "Salary" })
export type Salary = typeof Salary.Type
