-- Distinct `scored` events per hour, source, decision and score bucket (0, 10, ..., 90; 100 falls in 90): the
-- score distribution and the decisions split. Score and decision come from the row's detail JSON
-- ({"seekerId":..,"score":..,"decision":..}, written by the ClickHouse sink); 18.16 has no JSONExtract*, so
-- visitParamExtract* reads them (it needs compact JSON, which JSON.stringify writes).
--
-- `source` is the row's own: scored rows carry an empty source until jobs.scored carries the job's source, so
-- a query filtered by source reads pipeline_events instead (see sinks/kpis.ts).
CREATE TABLE IF NOT EXISTS kpi_scores_hour (
  hour     DateTime('UTC'),
  source   String,
  decision String,
  bucket   UInt8,
  events   AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, source, decision, bucket);

CREATE MATERIALIZED VIEW IF NOT EXISTS kpi_scores_hour_mv TO kpi_scores_hour AS
SELECT
  toStartOfHour(occurred_at) AS hour,
  source,
  visitParamExtractString(detail, 'decision') AS decision,
  toUInt8(least(intDiv(visitParamExtractUInt(detail, 'score'), 10), 9) * 10) AS bucket,
  uniqExactState(event_id) AS events
FROM pipeline_events
WHERE event_type = 'scored'
GROUP BY hour, source, decision, bucket;

INSERT INTO kpi_scores_hour
SELECT
  toStartOfHour(occurred_at) AS hour,
  source,
  visitParamExtractString(detail, 'decision') AS decision,
  toUInt8(least(intDiv(visitParamExtractUInt(detail, 'score'), 10), 9) * 10) AS bucket,
  uniqExactState(event_id) AS events
FROM pipeline_events
WHERE event_type = 'scored' AND (SELECT count() FROM kpi_backfills WHERE name = 'kpi_scores_hour') = 0
GROUP BY hour, source, decision, bucket;

INSERT INTO kpi_backfills
SELECT 'kpi_scores_hour', now() FROM system.one
WHERE (SELECT count() FROM kpi_backfills WHERE name = 'kpi_scores_hour') = 0;
