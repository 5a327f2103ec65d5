-- The air office's key-task lists (重点任务清单) and the bodies' progress on them (进展情况清单).
-- A task is keyed by the list's own id; re-importing the same row changes nothing. Its progress
-- and lag state live on the row; every report is kept with the caller's request id, which makes
-- a retry return the first answer. A task that falls behind becomes a problem: the report for
-- intake is written here in the same transaction as the decision, and sent until intake answers.
CREATE TABLE key_task (
  task_id         text PRIMARY KEY,
  jurisdiction    integer NOT NULL,
  city            integer NOT NULL,
  special_action  text NOT NULL,
  title           text NOT NULL,
  unit            text NOT NULL,
  target          double precision NOT NULL CHECK (target > 0),
  start_day       date NOT NULL,
  deadline        date NOT NULL CHECK (deadline >= start_day),
  milestones      text NOT NULL DEFAULT '',   -- "YYYY-MM-DD:fraction;..." ascending
  source          text NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  completed       double precision NOT NULL DEFAULT 0,
  progress_as_of  date,
  lagging         boolean NOT NULL DEFAULT false,
  lag_episodes    integer NOT NULL DEFAULT 0,
  lagging_since   date,
  updated_by      text NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX key_task_city ON key_task (city);

CREATE TABLE key_task_progress (
  id           bigserial PRIMARY KEY,
  task_id      text NOT NULL REFERENCES key_task,
  by_identity  text NOT NULL,
  request_id   text NOT NULL,
  as_of        date NOT NULL,
  completed    double precision NOT NULL CHECK (completed >= 0),
  expected     double precision NOT NULL,
  lagging      boolean NOT NULL,
  evidence     text[] NOT NULL,
  note         text,
  at           timestamptz NOT NULL,
  UNIQUE (by_identity, request_id)
);
CREATE INDEX key_task_progress_task ON key_task_progress (task_id, as_of, id);

CREATE TABLE key_task_lag (
  task_id        text NOT NULL REFERENCES key_task,
  episode        integer NOT NULL CHECK (episode >= 1),
  submission_id  text NOT NULL UNIQUE,
  day            date NOT NULL,
  expected       double precision NOT NULL,
  completed      double precision NOT NULL,
  report         bytea NOT NULL,         -- the encoded intake.submit_report, resent unchanged
  submitted_at   timestamptz,            -- intake's receipt came back
  report_id      bigint,
  receipt_no     text,
  PRIMARY KEY (task_id, episode)
);
CREATE INDEX key_task_lag_unsent ON key_task_lag (day) WHERE submitted_at IS NULL;

-- The last day the lag sweep decided (one row).
CREATE TABLE key_task_sweep (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_day   date NOT NULL
);
