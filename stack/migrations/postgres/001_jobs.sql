-- Canonical jobs: one row per unique posting, upserted from jobs.unique (idempotent by job_id).
CREATE TABLE jobs (
  job_id          text PRIMARY KEY,
  source          text        NOT NULL,
  source_type     text        NOT NULL,
  external_id     text        NOT NULL,
  url             text        NOT NULL,
  canonical_url   text        NOT NULL,
  title           text        NOT NULL,
  company         text        NOT NULL,
  company_key     text        NOT NULL,
  locations       text[]      NOT NULL,
  remote          boolean     NOT NULL,
  employment_type text,
  salary_min      double precision,
  salary_max      double precision,
  salary_currency text,
  salary_period   text,
  description     text        NOT NULL,
  requisition_id  text,
  posted_at       date,
  valid_through   date,
  content_hash    text        NOT NULL,
  fetched_at      timestamptz NOT NULL,
  normalized_at   timestamptz NOT NULL,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX jobs_posted_idx ON jobs (posted_at DESC NULLS LAST, job_id);
CREATE INDEX jobs_company_idx ON jobs (company_key);
CREATE INDEX jobs_search_idx ON jobs USING gin (to_tsvector('english', title || ' ' || company || ' ' || description));

-- Postings recognised as copies of a canonical job, with why.
CREATE TABLE job_duplicates (
  job_id       text PRIMARY KEY,
  duplicate_of text             NOT NULL,
  source       text             NOT NULL,
  reason       text             NOT NULL,
  similarity   double precision NOT NULL,
  detected_at  timestamptz      NOT NULL
);
CREATE INDEX job_duplicates_of_idx ON job_duplicates (duplicate_of);

-- Exact-dedup state: each identity key (source id, canonical URL) and the first job that claimed it.
CREATE TABLE dedup_keys (
  key    text PRIMARY KEY,
  job_id text NOT NULL
);

-- Connector state: what each source last published, so an unchanged posting is not published again.
CREATE TABLE source_postings (
  source       text        NOT NULL,
  external_id  text        NOT NULL,
  content_hash text        NOT NULL,
  url          text        NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (source, external_id)
);

CREATE TABLE crawl_runs (
  run_id      text PRIMARY KEY,
  source      text        NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  pages       integer     NOT NULL DEFAULT 0,
  postings    integer     NOT NULL DEFAULT 0,
  new         integer     NOT NULL DEFAULT 0,
  changed     integer     NOT NULL DEFAULT 0,
  errors      integer     NOT NULL DEFAULT 0
);

-- Pages or payloads a connector could not read, by content: the same bad page is dead-lettered once.
CREATE TABLE source_rejections (
  source       text        NOT NULL,
  url          text        NOT NULL,
  content_hash text        NOT NULL,
  reason       text        NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (source, url)
);
