-- review: each recommendation keeps the case's facts as they were when it was made, so a
-- what-if over another rule table recomputes exactly that case, however the case moved on.
ALTER TABLE recommendation ADD COLUMN case_facts jsonb;
