-- tracking: one index on the history instead of two. Every query reads a problem's lines in
-- order (the case, the audit chain, the status), which (problem_id, id) serves; the separate
-- primary key on id served none and cost each new line a second index insert, with its WAL. At
-- 1,000,000 open problems that was a sixth of the daily sweep's index inserts
-- (bench/tracking_bench). id stays unique: it comes from its sequence.
ALTER TABLE history DROP CONSTRAINT history_pkey;
DROP INDEX history_by_problem;
ALTER TABLE history ADD PRIMARY KEY (problem_id, id);
