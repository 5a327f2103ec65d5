-- The consumer side of event streams: one cursor per followed (producer, stream), advanced by
-- compare-and-set in the same transaction that applies the events, and the dead letters: events
-- that can never be applied, parked with their reason so the stream moves on and an operator can
-- look at them and retry them.
CREATE TABLE stream_cursor (
  producer    text NOT NULL,
  stream      text NOT NULL,
  applied_seq bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (producer, stream)
);

CREATE TABLE dead_letter (
  id          bigserial PRIMARY KEY,
  producer    text NOT NULL,
  stream      text NOT NULL,
  seq         bigint NOT NULL,
  type        text NOT NULL,
  payload     bytea NOT NULL,
  error_code  text NOT NULL,
  reason      text NOT NULL,
  parked_at   timestamptz NOT NULL DEFAULT now(),
  attempts    int NOT NULL DEFAULT 1,
  last_retry_at timestamptz,
  resolved_at timestamptz,
  UNIQUE (producer, stream, seq)
);
