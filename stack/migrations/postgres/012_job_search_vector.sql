-- GET /jobs/search ranked its lexical candidates with ts_rank_cd over to_tsvector(title, company, description)
-- computed again for every matching job: at 100k jobs a common word matched thousands of 3-4 KB descriptions, and
-- every search ran into the 5 s request timeout (503). The vector is now stored once, when the job is written,
-- and both the match (GIN) and the rank read it; so does GET /jobs?q=.
ALTER TABLE jobs ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || company || ' ' || description)) STORED;
DROP INDEX jobs_search_idx;
CREATE INDEX jobs_search_idx ON jobs USING gin (search_vector);
