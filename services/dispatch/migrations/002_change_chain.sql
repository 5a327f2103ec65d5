-- dispatch: the change history becomes a hash chain per problem (common/audit): who changed what,
-- when and why, and a later edit or deletion of a line shows (ducha-ctl audit verify). Lines
-- written before this migration have no hash; the chain starts at the first line that has one.
ALTER TABLE change_history ADD COLUMN prev_hash text, ADD COLUMN hash text;
