-- Matching that learns from each seeker's decisions (processors/matching/feedbackModel.ts, pipelines/Feedback.ts).

-- One label per seeker x job, the latest decision about it: a reviewer's approve or reject, the seeker's thumbs,
-- an application's outcome. Stored with the features the seeker's model reads and the hybrid score the scorer
-- gave, as they were when the decision was made: the model learns from what was seen.
CREATE TABLE match_feedback (
  seeker_id  text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  job_id     text        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('approved', 'rejected', 'thumbs_up', 'thumbs_down', 'interview', 'offer', 'screening_rejected')),
  relevant   boolean     NOT NULL,
  weight     real        NOT NULL CHECK (weight > 0 AND weight <= 1),
  features   text[]      NOT NULL,
  score      real        NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (seeker_id, job_id)
);

-- Each seeker's model, trained on all their labels after each new one. `version` changes with every training, so
-- the scorer knows to re-score that seeker.
CREATE TABLE seeker_models (
  seeker_id  text        PRIMARY KEY REFERENCES seekers ON DELETE CASCADE,
  model      jsonb       NOT NULL,
  labels     integer     NOT NULL,
  version    text        NOT NULL,
  trained_at timestamptz NOT NULL DEFAULT now()
);
