-- review: a fact can be scored before review has read which enterprise its problem names (review
-- follows intake's reports and the workflow's streams independently, so either may lag). Such a
-- fact waits here and is scored, and cleared if it was, when the enterprise arrives.
CREATE TABLE credit_pending (
  problem_id  bigint NOT NULL,
  reason      text NOT NULL,
  points      integer NOT NULL,
  at          bigint NOT NULL,
  cleared_at  bigint,
  PRIMARY KEY (problem_id, reason)
);
