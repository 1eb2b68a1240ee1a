import { Schema } from "effect"
import { CalendarDate, EmploymentType } from "./common.js"
import { Job } from "./Job.js"

const BooleanFromText = Schema.transform(Schema.Literal("true", "false", "1", "0"), Schema.Boolean, {
  strict: true,
  decode: (s) => s === "true" || s === "1",
  encode: (b) => (b ? "true" : "false")
})

/** `GET /jobs` query string: every filter optional; `cursor` is the `nextCursor` of the previous page. */
export const JobsQuery = Schema.Struct({
  q: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  company: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  location: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  source: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  remote: Schema.optional(BooleanFromText),
  employmentType: Schema.optional(EmploymentType),
  postedSince: Schema.optional(CalendarDate),
  /** Jobs whose pay range reaches at least this much (in the job's own currency and period). */
  salaryMin: Schema.optional(Schema.NumberFromString.pipe(Schema.nonNegative())),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))),
  cursor: Schema.optional(Schema.String.pipe(Schema.maxLength(200)))
}).annotations({ identifier: "JobsQuery" })
export type JobsQuery = typeof JobsQuery.Type

export const JobsPage = Schema.Struct({
  items: Schema.Array(Job),
  nextCursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "JobsPage" })
export type JobsPage = typeof JobsPage.Type

export const DependencyHealth = Schema.Struct({
  ok: Schema.Boolean,
  detail: Schema.String,
  latencyMs: Schema.Number
})

export const Health = Schema.Struct({
  status: Schema.Literal("ok", "degraded"),
  checks: Schema.Struct({ kafka: DependencyHealth, postgres: DependencyHealth, clickhouse: DependencyHealth })
}).annotations({ identifier: "Health" })
export type Health = typeof Health.Type

export const ApiError = Schema.Struct({
  error: Schema.String,
  message: Schema.String
}).annotations({ identifier: "ApiError" })
