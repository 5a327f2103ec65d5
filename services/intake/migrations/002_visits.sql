-- intake: inspection groups' visits (走访) to counties, as reported through intake.report_visit.
-- Each recorded visit is also an intake.visit_reported event on the `visits` stream, from which
-- tracking builds the coverage matrix (county × task, per round).

-- Visit ids are identifiers only; gaps from rolled-back batches are harmless.
CREATE SEQUENCE visit_id_seq;

CREATE TABLE visit (
  visit_id        bigint PRIMARY KEY,
  integration     text NOT NULL,
  submission_id   text NOT NULL,
  request_hash    text NOT NULL,      -- a retry must carry the same content
  group_id        text NOT NULL,
  round           integer NOT NULL,
  county          integer NOT NULL,   -- GB/T 2260 county-level code
  city            integer NOT NULL,   -- the county's campaign jurisdiction
  visit_date      date NOT NULL,      -- in the campaign's zone
  problems_found  integer NOT NULL CHECK (problems_found >= 0),
  note            text,
  received_at     timestamptz NOT NULL,  -- on the fleet clock
  committed_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT visit_idempotency UNIQUE (integration, submission_id)
);
CREATE INDEX visit_by_round ON visit (round, city, county);

-- The tasks (督察事项) a visit checked, each once, in the order reported.
CREATE TABLE visit_task (
  visit_id  bigint NOT NULL REFERENCES visit (visit_id),
  n         integer NOT NULL,
  task      text NOT NULL,
  PRIMARY KEY (visit_id, n),
  CONSTRAINT visit_task_once UNIQUE (visit_id, task)
);
