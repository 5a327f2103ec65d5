-- intake, issue #10: how a group worked on a visit or a finding — its methods (听、查、看、访:
-- hear, check, look, visit; each once, in the order reported) and its mode (明查 open, 暗访
-- covert). Rows stored before this migration have no methods and no mode.
ALTER TABLE visit ADD COLUMN methods text[] NOT NULL DEFAULT '{}'
  CHECK (methods <@ ARRAY['hear', 'check', 'look', 'visit']::text[]);
ALTER TABLE visit ADD COLUMN mode text CHECK (mode IN ('open', 'covert'));

-- The same for group findings (reports on the supervision_group and covert_group channels).
ALTER TABLE report ADD COLUMN methods text[] NOT NULL DEFAULT '{}'
  CHECK (methods <@ ARRAY['hear', 'check', 'look', 'visit']::text[]);
ALTER TABLE report ADD COLUMN mode text CHECK (mode IN ('open', 'covert'));
