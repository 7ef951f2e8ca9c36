-- C2C messages, per-user sync streams, sequence counters and conversations.
-- Keyed by sdkappid first; times are Unix milliseconds; flags are BOOLEAN
-- (stored as 0/1 by SQLite).

-- One row per stored C2C message. The conversation is the unordered pair
-- {from_user, to_user}, kept as (user_lo, user_hi) with user_lo <= user_hi
-- bytewise (equal only for a message to oneself). to_sync_seq and
-- from_sync_seq are the message's positions in the participants' sync
-- streams (from_sync_seq 0: not in the sender's stream), so that deleting a
-- message or clearing a conversation finds its user_sync rows by key.
-- Not a WITHOUT ROWID table on SQLite: documents are too large for rows of
-- a clustered index.
CREATE TABLE c2c_messages (
    sdkappid      BIGINT NOT NULL,
    user_lo       {{.Key}} NOT NULL,
    user_hi       {{.Key}} NOT NULL,
    seq           BIGINT NOT NULL,
    from_user     {{.Key}} NOT NULL,
    to_user       {{.Key}} NOT NULL,
    random        BIGINT NOT NULL,
    sent_at       BIGINT NOT NULL,
    client_seq    BIGINT NOT NULL,
    doc           {{.Bytes}} NOT NULL,
    state         INTEGER NOT NULL,
    unread        BOOLEAN NOT NULL,
    sender_sync   BOOLEAN NOT NULL,
    no_last_msg   BOOLEAN NOT NULL,
    to_sync_seq   BIGINT NOT NULL,
    from_sync_seq BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, user_lo, user_hi, seq)
);

-- Dedup: same conversation and Random (the sender and time are checked on
-- the few rows found).
CREATE INDEX c2c_messages_random ON c2c_messages (sdkappid, user_lo, user_hi, random);

-- Retention: the oldest messages of an app.
CREATE INDEX c2c_messages_sent_at ON c2c_messages (sdkappid, sent_at);

-- Each user's sync stream: sync_seq numbers the messages to or from the user
-- in commit order; the message is (user_id, peer, seq) in c2c_messages.
CREATE TABLE user_sync (
    sdkappid BIGINT NOT NULL,
    user_id  {{.Key}} NOT NULL,
    sync_seq BIGINT NOT NULL,
    peer     {{.Key}} NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, user_id, sync_seq)
){{.KeyedTable}};

-- Sequence counters: value is the last number handed out. kind 1 counts a
-- conversation's seqs (key: conversationCounterKey in Go), kind 2 a user's
-- sync seqs (key: the UserID). A missing row means 0.
CREATE TABLE seq_counters (
    sdkappid BIGINT NOT NULL,
    kind     INTEGER NOT NULL,
    key      {{.Key}} NOT NULL,
    value    BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, kind, key)
){{.KeyedTable}};

-- Each user's recent contacts. max_seq is the highest seq of the messages
-- applied to this row (NoLastMsg ones included), the bound of read_seq and
-- cleared_seq. A deleted conversation keeps its row (and cleared_seq) and
-- reappears on its next message.
CREATE TABLE conversations (
    sdkappid    BIGINT NOT NULL,
    owner       {{.Key}} NOT NULL,
    peer        {{.Key}} NOT NULL,
    last_seq    BIGINT NOT NULL,
    last_time   BIGINT NOT NULL,
    max_seq     BIGINT NOT NULL,
    read_seq    BIGINT NOT NULL DEFAULT 0,
    unread      BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    cleared_seq BIGINT NOT NULL DEFAULT 0,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (sdkappid, owner, peer)
){{.KeyedTable}};

CREATE INDEX conversations_updated_at ON conversations (sdkappid, owner, updated_at);
