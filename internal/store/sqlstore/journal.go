package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// The C2C journal (SQLite; docs/decisions/0005). What decides the cost of
// a SQLite commit on this kind of machine is how many distinct b-tree
// leaves it touches: a C2C message written the way 0002 lays it out
// touches about a dozen (the message row and its two indexes, two sync
// entries, three counters, two conversation rows and their index), spread
// over every conversation and user of the batch. So an append is written
// in two steps, both by the one writer goroutine:
//
//  1. Journal (the acknowledgement waits for this): the writer assigns the
//     conversation seq and the sync seqs from counters it keeps in memory,
//     deduplicates against the moved messages and the journal, and inserts
//     one row per message at the end of c2c_journal, one insertion point
//     for the whole batch.
//  2. Move (later, in larger batches): the journaled rows are written into
//     c2c_messages, user_sync, conversations and seq_counters exactly as
//     appendBatch writes them on PostgreSQL, and deleted from the journal,
//     in one transaction. A batch of thousands of messages touches each
//     conversation's and user's leaves once instead of once per message.
//
// Readers of those tables first wait until everything journaled before
// they asked has been moved (awaitMoved); a reader asking makes the writer
// move soon (moveMinDelay) instead of when the journal is large or old.
// Updates, deletes and every other write run in the writer after a move,
// so they always see the messages they refer to. A restart moves whatever
// a crash left in the journal before the store opens.

const (
	// moveMaxMessages: a journal this long is moved at once.
	moveMaxMessages = 4096
	// moveChunk bounds the messages one move transaction takes, so that
	// appends queued behind it wait for at most that much. Measured
	// (parley bench c2c, 100 pairs): smaller moves cost more per message
	// than the waits they save (256: 5.0 k msgs/s, 1,024: 6.4 k, 4,096:
	// 7.9 k), so a move takes the whole journal up to moveMaxMessages.
	moveChunk = moveMaxMessages
	// moveMaxDelay: a journaled message is moved at most this long after
	// it was acknowledged when nobody reads.
	moveMaxDelay = 100 * time.Millisecond
	// moveMinDelay: while appends keep coming, a reader waits at least
	// this long for the move, so that reads under load do not shrink the
	// moves back to the size of one append batch.
	moveMinDelay = 5 * time.Millisecond
	// maxCachedCounters: past this many counters in memory, the writer
	// forgets them after a move (their floors are in seq_counters then).
	maxCachedCounters = 50000
)

// journalState is the writer goroutine's view of the journal; only the
// writer touches it.
type journalState struct {
	// tail holds the journaled messages not moved yet, in journal order;
	// byKey indexes them for deduplication.
	tail  []*pendingMsg
	byKey map[dedupKey][]*pendingMsg
	// since is when the oldest message of tail was journaled.
	since  time.Time
	nextID int64
	lastID int64
	// counters holds the last number handed out per counter, for the
	// counters the writer has loaded; seq_counters holds at least the
	// numbers of every moved message.
	counters map[counterKey]int64
}

func newJournalState() journalState {
	return journalState{byKey: map[dedupKey][]*pendingMsg{}, nextID: 1, counters: map[counterKey]int64{}}
}

// journaled is what one journal append added, to keep on commit or undo on
// failure.
type journaled struct {
	fresh []*pendingMsg
	// before holds each counter's value before the append (-1: it was not
	// loaded).
	before map[counterKey]int64
	nextID int64
}

// counter returns the last number of k handed out, loading it from
// seq_counters on first use.
func (j *journalState) counter(b *batchTx, k counterKey, undo *journaled) (int64, error) {
	v, ok := j.counters[k]
	if !ok {
		err := b.tx.QueryRowContext(b.ctx, `SELECT value FROM seq_counters WHERE sdkappid = $1 AND kind = $2 AND key = $3`,
			k.app, k.kind, k.key).Scan(&v)
		if err != nil && err != sql.ErrNoRows {
			return 0, err
		}
		j.counters[k] = v
		if _, seen := undo.before[k]; !seen {
			undo.before[k] = -1
		}
		return v, nil
	}
	if _, seen := undo.before[k]; !seen {
		undo.before[k] = v
	}
	return v, nil
}

// take hands out the next number of k.
func (j *journalState) take(b *batchTx, k counterKey, undo *journaled) (uint64, error) {
	v, err := j.counter(b, k, undo)
	if err != nil {
		return 0, err
	}
	j.counters[k] = v + 1
	return uint64(v + 1), nil
}

// undo forgets what a failed append changed.
func (j *journalState) undo(u *journaled) {
	for k, v := range u.before {
		if v < 0 {
			delete(j.counters, k)
		} else {
			j.counters[k] = v
		}
	}
}

// keep adds a committed append's messages to the tail.
func (j *journalState) keep(u *journaled, now time.Time) {
	if len(u.fresh) == 0 {
		return
	}
	if len(j.tail) == 0 {
		j.since = now
	}
	for _, m := range u.fresh {
		j.tail = append(j.tail, m)
		k := m.dedupKey()
		j.byKey[k] = append(j.byKey[k], m)
	}
	j.nextID = u.nextID
	j.lastID = u.nextID - 1
}

// moved forgets the first n messages of the tail, which have been moved.
func (j *journalState) moved(n int) {
	for _, m := range j.tail[:n] {
		k := m.dedupKey()
		// Each key's messages are in journal order, so the moved ones lead.
		if rest := j.byKey[k][1:]; len(rest) > 0 {
			j.byKey[k] = rest
		} else {
			delete(j.byKey, k)
		}
	}
	if n == len(j.tail) {
		clear(j.tail)
		j.tail = j.tail[:0]
		if len(j.counters) > maxCachedCounters {
			clear(j.counters)
		}
		return
	}
	j.tail = append([]*pendingMsg(nil), j.tail[n:]...)
}

// journalAppend is step 1 for a batch of requests: dedup, seqs from the
// counters in memory, one journal row per new message. It returns each
// request's outcomes and what to keep or undo once the transaction ends.
func (j *journalState) journalAppend(b *batchTx, batch []*appendRequest) ([][]store.C2CAppended, *journaled, error) {
	u := &journaled{before: map[counterKey]int64{}, nextID: j.nextID}
	msgs := flatten(batch)
	stored, err := findStoredDuplicates(b, msgs)
	if err != nil {
		return nil, u, err
	}
	markDuplicates(msgs, stored, j.byKey)
	for _, m := range msgs {
		if !m.isNew() {
			continue
		}
		if m.msg.Seq, err = j.take(b, m.convCounter(), u); err != nil {
			return nil, u, err
		}
	}
	for _, m := range msgs {
		if !m.isNew() {
			continue
		}
		if m.toSync, err = j.take(b, counterKey{m.app, counterSync, m.msg.To}, u); err != nil {
			return nil, u, err
		}
		if m.senderSynced() {
			if m.fromSync, err = j.take(b, counterKey{m.app, counterSync, m.msg.From}, u); err != nil {
				return nil, u, err
			}
		}
		m.journalID = u.nextID
		u.nextID++
		u.fresh = append(u.fresh, m)
	}
	if err := insertJournal(b, u.fresh); err != nil {
		return nil, u, err
	}
	return outcomes(batch, msgs), u, nil
}

// journalColumns are c2c_journal's columns after id, in insertJournal's and
// loadJournal's order.
const journalColumns = `sdkappid, user_lo, user_hi, seq, from_user, to_user, random, sent_at,
	client_seq, doc, state, unread, sender_sync, no_last_msg, to_sync_seq, from_sync_seq`

func insertJournal(b *batchTx, msgs []*pendingMsg) error {
	const width = 17
	for _, chunk := range pieces(b, msgs, maxParamsPerStatement/width) {
		args := make([]any, 0, width*len(chunk))
		for _, m := range chunk {
			args = append(args, m.journalID, m.app, m.lo, m.hi, int64(m.msg.Seq), m.msg.From, m.msg.To,
				int64(m.msg.Random), m.msg.Time, int64(m.msg.ClientSeq), m.msg.Doc, m.msg.State,
				m.msg.Unread, m.msg.SenderSync, m.msg.NoLastMsg, int64(m.toSync), int64(m.fromSync))
		}
		q := `INSERT INTO c2c_journal (id, ` + journalColumns + `) VALUES ` +
			b.d.tuples(1, len(chunk), make([]string, width)...)
		if _, err := b.exec(q, args...); err != nil {
			return err
		}
	}
	b.rows("c2c_journal", len(msgs))
	return nil
}

// moveJournal is step 2: it writes msgs (journaled up to lastID) into the
// message tables and deletes them from the journal.
func moveJournal(b *batchTx, msgs []*pendingMsg, lastID int64) error {
	if err := insertMessages(b, msgs); err != nil {
		return err
	}
	if err := insertSyncEntries(b, msgs); err != nil {
		return err
	}
	if err := upsertConversations(b, msgs); err != nil {
		return err
	}
	if err := raiseCounterFloors(b, msgs); err != nil {
		return err
	}
	_, err := b.exec(`DELETE FROM c2c_journal WHERE id <= $1`, lastID)
	return err
}

// raiseCounterFloors makes seq_counters hold at least the numbers the
// moved messages were given, so that a restart (or a writer that forgot
// its counters) continues after them.
func raiseCounterFloors(b *batchTx, msgs []*pendingMsg) error {
	top := make(map[counterKey]int64)
	raise := func(k counterKey, v uint64) {
		top[k] = max(top[k], int64(v))
	}
	for _, m := range msgs {
		raise(m.convCounter(), m.msg.Seq)
		raise(counterKey{m.app, counterSync, m.msg.To}, m.toSync)
		if m.fromSync != 0 {
			raise(counterKey{m.app, counterSync, m.msg.From}, m.fromSync)
		}
	}
	keys := slices.SortedFunc(maps.Keys(top), compareCounterKeys)
	for _, chunk := range pieces(b, keys, maxParamsPerStatement/4) {
		args := make([]any, 0, 4*len(chunk))
		for _, k := range chunk {
			args = append(args, k.app, k.kind, k.key, top[k])
		}
		q := `INSERT INTO seq_counters (sdkappid, kind, key, value) VALUES ` +
			b.d.tuples(1, len(chunk), "", "", "", "") + `
			ON CONFLICT (sdkappid, kind, key) DO UPDATE SET value =
			  CASE WHEN excluded.value > seq_counters.value THEN excluded.value ELSE seq_counters.value END`
		if _, err := b.exec(q, args...); err != nil {
			return err
		}
	}
	b.rows("seq_counters", len(keys))
	return nil
}

// recoverJournal moves whatever the journal holds (what a crash left
// between an acknowledgement and its move) before the store serves.
func (s *Store) recoverJournal(ctx context.Context) error {
	msgs, lastID, err := loadJournal(ctx, s.write)
	if err != nil || len(msgs) == 0 {
		return err
	}
	err = s.tryTx(ctx, "recover the C2C journal", func(tx *sql.Tx) error {
		return moveJournal(&batchTx{ctx: ctx, tx: tx, d: s.dialect}, msgs, lastID)
	})
	if err != nil {
		return err
	}
	s.log.Info("moved C2C messages left in the journal", "messages", len(msgs))
	return nil
}

func loadJournal(ctx context.Context, db *sql.DB) ([]*pendingMsg, int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, `+journalColumns+` FROM c2c_journal ORDER BY id`)
	if err != nil {
		return nil, 0, fmt.Errorf("read the C2C journal: %w", err)
	}
	defer rows.Close()
	var (
		msgs   []*pendingMsg
		lastID int64
	)
	for rows.Next() {
		var (
			m                          pendingMsg
			seq, random, client        int64
			toSync, fromSync           int64
			unread, senderSync, noLast bool
		)
		if err := rows.Scan(&m.journalID, &m.app, &m.lo, &m.hi, &seq, &m.msg.From, &m.msg.To, &random,
			&m.msg.Time, &client, &m.msg.Doc, &m.msg.State, &unread, &senderSync, &noLast,
			&toSync, &fromSync); err != nil {
			return nil, 0, fmt.Errorf("read the C2C journal: %w", err)
		}
		m.msg.Seq, m.msg.Random, m.msg.ClientSeq = uint64(seq), uint32(random), uint64(client)
		m.msg.Unread, m.msg.SenderSync, m.msg.NoLastMsg = unread, senderSync, noLast
		m.msg.Doc = orEmpty(m.msg.Doc)
		m.toSync, m.fromSync = uint64(toSync), uint64(fromSync)
		lastID = m.journalID
		msgs = append(msgs, &m)
	}
	return msgs, lastID, rows.Err()
}
