-- Notifications to seekers (sinks/notificationIntake.ts writes them, sinks/notifier.ts delivers them).

-- One row per seeker who changed a setting; a seeker without one gets the defaults.
CREATE TABLE notification_settings (
  seeker_id        text PRIMARY KEY REFERENCES seekers ON DELETE CASCADE,
  match_threshold  integer     NOT NULL DEFAULT 70 CHECK (match_threshold BETWEEN 0 AND 100),
  webhook_url      text,
  webhook_secret   text,
  webhook_state    text        NOT NULL DEFAULT 'active' CHECK (webhook_state IN ('active', 'disabled')),
  webhook_failures integer     NOT NULL DEFAULT 0,
  webhook_disabled_at     timestamptz,
  webhook_disabled_reason text,
  email_enabled    boolean     NOT NULL DEFAULT false,
  -- Minutes after local midnight, in time_zone.
  quiet_from       integer CHECK (quiet_from BETWEEN 0 AND 1439),
  quiet_to         integer CHECK (quiet_to BETWEEN 0 AND 1439),
  digest_at        integer CHECK (digest_at BETWEEN 0 AND 1439),
  time_zone        text        NOT NULL DEFAULT 'UTC',
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((webhook_url IS NULL) = (webhook_secret IS NULL)),
  CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
);

-- `id` orders a seeker's stream (the SSE event id); `notification_id` is derived from the event, so a replay
-- inserts nothing.
CREATE TABLE notifications (
  id              bigserial PRIMARY KEY,
  notification_id text        NOT NULL UNIQUE,
  seeker_id       text        NOT NULL REFERENCES seekers ON DELETE CASCADE,
  kind            text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  title           text        NOT NULL,
  body            text        NOT NULL,
  job_id          text,
  application_id  text,
  data            jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX notifications_seeker_idx ON notifications (seeker_id, id);

-- One row per notification and channel: sent at most once by a notifier that finishes, and again (same id)
-- only when one was killed before it could record the send.
CREATE TABLE notification_deliveries (
  notification_id text        NOT NULL REFERENCES notifications (notification_id) ON DELETE CASCADE,
  channel         text        NOT NULL CHECK (channel IN ('webhook', 'email')),
  seeker_id       text        NOT NULL,
  state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  due_at          timestamptz NOT NULL,
  -- Email in a daily digest: every delivery of one digest goes out as one message.
  digest_id       text,
  attempts        integer     NOT NULL DEFAULT 0,
  last_error      text,
  sent_at         timestamptz,
  PRIMARY KEY (notification_id, channel)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (due_at) WHERE state = 'pending';
CREATE INDEX notification_deliveries_seeker_idx ON notification_deliveries (seeker_id, channel) WHERE state = 'pending';
