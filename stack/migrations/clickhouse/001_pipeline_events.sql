-- Append-only pipeline events. Rows carry a deterministic event_id: a replayed message writes the same id and
-- ReplacingMergeTree folds it away; exact counts use uniqExact(event_id) or FINAL until the merge happens.
-- Written to the subset that runs on ClickHouse 18.16 and unchanged on current releases.
CREATE TABLE IF NOT EXISTS pipeline_events (
  event_id    String,
  event_type  String,
  occurred_at DateTime('UTC'),
  source      String,
  job_id      String,
  company_key String,
  title       String,
  detail      String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (event_type, event_id)
