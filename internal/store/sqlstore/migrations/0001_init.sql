-- Tenants, accounts and profile tags. Every table is keyed by sdkappid first;
-- times are Unix milliseconds. The template fields (Bytes, Key, KeyedTable)
-- come from the dialect (dialect.go).

CREATE TABLE apps (
    sdkappid   BIGINT NOT NULL PRIMARY KEY,
    secret_key TEXT NOT NULL,
    config     {{.Bytes}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    sdkappid        BIGINT NOT NULL,
    user_id         {{.Key}} NOT NULL,
    created_at      BIGINT NOT NULL,
    sigs_revoked_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sdkappid, user_id)
){{.KeyedTable}};

CREATE TABLE profile_items (
    sdkappid BIGINT NOT NULL,
    user_id  {{.Key}} NOT NULL,
    tag      {{.Key}} NOT NULL,
    value    {{.Bytes}} NOT NULL,
    PRIMARY KEY (sdkappid, user_id, tag),
    FOREIGN KEY (sdkappid, user_id) REFERENCES accounts (sdkappid, user_id) ON DELETE CASCADE
){{.KeyedTable}};
