package sqlstore

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// dedupKey is what makes two messages duplicates (besides the time window).
type dedupKey struct {
	app          int64
	lo, hi, from string
	random       uint32
}

func (p *pendingMsg) dedupKey() dedupKey {
	return dedupKey{p.app, p.lo, p.hi, p.msg.From, p.msg.Random}
}

// findStoredDuplicates returns, per dedup key of the batch's messages with
// DedupSince, the stored messages with that key inside the widest window
// the batch asks for, ordered by Seq.
func findStoredDuplicates(b *batchTx, msgs []*pendingMsg) (map[dedupKey][]store.C2CMessage, error) {
	since := make(map[dedupKey]int64)
	for _, m := range msgs {
		if m.since == 0 {
			continue
		}
		k := m.dedupKey()
		if s, ok := since[k]; !ok || m.since < s {
			since[k] = m.since
		}
	}
	found := make(map[dedupKey][]store.C2CMessage)
	for _, chunk := range pieces(b, slices.Collect(maps.Keys(since)), maxParamsPerStatement/6) {
		args := make([]any, 0, 6*len(chunk))
		for _, k := range chunk {
			args = append(args, k.app, k.lo, k.hi, k.from, int64(k.random), since[k])
		}
		if err := queryDuplicates(b, args, len(chunk), found); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func queryDuplicates(b *batchTx, args []any, n int, found map[dedupKey][]store.C2CMessage) error {
	values := b.d.tuples(1, n, "BIGINT", "", "", "", "BIGINT", "BIGINT")
	// SQLite has no statistics, so the query is written to leave it one
	// plan, a probe of the dedup index per wanted key: CROSS JOIN keeps q
	// as the outer loop (without it, for a few hundred keys SQLite scans
	// all of c2c_messages against an automatic index on q, a full scan per
	// commit); the unary + keeps it off the retention index on sent_at;
	// and there is no ORDER BY, which it would avoid by walking whole
	// conversations in seq order. The few rows found are ordered below.
	q := `WITH q (sdkappid, user_lo, user_hi, from_user, random, since) AS (VALUES ` + values + `)
		SELECT m.sdkappid, m.user_lo, m.user_hi, ` + messageColumns + `
		FROM q CROSS JOIN c2c_messages m
		WHERE m.sdkappid = q.sdkappid AND m.user_lo = q.user_lo AND m.user_hi = q.user_hi
		 AND m.random = q.random AND m.from_user = q.from_user AND +m.sent_at >= q.since`
	rows, err := b.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k dedupKey
		msg, err := scanMessage(rows, &k.app, &k.lo, &k.hi)
		if err != nil {
			return err
		}
		k.from, k.random = msg.From, msg.Random
		found[k] = append(found[k], msg)
	}
	for _, msgs := range found {
		slices.SortFunc(msgs, func(a, b store.C2CMessage) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	return rows.Err()
}

// markDuplicates walks the batch in input order and marks each message
// with DedupSince that duplicates a stored message (preferred: it is the
// first), a journaled one not moved yet (journal.go; nil on PostgreSQL) or
// an earlier new message of the batch.
func markDuplicates(msgs []*pendingMsg, stored map[dedupKey][]store.C2CMessage, journaled map[dedupKey][]*pendingMsg) {
	earlier := make(map[dedupKey][]*pendingMsg)
	for _, m := range msgs {
		k := m.dedupKey()
		if m.since != 0 {
			for i, s := range stored[k] {
				if s.Time >= m.since {
					m.dup = &stored[k][i]
					break
				}
			}
			if m.dup == nil {
				for _, e := range journaled[k] {
					if e.msg.Time >= m.since {
						m.dupOf = e
						break
					}
				}
			}
			if m.isNew() {
				for _, e := range earlier[k] {
					if e.msg.Time >= m.since {
						m.dupOf = e
						break
					}
				}
			}
		}
		if m.isNew() {
			earlier[k] = append(earlier[k], m)
		}
	}
}

// messageColumns are the columns scanMessage reads, from c2c_messages m.
// The position of the message's latest revision entry in its recipient's
// stream is its Rev: every UpdateC2C raises it, from the recipient's sync
// counter, which never goes back.
const messageColumns = `m.from_user, m.to_user, m.seq, m.random, m.sent_at, m.client_seq,
	m.doc, m.state, m.unread, m.sender_sync, m.no_last_msg, m.to_rev_sync_seq`

// scanMessage scans first into dest, then messageColumns.
func scanMessage(row scanner, dest ...any) (store.C2CMessage, error) {
	var (
		m                    store.C2CMessage
		seq, random, client  int64
		rev                  int64
		unread, sync, noLast bool
	)
	dest = append(dest, &m.From, &m.To, &seq, &random, &m.Time, &client,
		&m.Doc, &m.State, &unread, &sync, &noLast, &rev)
	if err := row.Scan(dest...); err != nil {
		return store.C2CMessage{}, err
	}
	m.Seq, m.Random, m.ClientSeq = uint64(seq), uint32(random), uint64(client)
	m.Unread, m.SenderSync, m.NoLastMsg = unread, sync, noLast
	m.Rev = uint64(rev)
	m.Doc = orEmpty(m.Doc)
	return m, nil
}

// insertMessages inserts the new messages, seqs and sync seqs assigned.
func insertMessages(b *batchTx, msgs []*pendingMsg) error {
	const width = 16
	for _, chunk := range pieces(b, msgs, maxParamsPerStatement/width) {
		args := make([]any, 0, width*len(chunk))
		for _, m := range chunk {
			args = append(args, m.app, m.lo, m.hi, int64(m.msg.Seq), m.msg.From, m.msg.To,
				int64(m.msg.Random), m.msg.Time, int64(m.msg.ClientSeq), m.msg.Doc, m.msg.State,
				m.msg.Unread, m.msg.SenderSync, m.msg.NoLastMsg, int64(m.toSync), int64(m.fromSync))
		}
		q := `INSERT INTO c2c_messages (sdkappid, user_lo, user_hi, seq, from_user, to_user,
			random, sent_at, client_seq, doc, state, unread, sender_sync, no_last_msg,
			to_sync_seq, from_sync_seq) VALUES ` + b.d.tuples(1, len(chunk), make([]string, width)...)
		if _, err := b.exec(q, args...); err != nil {
			return err
		}
	}
	b.rows("c2c_messages", len(msgs))
	return nil
}

// insertSyncEntries indexes the new messages into the recipients' and
// (with SenderSync) the senders' sync streams.
func insertSyncEntries(b *batchTx, msgs []*pendingMsg) error {
	const width = 5
	var rows [][]any
	for _, m := range msgs {
		rows = append(rows, []any{m.app, m.msg.To, int64(m.toSync), m.msg.From, int64(m.msg.Seq)})
		if m.fromSync != 0 {
			rows = append(rows, []any{m.app, m.msg.From, int64(m.fromSync), m.msg.To, int64(m.msg.Seq)})
		}
	}
	for _, chunk := range pieces(b, rows, maxParamsPerStatement/width) {
		q := `INSERT INTO user_sync (sdkappid, user_id, sync_seq, peer, seq) VALUES ` +
			b.d.tuples(1, len(chunk), make([]string, width)...)
		if _, err := b.exec(q, slices.Concat(chunk...)...); err != nil {
			return err
		}
	}
	b.rows("user_sync", len(rows))
	return nil
}

// convUpdate is what a batch changes in one conversation row.
type convUpdate struct {
	app   int64
	owner string
	conv  im.ConvID
	// lastSeq and lastTime: the batch's last message that is not NoLastMsg
	// (0 if none).
	lastSeq  uint64
	lastTime int64
	maxSeq   uint64
	unread   int64
	// newest is the Time of the batch's newest message.
	newest int64
}

// updatedAt is the row's UpdatedAt for this batch: the last message's time,
// or the newest NoLastMsg message's for a row that only has those.
func (c *convUpdate) updatedAt() int64 {
	if c.lastSeq != 0 {
		return c.lastTime
	}
	return c.newest
}

// upsertConversations applies the new messages to both participants'
// conversations, one statement row per conversation row, in key order.
func upsertConversations(b *batchTx, msgs []*pendingMsg) error {
	return writeConversationUpdates(b, conversationUpdates(msgs))
}

// writeConversationUpdates upserts the rows, in the order given.
func writeConversationUpdates(b *batchTx, rows []*convUpdate) error {
	const width = 9
	for _, chunk := range pieces(b, rows, maxParamsPerStatement/width) {
		args := make([]any, 0, width*len(chunk))
		for _, c := range chunk {
			args = append(args, c.app, c.owner, int(c.conv.Kind), c.conv.ID, int64(c.lastSeq), c.lastTime,
				int64(c.maxSeq), c.unread, c.updatedAt())
		}
		q := `INSERT INTO conversations (sdkappid, owner, kind, conv_id, last_seq, last_time, max_seq,
			unread, updated_at) VALUES ` + b.d.tuples(1, len(chunk), make([]string, width)...) + conversationUpsert
		if _, err := b.exec(q, args...); err != nil {
			return err
		}
	}
	b.rows("conversations", len(rows))
	return nil
}

// conversationUpsert applies one batch's update of a conversation row
// (excluded) to the stored row: an update without a last message keeps the
// row's; UpdatedAt moves forward with the last message, or with any
// message when a deleted conversation reappears. Both append paths use it.
const conversationUpsert = `
	ON CONFLICT (sdkappid, owner, kind, conv_id) DO UPDATE SET
	  last_seq = CASE WHEN excluded.last_seq > 0 THEN excluded.last_seq ELSE conversations.last_seq END,
	  last_time = CASE WHEN excluded.last_seq > 0 THEN excluded.last_time ELSE conversations.last_time END,
	  max_seq = CASE WHEN excluded.max_seq > conversations.max_seq THEN excluded.max_seq ELSE conversations.max_seq END,
	  unread = conversations.unread + excluded.unread,
	  updated_at = CASE WHEN (excluded.last_seq > 0 OR conversations.deleted)
	                     AND excluded.updated_at > conversations.updated_at
	                    THEN excluded.updated_at ELSE conversations.updated_at END,
	  deleted = FALSE`

// convRowKey is a conversation row's primary key.
type convRowKey struct {
	app   int64
	owner string
	conv  im.ConvID
}

func (c *convUpdate) key() convRowKey { return convRowKey{c.app, c.owner, c.conv} }

// compareConvRows orders rows by primary key, the order in which
// concurrent writers lock them.
func compareConvRows(a, b *convUpdate) int {
	return cmp.Or(cmp.Compare(a.app, b.app), strings.Compare(a.owner, b.owner),
		cmp.Compare(a.conv.Kind, b.conv.Kind), strings.Compare(a.conv.ID, b.conv.ID))
}

// conversationUpdates aggregates the messages per conversation row: the
// recipient's always (counting Unread messages that are not recalled), the
// sender's with SenderSync. Sorted by key so that concurrent batches lock
// rows in one order.
func conversationUpdates(msgs []*pendingMsg) []*convUpdate {
	byKey := make(map[convRowKey]*convUpdate)
	apply := func(m *pendingMsg, owner, peer string, unread bool) {
		k := convRowKey{m.app, owner, im.C2C(peer)}
		c := byKey[k]
		if c == nil {
			c = &convUpdate{app: m.app, owner: owner, conv: k.conv}
			byKey[k] = c
		}
		c.maxSeq = max(c.maxSeq, m.msg.Seq)
		c.newest = max(c.newest, m.msg.Time)
		if !m.msg.NoLastMsg {
			c.lastSeq, c.lastTime = m.msg.Seq, m.msg.Time
		}
		if unread {
			c.unread++
		}
	}
	for _, m := range msgs {
		apply(m, m.msg.To, m.msg.From, m.msg.Unread && m.msg.State != store.StateRecalled)
		if m.senderSynced() {
			apply(m, m.msg.From, m.msg.To, false)
		}
	}
	rows := slices.Collect(maps.Values(byKey))
	slices.SortFunc(rows, compareConvRows)
	return rows
}
