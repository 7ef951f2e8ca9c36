-- Conversations are keyed by kind and id, so that a group's conversation
-- (kind 2, conv_id the GroupId) and a C2C one (kind 1, conv_id the peer's
-- UserID) can both be a user's recent contacts, even under one ID string.
-- The kinds are those of internal/im (ConvKind) and of the REST API's
-- conversation Type. SQLite cannot change a primary key in place: the rows
-- move to a new table, which then takes the old one's name; every row that
-- exists is a C2C conversation. The primary key is named so that it does
-- not collide on PostgreSQL with the old table's while both exist.
CREATE TABLE conversations_0007 (
    sdkappid    BIGINT NOT NULL,
    owner       {{.Key}} NOT NULL,
    kind        INTEGER NOT NULL,
    conv_id     {{.Key}} NOT NULL,
    last_seq    BIGINT NOT NULL,
    last_time   BIGINT NOT NULL,
    max_seq     BIGINT NOT NULL,
    read_seq    BIGINT NOT NULL DEFAULT 0,
    unread      BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    cleared_seq BIGINT NOT NULL DEFAULT 0,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT conversations_key PRIMARY KEY (sdkappid, owner, kind, conv_id)
){{.KeyedTable}};

INSERT INTO conversations_0007 (sdkappid, owner, kind, conv_id, last_seq, last_time,
    max_seq, read_seq, unread, updated_at, cleared_seq, deleted)
SELECT sdkappid, owner, 1, peer, last_seq, last_time,
    max_seq, read_seq, unread, updated_at, cleared_seq, deleted
FROM conversations;

DROP TABLE conversations;
ALTER TABLE conversations_0007 RENAME TO conversations;

CREATE INDEX conversations_updated_at ON conversations (sdkappid, owner, updated_at);
