-- bulletin: the air office's key tasks (重点任务推进情况), from tracking's ledger. Counts and
-- quantities only: no task title, no evidence reference, no reporting identity is kept.
-- Every row is keyed so that a redelivered or replayed event changes nothing.

-- tracking.task_defined: every version of a task; a higher version supersedes a lower one.
CREATE TABLE key_task (
  task_id         text NOT NULL,
  version         integer NOT NULL,
  jurisdiction    integer NOT NULL,
  city            integer NOT NULL,
  special_action  text NOT NULL,     -- category contract name
  target          double precision NOT NULL,
  start_day       integer NOT NULL,
  deadline        integer NOT NULL,
  at              bigint NOT NULL,   -- epoch ms, fleet clock
  PRIMARY KEY (task_id, version)
);
CREATE INDEX key_task_by_time ON key_task (at);

-- tracking.task_progress_reported: the cumulative quantity done, by its position in the stream.
CREATE TABLE key_task_progress (
  producer   text NOT NULL,
  stream     text NOT NULL,
  seq        bigint NOT NULL,
  task_id    text NOT NULL,
  completed  double precision NOT NULL,
  expected   double precision NOT NULL,
  as_of      integer NOT NULL,
  at         bigint NOT NULL,        -- epoch ms, fleet clock
  PRIMARY KEY (producer, stream, seq)
);
CREATE INDEX key_task_progress_by_time ON key_task_progress (at);

-- tracking.task_lagging / task_on_track: a task fell behind (an episode began) or caught up (it
-- ended), dated 00:00 of the day in the campaign's zone.
CREATE TABLE key_task_status (
  task_id    text NOT NULL,
  episode    integer NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('lagging', 'on_track')),
  expected   double precision NOT NULL,
  completed  double precision NOT NULL,
  day        integer NOT NULL,
  at         bigint NOT NULL,
  PRIMARY KEY (task_id, episode, kind)
);
CREATE INDEX key_task_status_by_time ON key_task_status (at);
