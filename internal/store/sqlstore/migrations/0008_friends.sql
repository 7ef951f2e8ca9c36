-- Relationships (the reference's relationship chain): friend entries, one
-- row per direction of a friendship; the owner's named friend lists and
-- their members; pending friend requests; blacklists; and a per-user
-- sequence every relationship write raises. Every write first raises the
-- sequence row of each user it touches, in UserID order: on PostgreSQL that
-- row lock serialises writes per user, so the limits and blacklist checks a
-- write makes hold until it commits. Times are Unix seconds, as the
-- reference's friend tags carry them. Rows go with either account.

CREATE TABLE sns_sequences (
    sdkappid BIGINT NOT NULL,
    user_id  {{.Key}} NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, user_id),
    FOREIGN KEY (sdkappid, user_id) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE TABLE friends (
    sdkappid    BIGINT NOT NULL,
    owner       {{.Key}} NOT NULL,
    friend      {{.Key}} NOT NULL,
    remark      TEXT NOT NULL,
    remark_time BIGINT NOT NULL,
    add_source  TEXT NOT NULL,
    add_wording TEXT NOT NULL,
    add_time    BIGINT NOT NULL,
    custom      {{.Bytes}} NOT NULL,
    PRIMARY KEY (sdkappid, owner, friend),
    FOREIGN KEY (sdkappid, owner) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE,
    FOREIGN KEY (sdkappid, friend) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE INDEX friends_by_friend ON friends (sdkappid, friend, owner);

CREATE TABLE friend_lists (
    sdkappid BIGINT NOT NULL,
    owner    {{.Key}} NOT NULL,
    name     {{.Key}} NOT NULL,
    PRIMARY KEY (sdkappid, owner, name),
    FOREIGN KEY (sdkappid, owner) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE TABLE friend_list_members (
    sdkappid BIGINT NOT NULL,
    owner    {{.Key}} NOT NULL,
    name     {{.Key}} NOT NULL,
    friend   {{.Key}} NOT NULL,
    PRIMARY KEY (sdkappid, owner, name, friend),
    FOREIGN KEY (sdkappid, owner, name) REFERENCES friend_lists (sdkappid, owner, name) ON DELETE CASCADE,
    FOREIGN KEY (sdkappid, owner, friend) REFERENCES friends (sdkappid, owner, friend) ON DELETE CASCADE
){{.KeyedTable}};

CREATE TABLE friend_requests (
    sdkappid    BIGINT NOT NULL,
    requester   {{.Key}} NOT NULL,
    target      {{.Key}} NOT NULL,
    add_source  TEXT NOT NULL,
    add_wording TEXT NOT NULL,
    remark      TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, requester, target),
    FOREIGN KEY (sdkappid, requester) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE,
    FOREIGN KEY (sdkappid, target) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE INDEX friend_requests_by_target ON friend_requests (sdkappid, target, requester);

CREATE TABLE blacklist (
    sdkappid BIGINT NOT NULL,
    owner    {{.Key}} NOT NULL,
    blocked  {{.Key}} NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, owner, blocked),
    FOREIGN KEY (sdkappid, owner) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE,
    FOREIGN KEY (sdkappid, blocked) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};

CREATE INDEX blacklist_by_blocked ON blacklist (sdkappid, blocked, owner);
