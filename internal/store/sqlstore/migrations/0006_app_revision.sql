-- Apps get a revision, raised by every settings write, so that a settings
-- update is conditional on the revision its caller read: two concurrent
-- read-modify-writes cannot both succeed and lose one of the changes.

ALTER TABLE apps ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
