-- Seekers authenticate with an API key of their own; only its SHA-256 is stored.
CREATE TABLE seekers (
  seeker_id    text PRIMARY KEY,
  name         text        NOT NULL,
  email        text,
  api_key_hash text        NOT NULL UNIQUE,
  preferences  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE resumes (
  resume_id    text PRIMARY KEY,
  seeker_id    text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  filename     text,
  content_type text        NOT NULL,
  body         text        NOT NULL,
  text_hash    text        NOT NULL,
  is_primary   boolean     NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resumes_one_primary ON resumes (seeker_id) WHERE is_primary;

-- One row per job x seeker scored above the floor; rescored_count says how often a change re-scored it.
CREATE TABLE matches (
  job_id         text        NOT NULL,
  seeker_id      text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  score          integer     NOT NULL,
  decision       text        NOT NULL,
  components     jsonb       NOT NULL,
  explanation    jsonb       NOT NULL,
  resume_id      text        NOT NULL,
  model          text        NOT NULL,
  scored_at      timestamptz NOT NULL,
  rescored_count integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (seeker_id, job_id)
);
CREATE INDEX matches_rank_idx ON matches (seeker_id, score DESC, job_id);

-- Embeddings by key = sha256(model, text) (jobs and resumes alike): no text is embedded twice, across restarts
-- and processes too.
CREATE TABLE embeddings (
  key    text   PRIMARY KEY,
  vector real[] NOT NULL
);
