-- How a group worked on a visit (听、查、看、访) and whether it was open or covert (明查、暗访), as
-- intake's visit_reported carries them since 1.1; visits applied before have none.
ALTER TABLE visit ADD COLUMN methods text[] NOT NULL DEFAULT '{}', ADD COLUMN mode text;
