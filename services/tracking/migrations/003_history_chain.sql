-- tracking: the history becomes a hash chain per problem (common/audit): who did what, when and
-- why — bodies, the supervision center, review, dispatch and the clock — and a later edit or
-- deletion of a line shows (ducha-ctl audit verify --service tracking). The chain's head is kept
-- with the clock's marks, so a sweep continues each chain without reading the history. Lines
-- written before this migration have no hash; the chain starts at the first line that has one.
ALTER TABLE history ADD COLUMN prev_hash text, ADD COLUMN hash text;
ALTER TABLE ledger_clock ADD COLUMN history_head text;
