-- The review desk's analytics: every step of a review task (`reviews.events`, schemas/Review.ts ReviewEvent) and
-- every approved application (`applications.approved`, ApprovedApplication), written by sinks/clickhouseEvents.ts.
-- Only what the review KPIs read (sinks/kpiSql.ts), plus the ids to join or trace them; no seeker names, emails
-- or resumes. A missing id (a reviewer's own event has no task) is ''.
--
-- Replays: a re-sent message has the same event_id and ReplacingMergeTree folds it away in a merge; until then the
-- KPIs fold rows per event_id themselves (GROUP BY event_id), never count() raw rows.
-- Written to the subset that runs on ClickHouse 18.16 and unchanged on current releases.
CREATE TABLE IF NOT EXISTS review_events (
  event_id    String,
  event_type  String,
  occurred_at DateTime('UTC'),
  task_id     String,
  reviewer_id String,
  seeker_id   String,
  job_id      String,
  source      String,
  -- decided and closed: milliseconds from the task's creation to this step; NULL on the other steps. Int64 holds
  -- any integer the schema admits (safe integers), so no valid message can fail the batch's insert.
  wait_ms     Nullable(Int64)
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (event_type, event_id);

-- An approval's event id is a function of the seeker x job pair, so a re-score that approves the pair again
-- repeats the id with a later approved_at. approved_at is in the key: only exact replays fold, and the first
-- approval of a pair (min(approved_at) per event_id, as the KPIs read it) survives every merge.
-- approved_by: auto (the scorer), reviewer (at the desk) or seeker (deciding their own match). score is Int64 for the
-- reason wait_ms is.
CREATE TABLE IF NOT EXISTS approved_applications (
  event_id    String,
  approved_at DateTime('UTC'),
  approved_by String,
  reviewer_id String,
  seeker_id   String,
  job_id      String,
  source      String,
  score       Int64
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(approved_at)
ORDER BY (event_id, approved_at)
