-- Transactional outbox (pipelines/outbox.ts): events written in the same transaction as the change they
-- describe, and published to Kafka by the relay after it commits. A row leaves the table once the broker has
-- acknowledged it, so an event exists on Kafka if and only if its change committed.
CREATE TABLE outbox (
  id         bigserial   PRIMARY KEY,
  topic      text        NOT NULL,
  key        text,
  value      bytea       NOT NULL,
  headers    jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
