package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/parley-im/parley/internal/store"
)

// ImportAccounts creates every missing account and writes the given profile
// items, overwriting those tags on existing accounts, in one transaction.
// created[i] reports whether accounts[i].UserID did not exist before the
// call, so a UserID repeated in the input reports the same value at every
// position. Entries are applied in order: for a repeated UserID, or a tag
// repeated within one entry, the later item wins and tags only the earlier
// entry names are kept.
func (s *Store) ImportAccounts(ctx context.Context, sdkAppID uint64, accounts []store.NewAccount) ([]bool, error) {
	ids := make([]string, len(accounts))
	var items []profileRow
	for i, a := range accounts {
		ids[i] = a.UserID
		for _, it := range a.Profile {
			items = append(items, profileRow{userID: a.UserID, tag: it.Tag, value: it.Value})
		}
	}
	ids = dedupe(ids)
	// A fixed row order makes concurrent imports lock rows in the same
	// order on PostgreSQL, so they cannot deadlock.
	slices.Sort(ids)
	defer s.forgetAccounts(sdkAppID, ids)
	items = lastWins(items)
	now := millis(s.now())

	var inserted map[string]bool
	op := fmt.Sprintf("import %d accounts into app %d", len(accounts), sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		inserted = make(map[string]bool, len(ids))
		for chunk := range slices.Chunk(ids, maxIDsPerStatement) {
			if err := insertAccounts(ctx, tx, sdkAppID, now, chunk, inserted); err != nil {
				return err
			}
		}
		if err := upsertProfile(ctx, tx, sdkAppID, items); err != nil {
			return err
		}
		return s.notifyAccounts(ctx, tx, sdkAppID, ids)
	})
	if err != nil {
		return nil, err
	}
	created := make([]bool, len(accounts))
	for i, a := range accounts {
		created[i] = inserted[a.UserID]
	}
	return created, nil
}

// insertAccounts inserts the accounts of ids that do not exist and adds
// their IDs to inserted.
func insertAccounts(ctx context.Context, tx *sql.Tx, sdkAppID uint64, now int64, ids []string, inserted map[string]bool) error {
	q := `INSERT INTO accounts (sdkappid, created_at, user_id) VALUES ` +
		valuesRows("$1, $2, ", 3, 1, len(ids)) +
		` ON CONFLICT (sdkappid, user_id) DO NOTHING RETURNING user_id`
	rows, err := tx.QueryContext(ctx, q, anys([]any{appKey(sdkAppID), now}, ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		inserted[id] = true
	}
	return rows.Err()
}

// DeleteAccounts deletes accounts with their profile items in one
// transaction, revoking their sign-ins at revokeAt (when positive) in the
// same transaction. existed[i] reports whether userIDs[i] existed before
// the call.
func (s *Store) DeleteAccounts(ctx context.Context, sdkAppID uint64, userIDs []string, revokeAt int64) ([]bool, error) {
	ids := dedupe(userIDs)
	slices.Sort(ids)
	defer s.forgetAccounts(sdkAppID, ids)
	defer s.blocks.invalidate() // the account's blacklist rows go with it
	var deleted map[string]bool
	op := fmt.Sprintf("delete %d accounts of app %d", len(userIDs), sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		deleted = make(map[string]bool, len(ids))
		for chunk := range slices.Chunk(ids, maxIDsPerStatement) {
			if revokeAt > 0 {
				if _, err := revokeSignIns(ctx, tx, sdkAppID, chunk, revokeAt); err != nil {
					return err
				}
			}
			if err := deleteAccounts(ctx, tx, sdkAppID, chunk, deleted); err != nil {
				return err
			}
		}
		return s.notifyAccounts(ctx, tx, sdkAppID, ids)
	})
	if err != nil {
		return nil, err
	}
	existed := make([]bool, len(userIDs))
	for i, id := range userIDs {
		existed[i] = deleted[id]
	}
	return existed, nil
}

// deleteAccounts deletes what the accounts of ids own, then the accounts,
// adding the IDs of deleted accounts to deleted. Owned rows are deleted
// explicitly; the foreign keys' ON DELETE CASCADE is only a safety net.
// Sign-in revocations are not owned: they outlive the account.
func deleteAccounts(ctx context.Context, tx *sql.Tx, sdkAppID uint64, ids []string, deleted map[string]bool) error {
	in := placeholders(2, len(ids))
	args := anys([]any{appKey(sdkAppID)}, ids)
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM profile_items WHERE sdkappid = $1 AND user_id IN (`+in+`)`, args...); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx,
		`DELETE FROM accounts WHERE sdkappid = $1 AND user_id IN (`+in+`) RETURNING user_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		deleted[id] = true
	}
	return rows.Err()
}

// GetAccounts returns the accounts among userIDs that exist, by UserID.
func (s *Store) GetAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]store.Account, error) {
	ids := dedupe(userIDs)
	found := make(map[string]store.Account, len(ids))
	missing, gen := ids, uint64(0)
	if c := s.accountCache; c != nil {
		gen = c.generation()
		if missing = c.accounts(sdkAppID, ids, found); len(missing) == 0 {
			if err := s.open(); err != nil {
				return nil, err
			}
			return found, nil
		}
	}
	read := make(map[string]store.Account, len(missing))
	op := fmt.Sprintf("get %d accounts of app %d", len(userIDs), sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		for chunk := range slices.Chunk(missing, maxIDsPerStatement) {
			if err := getAccounts(ctx, db, sdkAppID, chunk, read); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c := s.accountCache; c != nil {
		c.fillAccounts(gen, sdkAppID, read)
	}
	maps.Copy(found, read)
	return found, nil
}

// forgetAccounts drops the accounts from the account cache; every write of
// accounts or profile items calls it once its transaction is over.
func (s *Store) forgetAccounts(sdkAppID uint64, ids []string) {
	if s.accountCache != nil {
		s.accountCache.invalidate(sdkAppID, ids)
	}
}

func getAccounts(ctx context.Context, db queryer, sdkAppID uint64, ids []string, found map[string]store.Account) error {
	rows, err := db.QueryContext(ctx,
		`SELECT user_id, created_at FROM accounts
		 WHERE sdkappid = $1 AND user_id IN (`+placeholders(2, len(ids))+`)`,
		anys([]any{appKey(sdkAppID)}, ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a       store.Account
			created int64
		)
		if err := rows.Scan(&a.UserID, &created); err != nil {
			return err
		}
		a.CreatedAt = fromMillis(created)
		found[a.UserID] = a
	}
	return rows.Err()
}

// RevokeSignIns raises the user's sign-in revocation to at (Unix seconds);
// an earlier at leaves it unchanged. store.ErrNotFound, and nothing
// recorded, if the account does not exist.
func (s *Store) RevokeSignIns(ctx context.Context, sdkAppID uint64, userID string, at int64) error {
	defer s.forgetAccounts(sdkAppID, []string{userID})
	op := fmt.Sprintf("revoke sign-ins of %q in app %d", userID, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		// Whether the account exists is read in the statement that writes,
		// so a concurrent delete cannot slip between a check and the write.
		n, err := revokeSignIns(ctx, tx, sdkAppID, []string{userID}, at)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// revokeSignIns raises the sign-in revocation of every existing account
// among ids to at and returns how many accounts it found: the upsert counts
// one row per account, raised or not (the CASE keeps a later revocation).
func revokeSignIns(ctx context.Context, tx *sql.Tx, sdkAppID uint64, ids []string, at int64) (int64, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO sign_in_revocations (sdkappid, user_id, revoked_at)
		 SELECT sdkappid, user_id, CAST($2 AS BIGINT) FROM accounts
		 WHERE sdkappid = $1 AND user_id IN (`+placeholders(3, len(ids))+`)
		 ON CONFLICT (sdkappid, user_id) DO UPDATE SET revoked_at =
		   CASE WHEN sign_in_revocations.revoked_at < excluded.revoked_at
		        THEN excluded.revoked_at ELSE sign_in_revocations.revoked_at END`,
		anys([]any{appKey(sdkAppID), at}, ids)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SignInsRevokedAt returns the user's sign-in revocation (Unix seconds), 0
// if there is none. On SQLite the answer is cached with the account cache
// (UserSig checks read it for every REST call and login).
func (s *Store) SignInsRevokedAt(ctx context.Context, sdkAppID uint64, userID string) (int64, error) {
	c, gen := s.accountCache, uint64(0)
	if c != nil {
		gen = c.generation()
		if at, ok := c.revocation(sdkAppID, userID); ok {
			if err := s.open(); err != nil {
				return 0, err
			}
			return at, nil
		}
	}
	var at int64
	op := fmt.Sprintf("read sign-in revocation of %q in app %d", userID, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		err := db.QueryRowContext(ctx,
			`SELECT revoked_at FROM sign_in_revocations WHERE sdkappid = $1 AND user_id = $2`,
			appKey(sdkAppID), userID).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if c != nil {
		c.fillRevocation(gen, sdkAppID, userID, at)
	}
	return at, nil
}
