package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/store"
)

// Relationship writes (store.Friends). Each runs in one write transaction
// (on SQLite in the writer), which first raises the sequence row of every
// user it involves, in UserID order (lockUsers): on PostgreSQL that row
// lock holds other relationship writes of those users until the commit,
// so the checks each item makes (blacklists, limits, what exists) still
// hold when it writes. Items of one call are applied in order and see the
// earlier items' writes.

// lockUsers raises the relationship sequence of users, locking their rows
// in a fixed order so that two writes cannot deadlock on them. UserIDs that
// are not accounts are passed over: nothing of theirs can be written.
func lockUsers(ctx context.Context, tx *sql.Tx, sdkAppID uint64, users ...string) error {
	ids := dedupe(users)
	slices.Sort(ids)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO sns_sequences (sdkappid, user_id, seq)
			 SELECT sdkappid, user_id, 1 FROM accounts WHERE sdkappid = $1 AND user_id = $2
			 ON CONFLICT (sdkappid, user_id) DO UPDATE SET seq = sns_sequences.seq + 1`,
			appKey(sdkAppID), id); err != nil {
			return err
		}
	}
	return nil
}

// snsSeq reads a user's relationship sequence (0 before any write).
func snsSeq(ctx context.Context, db queryer, sdkAppID uint64, user string) (int64, error) {
	var seq int64
	err := db.QueryRowContext(ctx, `SELECT seq FROM sns_sequences WHERE sdkappid = $1 AND user_id = $2`,
		appKey(sdkAppID), user).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, err
}

// count runs a COUNT(*) query.
func count(ctx context.Context, db queryer, q string, args ...any) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// exists runs a query selecting at most one row and reports whether it did.
func exists(ctx context.Context, db queryer, q string, args ...any) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, q, args...).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, err
}

func hasFriend(ctx context.Context, db queryer, sdkAppID uint64, owner, peer string) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM friends WHERE sdkappid = $1 AND owner = $2 AND friend = $3`,
		appKey(sdkAppID), owner, peer)
}

func blocks(ctx context.Context, db queryer, sdkAppID uint64, owner, peer string) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM blacklist WHERE sdkappid = $1 AND owner = $2 AND blocked = $3`,
		appKey(sdkAppID), owner, peer)
}

func friendCount(ctx context.Context, db queryer, sdkAppID uint64, owner string) (int, error) {
	return count(ctx, db, `SELECT COUNT(*) FROM friends WHERE sdkappid = $1 AND owner = $2`, appKey(sdkAppID), owner)
}

// blockOutcome reports a blacklist between owner and peer in either
// direction, or FriendDone when there is none.
func blockOutcome(ctx context.Context, db queryer, sdkAppID uint64, owner, peer string) (store.FriendOutcome, error) {
	if b, err := blocks(ctx, db, sdkAppID, owner, peer); err != nil || b {
		return store.FriendBlocking, err
	}
	if b, err := blocks(ctx, db, sdkAppID, peer, owner); err != nil || b {
		return store.FriendBlockedBy, err
	}
	return store.FriendDone, nil
}

// encodeCustom is the stored form of custom friend tags: a JSON object
// from tag to raw value.
func encodeCustom(items []store.ProfileItem) ([]byte, error) {
	m := make(map[string]json.RawMessage, len(items))
	for _, it := range items {
		if len(it.Value) > 0 {
			m[it.Tag] = it.Value
		}
	}
	return json.Marshal(m)
}

// decodeCustom reads encodeCustom's form back, ordered by tag.
func decodeCustom(b []byte) ([]store.ProfileItem, error) {
	var m map[string]json.RawMessage
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("custom friend tags: %w", err)
		}
	}
	out := make([]store.ProfileItem, 0, len(m))
	for tag, v := range m {
		out = append(out, store.ProfileItem{Tag: tag, Value: v})
	}
	slices.SortFunc(out, func(a, b store.ProfileItem) int { return strings.Compare(a.Tag, b.Tag) })
	return out, nil
}

// writeFriend inserts owner's entry for f, or overwrites it.
func writeFriend(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner string, f store.Friend) error {
	custom, err := encodeCustom(f.Custom)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO friends (sdkappid, owner, friend, remark, remark_time, add_source, add_wording, add_time, custom)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 ON CONFLICT (sdkappid, owner, friend) DO UPDATE SET remark = excluded.remark,
		   remark_time = excluded.remark_time, add_source = excluded.add_source,
		   add_wording = excluded.add_wording, add_time = excluded.add_time, custom = excluded.custom`,
		appKey(sdkAppID), owner, f.UserID, f.Remark, f.RemarkTime, f.AddSource, f.AddWording, f.AddTime, custom)
	return err
}

// missingLists returns the names of groups that owner has no list of.
func missingLists(ctx context.Context, db queryer, sdkAppID uint64, owner string, groups []string) ([]string, error) {
	var missing []string
	for _, g := range dedupe(groups) {
		ok, err := exists(ctx, db, `SELECT 1 FROM friend_lists WHERE sdkappid = $1 AND owner = $2 AND name = $3`,
			appKey(sdkAppID), owner, g)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, g)
		}
	}
	return missing, nil
}

// listsFit reports whether owner may have the lists of groups, creating
// those missing, within limit.
func listsFit(ctx context.Context, db queryer, sdkAppID uint64, owner string, groups []string, limit int) (bool, error) {
	missing, err := missingLists(ctx, db, sdkAppID, owner, groups)
	if err != nil || len(missing) == 0 {
		return err == nil, err
	}
	n, err := count(ctx, db, `SELECT COUNT(*) FROM friend_lists WHERE sdkappid = $1 AND owner = $2`, appKey(sdkAppID), owner)
	return n+len(missing) <= limit, err
}

// setGroups makes groups (created if missing) the lists owner's friend is
// in; the caller checked listsFit.
func setGroups(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner, friend string, groups []string) error {
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM friend_list_members WHERE sdkappid = $1 AND owner = $2 AND friend = $3`,
		appKey(sdkAppID), owner, friend); err != nil {
		return err
	}
	for _, g := range dedupe(groups) {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO friend_lists (sdkappid, owner, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			appKey(sdkAppID), owner, g); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO friend_list_members (sdkappid, owner, name, friend) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			appKey(sdkAppID), owner, g, friend); err != nil {
			return err
		}
	}
	return nil
}

// deleteRequest removes the pending request from requester to target.
func deleteRequest(ctx context.Context, tx *sql.Tx, sdkAppID uint64, requester, target string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM friend_requests WHERE sdkappid = $1 AND requester = $2 AND target = $3`,
		appKey(sdkAppID), requester, target)
	return err
}

// deleteFriend removes owner's entry for friend (its list memberships go
// with it) and reports whether it existed.
func deleteFriend(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner, friend string) (bool, error) {
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM friend_list_members WHERE sdkappid = $1 AND owner = $2 AND friend = $3`,
		appKey(sdkAppID), owner, friend); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM friends WHERE sdkappid = $1 AND owner = $2 AND friend = $3`,
		appKey(sdkAppID), owner, friend)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// peersOf returns the UserIDs of the items' peers.
func peersOf(adds []store.FriendAdd) []string {
	ids := make([]string, len(adds))
	for i, a := range adds {
		ids[i] = a.Friend.UserID
	}
	return ids
}

// AddFriends applies adds from owner in order in one transaction.
func (s *Store) AddFriends(ctx context.Context, sdkAppID uint64, owner string, adds []store.FriendAdd, limits store.FriendLimits) ([]store.FriendOutcome, error) {
	var out []store.FriendOutcome
	op := fmt.Sprintf("add %d friends of %q in app %d", len(adds), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(adds))
		if err := lockUsers(ctx, tx, sdkAppID, append(peersOf(adds), owner)...); err != nil {
			return err
		}
		for i, a := range adds {
			o, err := addFriend(ctx, tx, sdkAppID, owner, a, limits)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
	return out, err
}

// addFriend applies one item of AddFriends.
func addFriend(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner string, a store.FriendAdd, limits store.FriendLimits) (store.FriendOutcome, error) {
	peer := a.Friend.UserID
	if o, err := blockOutcome(ctx, tx, sdkAppID, owner, peer); err != nil || o != store.FriendDone {
		return o, err
	}
	aHas, err := hasFriend(ctx, tx, sdkAppID, owner, peer)
	if err != nil {
		return 0, err
	}
	switch a.Mode {
	case store.AddRequest:
		return addRequest(ctx, tx, sdkAppID, owner, a.Friend, aHas, limits)
	case store.AddImport:
		return putFriend(ctx, tx, sdkAppID, owner, a.Friend, aHas, limits, store.FriendOwnLimit)
	}
	bHas := true
	if a.Mode == store.AddBothWays {
		if bHas, err = hasFriend(ctx, tx, sdkAppID, peer, owner); err != nil {
			return 0, err
		}
	}
	if aHas && bHas {
		return store.FriendExists, nil
	}
	if !bHas {
		n, err := friendCount(ctx, tx, sdkAppID, peer)
		if err != nil || n >= limits.Friends {
			return store.FriendPeerLimit, err
		}
	}
	if !aHas {
		if o, err := putFriend(ctx, tx, sdkAppID, owner, a.Friend, false, limits, store.FriendOwnLimit); err != nil || o != store.FriendDone {
			return o, err
		}
	}
	if !bHas {
		rev := a.Reverse
		rev.UserID, rev.Groups = owner, nil
		if err := writeFriend(ctx, tx, sdkAppID, peer, rev); err != nil {
			return 0, err
		}
		if err := deleteRequest(ctx, tx, sdkAppID, peer, owner); err != nil {
			return 0, err
		}
	}
	return store.FriendDone, nil
}

// putFriend writes owner's entry f (overwriting it when had), with its
// lists, within the limits; full is the outcome when owner's list is full.
func putFriend(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner string, f store.Friend, had bool, limits store.FriendLimits, full store.FriendOutcome) (store.FriendOutcome, error) {
	if !had {
		n, err := friendCount(ctx, tx, sdkAppID, owner)
		if err != nil || n >= limits.Friends {
			return full, err
		}
	}
	if fit, err := listsFit(ctx, tx, sdkAppID, owner, f.Groups, limits.Lists); err != nil || !fit {
		return store.FriendListLimit, err
	}
	if err := writeFriend(ctx, tx, sdkAppID, owner, f); err != nil {
		return 0, err
	}
	if err := setGroups(ctx, tx, sdkAppID, owner, f.UserID, f.Groups); err != nil {
		return 0, err
	}
	return store.FriendDone, deleteRequest(ctx, tx, sdkAppID, owner, f.UserID)
}

// addRequest records (or refreshes) the request from owner to f.UserID.
func addRequest(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner string, f store.Friend, already bool, limits store.FriendLimits) (store.FriendOutcome, error) {
	if already {
		return store.FriendExists, nil
	}
	pending, err := exists(ctx, tx, `SELECT 1 FROM friend_requests WHERE sdkappid = $1 AND requester = $2 AND target = $3`,
		appKey(sdkAppID), owner, f.UserID)
	if err != nil {
		return 0, err
	}
	if !pending {
		n, err := count(ctx, tx, `SELECT COUNT(*) FROM friend_requests WHERE sdkappid = $1 AND target = $2`,
			appKey(sdkAppID), f.UserID)
		if err != nil || n >= limits.Requests {
			return store.FriendRequestLimit, err
		}
	}
	group := ""
	if len(f.Groups) > 0 {
		group = f.Groups[0]
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO friend_requests (sdkappid, requester, target, add_source, add_wording, remark, group_name, created_at, is_read)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)
		 ON CONFLICT (sdkappid, requester, target) DO UPDATE SET add_source = excluded.add_source,
		   add_wording = excluded.add_wording, remark = excluded.remark, group_name = excluded.group_name,
		   created_at = excluded.created_at, is_read = FALSE`,
		appKey(sdkAppID), owner, f.UserID, f.AddSource, f.AddWording, f.Remark, group, f.AddTime)
	return store.FriendRequested, err
}

// UpdateFriends changes entries of owner's list in one transaction.
func (s *Store) UpdateFriends(ctx context.Context, sdkAppID uint64, owner string, updates []store.FriendUpdate, limits store.FriendLimits) ([]store.FriendOutcome, error) {
	var out []store.FriendOutcome
	op := fmt.Sprintf("update %d friends of %q in app %d", len(updates), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(updates))
		if err := lockUsers(ctx, tx, sdkAppID, owner); err != nil {
			return err
		}
		for i, u := range updates {
			o, err := updateFriend(ctx, tx, sdkAppID, owner, u, limits)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return nil
	})
	return out, err
}

// updateFriend applies one FriendUpdate.
func updateFriend(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner string, u store.FriendUpdate, limits store.FriendLimits) (store.FriendOutcome, error) {
	friends, err := readFriends(ctx, tx, sdkAppID, owner, []string{u.UserID})
	if err != nil {
		return 0, err
	}
	if len(friends) == 0 {
		return store.FriendMissing, nil
	}
	f := friends[0]
	if u.Groups != nil {
		if fit, err := listsFit(ctx, tx, sdkAppID, owner, u.Groups, limits.Lists); err != nil || !fit {
			return store.FriendListLimit, err
		}
		if err := setGroups(ctx, tx, sdkAppID, owner, u.UserID, u.Groups); err != nil {
			return 0, err
		}
	}
	if u.Remark != nil {
		f.Remark, f.RemarkTime = *u.Remark, u.RemarkTime
	}
	if u.AddSource != nil {
		f.AddSource = *u.AddSource
	}
	if u.AddWording != nil {
		f.AddWording = *u.AddWording
	}
	if u.AddTime != nil {
		f.AddTime = *u.AddTime
	}
	f.Custom = mergeCustom(f.Custom, u.Custom)
	return store.FriendDone, writeFriend(ctx, tx, sdkAppID, owner, f)
}

// mergeCustom upserts changes into items; an empty value removes a tag.
func mergeCustom(items, changes []store.ProfileItem) []store.ProfileItem {
	for _, c := range changes {
		items = slices.DeleteFunc(items, func(it store.ProfileItem) bool { return it.Tag == c.Tag })
		if len(c.Value) > 0 {
			items = append(items, c)
		}
	}
	return items
}

// DeleteFriends removes peers from owner's list (and owner from theirs
// with both) in one transaction.
func (s *Store) DeleteFriends(ctx context.Context, sdkAppID uint64, owner string, peers []string, both bool) ([]store.FriendOutcome, error) {
	var out []store.FriendOutcome
	op := fmt.Sprintf("delete %d friends of %q in app %d", len(peers), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(peers))
		if err := lockUsers(ctx, tx, sdkAppID, append(slices.Clone(peers), owner)...); err != nil {
			return err
		}
		for i, p := range peers {
			had, err := deleteFriend(ctx, tx, sdkAppID, owner, p)
			if err != nil {
				return err
			}
			if !had {
				out[i] = store.FriendMissing
			}
			if both {
				if _, err := deleteFriend(ctx, tx, sdkAppID, p, owner); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

// DeleteAllFriends empties owner's list (and with both, removes owner
// from every former friend's list).
func (s *Store) DeleteAllFriends(ctx context.Context, sdkAppID uint64, owner string, both bool) error {
	op := fmt.Sprintf("delete all friends of %q in app %d", owner, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		friends, err := readFriends(ctx, tx, sdkAppID, owner, nil)
		if err != nil {
			return err
		}
		peers := make([]string, len(friends))
		for i, f := range friends {
			peers[i] = f.UserID
		}
		if !both {
			peers = nil
		}
		if err := lockUsers(ctx, tx, sdkAppID, append(peers, owner)...); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM friend_list_members WHERE sdkappid = $1 AND owner = $2`,
			`DELETE FROM friends WHERE sdkappid = $1 AND owner = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, appKey(sdkAppID), owner); err != nil {
				return err
			}
		}
		for _, p := range peers {
			if _, err := deleteFriend(ctx, tx, sdkAppID, p, owner); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetFriends returns owner's friends among peers (all when nil) with
// owner's sequence.
func (s *Store) GetFriends(ctx context.Context, sdkAppID uint64, owner string, peers []string) ([]store.Friend, int64, error) {
	var (
		friends []store.Friend
		seq     int64
	)
	op := fmt.Sprintf("get friends of %q in app %d", owner, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		var err error
		if seq, err = snsSeq(ctx, db, sdkAppID, owner); err != nil {
			return err
		}
		friends, err = readFriends(ctx, db, sdkAppID, owner, peers)
		return err
	})
	return friends, seq, err
}

// readFriends reads owner's entries (of peers only, unless nil) with their
// lists in one statement, ordered by add time then UserID.
func readFriends(ctx context.Context, db queryer, sdkAppID uint64, owner string, peers []string) ([]store.Friend, error) {
	var out []store.Friend
	if peers == nil {
		return out, readFriendChunk(ctx, db, sdkAppID, owner, nil, &out)
	}
	for chunk := range slices.Chunk(dedupe(peers), maxIDsPerStatement) {
		if err := readFriendChunk(ctx, db, sdkAppID, owner, chunk, &out); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b store.Friend) int {
		if a.AddTime != b.AddTime {
			return cmpInt64(a.AddTime, b.AddTime)
		}
		return strings.Compare(a.UserID, b.UserID)
	})
	return out, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func readFriendChunk(ctx context.Context, db queryer, sdkAppID uint64, owner string, peers []string, out *[]store.Friend) error {
	filter := ""
	if peers != nil {
		filter = ` AND f.friend IN (` + placeholders(3, len(peers)) + `)`
	}
	rows, err := db.QueryContext(ctx,
		`SELECT f.friend, f.remark, f.remark_time, f.add_source, f.add_wording, f.add_time, f.custom, m.name
		 FROM friends f
		 LEFT JOIN friend_list_members m ON m.sdkappid = f.sdkappid AND m.owner = f.owner AND m.friend = f.friend
		 WHERE f.sdkappid = $1 AND f.owner = $2`+filter+`
		 ORDER BY f.add_time, f.friend, m.name`,
		anys([]any{appKey(sdkAppID), owner}, peers)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			f      store.Friend
			custom []byte
			group  sql.NullString
		)
		if err := rows.Scan(&f.UserID, &f.Remark, &f.RemarkTime, &f.AddSource, &f.AddWording, &f.AddTime, &custom, &group); err != nil {
			return err
		}
		if n := len(*out); n > 0 && (*out)[n-1].UserID == f.UserID {
			(*out)[n-1].Groups = append((*out)[n-1].Groups, group.String)
			continue
		}
		if f.Custom, err = decodeCustom(custom); err != nil {
			return err
		}
		f.Groups = []string{}
		if group.Valid {
			f.Groups = append(f.Groups, group.String)
		}
		*out = append(*out, f)
	}
	return rows.Err()
}

// FriendRelations reads owner's relation with each of peers in one
// statement per chunk.
func (s *Store) FriendRelations(ctx context.Context, sdkAppID uint64, owner string, peers []string) (map[string]store.Relation, error) {
	op := fmt.Sprintf("check %d friends of %q in app %d", len(peers), owner, sdkAppID)
	return s.relations(ctx, op, `SELECT owner, friend FROM friends WHERE sdkappid = $1 AND
		((owner = $2 AND friend IN (%[1]s)) OR (friend = $2 AND owner IN (%[1]s)))`, sdkAppID, owner, peers)
}

// relations answers FriendRelations and BlacklistRelations: q selects
// (owner, peer) pairs of the relation, with owner $2 and the peers as
// %[1]s.
func (s *Store) relations(ctx context.Context, op, q string, sdkAppID uint64, owner string, peers []string) (map[string]store.Relation, error) {
	out := make(map[string]store.Relation, len(peers))
	err := s.readQuery(ctx, op, func(db queryer) error {
		for chunk := range slices.Chunk(dedupe(peers), maxIDsPerStatement) {
			rows, err := db.QueryContext(ctx, fmt.Sprintf(q, placeholders(3, len(chunk))),
				anys([]any{appKey(sdkAppID), owner}, chunk)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var a, b string
				if err := rows.Scan(&a, &b); err != nil {
					rows.Close()
					return err
				}
				if a == owner {
					r := out[b]
					r.AHasB = true
					out[b] = r
				}
				if b == owner {
					r := out[a]
					r.BHasA = true
					out[a] = r
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range peers {
		if _, ok := out[p]; !ok {
			out[p] = store.Relation{}
		}
	}
	return out, nil
}
