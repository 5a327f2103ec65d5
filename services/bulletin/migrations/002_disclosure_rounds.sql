-- bulletin, issue #6 parts 2-4: review's blacklist and credit events, the groups' visits (for the
-- round report's coverage), the round reports and their sends, and the public disclosure's
-- publications. Still nothing that identifies a reporter: visits keep no note, decisions keep
-- the decision's text (disclosed only once the decision is), the blacklist keeps the
-- enterprise's registered name and code (public by rule) but not the operator's reason.

-- The supervising group and round of a problem (dispatch's problem_assigned), for the round report.
ALTER TABLE problem ADD COLUMN supervising_group text;
ALTER TABLE problem ADD COLUMN round integer;

-- The text of an accountability decision (问责处理结果): publication class after_decision.
ALTER TABLE accountability ADD COLUMN decision_text text;

-- review.blacklisted / review.delisted: the enterprise's key and registered name and its points.
-- `city` is the campaign jurisdiction when known (from the problem that coloured it black, or the
-- division code inside a unified social credit code), 0 otherwise.
ALTER TABLE blacklist_change ADD COLUMN enterprise text NOT NULL DEFAULT '';
ALTER TABLE blacklist_change ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE blacklist_change ADD COLUMN points integer NOT NULL DEFAULT 0;

-- review.credit_changed: an enterprise's credit colour (12-point rule), dated.
CREATE TABLE credit_change (
  producer    text NOT NULL,
  stream      text NOT NULL,
  seq         bigint NOT NULL,
  enterprise  text NOT NULL,
  name        text NOT NULL,
  points      integer NOT NULL,
  colour      text NOT NULL,
  previous    text NOT NULL,
  problem_id  bigint,
  city        integer NOT NULL,
  at          bigint NOT NULL,
  PRIMARY KEY (producer, stream, seq)
);
CREATE INDEX credit_change_by_time ON credit_change (at);

-- intake's visits stream (走访): the coverage of a round, county × task. No note is kept.
CREATE TABLE visit (
  visit_id        bigint PRIMARY KEY,
  group_id        text NOT NULL,
  round           integer NOT NULL,
  county          integer NOT NULL,
  city            integer NOT NULL,
  visit_day       integer NOT NULL,   -- days since 1970-01-01, campaign zone
  tasks           text[] NOT NULL,
  problems_found  integer NOT NULL,
  received_at     bigint NOT NULL
);
CREATE INDEX visit_by_round ON visit (round);

-- One row per round report (轮次报告): its figures (JSON) as of the round's end, and their hash.
CREATE TABLE round_report (
  round          integer PRIMARY KEY,
  cutoff_at      bigint NOT NULL,      -- 00:00 of the day after the round's last day
  numbers        text NOT NULL,
  numbers_hash   text NOT NULL,
  generated_at   bigint NOT NULL,      -- fleet clock
  generated_wall timestamptz NOT NULL DEFAULT now()
);

-- Sends carry the document they deliver: the weekly bulletin (issue = 第N期) or a round report
-- (issue = the round). The exactly-once protocol is the same for both. A round report's first
-- send has the reason 'scheduled round report' (a week's: 'scheduled').
DROP VIEW send_status;
ALTER TABLE send DROP CONSTRAINT send_issue_fkey;
ALTER TABLE send ADD COLUMN document text NOT NULL DEFAULT 'bulletin'
  CHECK (document IN ('bulletin', 'round'));
ALTER TABLE send DROP CONSTRAINT send_pkey;
ALTER TABLE send ADD PRIMARY KEY (document, issue, list, send_no);

-- The weekly bulletin's sends, as before (ducha-ctl bulletin status reads it), and the round
-- reports' sends beside them.
CREATE VIEW send_status AS
  SELECT b.issue, to_char(date '1970-01-01' + b.cutoff_day, 'YYYY-MM-DD') AS week, s.list,
         s.send_no, s.state, s.attempts, s.ambiguous, s.last_error,
         to_timestamp(s.next_attempt_at / 1000.0) AS next_attempt_at, s.sent_at, s.message_id,
         cardinality(s.recipients) AS recipients, s.reason
    FROM send s JOIN bulletin b ON s.document = 'bulletin' AND b.issue = s.issue;
CREATE VIEW round_send_status AS
  SELECT s.issue AS round, s.list, s.send_no, s.state, s.attempts, s.ambiguous, s.last_error,
         to_timestamp(s.next_attempt_at / 1000.0) AS next_attempt_at, s.sent_at, s.message_id,
         cardinality(s.recipients) AS recipients, s.reason
    FROM send s WHERE s.document = 'round';

-- Every publication of the disclosure site that changed it: the content hash names the release.
CREATE TABLE publication (
  id            bigserial PRIMARY KEY,
  as_of         bigint NOT NULL,       -- fleet clock: what was disclosable then
  content_hash  text NOT NULL,
  files         integer NOT NULL,
  bytes         bigint NOT NULL,
  trigger       text NOT NULL,         -- schedule, or the operator who asked
  published_wall timestamptz NOT NULL DEFAULT now()
);
