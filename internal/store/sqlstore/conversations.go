package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Conversation rows (migrations/0002_messages.sql, keyed by (owner, kind,
// conv_id) since 0007_conversation_kind.sql) carry max_seq, the
// highest seq applied to the row, besides the port's fields: read
// positions are capped at it, so a message appended later always counts as
// unread, and "read everything" needs no other table.
//
// A deleted conversation keeps its row with the deleted flag: it leaves
// ListConversations but stays readable through GetConversations (its
// ClearedSeq and ReadSeq still apply to the owner), and its next message
// brings it back.

// conversationColumns are the columns scanConversation reads.
const conversationColumns = `owner, kind, conv_id, last_seq, last_time, read_seq, unread, updated_at, cleared_seq`

func scanConversation(row scanner) (store.Conversation, error) {
	var (
		c                               store.Conversation
		kind                            int
		lastSeq, readSeq, cleared, unrd int64
	)
	err := row.Scan(&c.Owner, &kind, &c.Conv.ID, &lastSeq, &c.LastTime, &readSeq, &unrd, &c.UpdatedAt, &cleared)
	c.Conv.Kind = im.ConvKind(kind)
	c.LastSeq, c.ReadSeq, c.ClearedSeq, c.Unread = uint64(lastSeq), uint64(readSeq), uint64(cleared), int(unrd)
	return c, err
}

// ListConversations returns up to limit of the owner's conversations that
// are not deleted, by UpdatedAt descending then (kind, id) ascending,
// after the cursor (beforeUpdated, after) of the previous page; (0, zero
// ConvID) starts at the top.
func (s *Store) ListConversations(ctx context.Context, sdkAppID uint64, owner string, beforeUpdated int64, after im.ConvID, limit int) ([]store.Conversation, error) {
	op := fmt.Sprintf("list conversations of %q in app %d", owner, sdkAppID)
	if limit <= 0 {
		return nil, fmt.Errorf("sqlstore: %s: limit must be positive, got %d", op, limit)
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations
		WHERE sdkappid = $1 AND owner = $2 AND NOT deleted`
	args := []any{appKey(sdkAppID), owner, limit}
	if beforeUpdated != 0 || after != (im.ConvID{}) {
		q += ` AND (updated_at < $4 OR (updated_at = $4 AND (kind > $5 OR (kind = $5 AND conv_id > $6))))`
		args = append(args, beforeUpdated, int(after.Kind), after.ID)
	}
	q += ` ORDER BY updated_at DESC, kind, conv_id LIMIT $3`
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

// GetConversations returns the owner's conversations among convs that
// have a row, by Conv; deleted conversations included (see above). It
// asks for the IDs of one kind at a time.
func (s *Store) GetConversations(ctx context.Context, sdkAppID uint64, owner string, convs []im.ConvID) (map[im.ConvID]store.Conversation, error) {
	byKind := make(map[im.ConvKind][]string)
	for _, c := range convs {
		byKind[c.Kind] = append(byKind[c.Kind], c.ID)
	}
	found := make(map[im.ConvID]store.Conversation, len(convs))
	op := fmt.Sprintf("get %d conversations of %q in app %d", len(convs), owner, sdkAppID)
	err := s.readMoved(ctx, op, func(db queryer) error {
		for kind, ids := range byKind {
			for chunk := range slices.Chunk(dedupe(ids), maxIDsPerStatement) {
				if err := getConversations(ctx, db, found, anys([]any{appKey(sdkAppID), owner, int(kind)}, chunk)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// getConversations adds to found the rows of args: app, owner, kind, IDs.
func getConversations(ctx context.Context, db queryer, found map[im.ConvID]store.Conversation, args []any) error {
	rows, err := db.QueryContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations
		 WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id IN (`+placeholders(4, len(args)-3)+`)`,
		args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return err
		}
		found[c.Conv] = c
	}
	return rows.Err()
}

// UpdateConversations applies the updates in one write transaction,
// repeated rows merged in input order (one multi-row upsert may not touch
// a row twice) and rows written in key order, as appends write them.
func (s *Store) UpdateConversations(ctx context.Context, sdkAppID uint64, updates []store.ConversationUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	op := fmt.Sprintf("update %d conversations in app %d", len(updates), sdkAppID)
	byKey := make(map[convRowKey]*convUpdate, len(updates))
	for _, u := range updates {
		if u.Unread < 0 {
			return fmt.Errorf("sqlstore: %s: negative Unread %d for %q's %v", op, u.Unread, u.Owner, u.Conv)
		}
		c := &convUpdate{app: appKey(sdkAppID), owner: u.Owner, conv: u.Conv}
		if prev := byKey[c.key()]; prev != nil {
			c = prev
		} else {
			byKey[c.key()] = c
		}
		c.maxSeq = max(c.maxSeq, u.MaxSeq, u.LastSeq)
		c.newest = max(c.newest, u.Newest, u.LastTime)
		if u.LastSeq > 0 {
			c.lastSeq, c.lastTime = u.LastSeq, u.LastTime
		}
		c.unread += int64(u.Unread)
	}
	rows := slices.Collect(maps.Values(byKey))
	slices.SortFunc(rows, compareConvRows)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		return writeConversationUpdates(s.newBatchTx(ctx, tx), rows)
	})
}

// MarkRead raises ReadSeq to upTo, capped at the conversation's latest seq
// (so later messages count as unread), and recomputes Unread: for a C2C
// conversation as the messages to the owner after it that are Unread and
// not recalled; for other kinds, whose messages are not counted here yet,
// as at most the seqs after it. store.ErrNotFound if the owner has no such
// conversation.
func (s *Store) MarkRead(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID, upTo uint64) (store.Conversation, error) {
	var c store.Conversation
	op := fmt.Sprintf("mark conversation %v of %q in app %d read up to %d", conv, owner, sdkAppID, upTo)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		// First lock the row: appends to the conversation wait for it, so
		// the count below (a new snapshot on PostgreSQL) misses no
		// committed message and no later message is lost (those add
		// themselves to the count when they commit).
		res, err := tx.ExecContext(ctx,
			`UPDATE conversations SET read_seq = CASE
			   WHEN $5 <= read_seq THEN read_seq
			   WHEN $5 < max_seq THEN $5
			   WHEN max_seq > read_seq THEN max_seq
			   ELSE read_seq END
			 WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id = $4`,
			appKey(sdkAppID), owner, int(conv.Kind), conv.ID, int64(min(upTo, 1<<63-1)))
		if err != nil {
			return err
		}
		if err := requireRow(res); err != nil {
			return err
		}
		c, err = scanConversation(recountUnread(ctx, tx, appKey(sdkAppID), owner, conv))
		return err
	})
	if err != nil {
		return store.Conversation{}, err
	}
	return c, nil
}

// recountUnread sets the conversation's unread count after its read_seq
// and returns the row.
func recountUnread(ctx context.Context, tx *sql.Tx, app int64, owner string, conv im.ConvID) *sql.Row {
	if conv.Kind != im.ConvC2C {
		return tx.QueryRowContext(ctx,
			`UPDATE conversations
			 SET unread = CASE WHEN max_seq - read_seq < unread THEN max_seq - read_seq ELSE unread END
			 WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id = $4
			 RETURNING `+conversationColumns,
			app, owner, int(conv.Kind), conv.ID)
	}
	lo, hi := conversationPair(owner, conv.ID)
	return tx.QueryRowContext(ctx,
		`UPDATE conversations SET unread = (
		   SELECT COUNT(*) FROM c2c_messages m
		   WHERE m.sdkappid = $1 AND m.user_lo = $5 AND m.user_hi = $6
		     AND m.seq > conversations.read_seq AND m.to_user = $2
		     AND m.unread AND m.state <> $7)
		 WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id = $4
		 RETURNING `+conversationColumns,
		app, owner, int(conv.Kind), conv.ID, lo, hi, store.StateRecalled)
}

// MarkAllRead marks every conversation of the owner, of every kind, read
// up to its latest seq (LastSeq, or a later NoLastMsg message) and sets
// Unread to 0.
func (s *Store) MarkAllRead(ctx context.Context, sdkAppID uint64, owner string) error {
	op := fmt.Sprintf("mark all conversations of %q in app %d read", owner, sdkAppID)
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		// Rows are locked in key order, as appends lock them.
		_, err := tx.ExecContext(ctx,
			`UPDATE conversations
			 SET read_seq = CASE WHEN max_seq > read_seq THEN max_seq ELSE read_seq END, unread = 0
			 WHERE sdkappid = $1 AND owner = $2 AND (kind, conv_id) IN (
			   SELECT kind, conv_id FROM conversations
			   WHERE sdkappid = $1 AND owner = $2 AND (unread <> 0 OR read_seq < max_seq)
			   ORDER BY kind, conv_id`+s.dialect.lockRows+`)`,
			appKey(sdkAppID), owner)
		return err
	})
}

// DeleteConversation hides the conversation from the owner's list until its
// next message and marks it read. With clearHistory it also records
// ClearedSeq as the conversation's latest seq (LastSeq, or a later NoLastMsg
// message) and, for a C2C conversation, deletes the owner's sync entries up
// to it; the peer's are untouched. Deleting a missing conversation does
// nothing.
func (s *Store) DeleteConversation(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID, clearHistory bool) error {
	op := fmt.Sprintf("delete conversation %v of %q in app %d", conv, owner, sdkAppID)
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
			 WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id = $4
			 RETURNING cleared_seq`,
			appKey(sdkAppID), owner, int(conv.Kind), conv.ID).Scan(&cleared)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (!clearHistory || conv.Kind != im.ConvC2C)) {
			return nil
		}
		if err != nil {
			return err
		}
		lo, hi := conversationPair(owner, conv.ID)
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
