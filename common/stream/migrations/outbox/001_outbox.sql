-- The transactional outbox of a producer schema. A service writes its events here in the same
-- transaction as the state change that caused them. Rows are inserted with seq NULL; the
-- sequencer numbers committed rows afterwards, under the stream_head row lock, so seq is
-- gap-free and never reveals a lower number after a higher one has been read.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  stream      text NOT NULL,
  seq         bigint,
  type        text NOT NULL,
  key         text NOT NULL DEFAULT '',
  payload     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  sequenced_at timestamptz,
  CONSTRAINT outbox_stream_seq UNIQUE (stream, seq)
);
CREATE INDEX outbox_unsequenced ON outbox (stream, id) WHERE seq IS NULL;
CREATE INDEX outbox_by_key ON outbox (key);

CREATE TABLE stream_head (
  stream     text PRIMARY KEY,
  last_seq   bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
