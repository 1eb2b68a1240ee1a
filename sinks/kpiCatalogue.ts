import { Effect, ParseResult, Schema } from "effect"
import { isCalendarDate } from "../schemas/common.js"

/**
 * The KPI catalogue, as data for the API and the dashboards to enumerate: each KPI's name, title, description,
 * resolution and typed columns, and the filters every KPI takes. What each one runs is in kpiSql.ts, keyed by the
 * names here; kpis.ts runs them.
 */

/** A source name as connectors configure it (`demo-careers`, `greenhouse.acme`); nothing else reaches SQL. */
export const SourceName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    message: () => "a source name: letters, digits, '.', '_', ':' or '-', at most 100 characters"
  }),
  Schema.brand("SourceName")
).annotations({ identifier: "SourceName" })
export type SourceName = typeof SourceName.Type

/** ClickHouse DateTime holds 1970..2105; the KPIs accept a narrower, sane window. */
const earliest = Date.UTC(2000, 0, 1)
const latest = Date.UTC(2100, 0, 1)
const inWindow = (date: Date) => date.getTime() >= earliest && date.getTime() < latest

/** `2025-06-01`, `2025-06-01T12:30`, `2025-06-01T12:30:00Z`, `2025-06-01T12:30:00.000+02:00`. */
const InstantText = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?$/, {
    message: () => "an ISO-8601 date or date-time, e.g. 2025-06-01 or 2025-06-01T12:00:00Z"
  })
)

/** An instant from the query string; a date or a date-time without zone is UTC. */
export const Instant = Schema.transformOrFail(InstantText, Schema.DateFromSelf, {
  strict: true,
  decode: (text, _options, ast) => {
    const iso = text.length === 10 ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`
    const ms = Date.parse(iso)
    // Date.parse takes 2025-02-30 for March 2nd.
    return Number.isNaN(ms) || !isCalendarDate(text.slice(0, 10)) || ms < earliest || ms >= latest
      ? Effect.fail(new ParseResult.Type(ast, text, "a real date between 2000-01-01 and 2100-01-01"))
      : Effect.succeed(new Date(ms))
  },
  encode: (date) => Effect.succeed(date.toISOString())
}).annotations({ identifier: "Instant" })

/** The query string of `GET /kpis/:name`: everything optional (see `withDefaults`). */
export const KpiQuery = Schema.Struct({
  from: Schema.optionalWith(Instant, { exact: true }),
  to: Schema.optionalWith(Instant, { exact: true }),
  source: Schema.optionalWith(SourceName, { exact: true })
}).annotations({ identifier: "KpiQuery" })
export type KpiQuery = typeof KpiQuery.Type

/** At most this long a range: a year of minutes is already half a million points. */
export const maxRangeDays = 366
export const defaultRangeDays = 7

/** What every KPI is computed over: events in [from, to), of one source or all. */
export const KpiFilters = Schema.Struct({
  from: Schema.DateFromSelf,
  to: Schema.DateFromSelf,
  source: Schema.optionalWith(SourceName, { exact: true })
}).pipe(
  Schema.filter((f) =>
    !inWindow(f.from)
      ? { path: ["from"], message: "must be a date between 2000-01-01 and 2100-01-01" }
      : !inWindow(f.to)
        ? { path: ["to"], message: "must be a date between 2000-01-01 and 2100-01-01" }
        : f.to.getTime() <= f.from.getTime()
          ? { path: ["to"], message: "must be after from" }
          : f.to.getTime() - f.from.getTime() > maxRangeDays * 86_400_000
            ? { path: ["from"], message: `must be at most ${maxRangeDays} days before to` }
            : undefined
  )
)
export type KpiFilters = typeof KpiFilters.Type

/** The query with its defaults: up to now, over the last week. */
export const withDefaults = (query: KpiQuery, now: Date = new Date()): KpiFilters => {
  const to = query.to ?? now
  const from = query.from ?? new Date(to.getTime() - defaultRangeDays * 86_400_000)
  return query.source === undefined ? { from, to } : { from, to, source: query.source }
}

export const ColumnType = Schema.Literal("string", "integer", "number", "timestamp", "date")
export type ColumnType = typeof ColumnType.Type

export const KpiColumn = Schema.Struct({ name: Schema.String, type: ColumnType, description: Schema.String }).annotations({
  identifier: "KpiColumn"
})
export type KpiColumn = typeof KpiColumn.Type

/**
 * How the range applies: `minute`/`hour` KPIs read per-minute/per-hour views, so they count whole buckets that
 * start in [from floored to the bucket, to); `event` KPIs take the events in [from, to) exactly.
 */
export const Resolution = Schema.Literal("minute", "hour", "event")
export type Resolution = typeof Resolution.Type

/** One catalogue entry: what the dashboard and `GET /kpis` show. */
export const KpiInfo = Schema.Struct({
  name: Schema.String,
  title: Schema.String,
  description: Schema.String,
  resolution: Resolution,
  columns: Schema.Array(KpiColumn)
}).annotations({ identifier: "KpiInfo" })
export type KpiInfo = typeof KpiInfo.Type

export const KpiCatalogue = Schema.Struct({ kpis: Schema.Array(KpiInfo) }).annotations({ identifier: "KpiCatalogue" })

/** A result row, keyed by column name; timestamps are ISO-8601 UTC (`...Z`), dates `YYYY-MM-DD`. */
export const KpiRow = Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String) })
export type KpiRow = typeof KpiRow.Type

/** `GET /kpis/:name` as JSON. */
export const KpiAnswer = Schema.Struct({ kpi: Schema.String, columns: Schema.Array(KpiColumn), rows: Schema.Array(KpiRow) }).annotations({
  identifier: "KpiAnswer"
})
export type KpiAnswer = typeof KpiAnswer.Type

export const funnelStages = ["discovered", "unique", "scored", "applied", "interview", "offer", "accepted"] as const
/** Statuses an application stays in until its next transition; the others are exits. */
export const openStatuses = ["saved", "applied", "screening", "interview", "offer"] as const
export const lagStages = ["normalized", "unique", "scored"] as const

const entries = [
  {
    name: "postings_per_minute",
    title: "Postings found per minute",
    description: "Distinct postings discovered (jobs.raw) per minute and source.",
    resolution: "minute",
    columns: [
      { name: "minute", type: "timestamp", description: "start of the minute (UTC)" },
      { name: "source", type: "string", description: "the connector's source" },
      { name: "postings", type: "integer", description: "postings discovered in that minute" }
    ]
  },
  {
    name: "duplicate_rate",
    title: "Duplicate rate per source",
    description: "Normalized postings found to duplicate a known job, against those kept as unique, per source.",
    resolution: "minute",
    columns: [
      { name: "source", type: "string", description: "the posting's source" },
      { name: "uniques", type: "integer", description: "postings kept as unique jobs" },
      { name: "duplicates", type: "integer", description: "postings found to duplicate a known job" },
      { name: "duplicate_rate", type: "number", description: "duplicates / (uniques + duplicates), 0..1" }
    ]
  },
  {
    name: "score_distribution",
    title: "Score distribution",
    description:
      "Matches (a job scored for a seeker) per score bucket of 10 points, each match once with its last score (a " +
      "re-score after a new resume or new preferences replaces the earlier one); 100 falls in 90.",
    resolution: "hour",
    columns: [
      { name: "bucket", type: "integer", description: "lowest score of the bucket (0, 10, ..., 90)" },
      { name: "matches", type: "integer", description: "matches whose last score is in the bucket" }
    ]
  },
  {
    name: "decisions",
    title: "Decisions split",
    description:
      "Matches per decision (auto-approve, manual review, reject), each match once with its last decision, and " +
      "each decision's share.",
    resolution: "hour",
    columns: [
      { name: "decision", type: "string", description: "auto_approve, manual_review or reject" },
      { name: "matches", type: "integer", description: "matches whose last decision it is" },
      { name: "rate", type: "number", description: "share of all matches, 0..1" }
    ]
  },
  {
    name: "funnel",
    title: "Funnel by week and source",
    description:
      "Distinct entities entering each stage per ISO week and source: postings discovered, unique jobs, matches " +
      "scored (job x seeker), applications applied, interviewing, offered, accepted; conversion is a stage's " +
      "count over the previous stage's in the same week and source (1 for the first stage).",
    resolution: "event",
    columns: [
      { name: "week", type: "date", description: "Monday of the week (UTC)" },
      { name: "source", type: "string", description: "the job's source" },
      { name: "step", type: "integer", description: "position of the stage in the funnel, from 1" },
      { name: "stage", type: "string", description: funnelStages.join(", ") },
      { name: "reached", type: "integer", description: "distinct postings, jobs, matches or applications entering the stage" },
      { name: "conversion", type: "number", description: "reached / previous stage's reached (0 when that is 0)" }
    ]
  },
  {
    name: "time_in_stage",
    title: "Time in stage (applications)",
    description:
      "How long applications stayed in each status before their next transition, for stays that began in the " +
      "range; stays still open are left out.",
    resolution: "event",
    columns: [
      { name: "stage", type: "string", description: openStatuses.join(", ") },
      { name: "stays", type: "integer", description: "applications that entered the stage and left it" },
      { name: "avg_hours", type: "number", description: "mean hours in the stage" },
      { name: "median_hours", type: "number", description: "median hours in the stage" },
      { name: "p90_hours", type: "number", description: "90th percentile of hours in the stage" },
      { name: "max_hours", type: "number", description: "longest stay, in hours" }
    ]
  },
  {
    name: "pipeline_lag",
    title: "End-to-end lag per stage",
    description:
      "Seconds from a posting's discovery to its job first being normalized, kept as unique, and scored, for " +
      "jobs discovered in the range.",
    resolution: "event",
    columns: [
      { name: "stage", type: "string", description: lagStages.join(", ") },
      { name: "jobs", type: "integer", description: "jobs discovered in the range that reached the stage" },
      { name: "avg_seconds", type: "number", description: "mean seconds from discovery" },
      { name: "median_seconds", type: "integer", description: "median seconds from discovery" },
      { name: "p95_seconds", type: "integer", description: "95th percentile of seconds from discovery" },
      { name: "max_seconds", type: "integer", description: "longest, in seconds" }
    ]
  },
  {
    name: "connector_errors",
    title: "Connector errors",
    description: "Pages or API answers a connector could not read (dead letters of stage connector:<source>).",
    resolution: "event",
    columns: [
      { name: "source", type: "string", description: "the connector's source" },
      { name: "errors", type: "integer", description: "distinct rejected pages or answers" },
      { name: "first_at", type: "timestamp", description: "first error in the range" },
      { name: "last_at", type: "timestamp", description: "last error in the range" },
      { name: "last_reason", type: "string", description: "what the last error said" }
    ]
  },
  {
    name: "review_decision_time",
    title: "Review time to decision",
    description:
      "How long review tasks waited from creation to a reviewer's decision (approve, reject, merge, keep apart), " +
      "per day of the decision; tasks the scorer closed are left out. A quantile q is the wait at rank " +
      "floor(q x decisions) of the day's waits sorted from shortest (0-based).",
    resolution: "event",
    columns: [
      { name: "day", type: "date", description: "day of the decision (UTC)" },
      { name: "decisions", type: "integer", description: "tasks decided that day" },
      { name: "p50_seconds", type: "number", description: "median wait, in seconds" },
      { name: "p95_seconds", type: "number", description: "95th percentile of the wait, in seconds" }
    ]
  },
  {
    name: "sla_misses",
    title: "SLA misses per reviewer",
    description: "Review tasks revoked from a reviewer at their SLA deadline (each a strike), per reviewer, most first.",
    resolution: "event",
    columns: [
      { name: "reviewer_id", type: "string", description: "the reviewer who held the task" },
      { name: "misses", type: "integer", description: "deadlines missed in the range" },
      { name: "last_missed_at", type: "timestamp", description: "the last miss in the range" }
    ]
  },
  {
    name: "approval_channels",
    title: "Approvals: auto-apply vs manual review",
    description:
      "Applications approved per day and source (applications.approved), by the scorer on its own (auto) or by a " +
      "person: a reviewer at the desk or the seeker (manual); a seeker x job pair counts once, on its first approval.",
    resolution: "event",
    columns: [
      { name: "day", type: "date", description: "day of the approval (UTC)" },
      { name: "source", type: "string", description: "the job's source" },
      { name: "approvals", type: "integer", description: "applications approved" },
      { name: "auto", type: "integer", description: "approved by the scorer (auto-apply)" },
      { name: "manual", type: "integer", description: "approved by a reviewer or the seeker" },
      { name: "auto_rate", type: "number", description: "auto / approvals, 0..1" },
      { name: "manual_rate", type: "number", description: "manual / approvals, 0..1" }
    ]
  }
] as const satisfies ReadonlyArray<KpiInfo>

/** Every KPI: name, description, columns with their types; the order is the dashboard's. */
export const catalogue: ReadonlyArray<KpiInfo> = entries

export type KpiName = (typeof entries)[number]["name"]

const byName = new Map<string, KpiInfo>(entries.map((info) => [info.name, info]))

export const isKpiName = (name: string): name is KpiName => byName.has(name)

/** A KPI's catalogue entry; the name's type says it exists. */
export const kpiInfo = (name: KpiName): KpiInfo => {
  const info = byName.get(name)
  if (info === undefined) throw new Error(`no KPI named ${name}`)
  return info
}
