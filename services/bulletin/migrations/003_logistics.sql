-- bulletin, issue #10 part 3: the round report's logistics (后勤保障) and how the groups worked.
-- Still nothing that identifies a person: dispatch's roster event carries counts only.

-- intake.visit_reported since 1.1: methods (听查看访: hear, check, look, visit) and mode (明查
-- open, 暗访 covert). Visits recorded before have none.
ALTER TABLE visit ADD COLUMN methods text[] NOT NULL DEFAULT '{}';
ALTER TABLE visit ADD COLUMN mode text;

-- dispatch.roster_registered: every version of a group's roster for a round, as counts. The
-- round report takes the latest version registered before its cut-off.
CREATE TABLE roster (
  group_id             text NOT NULL,
  round                integer NOT NULL,
  version              integer NOT NULL,
  members              integer NOT NULL,
  leaders              integer NOT NULL,
  deputies             integer NOT NULL,
  ordinary_members     integer NOT NULL,
  aggregators          integer NOT NULL,
  vehicles             integer NOT NULL,
  days_stationed       integer NOT NULL,
  meal_allowance_yuan  bigint NOT NULL,
  meal_rate_yuan       integer NOT NULL,
  registered_at        bigint NOT NULL,   -- fleet clock
  PRIMARY KEY (group_id, round, version)
);
