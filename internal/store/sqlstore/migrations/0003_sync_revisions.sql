-- Revision entries: a recall or modify appends one more entry per
-- participant to the sync streams, pointing at the same message, so that a
-- device offline at the time learns the new state from its next sync.
-- user_sync.revision marks such entries. to_rev_sync_seq and
-- from_rev_sync_seq are the positions of the message's latest revision
-- entries (0: none), so that deleting the message, clearing the
-- conversation or the next revision finds them by key, like to_sync_seq
-- and from_sync_seq.
ALTER TABLE user_sync ADD COLUMN revision BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE c2c_messages ADD COLUMN to_rev_sync_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE c2c_messages ADD COLUMN from_rev_sync_seq BIGINT NOT NULL DEFAULT 0;
