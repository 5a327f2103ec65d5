-- tracking: the sweep reads and locks only ledger_clock. It needed the state, the deadline and
-- the body from the wide ledger row too: reading them there (and locking them, FOR UPDATE of the
-- join) made the select the largest part of the sweep's database time at 1,000,000 problems, and
-- the lock dirtied every page of the ledger, a full-page image in WAL for each after a
-- checkpoint. They are kept here as well, written with the ledger row by the same
-- LedgerWork::Flush, so the sweep's footprint is this narrow table, the history and the outbox.
-- Measured with bench/tracking_bench.
ALTER TABLE ledger_clock
  ADD COLUMN state text, ADD COLUMN deadline integer, ADD COLUMN deadline_started_day integer,
  ADD COLUMN body_code integer, ADD COLUMN body_name text, ADD COLUMN body_kind text;
UPDATE ledger_clock c SET state = l.state, deadline = l.deadline,
  deadline_started_day = l.deadline_started_day, body_code = l.body_code,
  body_name = l.body_name, body_kind = l.body_kind
  FROM ledger l WHERE l.problem_id = c.problem_id;
ALTER TABLE ledger_clock ALTER COLUMN state SET NOT NULL, ALTER COLUMN deadline SET NOT NULL,
  ALTER COLUMN deadline_started_day SET NOT NULL, ALTER COLUMN body_code SET NOT NULL,
  ALTER COLUMN body_name SET NOT NULL, ALTER COLUMN body_kind SET NOT NULL;
