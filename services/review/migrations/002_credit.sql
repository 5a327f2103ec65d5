-- review: enterprise environmental credit (企业环境信用 12 分制) and the blacklist.

-- The enterprise named by each problem's first report (from intake's reports stream).
CREATE TABLE problem_enterprise (
  problem_id   bigint PRIMARY KEY,
  enterprise   text NOT NULL,       -- credit code, or 'name:' || name
  name         text NOT NULL
);

-- A problem's violation, once established: rectification problems at assignment, citizen
-- reports when verified as substantiated.
CREATE TABLE violation (
  problem_id   bigint PRIMARY KEY,
  severity     text NOT NULL,
  kind         text NOT NULL,
  established_at bigint              -- epoch ms, fleet clock; NULL until established
);

CREATE TABLE enterprise (
  enterprise   text PRIMARY KEY,
  name         text NOT NULL,
  colour       text NOT NULL DEFAULT 'green',
  blacklisted  boolean NOT NULL DEFAULT false
);

-- Every scored fact; cleared by a verified rectification of its problem.
CREATE TABLE credit_entry (
  id          bigserial PRIMARY KEY,
  enterprise  text NOT NULL,
  problem_id  bigint NOT NULL,
  reason      text NOT NULL,        -- violation, failed_reinspection:<task>, fact:<name>
  points      integer NOT NULL,
  at          bigint NOT NULL,
  cleared_at  bigint,
  UNIQUE (problem_id, reason)
);
CREATE INDEX credit_entry_by_enterprise ON credit_entry (enterprise);

-- The colour history stays when points clear.
CREATE TABLE colour_history (
  id          bigserial PRIMARY KEY,
  enterprise  text NOT NULL,
  colour      text NOT NULL,
  points      integer NOT NULL,
  reason      text NOT NULL,
  at          bigint NOT NULL
);

CREATE TABLE blacklist_history (
  id          bigserial PRIMARY KEY,
  enterprise  text NOT NULL,
  action      text NOT NULL CHECK (action IN ('listed', 'delisted')),
  points      integer NOT NULL,
  reason      text NOT NULL,
  by          text NOT NULL,
  at          bigint NOT NULL
);

CREATE TABLE credit_request (
  identity    text NOT NULL,
  request_id  text NOT NULL,
  enterprise  text NOT NULL,
  PRIMARY KEY (identity, request_id)
);
