-- Sign-in revocations (kicks, and the revocation that deleting an account
-- makes) move off the accounts row into their own table, so that deleting
-- and re-importing an account keeps them: no foreign key to accounts on
-- purpose. revoked_at is a Unix second (UserSigs carry seconds), not
-- milliseconds like the other times. Rows are kept for good: a UserSig's
-- lifetime is chosen by its signer and may be unbounded, so no moment comes
-- when a revoked signature is sure to have expired; there is at most one
-- row per UserID that was ever kicked or deleted.

CREATE TABLE sign_in_revocations (
    sdkappid   BIGINT NOT NULL,
    user_id    {{.Key}} NOT NULL,
    revoked_at BIGINT NOT NULL,
    PRIMARY KEY (sdkappid, user_id)
){{.KeyedTable}};

INSERT INTO sign_in_revocations (sdkappid, user_id, revoked_at)
SELECT sdkappid, user_id, sigs_revoked_at FROM accounts WHERE sigs_revoked_at > 0;

ALTER TABLE accounts DROP COLUMN sigs_revoked_at;
