package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/store"
)

// Groups (store.Groups). Every membership write first raises the group's
// member_seq (lockGroup): on PostgreSQL that row lock holds other
// membership writes of the group until the commit, so the member count a
// write checks still holds when it commits. On SQLite the writer runs one
// write at a time anyway.

// lockGroup raises the group's member_seq and returns its member bound;
// store.ErrNotFound if the group does not exist.
func lockGroup(ctx context.Context, tx *sql.Tx, sdkAppID uint64, groupID string) (int, error) {
	var limit int
	err := tx.QueryRowContext(ctx,
		`UPDATE im_groups SET member_seq = member_seq + 1 WHERE sdkappid = $1 AND group_id = $2 RETURNING max_members`,
		appKey(sdkAppID), groupID).Scan(&limit)
	if err == sql.ErrNoRows {
		return 0, store.ErrNotFound
	}
	return limit, err
}

// groupExists reports whether the group exists.
func groupExists(ctx context.Context, db queryer, sdkAppID uint64, groupID string) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM im_groups WHERE sdkappid = $1 AND group_id = $2`, appKey(sdkAppID), groupID)
}

// memberCount counts a group's stored members: one range of the primary
// key, so it stays cheap up to the largest stored groups.
func memberCount(ctx context.Context, db queryer, sdkAppID uint64, groupID string) (int, error) {
	return count(ctx, db, `SELECT COUNT(*) FROM group_members WHERE sdkappid = $1 AND group_id = $2`, appKey(sdkAppID), groupID)
}

// idSet returns which of ids a query selecting one ID column finds; q
// takes the app as $1, fixed as $2 (when not empty) and the IDs as %s.
func idSet(ctx context.Context, db queryer, q string, sdkAppID uint64, fixed string, ids []string) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	prefix := []any{appKey(sdkAppID)}
	if fixed != "" {
		prefix = append(prefix, fixed)
	}
	for chunk := range slices.Chunk(ids, maxIDsPerStatement) {
		rows, err := db.QueryContext(ctx, fmt.Sprintf(q, placeholders(len(prefix)+1, len(chunk))), anys(prefix, chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// accountSet returns which of ids are accounts of the app.
func accountSet(ctx context.Context, db queryer, sdkAppID uint64, ids []string) (map[string]bool, error) {
	return idSet(ctx, db, `SELECT user_id FROM accounts WHERE sdkappid = $1 AND user_id IN (%s)`, sdkAppID, "", ids)
}

// memberSet returns which of ids are members of the group.
func memberSet(ctx context.Context, db queryer, sdkAppID uint64, groupID string, ids []string) (map[string]bool, error) {
	return idSet(ctx, db, `SELECT user_id FROM group_members WHERE sdkappid = $1 AND group_id = $2 AND user_id IN (%s)`, sdkAppID, groupID, ids)
}

// memberIDs returns the UserIDs of members, in order.
func memberIDs(members []store.GroupMember) []string {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	return ids
}

// insertMembers writes new member rows, a statement per chunk.
func insertMembers(ctx context.Context, tx *sql.Tx, sdkAppID uint64, groupID string, members []store.GroupMember) error {
	const width = 7
	for chunk := range slices.Chunk(members, maxIDsPerStatement/width) {
		args := []any{appKey(sdkAppID), groupID}
		for _, m := range chunk {
			custom, err := encodeCustom(m.Custom)
			if err != nil {
				return err
			}
			args = append(args, m.UserID, int(m.Role), m.JoinTime, m.NameCard, int(m.MsgFlag), m.MuteUntil, custom)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO group_members (sdkappid, group_id, user_id, role, join_time, name_card, msg_flag, mute_until, custom)
			 VALUES `+valuesRows("$1, $2, ", 3, width, len(chunk)), args...); err != nil {
			return err
		}
	}
	return nil
}

// CreateGroup stores a group with its initial members.
func (s *Store) CreateGroup(ctx context.Context, sdkAppID uint64, g store.Group, members []store.GroupMember) error {
	op := fmt.Sprintf("create group %q in app %d", g.GroupID, sdkAppID)
	members = firstOfEach(members)
	if g.MaxMembers > 0 && len(members) > g.MaxMembers {
		return s.fail(op, fmt.Errorf("%d members over the bound of %d: %w", len(members), g.MaxMembers, store.ErrConflict))
	}
	custom, err := encodeCustom(g.Custom)
	if err != nil {
		return s.fail(op, err)
	}
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO im_groups (sdkappid, group_id, group_type, name, introduction, notification, face_url, owner,
			   max_members, apply_join, invite_join, mute_all, custom, created_at, member_seq)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)`,
			appKey(sdkAppID), g.GroupID, g.Type, g.Name, g.Introduction, g.Notification, g.FaceURL, g.Owner,
			g.MaxMembers, g.ApplyJoinOption, g.InviteJoinOption, g.MuteAll, custom, g.CreatedAt); err != nil {
			return err
		}
		accounts, err := accountSet(ctx, tx, sdkAppID, memberIDs(members))
		if err != nil {
			return err
		}
		for _, m := range members {
			if !accounts[m.UserID] {
				return fmt.Errorf("member %q is not an account: %w", m.UserID, store.ErrNotFound)
			}
		}
		return insertMembers(ctx, tx, sdkAppID, g.GroupID, members)
	})
}

// firstOfEach keeps the first entry of each UserID.
func firstOfEach(members []store.GroupMember) []store.GroupMember {
	seen := make(map[string]bool, len(members))
	out := make([]store.GroupMember, 0, len(members))
	for _, m := range members {
		if !seen[m.UserID] {
			seen[m.UserID] = true
			out = append(out, m)
		}
	}
	return out
}

// GetGroup reads one group and counts its members.
func (s *Store) GetGroup(ctx context.Context, sdkAppID uint64, groupID string) (store.Group, error) {
	var g store.Group
	op := fmt.Sprintf("get group %q in app %d", groupID, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		var custom []byte
		if err := db.QueryRowContext(ctx,
			`SELECT group_id, group_type, name, introduction, notification, face_url, owner,
			   max_members, apply_join, invite_join, mute_all, custom, created_at
			 FROM im_groups WHERE sdkappid = $1 AND group_id = $2`, appKey(sdkAppID), groupID).
			Scan(&g.GroupID, &g.Type, &g.Name, &g.Introduction, &g.Notification, &g.FaceURL, &g.Owner,
				&g.MaxMembers, &g.ApplyJoinOption, &g.InviteJoinOption, &g.MuteAll, &custom, &g.CreatedAt); err != nil {
			return err
		}
		var err error
		if g.Custom, err = decodeCustom(custom); err != nil {
			return err
		}
		g.MemberCount, err = memberCount(ctx, db, sdkAppID, groupID)
		return err
	})
	return g, err
}

// AddGroupMembers adds members within the group's bound.
func (s *Store) AddGroupMembers(ctx context.Context, sdkAppID uint64, groupID string, members []store.GroupMember) ([]store.MemberOutcome, error) {
	out := make([]store.MemberOutcome, len(members))
	op := fmt.Sprintf("add %d members to group %q in app %d", len(members), groupID, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		limit, err := lockGroup(ctx, tx, sdkAppID, groupID)
		if err != nil {
			return err
		}
		n, err := memberCount(ctx, tx, sdkAppID, groupID)
		if err != nil {
			return err
		}
		ids := dedupe(memberIDs(members))
		accounts, err := accountSet(ctx, tx, sdkAppID, ids)
		if err != nil {
			return err
		}
		present, err := memberSet(ctx, tx, sdkAppID, groupID, ids)
		if err != nil {
			return err
		}
		var added []store.GroupMember
		for i, m := range members {
			switch {
			case present[m.UserID]:
				out[i] = store.MemberExists
			case !accounts[m.UserID]:
				out[i] = store.MemberNoAccount
			case limit > 0 && n >= limit:
				out[i] = store.MemberGroupFull
			default:
				out[i] = store.MemberAdded
				present[m.UserID] = true
				added = append(added, m)
				n++
			}
		}
		return insertMembers(ctx, tx, sdkAppID, groupID, added)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveGroupMembers removes members.
func (s *Store) RemoveGroupMembers(ctx context.Context, sdkAppID uint64, groupID string, userIDs []string) ([]bool, error) {
	removed := make([]bool, len(userIDs))
	op := fmt.Sprintf("remove %d members from group %q in app %d", len(userIDs), groupID, sdkAppID)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := lockGroup(ctx, tx, sdkAppID, groupID); err != nil {
			return err
		}
		gone := make(map[string]bool, len(userIDs))
		for chunk := range slices.Chunk(dedupe(userIDs), maxIDsPerStatement) {
			rows, err := tx.QueryContext(ctx,
				`DELETE FROM group_members WHERE sdkappid = $1 AND group_id = $2 AND user_id IN (`+placeholders(3, len(chunk))+`) RETURNING user_id`,
				anys([]any{appKey(sdkAppID), groupID}, chunk)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				gone[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for i, id := range userIDs {
			removed[i] = gone[id]
			delete(gone, id) // a repeated UserID was removed once
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// GroupMembers reads a page of a group's members in UserID order.
func (s *Store) GroupMembers(ctx context.Context, sdkAppID uint64, groupID, after string, limit int) ([]store.GroupMember, error) {
	out := []store.GroupMember{}
	op := fmt.Sprintf("list members of group %q in app %d", groupID, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		ok, err := groupExists(ctx, db, sdkAppID, groupID)
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		rows, err := db.QueryContext(ctx,
			`SELECT user_id, role, join_time, name_card, msg_flag, mute_until, custom FROM group_members
			 WHERE sdkappid = $1 AND group_id = $2 AND user_id > $3 ORDER BY user_id LIMIT $4`,
			appKey(sdkAppID), groupID, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanMember reads the member columns of GroupMembers and UserGroups, in
// that order, from a row that may carry more columns after them.
func scanMember(rows *sql.Rows, more ...any) (store.GroupMember, error) {
	var (
		m             store.GroupMember
		role, msgFlag int
		custom        []byte
	)
	dest := append([]any{&m.UserID, &role, &m.JoinTime, &m.NameCard, &msgFlag, &m.MuteUntil, &custom}, more...)
	if err := rows.Scan(dest...); err != nil {
		return m, err
	}
	m.Role, m.MsgFlag = store.GroupRole(role), uint8(msgFlag)
	var err error
	m.Custom, err = decodeCustom(custom)
	return m, err
}

// UserGroups reads a page of a user's groups in GroupID order, through
// members_by_user.
func (s *Store) UserGroups(ctx context.Context, sdkAppID uint64, userID, after string, limit int) ([]store.Membership, error) {
	out := []store.Membership{}
	op := fmt.Sprintf("list groups of %q in app %d", userID, sdkAppID)
	err := s.readQuery(ctx, op, func(db queryer) error {
		rows, err := db.QueryContext(ctx,
			`SELECT m.user_id, m.role, m.join_time, m.name_card, m.msg_flag, m.mute_until, m.custom, m.group_id, g.group_type
			 FROM group_members m JOIN im_groups g ON g.sdkappid = m.sdkappid AND g.group_id = m.group_id
			 WHERE m.sdkappid = $1 AND m.user_id = $2 AND m.group_id > $3 ORDER BY m.group_id LIMIT $4`,
			appKey(sdkAppID), userID, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ms store.Membership
			if ms.Member, err = scanMember(rows, &ms.GroupID, &ms.GroupType); err != nil {
				return err
			}
			out = append(out, ms)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DestroyGroup deletes a group and its members.
func (s *Store) DestroyGroup(ctx context.Context, sdkAppID uint64, groupID string) error {
	op := fmt.Sprintf("destroy group %q in app %d", groupID, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		if _, err := lockGroup(ctx, tx, sdkAppID, groupID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE sdkappid = $1 AND group_id = $2`,
			appKey(sdkAppID), groupID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM im_groups WHERE sdkappid = $1 AND group_id = $2`,
			appKey(sdkAppID), groupID)
		return err
	})
}
