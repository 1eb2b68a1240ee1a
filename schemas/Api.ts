import { Schema } from "effect"
import { CalendarDate, EmploymentType, HttpUrl, Text, Timestamp } from "./common.js"
import { Contact } from "./Contact.js"
import { Duplicate, Job } from "./Job.js"

const BooleanFromText = Schema.transform(Schema.Literal("true", "false", "1", "0"), Schema.Boolean, {
  strict: true,
  decode: (s) => s === "true" || s === "1",
  encode: (b) => (b ? "true" : "false")
})

/** `GET /jobs` query string: every filter optional; `cursor` is the `nextCursor` of the previous page. */
export const JobsQuery = Schema.Struct({
  q: Schema.optional(Text.pipe(Schema.maxLength(200))),
  company: Schema.optional(Text.pipe(Schema.maxLength(200))),
  location: Schema.optional(Text.pipe(Schema.maxLength(200))),
  source: Schema.optional(Text.pipe(Schema.maxLength(200))),
  remote: Schema.optional(BooleanFromText),
  employmentType: Schema.optional(EmploymentType),
  postedSince: Schema.optional(CalendarDate),
  /** Jobs whose pay range reaches at least this much (in the job's own currency and period). */
  salaryMin: Schema.optional(Schema.NumberFromString.pipe(Schema.nonNegative())),
  /** `open` (the default): jobs still on their board; `closed`: jobs a board stopped listing; `all`. */
  status: Schema.optional(Schema.Literal("open", "closed", "all")),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))),
  cursor: Schema.optional(Text.pipe(Schema.maxLength(200)))
}).annotations({ identifier: "JobsQuery" })
export type JobsQuery = typeof JobsQuery.Type

/** One place a job appears: its canonical posting, or a posting found to duplicate it. */
export const Appearance = Schema.Struct({
  jobId: Schema.String,
  source: Schema.String,
  url: HttpUrl,
  /** `canonical` for the job's own posting, else the dedup layer that matched the copy. */
  reason: Schema.Union(Schema.Literal("canonical"), Duplicate.fields.reason),
  similarity: Schema.Number
}).annotations({ identifier: "Appearance" })

/** A canonical job with every posting of it, across sources. */
export const JobListing = Schema.extend(
  Job,
  Schema.Struct({
    appearsAt: Schema.Array(Appearance),
    /** When a board stopped listing it; null while open. */
    closedAt: Schema.NullOr(Timestamp),
    /** Who or where to write to about it, as its description states (processors/contacts.ts), read when it is shown. */
    contacts: Schema.Array(Contact)
  })
).annotations({ identifier: "JobListing" })
export type JobListing = typeof JobListing.Type

/** `GET /jobs/:jobId`: the job (any of its postings' ids leads to it), its reposts and its open review flags. */
export const JobCluster = Schema.Struct({
  job: JobListing,
  /** The closed job this one reposts, and the later jobs that repost this one. */
  repostOf: Schema.NullOr(Schema.String),
  repostedAs: Schema.Array(Schema.String),
  /** Postings similar to this job but below the merge threshold, waiting for a person. */
  reviews: Schema.Array(
    Schema.Struct({ jobId: Schema.String, candidateId: Schema.String, similarity: Schema.Number, status: Schema.String })
  )
}).annotations({ identifier: "JobCluster" })
export type JobCluster = typeof JobCluster.Type

export const JobsPage = Schema.Struct({
  items: Schema.Array(JobListing),
  nextCursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "JobsPage" })
export type JobsPage = typeof JobsPage.Type

export const DependencyHealth = Schema.Struct({
  ok: Schema.Boolean,
  detail: Schema.String,
  latencyMs: Schema.Number
})

/** One stage of the stream pipeline (or another supervised loop, such as the crawl schedule) as `/healthz` shows it. */
export const StageHealth = Schema.Struct({
  /** `retrying`: a batch failed and is being retried; `restarting`: the stage failed and waits to start again. */
  state: Schema.Literal("starting", "running", "retrying", "restarting"),
  /** Holds its place in its consumer group (always true for a loop that has none). */
  member: Schema.Boolean,
  partitions: Schema.Number,
  /** Records waiting on the partitions this process consumes; null until its client has reported them. */
  lag: Schema.NullOr(Schema.Number),
  /** The last batch handled and committed. */
  lastProgressAt: Schema.NullOr(Timestamp),
  /** When the current run of the stage started. */
  startedAt: Schema.NullOr(Timestamp),
  restarts: Schema.Number,
  lastError: Schema.NullOr(Schema.String)
}).annotations({ identifier: "StageHealth" })
export type StageHealth = typeof StageHealth.Type

export const Health = Schema.Struct({
  status: Schema.Literal("ok", "degraded"),
  checks: Schema.Struct({ kafka: DependencyHealth, postgres: DependencyHealth, clickhouse: DependencyHealth }),
  /** Each stage running in this process; empty in a process that runs none (the API alone). */
  stages: Schema.Record({ key: Schema.String, value: StageHealth })
}).annotations({ identifier: "Health" })
export type Health = typeof Health.Type

/** Every error answer. A 503 names the `dependency` that is down; a 500 says only "internal error". */
export const ApiError = Schema.Struct({
  error: Schema.String,
  message: Schema.String,
  dependency: Schema.optional(Schema.String)
}).annotations({ identifier: "ApiError" })
