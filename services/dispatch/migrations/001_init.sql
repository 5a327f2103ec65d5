-- dispatch: assigned problems (交办台账), their reports and every change. Owned by ducha_dispatch;
-- ducha_operator reads it (problem and responsibility lists, case history).

-- One row per problem: the first report opens it, repeat reports are its sources.
CREATE TABLE problem (
  problem_id     bigint PRIMARY KEY,   -- the report id of its first report
  kind           text NOT NULL CHECK (kind IN ('verification', 'rectification')),
  body_code      integer NOT NULL,     -- the county's code, or the city's for city bodies
  body_name      text NOT NULL,
  body_kind      text NOT NULL
                 CHECK (body_kind IN ('county_government', 'city_government', 'city_bureau')),
  jurisdiction   integer NOT NULL,     -- county code, or city code for a city-wide problem
  city           integer NOT NULL,     -- campaign jurisdiction
  channel        text NOT NULL,        -- of the first report
  category       text NOT NULL,
  severity       text NOT NULL,
  listed         boolean NOT NULL,
  listing_reason text,
  received_day   date NOT NULL,        -- campaign zone
  deadline       date NOT NULL,        -- campaign zone, inclusive
  group_id       text,                 -- supervising group; NULL between rounds
  round          integer,
  report_count   integer NOT NULL DEFAULT 1 CHECK (report_count >= 1),
  title          text NOT NULL,
  created_at     timestamptz NOT NULL, -- fleet clock
  updated_at     timestamptz NOT NULL
);
CREATE INDEX problem_by_place ON problem (city, jurisdiction);

-- Every report of a problem, the first one included.
CREATE TABLE problem_source (
  report_id   bigint PRIMARY KEY,
  problem_id  bigint NOT NULL REFERENCES problem (problem_id),
  channel     text NOT NULL,
  added_at    timestamptz NOT NULL
);
CREATE INDEX problem_source_by_problem ON problem_source (problem_id);

-- Who changed what, when and why: operators by their identity, the listing rule as 'rule'.
CREATE TABLE change_history (
  id          bigint PRIMARY KEY,
  problem_id  bigint NOT NULL REFERENCES problem (problem_id),
  change      text NOT NULL
              CHECK (change IN ('reassigned', 'deadline_changed', 'listed', 'unlisted')),
  old_value   text NOT NULL,
  new_value   text NOT NULL,
  by          text NOT NULL,
  reason      text NOT NULL,
  at          timestamptz NOT NULL
);
CREATE SEQUENCE change_history_id_seq OWNED BY change_history.id;
ALTER TABLE change_history ALTER COLUMN id SET DEFAULT nextval('change_history_id_seq');
CREATE INDEX change_history_by_problem ON change_history (problem_id, id);
