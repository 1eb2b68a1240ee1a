-- After how many days without a status change a seeker's application stalls (and gets a follow-up draft).
ALTER TABLE seekers ADD COLUMN stall_days integer NOT NULL DEFAULT 14 CHECK (stall_days BETWEEN 1 AND 365);

-- One application per seeker and job. `status` and `sequence` are those of the latest application_history row,
-- kept here so a move locks one row and lists need no aggregate. Stalled is computed when read, not stored.
CREATE TABLE applications (
  application_id    text PRIMARY KEY,
  seeker_id         text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  job_id            text        NOT NULL REFERENCES jobs,
  status            text        NOT NULL CHECK (status IN ('saved', 'applied', 'screening', 'interview', 'offer',
                                                         'accepted', 'rejected', 'withdrawn', 'no_response')),
  sequence          integer     NOT NULL,
  created_at        timestamptz NOT NULL,
  status_changed_at timestamptz NOT NULL,
  UNIQUE (seeker_id, job_id)
);
CREATE INDEX applications_seeker_idx ON applications (seeker_id, status_changed_at DESC);

-- Every transition, the creation included (sequence 1, from_status NULL). A move's request id makes its retry
-- return the move already made (NULLs never collide).
CREATE TABLE application_history (
  application_id text        NOT NULL REFERENCES applications ON DELETE CASCADE,
  sequence       integer     NOT NULL,
  from_status    text,
  to_status      text        NOT NULL,
  at             timestamptz NOT NULL,
  note           text,
  request_id     text,
  PRIMARY KEY (application_id, sequence),
  UNIQUE (application_id, request_id)
);
