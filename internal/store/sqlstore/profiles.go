package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/store"
)

// profileRow is one profile item of one account.
type profileRow struct {
	userID, tag string
	value       []byte
}

// lastWins keeps, for every (userID, tag), the last row of rows, and sorts
// the result by (userID, tag): one statement may not upsert a key twice, and
// a fixed order keeps concurrent writers from deadlocking on PostgreSQL.
func lastWins(rows []profileRow) []profileRow {
	type key struct{ userID, tag string }
	last := make(map[key]int, len(rows))
	for i, r := range rows {
		last[key{r.userID, r.tag}] = i
	}
	out := make([]profileRow, 0, len(last))
	for i, r := range rows {
		if last[key{r.userID, r.tag}] == i {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b profileRow) int {
		return cmp.Or(strings.Compare(a.userID, b.userID), strings.Compare(a.tag, b.tag))
	})
	return out
}

// profileRowsPerStatement keeps one upsert's parameters (3 per row) within
// maxIDsPerStatement-ish bounds.
const profileRowsPerStatement = maxIDsPerStatement / 3

// upsertProfile writes rows, which must not repeat a (userID, tag).
func upsertProfile(ctx context.Context, tx *sql.Tx, sdkAppID uint64, rows []profileRow) error {
	for chunk := range slices.Chunk(rows, profileRowsPerStatement) {
		args := make([]any, 0, 1+3*len(chunk))
		args = append(args, appKey(sdkAppID))
		for _, r := range chunk {
			args = append(args, r.userID, r.tag, orEmpty(r.value))
		}
		q := `INSERT INTO profile_items (sdkappid, user_id, tag, value) VALUES ` +
			valuesRows("$1, ", 2, 3, len(chunk)) +
			` ON CONFLICT (sdkappid, user_id, tag) DO UPDATE SET value = excluded.value`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// SetProfile upserts the items atomically; store.ErrNotFound if the account
// does not exist. A tag repeated in items takes its last value.
func (s *Store) SetProfile(ctx context.Context, sdkAppID uint64, userID string, items []store.ProfileItem) error {
	rows := make([]profileRow, len(items))
	for i, it := range items {
		rows[i] = profileRow{userID: userID, tag: it.Tag, value: it.Value}
	}
	rows = lastWins(rows)
	defer s.forgetAccounts(sdkAppID, []string{userID})
	op := fmt.Sprintf("set profile of %q in app %d", userID, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx,
			`SELECT 1 FROM accounts WHERE sdkappid = $1 AND user_id = $2`,
			appKey(sdkAppID), userID).Scan(&one)
		if err != nil {
			return err // sql.ErrNoRows becomes store.ErrNotFound
		}
		if err := upsertProfile(ctx, tx, sdkAppID, rows); err != nil {
			return err
		}
		return s.notifyAccounts(ctx, tx, sdkAppID, []string{userID})
	})
}

// maxTagFilter is the longest tag list filtered in SQL; longer lists are
// applied after reading every tag.
const maxTagFilter = 100

// GetProfiles returns, for every existing account among userIDs, its items
// whose tag is in tags (all tags when tags is empty), ordered by tag
// bytewise. Missing accounts are absent; existing accounts without matching
// items map to an empty, non-nil slice.
func (s *Store) GetProfiles(ctx context.Context, sdkAppID uint64, userIDs []string, tags []string) (map[string][]store.ProfileItem, error) {
	if s.accountCache != nil {
		return s.cachedProfiles(ctx, sdkAppID, userIDs, tags)
	}
	ids := dedupe(userIDs)
	tags = dedupe(tags)
	var goFilter map[string]bool
	if len(tags) > maxTagFilter {
		goFilter, tags = tagSet(tags), nil
	}
	out := make(map[string][]store.ProfileItem, len(ids))
	op := fmt.Sprintf("get profiles of %d accounts in app %d", len(userIDs), sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		for chunk := range slices.Chunk(ids, maxIDsPerStatement-maxTagFilter) {
			if err := getProfiles(ctx, db, sdkAppID, chunk, tags, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if goFilter != nil {
		for id, items := range out {
			out[id] = slices.DeleteFunc(items, func(it store.ProfileItem) bool { return !goFilter[it.Tag] })
		}
	}
	return out, nil
}

// cachedProfiles is GetProfiles through the account cache: profiles not
// cached are read whole (every tag), cached if their accounts are, and
// filtered by tags.
func (s *Store) cachedProfiles(ctx context.Context, sdkAppID uint64, userIDs []string, tags []string) (map[string][]store.ProfileItem, error) {
	ids := dedupe(userIDs)
	want := tagSet(tags)
	c := s.accountCache
	gen := c.generation()
	out := make(map[string][]store.ProfileItem, len(ids))
	missing := c.profiles(sdkAppID, ids, want, out)
	if len(missing) == 0 {
		if err := s.open(); err != nil {
			return nil, err
		}
		return out, nil
	}
	read := make(map[string][]store.ProfileItem, len(missing))
	op := fmt.Sprintf("get profiles of %d accounts in app %d", len(userIDs), sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		for chunk := range slices.Chunk(missing, maxIDsPerStatement) {
			if err := getProfiles(ctx, db, sdkAppID, chunk, nil, read); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.beforeFill != nil {
		s.beforeFill()
	}
	c.fillProfiles(gen, sdkAppID, read)
	for id, items := range read {
		out[id] = filterItems(items, want)
	}
	return out, nil
}

// tagSet returns tags as a set, or nil (every tag) when tags is empty.
func tagSet(tags []string) map[string]bool {
	if len(tags) == 0 {
		return nil
	}
	set := make(map[string]bool, len(tags))
	for _, t := range tags {
		set[t] = true
	}
	return set
}

// getProfiles reads the accounts of ids with their items (filtered by tags
// unless empty) in one statement, so each account and its items come from
// one snapshot.
func getProfiles(ctx context.Context, db queryer, sdkAppID uint64, ids, tags []string, out map[string][]store.ProfileItem) error {
	tagFilter := ""
	if len(tags) > 0 {
		tagFilter = ` AND p.tag IN (` + placeholders(2+len(ids), len(tags)) + `)`
	}
	q := `SELECT a.user_id, p.tag, p.value
		FROM accounts a
		LEFT JOIN profile_items p
		  ON p.sdkappid = a.sdkappid AND p.user_id = a.user_id` + tagFilter + `
		WHERE a.sdkappid = $1 AND a.user_id IN (` + placeholders(2, len(ids)) + `)
		ORDER BY a.user_id, p.tag`
	rows, err := db.QueryContext(ctx, q, anys(anys([]any{appKey(sdkAppID)}, ids), tags)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			userID string
			tag    sql.NullString
			value  []byte
		)
		if err := rows.Scan(&userID, &tag, &value); err != nil {
			return err
		}
		items, ok := out[userID]
		if !ok {
			items = []store.ProfileItem{}
		}
		if tag.Valid {
			items = append(items, store.ProfileItem{Tag: tag.String, Value: orEmpty(value)})
		}
		out[userID] = items
	}
	return rows.Err()
}
