-- review: re-inspection tasks (复查任务), what review knows of each referred problem, the
-- commissioner offices' opinions, accountability recommendations and decisions, and the
-- hash-chained history of every decision. Owned by ducha_review; ducha_operator reads it,
-- except the responsible officials' names.

-- One task per rectification claim: listed, sampled, or not drawn (accepted on documents).
CREATE TABLE task (
  task_id      bigserial PRIMARY KEY,
  problem_id   bigint NOT NULL,
  claim_no     integer NOT NULL,            -- 1 for the first claim, + 1 after each reopening
  city         integer NOT NULL,
  jurisdiction integer NOT NULL,
  listed       boolean NOT NULL,
  reason       text NOT NULL CHECK (reason IN ('listed', 'sampled', 'not_drawn')),
  draw         double precision NOT NULL,
  sample_rate  double precision NOT NULL,
  seed         bigint NOT NULL,
  group_id     text,                        -- the covert group sent
  state        text NOT NULL CHECK (state IN ('open', 'passed', 'failed', 'documents')),
  created_at   bigint NOT NULL,             -- epoch ms, fleet clock
  concluded_at bigint,
  concluded_by text,
  result_group text,
  findings     text,
  UNIQUE (problem_id, claim_no)
);
CREATE INDEX task_open ON task (state) WHERE state = 'open';

-- The facts of a problem review has seen, for quantified accountability.
CREATE TABLE case_facts (
  problem_id           bigint PRIMARY KEY,
  city                 integer,
  jurisdiction         integer,
  listed               boolean NOT NULL DEFAULT false,
  working_days_overdue integer NOT NULL DEFAULT 0,
  failed_reinspections integer NOT NULL DEFAULT 0,
  referred             boolean NOT NULL DEFAULT false
);

CREATE TABLE opinion (
  id                bigserial PRIMARY KEY,
  problem_id        bigint NOT NULL,
  verified          boolean NOT NULL,
  verified_facts    text[] NOT NULL,
  responsible_units text[] NOT NULL,
  opinion           text NOT NULL,
  by                text NOT NULL,
  at                bigint NOT NULL
);
CREATE INDEX opinion_by_problem ON opinion (problem_id, id);

-- Named officials: restricted until a decision is disclosed (never to the operator role).
CREATE TABLE responsible_official (
  opinion_id  bigint NOT NULL REFERENCES opinion (id),
  problem_id  bigint NOT NULL,
  name        text NOT NULL
);
REVOKE ALL ON responsible_official FROM ducha_operator;

CREATE TABLE recommendation (
  id           bigserial PRIMARY KEY,
  problem_id   bigint NOT NULL,
  level        text,                        -- NULL: below the lowest level
  display_name text,
  points       integer NOT NULL,
  facts        jsonb NOT NULL,              -- [{fact, count, points}]
  rule_version integer NOT NULL,
  opinion_id   bigint NOT NULL REFERENCES opinion (id),
  at           bigint NOT NULL
);
CREATE INDEX recommendation_by_problem ON recommendation (problem_id, id);

CREATE TABLE decision (
  id          bigserial PRIMARY KEY,
  problem_id  bigint NOT NULL,
  decision    text NOT NULL,
  level       text,
  by          text NOT NULL,
  at          bigint NOT NULL
);

-- Answered commands by the caller's idempotency key.
CREATE TABLE action_request (
  identity    text NOT NULL,
  request_id  text NOT NULL,
  problem_id  bigint NOT NULL,
  task_id     bigint,
  outcome     text NOT NULL,
  PRIMARY KEY (identity, request_id)
);

-- Append-only, hash-chained per problem: hash = sha256(prev_hash || canonical line), so an
-- edited or deleted line breaks every later link (ducha-ctl audit verify).
CREATE TABLE history (
  id          bigserial PRIMARY KEY,
  problem_id  bigint NOT NULL,
  at          bigint NOT NULL,
  what        text NOT NULL,
  by          text NOT NULL,
  detail      text NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL
);
CREATE INDEX history_by_problem ON history (problem_id, id);
