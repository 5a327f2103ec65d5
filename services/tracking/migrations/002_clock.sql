-- tracking: the clock's marks and the next due day move to a narrow table of their own. A sweep
-- rewrites them for every due entry; in the wide ledger row each of those updates copied the
-- whole row and touched all four of its indexes (the due day is indexed, so no HOT update).
-- Measured with bench/tracking_bench: the UPDATE was 30 % of the sweep's database time.
CREATE TABLE ledger_clock (
  problem_id        bigint PRIMARY KEY,
  warnings_sent     double precision[] NOT NULL DEFAULT '{}',
  overdue_notified  boolean NOT NULL DEFAULT false,
  escalation_rung   integer NOT NULL DEFAULT 0,
  next_due_day      integer            -- Ledger::NextDueDay; NULL when nothing will be due
);
INSERT INTO ledger_clock (problem_id, warnings_sent, overdue_notified, escalation_rung,
                          next_due_day)
  SELECT problem_id, warnings_sent, overdue_notified, escalation_rung, next_due_day FROM ledger;
DROP INDEX ledger_due;
ALTER TABLE ledger DROP COLUMN warnings_sent, DROP COLUMN overdue_notified,
  DROP COLUMN escalation_rung, DROP COLUMN next_due_day;
CREATE INDEX ledger_clock_due ON ledger_clock (next_due_day, problem_id)
  WHERE next_due_day IS NOT NULL;
