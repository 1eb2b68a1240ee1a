-- A seeker's right to take their data and go (pipelines/SeekerData.ts).

-- The embedding-cache keys a resume's text was embedded under (the scorer records them as it embeds): the key is a
-- hash of the model spec and the text, known only to a process that runs the model, and erasing the seeker must
-- find the vectors to delete them.
ALTER TABLE resumes ADD COLUMN embedding_keys text[] NOT NULL DEFAULT '{}';

-- One row per erasure: when, whose (the SHA-256 of the seeker id, not the id, so the row ties to nothing that is
-- left) and how many rows of each kind went. No name, email or text: the audit must not keep what was erased.
CREATE TABLE erasures (
  erasure_id  bigserial   PRIMARY KEY,
  seeker_hash text        NOT NULL,
  erased_at   timestamptz NOT NULL DEFAULT now(),
  erased      jsonb       NOT NULL
);
