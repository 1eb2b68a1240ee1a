import { quote, toDateTime } from "../stack/ClickHouse.js"
import { funnelStages, lagStages, openStatuses, type KpiFilters, type KpiName, type SourceName } from "./kpiCatalogue.js"

/**
 * The SQL of each KPI in the catalogue. Every query reads `pipeline_events` or the views of migrations 002-004, and
 * is written to the SQL subset that runs on ClickHouse 18.16 and unchanged on current releases (no query
 * parameters, window functions, JSONExtract*, WITH FILL, CTE subqueries).
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
 *
 * The review desk's KPIs read `review_events` and `approved_applications` (migration 006), folded per event id too.
 */

/** The SQL a KPI runs for the filters (exported for tests and benchmarks that run it elsewhere). */
export const kpiSql = (name: KpiName, filters: KpiFilters): string => sqlOf[name](filters)

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

const at = (date: Date) => `toDateTime(${quote(toDateTime(date))}, 'UTC')`
const sourceIs = (column: string, source: SourceName | undefined) =>
  source === undefined ? "" : `AND ${column} = ${quote(source)}`
const list = (items: ReadonlyArray<string | number>) =>
  `[${items.map((i) => (typeof i === "number" ? String(i) : quote(i))).join(", ")}]`
const tupleList = (items: ReadonlyArray<string>) => `(${items.map(quote).join(", ")})`

const buckets = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90] as const
const decisions = ["auto_approve", "manual_review", "reject"] as const
/** The event type that marks entry into each funnel stage. */
const funnelEventTypes = funnelStages.map((s, i) => (i < 3 ? s : `application.${s}`))

/** The score bucket of a `scored` row, as migration 003 computes it. */
const bucketOfDetail = "toUInt8(least(intDiv(visitParamExtractUInt(detail, 'score'), 10), 9) * 10)"

/**
 * `scored` events per score bucket (b) and decision (d), each seeker x job match once, as its newest row says, as
 * PostgreSQL's matches hold it. A replayed job scored again for the same seeker state is the same event (its id
 * is a function of the inputs), with a score the corpus may have moved since; a new resume or new preferences
 * score the same match again under a new event id. Folded per match, neither counts twice, nor in two buckets or
 * under two decisions, as the hourly view would. The newest row is the one scored last (the event's time, then
 * its scoredAt to the millisecond: a preference change can re-score a match within the second it was scored).
 * Filtered by source, a scored row without a source takes the source of its job's `unique` event.
 */
const scoredCounts = ({ from, to, source }: KpiFilters) => `
  SELECT b, d, count() AS n
  FROM (
    SELECT job_id, visitParamExtractString(detail, 'seekerId') AS seeker,
      argMax(${bucketOfDetail}, concat(toString(occurred_at), visitParamExtractString(detail, 'scoredAt'), event_id)) AS b,
      argMax(visitParamExtractString(detail, 'decision'), concat(toString(occurred_at), visitParamExtractString(detail, 'scoredAt'), event_id)) AS d
    FROM pipeline_events
    WHERE event_type = 'scored'
      AND toStartOfHour(occurred_at) >= toStartOfHour(${at(from)}) AND toStartOfHour(occurred_at) < ${at(to)}
      ${source === undefined ? "" : `AND (source = ${quote(source)}
           OR (source = '' AND job_id IN (SELECT job_id FROM pipeline_events WHERE event_type = 'unique' AND source = ${quote(source)})))`}
    GROUP BY job_id, seeker
  )
  GROUP BY b, d`

/** One query per catalogue entry: the type makes a KPI without SQL, or SQL without a KPI, a compile error. */
const sqlOf: { readonly [K in KpiName]: (filters: KpiFilters) => string } = {
  postings_per_minute: ({ from, to, source }) => `
      SELECT minute, source, uniqExactMerge(events) AS postings
      FROM kpi_events_minute
      WHERE event_type = 'discovered' AND minute >= toStartOfMinute(${at(from)}) AND minute < ${at(to)} ${sourceIs("source", source)}
      GROUP BY minute, source
      ORDER BY minute, source`,
  duplicate_rate: ({ from, to, source }) => `
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
      ORDER BY source`,
  score_distribution: (filters) => `
      SELECT bucket, matches
      FROM (SELECT [${buckets.map((b) => `sumIf(n, b = ${b})`).join(", ")}] AS counts FROM (${scoredCounts(filters)}))
      ARRAY JOIN ${list(buckets)} AS bucket, counts AS matches
      ORDER BY bucket`,
  decisions: (filters) => `
      SELECT decision, matches, round(if(total = 0, 0, matches / total), 4) AS rate
      FROM (
        SELECT [${decisions.map((d) => `sumIf(n, d = ${quote(d)})`).join(", ")}] AS counts, arraySum(counts) AS total
        FROM (${scoredCounts(filters)})
      )
      ARRAY JOIN ${list(decisions)} AS decision, counts AS matches
      ORDER BY indexOf(${list(decisions)}, decision)`,
  // Scored rows carry no source yet: they take their job's from its `unique` event (any one: replays agree).
  // Distinct matches of different jobs are different matches, so per-job counts add up per source.
  funnel: ({ from, to, source }) => `
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
      ORDER BY week, source, step`,
  // A stay ends at the application's next status; the sort breaks ties in time by the status order.
  time_in_stage: ({ from, to, source }) => `
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
      ORDER BY indexOf(${list(openStatuses)}, stage)`,
  pipeline_lag: ({ from, to, source }) => `
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
      ORDER BY indexOf(${list(lagStages)}, stage)`,
  connector_errors: ({ from, to, source }) => `
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
      ORDER BY connector`,
  // Quantiles need each decision once: a replayed event is folded to one row before the day's waits are ranked.
  review_decision_time: ({ from, to, source }) => `
      SELECT day, count() AS decisions,
        round(quantileExact(0.5)(waited) / 1000, 3) AS p50_seconds,
        round(quantileExact(0.95)(waited) / 1000, 3) AS p95_seconds
      FROM (
        SELECT event_id, toDate(any(occurred_at)) AS day, any(assumeNotNull(wait_ms)) AS waited
        FROM review_events
        WHERE event_type = 'decided' AND isNotNull(wait_ms)
          AND occurred_at >= ${at(from)} AND occurred_at < ${at(to)} ${sourceIs("source", source)}
        GROUP BY event_id
      )
      GROUP BY day
      ORDER BY day`,
  sla_misses: ({ from, to, source }) => `
      SELECT reviewer_id, uniqExact(event_id) AS misses, max(occurred_at) AS last_missed_at
      FROM review_events
      WHERE event_type = 'missed' AND reviewer_id != ''
        AND occurred_at >= ${at(from)} AND occurred_at < ${at(to)} ${sourceIs("source", source)}
      GROUP BY reviewer_id
      ORDER BY misses DESC, reviewer_id`,
  // A pair approved again (a re-score) repeats its event id with a later time: it counts once, on the day and
  // with the approver of its first approval, and only when that first approval falls in the range.
  approval_channels: ({ from, to, source }) => `
      SELECT day, source, approvals, auto, manual, round(auto / approvals, 4) AS auto_rate, round(manual / approvals, 4) AS manual_rate
      FROM (
        SELECT toDate(first_at) AS day, job_source AS source, count() AS approvals,
          countIf(approver = 'auto') AS auto, countIf(approver IN ('reviewer', 'seeker')) AS manual
        FROM (
          SELECT event_id, min(approved_at) AS first_at, argMin(approved_by, approved_at) AS approver,
            argMin(source, approved_at) AS job_source
          FROM approved_applications
          WHERE approved_at < ${at(to)} ${sourceIs("source", source)}
          GROUP BY event_id
        )
        WHERE first_at >= ${at(from)}
        GROUP BY day, job_source
      )
      ORDER BY day, source`
}
