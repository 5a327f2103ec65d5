-- intake: reports as received from integrations. Owned by ducha_intake.

-- Report ids are identifiers only; gaps from rolled-back batches are harmless.
CREATE SEQUENCE report_id_seq;
CREATE SEQUENCE contact_ref_seq;

CREATE TABLE report (
  report_id      bigint PRIMARY KEY,
  integration    text NOT NULL,
  submission_id  text NOT NULL,
  request_hash   text NOT NULL,      -- a retry must carry the same content
  channel        text NOT NULL,
  platform       text,
  jurisdiction   integer NOT NULL,   -- GB/T 2260 county or city code (or campaign-local)
  category       text NOT NULL,
  severity       text NOT NULL,
  title          text NOT NULL,
  description    text NOT NULL,
  observed_at    timestamptz NOT NULL,
  reported_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL,  -- on the fleet clock
  lat            double precision,
  lon            double precision,
  address        text,
  enterprise_name text,
  credit_code    text,
  group_id       text,
  round          integer,
  duplicate_of   bigint REFERENCES report (report_id),
  contact_ref    bigint,
  is_open        boolean NOT NULL DEFAULT true,  -- cleared when tracking reports the problem closed
  committed_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT report_idempotency UNIQUE (integration, submission_id)
);
-- Duplicate detection looks only at open originals.
CREATE INDEX report_open_by_credit ON report (credit_code)
  WHERE is_open AND duplicate_of IS NULL AND credit_code IS NOT NULL;
CREATE INDEX report_open_by_place ON report (category, lat, lon)
  WHERE is_open AND duplicate_of IS NULL AND lat IS NOT NULL;
CREATE INDEX report_by_duplicate_of ON report (duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE report_evidence (
  report_id  bigint NOT NULL REFERENCES report (report_id),
  n          integer NOT NULL,
  reference  text NOT NULL,
  PRIMARY KEY (report_id, n)
);

-- The reporter's contact (举报人信息) is confidential: kept apart, never logged, never in an event
-- (events carry contact_ref only), and not readable by the operator role.
CREATE TABLE reporter_contact (
  contact_ref  bigint PRIMARY KEY,
  report_id    bigint NOT NULL UNIQUE REFERENCES report (report_id),
  name         text,
  phone        text,
  email        text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON reporter_contact FROM ducha_operator;

-- The funnel per campaign day and channel: received -> valid -> merged (duplicates) -> new
-- problems. Replays of an already accepted submission are counted apart, not as new receipts.
CREATE TABLE funnel (
  day           date NOT NULL,
  channel       text NOT NULL,
  received      bigint NOT NULL DEFAULT 0,
  valid         bigint NOT NULL DEFAULT 0,
  merged        bigint NOT NULL DEFAULT 0,
  new_problems  bigint NOT NULL DEFAULT 0,
  replayed      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, channel)
);

-- Rejected requests by day and error code (bounded: one row per code per day).
CREATE TABLE rejection_daily (
  day    date NOT NULL,
  code   text NOT NULL,
  count  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, code)
);
