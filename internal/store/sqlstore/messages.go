package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// syncJoin joins sync entries s to their messages m: the conversation of
// (s.user_id, s.peer) is the ordered pair of the two.
const syncJoin = `JOIN c2c_messages m
	  ON m.sdkappid = s.sdkappid
	 AND m.user_lo = CASE WHEN s.user_id < s.peer THEN s.user_id ELSE s.peer END
	 AND m.user_hi = CASE WHEN s.user_id < s.peer THEN s.peer ELSE s.user_id END
	 AND m.seq = s.seq`

// syncOrigin is the position of the message's own entry (not a revision)
// in the stream of s.user_id.
const syncOrigin = `CASE WHEN m.to_user = s.user_id THEN m.to_sync_seq ELSE m.from_sync_seq END`

const (
	// readSyncQuery: $1 app, $2 user, $3 after, $4 limit. A revision entry
	// is left out when the message's own entry is after $3 too: that entry
	// already shows the message's current state.
	readSyncQuery = `SELECT s.sync_seq, s.peer, s.revision, ` + messageColumns + `
		FROM user_sync s ` + syncJoin + `
		WHERE s.sdkappid = $1 AND s.user_id = $2 AND s.sync_seq > $3
		  AND (NOT s.revision OR ` + syncOrigin + ` <= $3)
		ORDER BY s.sync_seq LIMIT $4`
	// readSyncPerPeerQuery also keeps the latest $5 message entries per
	// peer among all entries after $3; revision entries do not count
	// against that cap.
	readSyncPerPeerQuery = `WITH s AS (
		  SELECT sdkappid, user_id, sync_seq, peer, seq, revision,
		         ROW_NUMBER() OVER (PARTITION BY peer, revision ORDER BY sync_seq DESC) AS rn
		  FROM user_sync
		  WHERE sdkappid = $1 AND user_id = $2 AND sync_seq > $3)
		SELECT s.sync_seq, s.peer, s.revision, ` + messageColumns + `
		FROM s ` + syncJoin + `
		WHERE (s.revision OR s.rn <= $5)
		  AND (NOT s.revision OR ` + syncOrigin + ` <= $3)
		ORDER BY s.sync_seq LIMIT $4`
)

// ReadSync returns up to q.Limit entries of the user's sync stream after
// q.After, ascending; with q.PerPeer only the latest q.PerPeer message
// entries of each peer among all entries after q.After, plus revision
// entries. A revision entry (SyncEntry.Revision) is returned only when
// the message's own entry is at or before q.After (the reader passed it
// before the change); otherwise that own entry carries the new state. So
// paging with After set to the last SyncSeq returned yields the entries of
// one large page, plus revisions of messages an earlier page returned.
func (s *Store) ReadSync(ctx context.Context, sdkAppID uint64, userID string, q store.SyncQuery) ([]store.SyncEntry, error) {
	op := fmt.Sprintf("read sync stream of %q in app %d after %d", userID, sdkAppID, q.After)
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlstore: %s: Limit must be positive, got %d", op, q.Limit)
	}
	query, args := readSyncQuery, []any{appKey(sdkAppID), userID, int64(q.After), q.Limit}
	if q.PerPeer > 0 {
		query, args = readSyncPerPeerQuery, append(args, q.PerPeer)
	}
	entries := []store.SyncEntry{}
	err := s.readMoved(ctx, op, func(db queryer) error {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				e       store.SyncEntry
				syncSeq int64
				peer    string
			)
			if e.Msg, err = scanMessage(rows, &syncSeq, &peer, &e.Revision); err != nil {
				return err
			}
			e.SyncSeq, e.Conv = uint64(syncSeq), im.C2C(peer)
			entries = append(entries, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// SyncHead returns the user's latest sync seq (0 when none). Entries
// deleted since (retention, cleared history) do not lower it.
func (s *Store) SyncHead(ctx context.Context, sdkAppID uint64, userID string) (uint64, error) {
	var head int64
	err := s.readMoved(ctx, fmt.Sprintf("get sync head of %q in app %d", userID, sdkAppID), func(db queryer) error {
		err := db.QueryRowContext(ctx,
			`SELECT value FROM seq_counters WHERE sdkappid = $1 AND kind = $2 AND key = $3`,
			appKey(sdkAppID), counterSync, userID).Scan(&head)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return uint64(head), err
}

// C2CHistory returns up to q.Limit messages of the conversation {a, b}
// matching q, newest (highest Seq, or with q.ByTime latest HistoryPos)
// first. The time order sorts the conversation's matching rows, as no
// index covers it; only admin_getroammsg asks for it.
func (s *Store) C2CHistory(ctx context.Context, sdkAppID uint64, a, b string, q store.HistoryQuery) ([]store.C2CMessage, error) {
	op := fmt.Sprintf("read history of %q and %q in app %d", a, b, sdkAppID)
	if q.Limit <= 0 {
		return nil, fmt.Errorf("sqlstore: %s: Limit must be positive, got %d", op, q.Limit)
	}
	lo, hi := conversationPair(a, b)
	conds := []string{"m.sdkappid = $1", "m.user_lo = $2", "m.user_hi = $3"}
	args := []any{appKey(sdkAppID), lo, hi}
	add := func(cond string, arg int64) {
		args = append(args, arg)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	if q.BeforeSeq > 0 {
		add("m.seq <", int64(q.BeforeSeq))
	}
	if q.AfterSeq > 0 {
		add("m.seq >", int64(q.AfterSeq))
	}
	// The unary + keeps SQLite from using the retention index on sent_at
	// instead of the primary key.
	if q.MinTime != 0 {
		add("+m.sent_at >=", q.MinTime)
	}
	if q.MaxTime != 0 {
		add("+m.sent_at <=", q.MaxTime)
	}
	order := `m.seq DESC`
	if q.ByTime {
		// Whole seconds, as the REST API shows MsgTimeStamp; the row
		// value compares lexicographically on both dialects.
		order = `m.sent_at / 1000 DESC, m.client_seq DESC, m.seq DESC`
		if b := q.Before; b.Seq > 0 {
			args = append(args, b.Second, int64(b.ClientSeq), int64(b.Seq))
			n := len(args)
			conds = append(conds, fmt.Sprintf("(m.sent_at / 1000, m.client_seq, m.seq) < ($%d, $%d, $%d)", n-2, n-1, n))
		}
	}
	args = append(args, q.Limit)
	query := `SELECT ` + messageColumns + ` FROM c2c_messages m WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY ` + order + ` LIMIT $` + strconv.Itoa(len(args))
	msgs := []store.C2CMessage{}
	err := s.readMoved(ctx, op, func(db queryer) error {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// GetC2C returns one message of the conversation {a, b}; store.ErrNotFound
// if there is none with that seq.
func (s *Store) GetC2C(ctx context.Context, sdkAppID uint64, a, b string, seq uint64) (store.C2CMessage, error) {
	lo, hi := conversationPair(a, b)
	var msg store.C2CMessage
	op := fmt.Sprintf("get message %d of %q and %q in app %d", seq, a, b, sdkAppID)
	err := s.readMoved(ctx, op, func(db queryer) error {
		var err error
		msg, err = scanMessage(db.QueryRowContext(ctx,
			`SELECT `+messageColumns+` FROM c2c_messages m
			 WHERE m.sdkappid = $1 AND m.user_lo = $2 AND m.user_hi = $3 AND m.seq = $4`,
			appKey(sdkAppID), lo, hi, int64(seq)))
		return err
	})
	return msg, err
}

// UpdateC2C replaces the Doc and State of a stored message if its Rev is
// still u.Rev; store.ErrNotFound if it does not exist, store.ErrConflict
// if another update changed it since the caller read it. Recalling an
// unread message the recipient has not read yet also takes it out of the
// recipient's unread count, as MarkRead would. In the same transaction it
// appends a revision entry for the message to the recipient's stream and,
// with SenderSync, the sender's (see appendRevision); the new entry's
// position is the message's new Rev.
//
// The condition is checked by the UPDATE itself, under the row lock: on
// PostgreSQL a second transaction waiting for the lock re-checks the row
// the first committed and matches nothing, so of two updates read at one
// Rev exactly one wins.
//
// Lock order, shared with appends, retention and DeleteConversation: the
// message row, sync counters (sorted), conversation rows, sync entries.
func (s *Store) UpdateC2C(ctx context.Context, sdkAppID uint64, a, b string, up store.C2CUpdate) error {
	lo, hi := conversationPair(a, b)
	op := fmt.Sprintf("update message %d (rev %d) of %q and %q in app %d", up.Seq, up.Rev, a, b, sdkAppID)
	if up.Seq > math.MaxInt64 || up.Rev > math.MaxInt64 {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		u, err := updateMessage(ctx, tx, appKey(sdkAppID), lo, hi, up, orEmpty(up.Doc))
		if err != nil {
			return err
		}
		return appendRevision(&batchTx{ctx: ctx, tx: tx, d: s.dialect}, u)
	})
}

// updatedMessage is what UpdateC2C learns of the message it updated.
type updatedMessage struct {
	app      int64
	lo, hi   string
	seq      int64
	to, from string
	// unreadRecall: this update recalled a message counted as unread.
	unreadRecall bool
	senderSync   bool
	// toRev and fromRev are the positions of the previous revision entries
	// (0: none).
	toRev, fromRev int64
}

// updateMessage writes the new document and state if the message's Rev
// (to_rev_sync_seq) is still up.Rev. For a recall, only the update that
// changes the state reports unreadRecall.
func updateMessage(ctx context.Context, tx *sql.Tx, app int64, lo, hi string, up store.C2CUpdate, doc []byte) (updatedMessage, error) {
	const update = `UPDATE c2c_messages SET doc = $5, state = $6
		WHERE sdkappid = $1 AND user_lo = $2 AND user_hi = $3 AND seq = $4 AND to_rev_sync_seq = $7`
	const returning = ` RETURNING to_user, from_user, unread, sender_sync, to_rev_sync_seq, from_rev_sync_seq`
	seq := int64(up.Seq)
	u := updatedMessage{app: app, lo: lo, hi: hi, seq: seq}
	scan := func(q string) error {
		var unread bool
		err := tx.QueryRowContext(ctx, q, app, lo, hi, seq, doc, up.State, int64(up.Rev)).
			Scan(&u.to, &u.from, &unread, &u.senderSync, &u.toRev, &u.fromRev)
		u.unreadRecall = unread && up.State == store.StateRecalled
		return err
	}
	if up.State == store.StateRecalled {
		err := scan(update + ` AND state <> $6` + returning)
		if !errors.Is(err, sql.ErrNoRows) {
			return u, err
		}
	}
	err := scan(update + returning)
	u.unreadRecall = false
	if !errors.Is(err, sql.ErrNoRows) {
		return u, err
	}
	// Nothing matched: tell a missing message from one that changed.
	var rev int64
	err = tx.QueryRowContext(ctx, `SELECT to_rev_sync_seq FROM c2c_messages
		WHERE sdkappid = $1 AND user_lo = $2 AND user_hi = $3 AND seq = $4`, app, lo, hi, seq).Scan(&rev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return u, store.ErrNotFound
	case err != nil:
		return u, err
	}
	return u, store.ErrConflict
}

// appendRevision appends a revision entry for the updated message to the
// recipient's stream and, with SenderSync, the sender's, numbered by the
// sync counters like appends (raised in sorted key order, so the streams
// stay gapless); takes a recalled unread message out of the recipient's
// count; and replaces the message's previous revision entries, which the
// new ones supersede.
func appendRevision(b *batchTx, u updatedMessage) error {
	toKey := counterKey{u.app, counterSync, u.to}
	fromKey := counterKey{u.app, counterSync, u.from}
	demand := map[counterKey]int64{toKey: 1}
	fromSynced := u.senderSync && u.from != u.to
	if fromSynced {
		demand[fromKey] = 1
	}
	end, err := bumpCounters(b, demand)
	if err != nil {
		return err
	}
	if u.unreadRecall {
		if _, err := b.exec(`UPDATE conversations SET unread = unread - 1
			WHERE sdkappid = $1 AND owner = $2 AND kind = $3 AND conv_id = $4 AND read_seq < $5 AND unread > 0`,
			u.app, u.to, int(im.ConvC2C), u.from, u.seq); err != nil {
			return err
		}
	}
	toRev, fromRev := end[toKey], end[fromKey] // fromRev 0 unless fromSynced
	for _, old := range []struct {
		user string
		seq  int64
	}{{u.to, u.toRev}, {u.from, u.fromRev}} {
		if old.seq == 0 {
			continue
		}
		if _, err := b.exec(`DELETE FROM user_sync WHERE sdkappid = $1 AND user_id = $2 AND sync_seq = $3`,
			u.app, old.user, old.seq); err != nil {
			return err
		}
	}
	const insert = `INSERT INTO user_sync (sdkappid, user_id, sync_seq, peer, seq, revision)
		VALUES ($1, $2, $3, $4, $5, TRUE)`
	if _, err := b.exec(insert, u.app, u.to, toRev, u.from, u.seq); err != nil {
		return err
	}
	if fromSynced {
		if _, err := b.exec(insert, u.app, u.from, fromRev, u.to, u.seq); err != nil {
			return err
		}
	}
	_, err = b.exec(`UPDATE c2c_messages SET to_rev_sync_seq = $5, from_rev_sync_seq = $6
		WHERE sdkappid = $1 AND user_lo = $2 AND user_hi = $3 AND seq = $4`,
		u.app, u.lo, u.hi, u.seq, toRev, fromRev)
	return err
}

// storedMessageKey locates a message.
type storedMessageKey struct {
	lo, hi string
	seq    int64
}

// DeleteC2CBefore deletes up to limit of the app's oldest messages with
// Time < before, with their sync entries (revision entries included), in
// one short transaction, and returns how many it deleted. Unread counts
// are not lowered: the conversation's next MarkRead recomputes them.
func (s *Store) DeleteC2CBefore(ctx context.Context, sdkAppID uint64, before int64, limit int) (int, error) {
	var deleted int
	op := fmt.Sprintf("delete up to %d messages of app %d before %d", limit, sdkAppID, before)
	err := s.writeTx(ctx, op, func(tx *sql.Tx) error {
		deleted = 0
		if limit <= 0 {
			return nil
		}
		keys, err := oldestMessages(ctx, tx, appKey(sdkAppID), before, limit)
		if err != nil {
			return err
		}
		for chunk := range slices.Chunk(keys, maxIDsPerStatement/8) { // up to 4 entries of 2 per key
			n, err := deleteMessages(ctx, tx, s.dialect, appKey(sdkAppID), chunk)
			if err != nil {
				return err
			}
			deleted += n
		}
		return nil
	})
	return deleted, err
}

func oldestMessages(ctx context.Context, tx *sql.Tx, app, before int64, limit int) ([]storedMessageKey, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT user_lo, user_hi, seq FROM c2c_messages WHERE sdkappid = $1 AND sent_at < $2
		 ORDER BY sent_at LIMIT $3`, app, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []storedMessageKey
	for rows.Next() {
		var k storedMessageKey
		if err := rows.Scan(&k.lo, &k.hi, &k.seq); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// deleteMessages deletes the messages, then the sync entries the deleted
// rows name (read as they are deleted, so a revision committed meanwhile
// is not missed; messages before sync entries is the lock order of
// UpdateC2C), and returns how many messages it deleted.
func deleteMessages(ctx context.Context, tx *sql.Tx, d dialect, app int64, keys []storedMessageKey) (int, error) {
	msgArgs := []any{app}
	for _, k := range keys {
		msgArgs = append(msgArgs, k.lo, k.hi, k.seq)
	}
	rows, err := tx.QueryContext(ctx,
		`DELETE FROM c2c_messages WHERE sdkappid = $1 AND (user_lo, user_hi, seq) IN (VALUES `+
			d.tuples(2, len(keys), "", "", "BIGINT")+`)
		 RETURNING to_user, from_user, to_sync_seq, from_sync_seq, to_rev_sync_seq, from_rev_sync_seq`, msgArgs...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	syncArgs := []any{app}
	n := 0
	for rows.Next() {
		var (
			to, from                         string
			toSync, fromSync, toRev, fromRev int64
		)
		if err := rows.Scan(&to, &from, &toSync, &fromSync, &toRev, &fromRev); err != nil {
			return 0, err
		}
		n++
		for _, e := range []struct {
			user string
			seq  int64
		}{{to, toSync}, {from, fromSync}, {to, toRev}, {from, fromRev}} {
			if e.seq != 0 {
				syncArgs = append(syncArgs, e.user, e.seq)
			}
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if len(syncArgs) == 1 {
		return n, nil
	}
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM user_sync WHERE sdkappid = $1 AND (user_id, sync_seq) IN (VALUES `+
			d.tuples(2, (len(syncArgs)-1)/2, "", "BIGINT")+`)`, syncArgs...); err != nil {
		return 0, err
	}
	return n, nil
}
