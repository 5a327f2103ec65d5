-- tracking: the ledger (台账) of every assigned problem, its history, the bodies' idempotent
-- requests, the groups' visits and the air-quality ranking. Owned by ducha_tracking;
-- ducha_operator reads it (case history, coverage).

-- One row per assigned problem: the LedgerEntry of services/tracking/core/ledger_entry.h.
CREATE TABLE ledger (
  problem_id           bigint PRIMARY KEY,
  kind                 text NOT NULL CHECK (kind IN ('verification', 'rectification')),
  body_code            integer NOT NULL,
  body_name            text NOT NULL,
  body_kind            text NOT NULL
                       CHECK (body_kind IN ('county_government', 'city_government', 'city_bureau')),
  jurisdiction         integer NOT NULL,
  city                 integer NOT NULL,
  channel              text NOT NULL,
  category             text NOT NULL,
  severity             text NOT NULL,
  listed               boolean NOT NULL,
  title                text NOT NULL,
  report_count         integer NOT NULL CHECK (report_count >= 1),
  supervising_group    text,
  round                integer,
  state                text NOT NULL CHECK (state IN ('awaiting_verification', 'in_rectification',
                       'claimed', 'closed_not_substantiated', 'closed_rectified')),
  assigned_day         integer NOT NULL,   -- days since 1970-01-01, campaign zone
  deadline             integer NOT NULL,   -- inclusive
  deadline_started_day integer NOT NULL,
  extensions_used      integer NOT NULL DEFAULT 0,
  pending_days         integer,            -- the pending extension request, if any
  pending_reason       text,
  pending_by           text,
  pending_at           bigint,             -- epoch ms, fleet clock
  reopen_count         integer NOT NULL DEFAULT 0,
  verification_explanation text,
  warnings_sent        double precision[] NOT NULL DEFAULT '{}',
  overdue_notified     boolean NOT NULL DEFAULT false,
  escalation_rung      integer NOT NULL DEFAULT 0,
  -- The first day a sweep has something to emit (Ledger::NextDueDay); NULL when nothing will.
  next_due_day         integer,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
-- The sweep reads the due entries in (next_due_day, problem_id) order, a chunk at a time.
CREATE INDEX ledger_due ON ledger (next_due_day, problem_id) WHERE next_due_day IS NOT NULL;
CREATE INDEX ledger_by_body ON ledger (body_code, state);
CREATE INDEX ledger_by_group_day ON ledger (supervising_group, assigned_day);

-- Everything that happened to a problem, in order.
CREATE TABLE history (
  id          bigserial PRIMARY KEY,
  problem_id  bigint NOT NULL,
  at          bigint NOT NULL,     -- epoch ms, fleet clock (midnight of the due day for the clock)
  what        text NOT NULL,
  by          text NOT NULL,
  detail      text NOT NULL
);
CREATE INDEX history_by_problem ON history (problem_id, id);

-- Answered body and supervision-center requests, by the caller's idempotency key: a retry gets
-- the first answer and changes nothing.
CREATE TABLE action_request (
  identity        text NOT NULL,
  request_id      text NOT NULL,
  problem_id      bigint NOT NULL,
  state           text NOT NULL,
  deadline        integer NOT NULL,
  extensions_used integer NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (identity, request_id)
);

-- The groups' visits (走访), from intake's visits stream.
CREATE TABLE visit (
  visit_id        bigint PRIMARY KEY,
  group_id        text NOT NULL,
  round           integer NOT NULL,
  county          integer NOT NULL,
  city            integer NOT NULL,
  visit_day       integer NOT NULL,
  tasks           text[] NOT NULL,
  problems_found  integer NOT NULL,
  note            text
);
CREATE INDEX visit_by_round ON visit (round, county);
CREATE INDEX visit_by_group_day ON visit (group_id, visit_day);

-- The monitoring division's latest county air-quality ranking (replaced as a whole).
CREATE TABLE ranking (
  county       integer PRIMARY KEY,
  rank         integer NOT NULL,
  pm25_change  double precision NOT NULL,
  priority     boolean NOT NULL
);
CREATE TABLE ranking_import (
  id          bigserial PRIMARY KEY,
  source      text NOT NULL,
  rows        integer NOT NULL,
  priority    integer NOT NULL,
  by          text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
