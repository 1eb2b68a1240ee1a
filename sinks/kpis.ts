import { Effect, ParseResult, Schema } from "effect"
import { isCalendarDate } from "../schemas/common.js"
import { ClickHouse, quote, toDateTime, type ClickHouseError } from "../stack/ClickHouse.js"

/**
 * The KPIs over ClickHouse: a catalogue (as data, for the API and dashboards to enumerate) and one function per
 * KPI. Every query reads `pipeline_events` or the views of migrations 002-004, and is written to the SQL subset
 * that runs on ClickHouse 18.16 and unchanged on current releases (no query parameters, window functions,
 * JSONExtract*, WITH FILL, CTE subqueries).
 *
 * This ClickHouse has no query parameters, so the only user values that reach SQL are the filters: instants that
 * `KpiFilters` bounded and `toDateTime` formats (digits only), and a source that matched `SourceName`; both go
 * through `quote` as well.
 *
 * Replays never double count: every count is a distinct count of a deterministic id (event id, job id,
 * application id), every time a min/max, so a row written twice folds.
 *
 * Application events (written by application tracking) share `pipeline_events`: event_type
 * `application.<status>`, `job_id`, `source` (the job's), `occurred_at` (the transition), and
 * `detail` = JSON.stringify({ applicationId, seekerId, ... }) — compact JSON, which visitParamExtract* reads.
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

interface KpiDefinition extends KpiInfo {
  readonly sql: (filters: KpiFilters) => string
}

// ---------------------------------------------------------------------------------------------------------------
// SQL

const at = (date: Date) => `toDateTime(${quote(toDateTime(date))}, 'UTC')`
const sourceIs = (column: string, source: SourceName | undefined) =>
  source === undefined ? "" : `AND ${column} = ${quote(source)}`
const list = (items: ReadonlyArray<string | number>) =>
  `[${items.map((i) => (typeof i === "number" ? String(i) : quote(i))).join(", ")}]`

const buckets = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90] as const
const decisions = ["auto_approve", "manual_review", "reject"] as const
export const funnelStages = ["discovered", "unique", "scored", "applied", "interview", "offer", "accepted"] as const
/** The event type that marks entry into each funnel stage. */
const funnelEventTypes = funnelStages.map((s, i) => (i < 3 ? s : `application.${s}`))
/** Statuses an application stays in until its next transition; the others are exits. */
export const openStatuses = ["saved", "applied", "screening", "interview", "offer"] as const
const lagStages = ["normalized", "unique", "scored"] as const

/** The score bucket of a `scored` row, as migration 003 computes it. */
const bucketOfDetail = "toUInt8(least(intDiv(visitParamExtractUInt(detail, 'score'), 10), 9) * 10)"

/**
 * `scored` events per score bucket (b) and decision (d), each event once, as its newest row says: a replayed job
 * scored again for the same seeker state is the same event (its id is a function of the inputs), with a score the
 * corpus may have moved since, across a bucket or a threshold. So the rows are folded per event id here rather
 * than counted per bucket by the hourly view, which would count such an event in both buckets. Filtered by
 * source, a scored row without a source takes the source of its job's `unique` event.
 */
const scoredCounts = ({ from, to, source }: KpiFilters) => `
  SELECT b, d, count() AS n
  FROM (
    SELECT event_id, argMax(${bucketOfDetail}, occurred_at) AS b, argMax(visitParamExtractString(detail, 'decision'), occurred_at) AS d
    FROM pipeline_events
    WHERE event_type = 'scored'
      AND toStartOfHour(occurred_at) >= toStartOfHour(${at(from)}) AND toStartOfHour(occurred_at) < ${at(to)}
      ${source === undefined ? "" : `AND (source = ${quote(source)}
           OR (source = '' AND job_id IN (SELECT job_id FROM pipeline_events WHERE event_type = 'unique' AND source = ${quote(source)})))`}
    GROUP BY event_id
  )
  GROUP BY b, d`

const definitions = [
  {
    name: "postings_per_minute",
    title: "Postings found per minute",
    description: "Distinct postings discovered (jobs.raw) per minute and source.",
    resolution: "minute",
    columns: [
      { name: "minute", type: "timestamp", description: "start of the minute (UTC)" },
      { name: "source", type: "string", description: "the connector's source" },
      { name: "postings", type: "integer", description: "postings discovered in that minute" }
    ],
    sql: ({ from, to, source }) => `
      SELECT minute, source, uniqExactMerge(events) AS postings
      FROM kpi_events_minute
      WHERE event_type = 'discovered' AND minute >= toStartOfMinute(${at(from)}) AND minute < ${at(to)} ${sourceIs("source", source)}
      GROUP BY minute, source
      ORDER BY minute, source`
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
    ],
    sql: ({ from, to, source }) => `
      SELECT source, uniques, duplicates,
        round(if(uniques + duplicates = 0, 0, duplicates / (uniques + duplicates)), 4) AS duplicate_rate
      FROM (
        SELECT source,
          uniqExactMergeIf(events, event_type = 'unique') AS uniques,
          uniqExactMergeIf(events, event_type = 'duplicate') AS duplicates
        FROM kpi_events_minute
        WHERE event_type IN ('unique', 'duplicate') AND minute >= toStartOfMinute(${at(from)}) AND minute < ${at(to)} ${sourceIs("source", source)}
        GROUP BY source
      )
      ORDER BY source`
  },
  {
    name: "score_distribution",
    title: "Score distribution",
    description: "Scoring events (a job scored for a seeker) per score bucket of 10 points; 100 falls in 90.",
    resolution: "hour",
    columns: [
      { name: "bucket", type: "integer", description: "lowest score of the bucket (0, 10, ..., 90)" },
      { name: "matches", type: "integer", description: "scoring events with a score in the bucket" }
    ],
    sql: (filters) => `
      SELECT bucket, matches
      FROM (SELECT [${buckets.map((b) => `sumIf(n, b = ${b})`).join(", ")}] AS counts FROM (${scoredCounts(filters)}))
      ARRAY JOIN ${list(buckets)} AS bucket, counts AS matches
      ORDER BY bucket`
  },
  {
    name: "decisions",
    title: "Decisions split",
    description: "Scoring events per decision (auto-approve, manual review, reject) and each one's share.",
    resolution: "hour",
    columns: [
      { name: "decision", type: "string", description: "auto_approve, manual_review or reject" },
      { name: "matches", type: "integer", description: "scoring events with that decision" },
      { name: "rate", type: "number", description: "share of all scoring events, 0..1" }
    ],
    sql: (filters) => `
      SELECT decision, matches, round(if(total = 0, 0, matches / total), 4) AS rate
      FROM (
        SELECT [${decisions.map((d) => `sumIf(n, d = ${quote(d)})`).join(", ")}] AS counts, arraySum(counts) AS total
        FROM (${scoredCounts(filters)})
      )
      ARRAY JOIN ${list(decisions)} AS decision, counts AS matches
      ORDER BY indexOf(${list(decisions)}, decision)`
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
    ],
    // Scored rows carry no source yet: they take their job's from its `unique` event (any one: replays agree).
    // Distinct matches of different jobs are different matches, so per-job counts add up per source.
    sql: ({ from, to, source }) => `
      SELECT week, source, step, arrayElement(${list(funnelStages)}, step) AS stage, reached, conversion
      FROM (
        SELECT wk AS week, src AS source, [${funnelStages.map((_, i) => `sumIf(n, st = ${i + 1})`).join(", ")}] AS counts
        FROM (
          SELECT toMonday(occurred_at) AS wk, source AS src,
            toUInt8(indexOf(${list(funnelEventTypes)}, event_type)) AS st,
            uniqExact(multiIf(event_type = 'discovered', if(job_id != '', job_id, event_id),
                              event_type = 'unique', job_id,
                              visitParamExtractString(detail, 'applicationId'))) AS n
          FROM pipeline_events
          WHERE event_type IN ${tupleList(funnelEventTypes.filter((t) => t !== "scored"))}
            AND occurred_at >= ${at(from)} AND occurred_at < ${at(to)} AND source != '' ${sourceIs("source", source)}
          GROUP BY wk, src, st
          UNION ALL
          SELECT wk, if(source != '', source, job_source) AS src, toUInt8(3) AS st,
            uniqExact(concat(job_id, ':', visitParamExtractString(detail, 'seekerId'))) AS n
          FROM (
            SELECT toMonday(occurred_at) AS wk, job_id, source, detail FROM pipeline_events
            WHERE event_type = 'scored' AND occurred_at >= ${at(from)} AND occurred_at < ${at(to)}
          ) AS scored_rows
          ANY LEFT JOIN (
            SELECT job_id, source AS job_source FROM pipeline_events WHERE event_type = 'unique' AND job_id != ''
          ) AS job_sources USING job_id
          WHERE src != '' ${sourceIs("src", source)}
          GROUP BY wk, src, st
        )
        GROUP BY wk, src
      )
      ARRAY JOIN counts AS reached, arrayEnumerate(counts) AS step,
        arrayMap(i -> if(i = 1, 1, if(counts[i - 1] = 0, 0, round(counts[i] / counts[i - 1], 4))), arrayEnumerate(counts)) AS conversion
      ORDER BY week, source, step`
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
    ],
    // A stay ends at the application's next status; the sort breaks ties in time by the status order.
    sql: ({ from, to, source }) => `
      SELECT stage, count() AS stays,
        round(avg(secs) / 3600, 2) AS avg_hours,
        round(quantileExact(0.5)(secs) / 3600, 2) AS median_hours,
        round(quantileExact(0.9)(secs) / 3600, 2) AS p90_hours,
        round(max(secs) / 3600, 2) AS max_hours
      FROM (
        SELECT stay.1 AS stage, stay.2 AS entered, stay.3 AS secs
        FROM (
          SELECT application, arraySort(x -> (x.2, x.3), groupArray((status, entered_at, rank))) AS seq
          FROM (
            SELECT visitParamExtractString(detail, 'applicationId') AS application,
              substring(event_type, 13) AS status,
              indexOf(${list([...openStatuses, "accepted", "rejected", "withdrawn", "no_response"])}, status) AS rank,
              min(occurred_at) AS entered_at
            FROM pipeline_events
            WHERE event_type LIKE 'application.%' AND occurred_at >= ${at(from)} ${sourceIs("source", source)}
            GROUP BY application, status
          )
          WHERE application != ''
          GROUP BY application
        )
        ARRAY JOIN arrayMap(i -> (seq[i].1, seq[i].2, toInt64(seq[i + 1].2) - toInt64(seq[i].2)), arrayEnumerate(arrayPopBack(seq))) AS stay
      )
      WHERE entered < ${at(to)} AND stage IN ${tupleList(openStatuses)}
      GROUP BY stage
      ORDER BY indexOf(${list(openStatuses)}, stage)`
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
    ],
    sql: ({ from, to, source }) => `
      SELECT stage, count() AS jobs, round(avg(secs), 1) AS avg_seconds,
        quantileExact(0.5)(secs) AS median_seconds, quantileExact(0.95)(secs) AS p95_seconds, max(secs) AS max_seconds
      FROM (
        SELECT stage, toInt64(reached_at) - toInt64(discovered) AS secs
        FROM (
          SELECT job_id, maxMerge(job_source) AS jsource, minIfMerge(discovered_at) AS discovered,
            [minIfMerge(normalized_at), minIfMerge(unique_at), minIfMerge(scored_at)] AS reached
          FROM kpi_job_stages
          GROUP BY job_id
          HAVING toUInt32(discovered) > 0 AND discovered >= ${at(from)} AND discovered < ${at(to)} ${sourceIs("jsource", source)}
        )
        ARRAY JOIN ${list(lagStages)} AS stage, reached AS reached_at
        WHERE toUInt32(reached_at) > 0
      )
      GROUP BY stage
      ORDER BY indexOf(${list(lagStages)}, stage)`
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
    ],
    sql: ({ from, to, source }) => `
      SELECT connector AS source, uniqExact(event_id) AS errors, min(occurred_at) AS first_at, max(occurred_at) AS last_at,
        argMax(reason, concat(toString(occurred_at), event_id)) AS last_reason
      FROM (
        SELECT event_id, occurred_at,
          replaceRegexpOne(visitParamExtractString(detail, 'stage'), '^connector:', '') AS connector,
          visitParamExtractString(detail, 'reason') AS reason
        FROM pipeline_events
        WHERE event_type = 'dead_letter' AND occurred_at >= ${at(from)} AND occurred_at < ${at(to)}
          AND visitParamExtractString(detail, 'stage') LIKE 'connector:%'
      )
      WHERE connector != '' ${sourceIs("connector", source)}
      GROUP BY connector
      ORDER BY connector`
  }
] as const satisfies ReadonlyArray<KpiDefinition>

// ---------------------------------------------------------------------------------------------------------------
// The catalogue and the KPI functions

/** Every KPI: name, description, columns with their types; the order is the dashboard's. */
export const catalogue: ReadonlyArray<KpiInfo> = definitions.map(({ sql: _sql, ...info }): KpiInfo => info)

export type KpiName = (typeof definitions)[number]["name"]

const byName = new Map<string, KpiDefinition>(definitions.map((d) => [d.name, d]))

export const isKpiName = (name: string): name is KpiName => byName.has(name)

/** The SQL a KPI runs for the filters (exported for tests and benchmarks that run it elsewhere). */
export const kpiSql = (name: KpiName, filters: KpiFilters): string => definitionOf(name).sql(filters)

/** Runs one KPI; its rows carry exactly the catalogue's columns, typed as the catalogue says. */
export const runKpi = (name: KpiName, filters: KpiFilters): Effect.Effect<Array<KpiRow>, ClickHouseError, ClickHouse> =>
  Effect.gen(function* () {
    const definition = definitionOf(name)
    const ch = yield* ClickHouse
    const rows = yield* ch.query<Record<string, unknown>>(definition.sql(filters))
    return rows.map((row) => typedRow(definition.columns, row))
  }).pipe(Effect.withSpan(`Kpis.${name}`, { attributes: { source: filters.source ?? "" } }))

export const postingsPerMinute = (filters: KpiFilters) => runKpi("postings_per_minute", filters)
export const duplicateRate = (filters: KpiFilters) => runKpi("duplicate_rate", filters)
export const scoreDistribution = (filters: KpiFilters) => runKpi("score_distribution", filters)
export const decisionsSplit = (filters: KpiFilters) => runKpi("decisions", filters)
export const funnel = (filters: KpiFilters) => runKpi("funnel", filters)
export const timeInStage = (filters: KpiFilters) => runKpi("time_in_stage", filters)
export const pipelineLag = (filters: KpiFilters) => runKpi("pipeline_lag", filters)
export const connectorErrors = (filters: KpiFilters) => runKpi("connector_errors", filters)

/**
 * The KPI views and tables of migrations 002-004, views first: a test or a reset that empties
 * `pipeline_events` must drop these too, or the views' targets keep the old counts.
 */
export const kpiTables = [
  "kpi_events_minute_mv",
  "kpi_scores_hour_mv",
  "kpi_job_stages_mv",
  "kpi_events_minute",
  "kpi_scores_hour",
  "kpi_job_stages",
  "kpi_backfills"
] as const

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const definitionOf = (name: KpiName): KpiDefinition => {
  const definition = byName.get(name)
  if (definition === undefined) throw new Error(`no KPI named ${name}`)
  return definition
}

/**
 * ClickHouse's JSON to the catalogue's types: 18.16 quotes 64-bit integers and current releases do not;
 * DateTime comes as `YYYY-MM-DD hh:mm:ss` (UTC here) and leaves as ISO-8601 with `Z`.
 */
const typedRow = (columns: ReadonlyArray<KpiColumn>, row: Record<string, unknown>): KpiRow =>
  Object.fromEntries(
    columns.map((c) => {
      const value = row[c.name]
      switch (c.type) {
        case "integer":
        case "number":
          return [c.name, Number(value)]
        case "timestamp":
          return [c.name, `${String(value).replace(" ", "T")}Z`]
        default:
          return [c.name, String(value ?? "")]
      }
    })
  )

const tupleList = (items: ReadonlyArray<string>) => `(${items.map(quote).join(", ")})`

