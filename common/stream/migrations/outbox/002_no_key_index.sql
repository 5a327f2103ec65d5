-- The outbox is read by stream and number only (the FETCH server, the sequencer). The index on
-- the event key served no query of the fleet, and each event paid a random insert into it (with
-- its full-page image after every checkpoint): at 1,000,000 open problems it was one of the
-- largest parts of tracking's daily sweep (bench/tracking_bench).
DROP INDEX IF EXISTS outbox_by_key;
