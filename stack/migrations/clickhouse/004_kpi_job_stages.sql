-- When each job first reached each pipeline stage (discovered, normalized, unique, scored), and its source: one
-- row per job once merged, for the end-to-end lag per stage. min() and max() fold replays.
-- `discovered` rows carry a job id only once the ClickHouse sink writes jobIdOf(source, externalId) on them.
-- A view's minIfState(...) has the type AggregateFunction(minIf, DateTime('UTC'), UInt8) (18.16 and current
-- releases alike) and cannot go into an AggregateFunction(min, ...) column, so the columns say minIf.
-- One row per (job, stage) instead would double the rows and, on 18.16, make the GROUP BY over two string keys
-- five times slower.
CREATE TABLE IF NOT EXISTS kpi_job_stages (
  job_id        String,
  job_source    AggregateFunction(max, String),
  discovered_at AggregateFunction(minIf, DateTime('UTC'), UInt8),
  normalized_at AggregateFunction(minIf, DateTime('UTC'), UInt8),
  unique_at     AggregateFunction(minIf, DateTime('UTC'), UInt8),
  scored_at     AggregateFunction(minIf, DateTime('UTC'), UInt8)
) ENGINE = AggregatingMergeTree()
ORDER BY job_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS kpi_job_stages_mv TO kpi_job_stages AS
SELECT
  job_id,
  maxState(source) AS job_source,
  minIfState(occurred_at, event_type = 'discovered') AS discovered_at,
  minIfState(occurred_at, event_type = 'normalized') AS normalized_at,
  minIfState(occurred_at, event_type = 'unique') AS unique_at,
  minIfState(occurred_at, event_type = 'scored') AS scored_at
FROM pipeline_events
WHERE job_id != '' AND event_type IN ('discovered', 'normalized', 'unique', 'scored')
GROUP BY job_id;

INSERT INTO kpi_job_stages
SELECT
  job_id,
  maxState(source) AS job_source,
  minIfState(occurred_at, event_type = 'discovered') AS discovered_at,
  minIfState(occurred_at, event_type = 'normalized') AS normalized_at,
  minIfState(occurred_at, event_type = 'unique') AS unique_at,
  minIfState(occurred_at, event_type = 'scored') AS scored_at
FROM pipeline_events
WHERE job_id != '' AND event_type IN ('discovered', 'normalized', 'unique', 'scored')
  AND (SELECT count() FROM kpi_backfills WHERE name = 'kpi_job_stages') = 0
GROUP BY job_id;

INSERT INTO kpi_backfills
SELECT 'kpi_job_stages', now() FROM system.one
WHERE (SELECT count() FROM kpi_backfills WHERE name = 'kpi_job_stages') = 0;
