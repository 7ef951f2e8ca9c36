package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/store"
)

// Conversation rows (migrations/0002_messages.sql) carry max_seq, the
// highest seq applied to the row, besides the port's fields: read
// positions are capped at it, so a message appended later always counts as
// unread, and "read everything" needs no other table.
//
// A deleted conversation keeps its row with the deleted flag: it leaves
// ListConversations but stays readable through GetConversations (its
// ClearedSeq and ReadSeq still apply to the owner), and its next message
// brings it back.

// conversationColumns are the columns scanConversation reads.
const conversationColumns = `owner, peer, last_seq, last_time, read_seq, unread, updated_at, cleared_seq`

func scanConversation(row scanner) (store.Conversation, error) {
	var (
		c                               store.Conversation
		lastSeq, readSeq, cleared, unrd int64
	)
	err := row.Scan(&c.Owner, &c.Peer, &lastSeq, &c.LastTime, &readSeq, &unrd, &c.UpdatedAt, &cleared)
	c.LastSeq, c.ReadSeq, c.ClearedSeq, c.Unread = uint64(lastSeq), uint64(readSeq), uint64(cleared), int(unrd)
	return c, err
}

// ListConversations returns up to limit of the owner's conversations that
// are not deleted, by UpdatedAt descending then Peer ascending, after the
// cursor (beforeUpdated, afterPeer) of the previous page; (0, "") starts at
// the top.
func (s *Store) ListConversations(ctx context.Context, sdkAppID uint64, owner string, beforeUpdated int64, afterPeer string, limit int) ([]store.Conversation, error) {
	op := fmt.Sprintf("list conversations of %q in app %d", owner, sdkAppID)
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: %s: limit must be positive, got %d", op, limit)
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations
		WHERE sdkappid = $1 AND owner = $2 AND NOT deleted`
	args := []any{appKey(sdkAppID), owner, limit}
	if beforeUpdated != 0 || afterPeer != "" {
		q += ` AND (updated_at < $4 OR (updated_at = $4 AND peer > $5))`
		args = append(args, beforeUpdated, afterPeer)
	}
	q += ` ORDER BY updated_at DESC, peer LIMIT $3`
	convs := []store.Conversation{}
	err := s.readMoved(ctx, op, func(db queryer) error {
		rows, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConversation(rows)
			if err != nil {
				return err
			}
			convs = append(convs, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return convs, nil
}

// GetConversations returns the owner's conversations with the given peers
// that have a row, by peer; deleted conversations included (see above).
func (s *Store) GetConversations(ctx context.Context, sdkAppID uint64, owner string, peers []string) (map[string]store.Conversation, error) {
	peers = dedupe(peers)
	found := make(map[string]store.Conversation, len(peers))
	op := fmt.Sprintf("get %d conversations of %q in app %d", len(peers), owner, sdkAppID)
	err := s.readMoved(ctx, op, func(db queryer) error {
		for chunk := range slices.Chunk(peers, maxIDsPerStatement) {
			rows, err := db.QueryContext(ctx,
				`SELECT `+conversationColumns+` FROM conversations
				 WHERE sdkappid = $1 AND owner = $2 AND peer IN (`+placeholders(3, len(chunk))+`)`,
				anys([]any{appKey(sdkAppID), owner}, chunk)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				c, err := scanConversation(rows)
				if err != nil {
					rows.Close()
					return err
				}
				found[c.Peer] = c
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// MarkRead raises ReadSeq to upTo, capped at the conversation's latest seq
// (so later messages count as unread), and recomputes Unread as the
// messages to the owner after it that are Unread and not recalled;
// store.ErrNotFound if the owner has no conversation with peer.
func (s *Store) MarkRead(ctx context.Context, sdkAppID uint64, owner, peer string, upTo uint64) (store.Conversation, error) {
	lo, hi := conversationPair(owner, peer)
	var conv store.Conversation
	op := fmt.Sprintf("mark conversation of %q with %q in app %d read up to %d", owner, peer, sdkAppID, upTo)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		// First lock the row: appends to the conversation wait for it, so
		// the count below (a new snapshot on PostgreSQL) misses no
		// committed message and no later message is lost (those add
		// themselves to the count when they commit).
		res, err := tx.ExecContext(ctx,
			`UPDATE conversations SET read_seq = CASE
			   WHEN $4 <= read_seq THEN read_seq
			   WHEN $4 < max_seq THEN $4
			   WHEN max_seq > read_seq THEN max_seq
			   ELSE read_seq END
			 WHERE sdkappid = $1 AND owner = $2 AND peer = $3`,
			appKey(sdkAppID), owner, peer, int64(min(upTo, 1<<63-1)))
		if err != nil {
			return err
		}
		if err := requireRow(res); err != nil {
			return err
		}
		conv, err = scanConversation(tx.QueryRowContext(ctx,
			`UPDATE conversations SET unread = (
			   SELECT COUNT(*) FROM c2c_messages m
			   WHERE m.sdkappid = $1 AND m.user_lo = $4 AND m.user_hi = $5
			     AND m.seq > conversations.read_seq AND m.to_user = $2
			     AND m.unread AND m.state <> $6)
			 WHERE sdkappid = $1 AND owner = $2 AND peer = $3
			 RETURNING `+conversationColumns,
			appKey(sdkAppID), owner, peer, lo, hi, store.StateRecalled))
		return err
	})
	if err != nil {
		return store.Conversation{}, err
	}
	return conv, nil
}

// MarkAllRead marks every conversation of the owner read up to its latest
// seq (LastSeq, or a later NoLastMsg message) and sets Unread to 0.
func (s *Store) MarkAllRead(ctx context.Context, sdkAppID uint64, owner string) error {
	op := fmt.Sprintf("mark all conversations of %q in app %d read", owner, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		// Rows are locked in key order, as appends lock them.
		_, err := tx.ExecContext(ctx,
			`UPDATE conversations
			 SET read_seq = CASE WHEN max_seq > read_seq THEN max_seq ELSE read_seq END, unread = 0
			 WHERE sdkappid = $1 AND owner = $2 AND peer IN (
			   SELECT peer FROM conversations
			   WHERE sdkappid = $1 AND owner = $2 AND (unread <> 0 OR read_seq < max_seq)
			   ORDER BY peer`+s.dialect.lockRows+`)`,
			appKey(sdkAppID), owner)
		return err
	})
}

// DeleteConversation hides the conversation from the owner's list until its
// next message and marks it read. With clearHistory it also records
// ClearedSeq as the conversation's latest seq (LastSeq, or a later NoLastMsg
// message) and deletes the owner's sync entries up to it; the peer's are
// untouched. Deleting a missing conversation does nothing.
func (s *Store) DeleteConversation(ctx context.Context, sdkAppID uint64, owner, peer string, clearHistory bool) error {
	op := fmt.Sprintf("delete conversation of %q with %q in app %d", owner, peer, sdkAppID)
	clearSet := ""
	if clearHistory {
		clearSet = `, cleared_seq = CASE WHEN max_seq > cleared_seq THEN max_seq ELSE cleared_seq END`
	}
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		var cleared int64
		err := tx.QueryRowContext(ctx,
			`UPDATE conversations
			 SET deleted = TRUE, unread = 0,
			     read_seq = CASE WHEN max_seq > read_seq THEN max_seq ELSE read_seq END`+clearSet+`
			 WHERE sdkappid = $1 AND owner = $2 AND peer = $3
			 RETURNING cleared_seq`,
			appKey(sdkAppID), owner, peer).Scan(&cleared)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !clearHistory) {
			return nil
		}
		if err != nil {
			return err
		}
		lo, hi := conversationPair(owner, peer)
		_, err = tx.ExecContext(ctx,
			`DELETE FROM user_sync WHERE sdkappid = $1 AND user_id = $2 AND sync_seq IN (
			   SELECT CASE WHEN m.to_user = $2 THEN m.to_sync_seq ELSE m.from_sync_seq END
			   FROM c2c_messages m
			   WHERE m.sdkappid = $1 AND m.user_lo = $3 AND m.user_hi = $4 AND m.seq <= $5
			   UNION ALL
			   SELECT CASE WHEN m.to_user = $2 THEN m.to_rev_sync_seq ELSE m.from_rev_sync_seq END
			   FROM c2c_messages m
			   WHERE m.sdkappid = $1 AND m.user_lo = $3 AND m.user_hi = $4 AND m.seq <= $5)`,
			appKey(sdkAppID), owner, lo, hi, cleared)
		return err
	})
}
