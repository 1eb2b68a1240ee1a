-- The review desk (pipelines/ReviewDesk.ts): staff accounts, review tasks, their assignment and SLA timers.

-- Reviewers and ops admins, apart from seekers. Only the SHA-256 of an API key is stored; a revoked key stays
-- unusable. Presence is derived from the last heartbeat; strikes and the lock are the SLA's consequences.
CREATE TABLE staff (
  staff_id          text        PRIMARY KEY,
  name              text        NOT NULL,
  role              text        NOT NULL CHECK (role IN ('reviewer', 'ops')),
  api_key_hash      text        NOT NULL UNIQUE,
  revoked_at        timestamptz,
  max_active        integer     NOT NULL DEFAULT 1 CHECK (max_active BETWEEN 1 AND 100),
  strikes           integer     NOT NULL DEFAULT 0,
  locked_at         timestamptz,
  last_heartbeat_at timestamptz,
  last_assigned_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- One task per thing a person must decide: a seeker x job match left for manual review ('match'), or a pair of
-- postings dedup could not call ('dedup'). The id is derived from what it is about, so creating it again is a
-- no-op. Open tasks are 'pending' (in the queue) or 'assigned' (held by one reviewer until `deadline`);
-- 'decided' and 'closed' (the scorer moved the match out of review) are final.
CREATE TABLE review_tasks (
  task_id      text        PRIMARY KEY,
  kind         text        NOT NULL CHECK (kind IN ('match', 'dedup')),
  seeker_id    text        REFERENCES seekers ON DELETE CASCADE,
  job_id       text        NOT NULL,
  candidate_id text,
  score        real        NOT NULL,
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'assigned', 'decided', 'closed')),
  due_at       timestamptz NOT NULL,
  front        boolean     NOT NULL DEFAULT false,
  assignee     text        REFERENCES staff,
  assigned_at  timestamptz,
  deadline     timestamptz,
  warned_at    timestamptz,
  misses       integer     NOT NULL DEFAULT 0,
  -- who let its timer run out: it never goes back to them
  missed_by    text[]      NOT NULL DEFAULT '{}',
  outcome      text,
  decision     jsonb,
  decided_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  ended_at     timestamptz,
  CHECK ((kind = 'match') = (seeker_id IS NOT NULL AND candidate_id IS NULL)),
  CHECK ((status = 'assigned') = (assignee IS NOT NULL AND deadline IS NOT NULL))
);
-- The queue's order: re-queued after a miss first, then the SLA due time, then the score. No partial indexes:
-- a partial index's predicate is dropped from the scan's conditions, so a row locked with FOR UPDATE after
-- another transaction changed its status would not be checked against it again (pipelines/ReviewDesk.ts).
CREATE INDEX review_tasks_queue_idx ON review_tasks (status, front DESC, due_at, score DESC, task_id);
CREATE INDEX review_tasks_held_idx ON review_tasks (assignee, status);
CREATE INDEX review_tasks_deadline_idx ON review_tasks (status, deadline);
CREATE INDEX review_tasks_seeker_idx ON review_tasks (seeker_id, status);

-- Every application approved to be sent (by the scorer, a reviewer or the seeker), once per seeker x job: the
-- row is written in the transaction that publishes its `applications.approved` message through the outbox.
CREATE TABLE approvals (
  seeker_id   text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  job_id      text        NOT NULL,
  approved_by text        NOT NULL CHECK (approved_by IN ('auto', 'reviewer', 'seeker')),
  reviewer_id text,
  task_id     text,
  resume_id   text        NOT NULL,
  event_id    text        NOT NULL,
  approved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (seeker_id, job_id)
);

-- When the matches sink last wrote each match: the desk's intake reads what changed since it last looked (scored_at
-- is the scorer's clock, and a lagging sink writes old scored_at values late).
ALTER TABLE matches ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX matches_written_idx ON matches (written_at);
