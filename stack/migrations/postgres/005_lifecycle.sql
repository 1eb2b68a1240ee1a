-- Posting lifecycle (connectors/ApiCrawler.ts): a posting missing from a complete crawl of its board has closed.
ALTER TABLE source_postings ADD COLUMN closed_at timestamptz;
CREATE INDEX source_postings_open_idx ON source_postings (source, last_seen_at) WHERE closed_at IS NULL;

ALTER TABLE crawl_runs ADD COLUMN unchanged integer NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN closed integer NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN complete boolean;

-- Conditional requests: each listing URL's validators and what its last full answer held, so a 304 still tells
-- which postings are on the board and which pages follow.
CREATE TABLE source_http_cache (
  source        text        NOT NULL,
  url           text        NOT NULL,
  etag          text,
  last_modified text,
  external_ids  text[]      NOT NULL,
  next          jsonb       NOT NULL,
  fetched_at    timestamptz NOT NULL,
  PRIMARY KEY (source, url)
);

-- The PostgreSQL sink's view of jobs.lifecycle, newest event per job: applied to `jobs.closed_at` whichever of
-- the job and its lifecycle event reaches the sink first.
CREATE TABLE job_lifecycle (
  job_id text        PRIMARY KEY,
  status text        NOT NULL,
  at     timestamptz NOT NULL
);

-- Credit a source requires wherever its posting is shown (Remote OK, Adzuna).
ALTER TABLE jobs ADD COLUMN attribution jsonb;
