-- What the connectors did: one `fetch` row per HTTP request (attempts of the same URL are rows of their own) and
-- one `run` row per connector run with its totals. Rows carry a deterministic event_id (sinks/connectorEvents.ts):
-- a re-sent row has the same id and ReplacingMergeTree folds it away; exact counts use uniqExact(event_id) or
-- FINAL until the merge happens. A run row's occurred_at is when the run started, so a re-sent one lands in the
-- same partition as the original.
-- Written to the subset that runs on ClickHouse 18.16 and unchanged on current releases.
CREATE TABLE IF NOT EXISTS connector_events (
  event_id    String,
  occurred_at DateTime('UTC'),
  run_id      String,
  source      String,
  source_type String,
  kind        String,
  url         String,
  status      String,
  latency_ms  UInt32,
  attempt     UInt8,
  detail      String,
  pages       UInt32,
  postings    UInt32,
  new         UInt32,
  changed     UInt32,
  unchanged   UInt32,
  closed      UInt32,
  errors      UInt32
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (source, kind, event_id)
