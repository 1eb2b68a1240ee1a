-- Near-duplicate clusters (processors/dedup). A cluster is named by its canonical job: the first posting of it.

-- Closed jobs (a board stopped listing them): a later posting like one of them is a repost, a new job.
ALTER TABLE jobs ADD COLUMN closed_at timestamptz;

-- The URL of each duplicate posting: with the canonical job's own, every place the job appears.
ALTER TABLE job_duplicates ADD COLUMN url text;

-- The exact-dedup keys of the first version; identity keys are now scoped as processors/dedup/matcher.ts says.
DELETE FROM dedup_keys WHERE key LIKE 'id:%';

-- What the matcher keeps of every posting it decided about (its Entry, signature included), in decision order.
CREATE TABLE dedup_entries (
  seq         bigserial   NOT NULL UNIQUE,
  job_id      text        PRIMARY KEY,
  cluster_id  text        NOT NULL,
  company_key text        NOT NULL,
  title_key   text        NOT NULL,
  day         integer     NOT NULL,
  entry       jsonb       NOT NULL,
  -- 'new', 'repost', 'review' (kept apart, flagged) or the layer that merged it
  decision    text        NOT NULL,
  similarity  real        NOT NULL,
  -- the cluster this one reposts, for 'repost'
  repost_of   text,
  decided_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dedup_entries_title_idx ON dedup_entries (company_key, title_key, day);
CREATE INDEX dedup_entries_cluster_idx ON dedup_entries (cluster_id);

-- LSH band keys (53-bit, company-scoped) of every posting with a signature.
CREATE TABLE dedup_bands (
  band   bigint NOT NULL,
  job_id text   NOT NULL,
  PRIMARY KEY (band, job_id)
);

-- Near-duplicates below the merge threshold: kept as separate jobs until a person decides.
CREATE TABLE dedup_reviews (
  job_id       text        NOT NULL,
  candidate_id text        NOT NULL,
  similarity   real        NOT NULL,
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'merged', 'distinct')),
  flagged_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, candidate_id)
);
CREATE INDEX dedup_reviews_pending_idx ON dedup_reviews (flagged_at) WHERE status = 'pending';
