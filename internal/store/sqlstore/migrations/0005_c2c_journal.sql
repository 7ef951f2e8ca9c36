-- The C2C journal (SQLite): an appended message is acknowledged once its
-- row is committed here, at the end of a table ordered by commit (id), so
-- that the acknowledgement pays for one append at one insertion point.
-- The single writer later moves journal rows into c2c_messages, user_sync,
-- conversations and seq_counters in large batches and deletes them
-- (docs/decisions/0005). Each row carries the seq and sync seqs it was
-- given, so a restart finishes moving what a crash left here. PostgreSQL
-- writes those tables in the appending transaction and leaves this one
-- empty.
CREATE TABLE c2c_journal (
    id            {{.Serial}},
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
    from_sync_seq BIGINT NOT NULL
);
