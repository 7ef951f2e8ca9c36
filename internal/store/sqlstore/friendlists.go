package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/store"
)

// Friend requests, blacklists and named friend lists (store.Friends); the
// locking rule is friends.go's.

// FriendRequests returns the pending requests to user (incoming) or from
// user, newest first.
func (s *Store) FriendRequests(ctx context.Context, sdkAppID uint64, user string, incoming bool) ([]store.FriendRequest, error) {
	col := "requester"
	if incoming {
		col = "target"
	}
	var out []store.FriendRequest
	op := fmt.Sprintf("get friend requests of %q in app %d", user, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		rows, err := db.QueryContext(ctx,
			`SELECT requester, target, add_source, add_wording, remark, group_name, created_at, is_read
			 FROM friend_requests WHERE sdkappid = $1 AND `+col+` = $2
			 ORDER BY created_at DESC, requester, target`, appKey(sdkAppID), user)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r store.FriendRequest
			if err := rows.Scan(&r.From, &r.To, &r.AddSource, &r.AddWording, &r.Remark, &r.Group, &r.CreatedAt, &r.Read); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// MarkFriendRequestsRead marks target's unread requests up to upTo read in
// one transaction. It raises target's sequence like every relationship
// write, which also orders it after a concurrent refresh on PostgreSQL.
func (s *Store) MarkFriendRequestsRead(ctx context.Context, sdkAppID uint64, target string, upTo int64) (int, error) {
	var n int64
	op := fmt.Sprintf("mark the friend requests to %q read in app %d", target, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		if err := lockUsers(ctx, tx, sdkAppID, target); err != nil {
			return err
		}
		q := `UPDATE friend_requests SET is_read = TRUE WHERE sdkappid = $1 AND target = $2 AND NOT is_read`
		args := []any{appKey(sdkAppID), target}
		if upTo > 0 {
			q += ` AND created_at <= $3`
			args = append(args, upTo)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// AnswerFriendRequest settles the request from requester to target in one
// transaction.
func (s *Store) AnswerFriendRequest(ctx context.Context, sdkAppID uint64, target, requester string, accept, addBack bool, reverse store.Friend, limits store.FriendLimits) (store.FriendOutcome, error) {
	var out store.FriendOutcome
	op := fmt.Sprintf("answer the friend request of %q to %q in app %d", requester, target, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		if err := lockUsers(ctx, tx, sdkAppID, target, requester); err != nil {
			return err
		}
		var r store.FriendRequest
		err := tx.QueryRowContext(ctx,
			`SELECT add_source, add_wording, remark, group_name, created_at FROM friend_requests
			 WHERE sdkappid = $1 AND requester = $2 AND target = $3`,
			appKey(sdkAppID), requester, target).Scan(&r.AddSource, &r.AddWording, &r.Remark, &r.Group, &r.CreatedAt)
		if err == sql.ErrNoRows {
			out = store.FriendMissing
			return nil
		}
		if err != nil {
			return err
		}
		if !accept {
			return deleteRequest(ctx, tx, sdkAppID, requester, target)
		}
		out, err = acceptRequest(ctx, tx, sdkAppID, target, requester, r, addBack, reverse, limits)
		return err
	})
	return out, err
}

// acceptRequest makes the friendship a request asked for: requester gets
// target (with the request's fields) and, with addBack, target gets
// requester (with reverse's). Either side already present is kept.
func acceptRequest(ctx context.Context, tx *sql.Tx, sdkAppID uint64, target, requester string, r store.FriendRequest, addBack bool, reverse store.Friend, limits store.FriendLimits) (store.FriendOutcome, error) {
	if o, err := blockOutcome(ctx, tx, sdkAppID, target, requester); err != nil || o != store.FriendDone {
		return o, err
	}
	reqHas, err := hasFriend(ctx, tx, sdkAppID, requester, target)
	if err != nil {
		return 0, err
	}
	tgtHas := !addBack
	if addBack {
		if tgtHas, err = hasFriend(ctx, tx, sdkAppID, target, requester); err != nil {
			return 0, err
		}
		if !tgtHas {
			n, err := friendCount(ctx, tx, sdkAppID, target)
			if err != nil || n >= limits.Friends {
				return store.FriendOwnLimit, err
			}
		}
	}
	if !reqHas {
		f := store.Friend{UserID: target, Remark: r.Remark, AddSource: r.AddSource, AddWording: r.AddWording, AddTime: reverse.AddTime}
		if r.Group != "" {
			f.Groups = []string{r.Group}
			if fit, err := listsFit(ctx, tx, sdkAppID, requester, f.Groups, limits.Lists); err != nil || !fit {
				f.Groups = nil // the requester's lists filled up meanwhile: add without the list
			}
		}
		if o, err := putFriend(ctx, tx, sdkAppID, requester, f, false, limits, store.FriendPeerLimit); err != nil || o != store.FriendDone {
			return o, err
		}
	}
	if !tgtHas {
		reverse.UserID, reverse.Groups = requester, nil
		if err := writeFriend(ctx, tx, sdkAppID, target, reverse); err != nil {
			return 0, err
		}
	}
	if err := deleteRequest(ctx, tx, sdkAppID, requester, target); err != nil {
		return 0, err
	}
	if addBack {
		return store.FriendDone, deleteRequest(ctx, tx, sdkAppID, target, requester)
	}
	return store.FriendDone, nil
}

// AddToBlacklist puts peers in owner's blacklist in one transaction,
// ending friendships and requests between them.
func (s *Store) AddToBlacklist(ctx context.Context, sdkAppID uint64, owner string, peers []string, addedAt int64, limits store.FriendLimits) ([]store.FriendOutcome, error) {
	defer s.blocks.invalidate()
	var out []store.FriendOutcome
	op := fmt.Sprintf("blacklist %d users for %q in app %d", len(peers), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(peers))
		if err := lockUsers(ctx, tx, sdkAppID, append(slices.Clone(peers), owner)...); err != nil {
			return err
		}
		for i, p := range peers {
			o, err := blacklistOne(ctx, tx, sdkAppID, owner, p, addedAt, limits)
			if err != nil {
				return err
			}
			out[i] = o
		}
		return s.notifyAccounts(ctx, tx, sdkAppID, []string{owner}) // other nodes' blacklist caches
	})
	return out, err
}

func blacklistOne(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner, peer string, addedAt int64, limits store.FriendLimits) (store.FriendOutcome, error) {
	if b, err := blocks(ctx, tx, sdkAppID, owner, peer); err != nil || b {
		return store.FriendExists, err
	}
	n, err := count(ctx, tx, `SELECT COUNT(*) FROM blacklist WHERE sdkappid = $1 AND owner = $2`, appKey(sdkAppID), owner)
	if err != nil || n >= limits.Blacklist {
		return store.FriendBlacklistLimit, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO blacklist (sdkappid, owner, blocked, added_at) VALUES ($1, $2, $3, $4)`,
		appKey(sdkAppID), owner, peer, addedAt); err != nil {
		return 0, err
	}
	for _, pair := range [][2]string{{owner, peer}, {peer, owner}} {
		if _, err := deleteFriend(ctx, tx, sdkAppID, pair[0], pair[1]); err != nil {
			return 0, err
		}
		if err := deleteRequest(ctx, tx, sdkAppID, pair[0], pair[1]); err != nil {
			return 0, err
		}
	}
	return store.FriendDone, nil
}

// RemoveFromBlacklist takes peers out of owner's blacklist.
func (s *Store) RemoveFromBlacklist(ctx context.Context, sdkAppID uint64, owner string, peers []string) ([]store.FriendOutcome, error) {
	defer s.blocks.invalidate()
	var out []store.FriendOutcome
	op := fmt.Sprintf("unblacklist %d users for %q in app %d", len(peers), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(peers))
		if err := lockUsers(ctx, tx, sdkAppID, owner); err != nil {
			return err
		}
		for i, p := range peers {
			res, err := tx.ExecContext(ctx, `DELETE FROM blacklist WHERE sdkappid = $1 AND owner = $2 AND blocked = $3`,
				appKey(sdkAppID), owner, p)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				out[i] = store.FriendMissing
			}
		}
		return s.notifyAccounts(ctx, tx, sdkAppID, []string{owner}) // other nodes' blacklist caches
	})
	return out, err
}

// Blacklist returns owner's blacklist with owner's sequence.
func (s *Store) Blacklist(ctx context.Context, sdkAppID uint64, owner string) ([]store.BlacklistEntry, int64, error) {
	var (
		out []store.BlacklistEntry
		seq int64
	)
	op := fmt.Sprintf("get the blacklist of %q in app %d", owner, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		var err error
		if seq, err = snsSeq(ctx, db, sdkAppID, owner); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx,
			`SELECT blocked, added_at FROM blacklist WHERE sdkappid = $1 AND owner = $2 ORDER BY added_at, blocked`,
			appKey(sdkAppID), owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.BlacklistEntry
			if err := rows.Scan(&e.UserID, &e.AddedAt); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, seq, err
}

// BlacklistRelations reads whether owner blocks each peer and each blocks
// owner.
func (s *Store) BlacklistRelations(ctx context.Context, sdkAppID uint64, owner string, peers []string) (map[string]store.Relation, error) {
	if s.blocks.on() && len(peers) == 1 { // the send pipeline's question
		return s.cachedRelation(ctx, sdkAppID, owner, peers[0])
	}
	op := fmt.Sprintf("check %d blacklist entries of %q in app %d", len(peers), owner, sdkAppID)
	return s.relations(ctx, op, `SELECT owner, blocked FROM blacklist WHERE sdkappid = $1 AND
		((owner = $2 AND blocked IN (%[1]s)) OR (blocked = $2 AND owner IN (%[1]s)))`, sdkAppID, owner, peers)
}

// AddFriendLists creates owner's lists and puts members that are owner's
// friends in them, in one transaction.
func (s *Store) AddFriendLists(ctx context.Context, sdkAppID uint64, owner string, names, members []string, limits store.FriendLimits) ([]store.FriendOutcome, int64, error) {
	var (
		out []store.FriendOutcome
		seq int64
	)
	op := fmt.Sprintf("add %d friend lists of %q in app %d", len(names), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(names))
		if err := lockUsers(ctx, tx, sdkAppID, owner); err != nil {
			return err
		}
		missing, err := missingLists(ctx, tx, sdkAppID, owner, names)
		if err != nil {
			return err
		}
		fit, err := listsFit(ctx, tx, sdkAppID, owner, missing, limits.Lists)
		if err != nil {
			return err
		}
		for i, name := range names {
			switch {
			case !fit:
				out[i] = store.FriendListLimit
				continue
			case !slices.Contains(missing, name):
				out[i] = store.FriendExists
			}
			missing = slices.DeleteFunc(missing, func(m string) bool { return m == name })
			if err := addListMembers(ctx, tx, sdkAppID, owner, name, members); err != nil {
				return err
			}
		}
		seq, err = snsSeq(ctx, tx, sdkAppID, owner)
		return err
	})
	return out, seq, err
}

// addListMembers creates owner's list name if missing and puts the
// members that are owner's friends in it.
func addListMembers(ctx context.Context, tx *sql.Tx, sdkAppID uint64, owner, name string, members []string) error {
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO friend_lists (sdkappid, owner, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		appKey(sdkAppID), owner, name); err != nil {
		return err
	}
	for _, m := range dedupe(members) {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO friend_list_members (sdkappid, owner, name, friend)
			 SELECT sdkappid, owner, CAST($3 AS TEXT), friend FROM friends WHERE sdkappid = $1 AND owner = $2 AND friend = $4
			 ON CONFLICT DO NOTHING`,
			appKey(sdkAppID), owner, name, m); err != nil {
			return err
		}
	}
	return nil
}

// DeleteFriendLists deletes owner's lists of names in one transaction.
func (s *Store) DeleteFriendLists(ctx context.Context, sdkAppID uint64, owner string, names []string) ([]store.FriendOutcome, int64, error) {
	var (
		out []store.FriendOutcome
		seq int64
	)
	op := fmt.Sprintf("delete %d friend lists of %q in app %d", len(names), owner, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		out = make([]store.FriendOutcome, len(names))
		if err := lockUsers(ctx, tx, sdkAppID, owner); err != nil {
			return err
		}
		for i, name := range names {
			if _, err := tx.ExecContext(ctx,
				`DELETE FROM friend_list_members WHERE sdkappid = $1 AND owner = $2 AND name = $3`,
				appKey(sdkAppID), owner, name); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM friend_lists WHERE sdkappid = $1 AND owner = $2 AND name = $3`,
				appKey(sdkAppID), owner, name)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				out[i] = store.FriendMissing
			}
		}
		var err error
		seq, err = snsSeq(ctx, tx, sdkAppID, owner)
		return err
	})
	return out, seq, err
}

// FriendLists returns owner's lists with their members, in one statement.
func (s *Store) FriendLists(ctx context.Context, sdkAppID uint64, owner string) ([]store.FriendList, int64, error) {
	var (
		out []store.FriendList
		seq int64
	)
	op := fmt.Sprintf("get friend lists of %q in app %d", owner, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		var err error
		if seq, err = snsSeq(ctx, db, sdkAppID, owner); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx,
			`SELECT l.name, m.friend FROM friend_lists l
			 LEFT JOIN friend_list_members m ON m.sdkappid = l.sdkappid AND m.owner = l.owner AND m.name = l.name
			 WHERE l.sdkappid = $1 AND l.owner = $2 ORDER BY l.name, m.friend`,
			appKey(sdkAppID), owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				name   string
				friend sql.NullString
			)
			if err := rows.Scan(&name, &friend); err != nil {
				return err
			}
			if n := len(out); n == 0 || out[n-1].Name != name {
				out = append(out, store.FriendList{Name: name, Members: []string{}})
			}
			if friend.Valid {
				out[len(out)-1].Members = append(out[len(out)-1].Members, friend.String)
			}
		}
		return rows.Err()
	})
	return out, seq, err
}
