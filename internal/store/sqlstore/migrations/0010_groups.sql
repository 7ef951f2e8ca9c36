-- Groups and their stored members. A group's ID is unique per app. Members
-- are keyed by group (the primary key) and by user (members_by_user), so a
-- group's members and a user's groups are each one index range. Every
-- membership write first raises the group's member_seq: on PostgreSQL that
-- row lock serialises membership writes per group, so the member-count
-- check a write makes still holds when it commits. Times are Unix seconds.
-- Members go with their group and with their account; a group's owner is
-- a plain UserID (a group may have none).

CREATE TABLE im_groups (
    sdkappid     BIGINT NOT NULL,
    group_id     {{.Key}} NOT NULL,
    group_type   TEXT NOT NULL,
    name         TEXT NOT NULL,
    introduction TEXT NOT NULL,
    notification TEXT NOT NULL,
    face_url     TEXT NOT NULL,
    owner        TEXT NOT NULL,
    max_members  BIGINT NOT NULL,
    apply_join   TEXT NOT NULL,
    invite_join  TEXT NOT NULL,
    mute_all     BOOLEAN NOT NULL,
    custom       {{.Bytes}} NOT NULL,
    created_at   BIGINT NOT NULL,
    member_seq   BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, group_id)
){{.KeyedTable}};

CREATE TABLE group_members (
    sdkappid   BIGINT NOT NULL,
    group_id   {{.Key}} NOT NULL,
    user_id    {{.Key}} NOT NULL,
    role       INTEGER NOT NULL,
    join_time  BIGINT NOT NULL,
    name_card  TEXT NOT NULL,
    msg_flag   INTEGER NOT NULL,
    mute_until BIGINT NOT NULL,
    custom     {{.Bytes}} NOT NULL,
    PRIMARY KEY (sdkappid, group_id, user_id),
    FOREIGN KEY (sdkappid, group_id) REFERENCES im_groups (sdkappid, group_id) ON DELETE CASCADE,
    FOREIGN KEY (sdkappid, user_id) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE INDEX members_by_user ON group_members (sdkappid, user_id, group_id);
