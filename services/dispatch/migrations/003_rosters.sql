-- dispatch: the groups' rosters per round (督察组人员名单) and their logistics (车辆、驻点天数、餐费补助).
-- A resubmitted roster replaces the members and bumps the version. Members' personal details are
-- restricted: ducha_operator reads everything but their names.
CREATE TABLE roster (
  group_id      text NOT NULL,
  round         integer NOT NULL,
  version       integer NOT NULL,
  members       integer NOT NULL,
  vehicles      integer NOT NULL,
  days_stationed integer NOT NULL,
  meal_allowance_yuan bigint NOT NULL,
  rules_version integer NOT NULL,
  submitted_by  text NOT NULL,
  submitted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, round)
);

-- One member in one group per round: the primary key is the rule's last line of defence.
CREATE TABLE roster_member (
  round         integer NOT NULL,
  member_id     text NOT NULL,
  group_id      text NOT NULL,
  name          text NOT NULL,
  home_unit     text NOT NULL,
  unit_type     text NOT NULL,
  home_city     integer NOT NULL,
  role          text NOT NULL CHECK (role IN ('leader', 'deputy', 'member', 'aggregator')),
  PRIMARY KEY (round, member_id),
  FOREIGN KEY (group_id, round) REFERENCES roster (group_id, round) ON DELETE CASCADE
);
CREATE INDEX roster_member_by_group ON roster_member (group_id, round);
REVOKE ALL ON roster_member FROM ducha_operator;
GRANT SELECT (round, member_id, group_id, home_unit, unit_type, home_city, role)
  ON roster_member TO ducha_operator;
