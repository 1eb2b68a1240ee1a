-- Distinct events per minute, per event type and source: postings per minute (discovered) and duplicate rate
-- (duplicate vs unique). The aggregate is a set of event ids (uniqExactState), so a replayed event that reaches
-- the view twice folds into the same count, and so does the backfill below if it overlaps the view.
--
-- Written to the subset that runs on ClickHouse 18.16 and unchanged on current releases: no IF NOT EXISTS on
-- ALTER, no SimpleAggregateFunction, no POPULATE (backfilled below instead), no TTL.
--
-- kpi_backfills remembers which view targets were filled from the rows that predate their view, so the
-- backfill INSERTs below run once; running them twice would only fold, never double count.
CREATE TABLE IF NOT EXISTS kpi_backfills (
  name      String,
  filled_at DateTime('UTC')
) ENGINE = ReplacingMergeTree(filled_at)
ORDER BY name;

CREATE TABLE IF NOT EXISTS kpi_events_minute (
  event_type String,
  source     String,
  minute     DateTime('UTC'),
  events     AggregateFunction(uniqExact, String)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (event_type, source, minute);

CREATE MATERIALIZED VIEW IF NOT EXISTS kpi_events_minute_mv TO kpi_events_minute AS
SELECT event_type, source, toStartOfMinute(occurred_at) AS minute, uniqExactState(event_id) AS events
FROM pipeline_events
GROUP BY event_type, source, minute;

INSERT INTO kpi_events_minute
SELECT event_type, source, toStartOfMinute(occurred_at) AS minute, uniqExactState(event_id) AS events
FROM pipeline_events
WHERE (SELECT count() FROM kpi_backfills WHERE name = 'kpi_events_minute') = 0
GROUP BY event_type, source, minute;

INSERT INTO kpi_backfills
SELECT 'kpi_events_minute', now() FROM system.one
WHERE (SELECT count() FROM kpi_backfills WHERE name = 'kpi_events_minute') = 0;
