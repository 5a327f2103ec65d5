-- bulletin: the projection the weekly bulletin (督察快报) is computed from, the bulletins
-- generated, and their sends. Owned by ducha_bulletin; ducha_operator reads it (send_status).
--
-- Every fact keeps its fleet-clock time (epoch ms), so the bulletin of a week is computed from
-- the rows dated before its cut-off and regenerating it later gives the same numbers. Nothing
-- here holds text written by a reporter or anything that identifies one: intake's events are
-- reduced to channel, place, time and the duplicate mark.

-- intake's accepted reports (reports stream).
CREATE TABLE report (
  report_id    bigint PRIMARY KEY,
  channel      text NOT NULL,
  jurisdiction integer NOT NULL,   -- county code, or the city's code for a city-wide problem
  city         integer NOT NULL,   -- its campaign jurisdiction
  duplicate    boolean NOT NULL,   -- intake judged it a repeat of an earlier report
  received_at  bigint NOT NULL     -- epoch ms, fleet clock
);
CREATE INDEX report_by_time ON report (received_at);

-- dispatch's assigned problems (assignments stream), as first assigned.
CREATE TABLE problem (
  problem_id     bigint PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('verification', 'rectification')),
  jurisdiction   integer NOT NULL,
  city           integer NOT NULL,
  channel        text NOT NULL,
  category       text NOT NULL,
  severity       text NOT NULL,
  listed         boolean NOT NULL,
  listing_reason text,
  deadline       integer NOT NULL,  -- days since 1970-01-01, campaign zone, inclusive
  assigned_at    bigint NOT NULL    -- epoch ms, fleet clock
);
CREATE INDEX problem_by_time ON problem (assigned_at);

-- Every later dated fact about a problem, from dispatch, tracking and review. `deadline` is the
-- deadline in force after the fact when the fact sets one; `listed` likewise; `flag` is the
-- fact's yes/no (substantiated, late claim, extension approved, re-inspection passed).
CREATE TABLE fact (
  id          bigserial PRIMARY KEY,
  producer    text NOT NULL,
  stream      text NOT NULL,
  seq         bigint NOT NULL,
  problem_id  bigint NOT NULL,
  at          bigint NOT NULL,      -- epoch ms, fleet clock (midnight of the due day for the clock's events)
  what        text NOT NULL CHECK (what IN ('changed', 'verified', 'claimed', 'rectified',
              'reopened', 'extension_requested', 'extension_decided', 'overdue', 'escalated')),
  deadline    integer,
  listed      boolean,
  flag        boolean,
  rung        integer,
  rung_name   text,
  UNIQUE (producer, stream, seq)    -- an operator's replay of a stream changes nothing
);
CREATE INDEX fact_by_time ON fact (at);

-- review's re-inspection results (reinspections stream).
CREATE TABLE reinspection (
  task_id     bigint PRIMARY KEY,
  problem_id  bigint NOT NULL,
  passed      boolean NOT NULL,
  on_site     boolean NOT NULL,     -- re-inspected on site, not accepted on its documents
  at          bigint NOT NULL
);
CREATE INDEX reinspection_by_time ON reinspection (at);

-- Accountability (问责): review's recommendations and the local committees' decisions.
CREATE TABLE accountability (
  producer    text NOT NULL,
  stream      text NOT NULL,
  seq         bigint NOT NULL,
  problem_id  bigint NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('recommendation', 'decision')),
  level       text,                 -- the rule table's level name, when known
  level_name  text,                 -- its Chinese name (提醒谈话, 通报批评, 约谈, 移交纪检监察)
  at          bigint NOT NULL,
  PRIMARY KEY (producer, stream, seq)
);
CREATE INDEX accountability_by_time ON accountability (at);

-- The blacklist of enterprises with serious violations (黑名单): additions and removals. Review
-- will publish these; until it does the table stays empty and the bulletin says 本周无.
CREATE TABLE blacklist_change (
  producer    text NOT NULL,
  stream      text NOT NULL,
  seq         bigint NOT NULL,
  city        integer NOT NULL,
  added       boolean NOT NULL,     -- false: removed
  at          bigint NOT NULL,
  PRIMARY KEY (producer, stream, seq)
);
CREATE INDEX blacklist_by_time ON blacklist_change (at);

-- One row per generated bulletin: its numbers (JSON) and their SHA-256, so a preview or a
-- regeneration can tell whether the data as of the cut-off still gives the same numbers.
CREATE TABLE bulletin (
  issue         integer PRIMARY KEY,   -- 第N期
  cutoff_day    integer NOT NULL UNIQUE,  -- the Saturday it is issued (days since epoch)
  cutoff_at     bigint NOT NULL,       -- epoch ms: 00:00 of that day, campaign zone
  numbers       text NOT NULL,         -- JSON (services/bulletin/core/numbers_json.h)
  numbers_hash  text NOT NULL,         -- SHA-256 of `numbers`, hex
  generated_at  bigint NOT NULL,       -- fleet clock
  generated_wall timestamptz NOT NULL DEFAULT now()
);

-- The sends: one row per (bulletin, recipient list, send number). Send 1 is created with the
-- bulletin; an operator's resend adds the next number. `sending` is committed BEFORE the SMTP
-- transaction and `sent` after it: a row found in `sending` at start was interrupted mid-send
-- and is sent again with the same Message-ID (counted as ambiguous).
CREATE TABLE send (
  issue           integer NOT NULL REFERENCES bulletin (issue),
  list            text NOT NULL,
  send_no         integer NOT NULL CHECK (send_no >= 1),
  state           text NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
  ordinal         integer NOT NULL,      -- the list's place in recipients.json: sends go in order
  recipients      text[] NOT NULL,       -- the addresses, as the list stood when queued
  titles          text[] NOT NULL,       -- their titles (市委书记 ...), for the To: header
  attempts        integer NOT NULL DEFAULT 0,
  ambiguous       integer NOT NULL DEFAULT 0,  -- interrupted mid-send, sent again
  next_attempt_at bigint NOT NULL,       -- epoch ms, wall clock
  last_error      text,
  message_id      text NOT NULL UNIQUE,
  reason          text NOT NULL,         -- scheduled, or the operator and reason of a resend
  queued_at       timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  PRIMARY KEY (issue, list, send_no)
);
CREATE INDEX send_due ON send (next_attempt_at) WHERE state IN ('pending', 'failed', 'sending');

-- For operators (ducha_operator may read it): every send with its state.
CREATE VIEW send_status AS
  SELECT b.issue, to_char(date '1970-01-01' + b.cutoff_day, 'YYYY-MM-DD') AS week, s.list,
         s.send_no, s.state, s.attempts, s.ambiguous, s.last_error,
         to_timestamp(s.next_attempt_at / 1000.0) AS next_attempt_at, s.sent_at, s.message_id,
         cardinality(s.recipients) AS recipients, s.reason
    FROM send s JOIN bulletin b USING (issue);
