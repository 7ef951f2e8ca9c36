package sqlstore

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-im/parley/internal/store"
)

// How a batch of C2C messages is written (appendBatch), in one transaction:
//
//  1. Reserve conversation seqs: count the batch's messages per
//     conversation and raise each conversation's counter once, in sorted
//     key order, by that count (bumpCounters). The counter row's lock (on
//     PostgreSQL) serialises every writer of the conversation, on any node,
//     until commit; the sorted order keeps two batches from deadlocking.
//  2. Deduplicate, now that no one else can append to these conversations:
//     a message with DedupSince is a duplicate of the first stored message,
//     or else of the first earlier message of the batch, with the same
//     conversation, sender and Random and a Time >= DedupSince.
//  3. Hand out the reserved seqs to the remaining messages in input order
//     and give back what duplicates did not use (counter lowered under the
//     lock it still holds, so no gap and no reuse).
//  4. Reserve sync seqs the same way, per user: the recipient's and, with
//     SenderSync, the sender's; hand them out in input order.
//  5. Insert the messages and sync entries, and upsert both participants'
//     conversations (one row per owner and peer, sorted) with multi-row
//     statements.
//
// Rolling back undoes the counters with everything else, so seqs stay
// gapless.

// Counter kinds of seq_counters.
const (
	counterConversation = 1
	counterSync         = 2
)

// maxParamsPerStatement bounds the parameters of one multi-row statement
// (SQLite allows 32766, PostgreSQL 65535): a full batch of messages fits in
// one INSERT (SQLite still splits it into power-of-two pieces, see
// batchTx).
const maxParamsPerStatement = 4096

// counterKey names one row of seq_counters.
type counterKey struct {
	app  int64
	kind int
	key  string
}

func compareCounterKeys(a, b counterKey) int {
	return cmp.Or(cmp.Compare(a.app, b.app), cmp.Compare(a.kind, b.kind), strings.Compare(a.key, b.key))
}

// conversationPair orders the participants of a C2C conversation.
func conversationPair(a, b string) (lo, hi string) {
	if b < a {
		return b, a
	}
	return a, b
}

// conversationCounterKey encodes the pair unambiguously in one text key
// (PostgreSQL text cannot hold a NUL separator): len(lo) ":" lo hi.
func conversationCounterKey(lo, hi string) string {
	return strconv.Itoa(len(lo)) + ":" + lo + hi
}

// pendingMsg is one message of a batch on its way into the database.
type pendingMsg struct {
	app    int64
	lo, hi string
	msg    store.C2CMessage // Seq set in step 3
	since  int64            // DedupSince
	// dup is the stored message this one duplicates; dupOf the earlier
	// message of the batch it duplicates. Both nil for a new message.
	dup   *store.C2CMessage
	dupOf *pendingMsg
	// toSync and fromSync are the message's sync seqs (fromSync 0 when not
	// in the sender's stream; a message to oneself has one entry, toSync).
	toSync, fromSync uint64
	// journalID is the message's row in c2c_journal (SQLite, journal.go).
	journalID int64
}

func (p *pendingMsg) isNew() bool { return p.dup == nil && p.dupOf == nil }

func (p *pendingMsg) convCounter() counterKey {
	return counterKey{p.app, counterConversation, conversationCounterKey(p.lo, p.hi)}
}

// senderSynced reports whether the message gets its own entry in the
// sender's stream.
func (p *pendingMsg) senderSynced() bool {
	return p.msg.SenderSync && p.msg.From != p.msg.To
}

// appendBatch writes the requests' messages (see the comment above) and
// returns each request's outcomes.
func appendBatch(b *batchTx, batch []*appendRequest) ([][]store.C2CAppended, error) {
	msgs := flatten(batch)
	convDemand := make(map[counterKey]int64)
	for _, m := range msgs {
		convDemand[m.convCounter()]++
	}
	convEnd, err := bumpCounters(b, convDemand)
	if err != nil {
		return nil, err
	}
	stored, err := findStoredDuplicates(b, msgs)
	if err != nil {
		return nil, err
	}
	markDuplicates(msgs, stored, nil)
	unused := assignSeqs(msgs, convDemand, convEnd)
	if err := returnUnused(b, unused); err != nil {
		return nil, err
	}
	if err := assignSyncSeqs(b, msgs); err != nil {
		return nil, err
	}
	var fresh []*pendingMsg
	for _, m := range msgs {
		if m.isNew() {
			fresh = append(fresh, m)
		}
	}
	if err := insertMessages(b, fresh); err != nil {
		return nil, err
	}
	if err := insertSyncEntries(b, fresh); err != nil {
		return nil, err
	}
	if err := upsertConversations(b, fresh); err != nil {
		return nil, err
	}
	return outcomes(batch, msgs), nil
}

// flatten lists the batch's messages in input order.
func flatten(batch []*appendRequest) []*pendingMsg {
	var msgs []*pendingMsg
	for _, req := range batch {
		for _, a := range req.msgs {
			m := &pendingMsg{app: appKey(req.sdkAppID), msg: a.Msg, since: a.DedupSince}
			m.msg.Seq = 0
			m.msg.Doc = orEmpty(m.msg.Doc)
			m.lo, m.hi = conversationPair(a.Msg.From, a.Msg.To)
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// bumpCounters raises each counter by its demand, in sorted key order, and
// returns the new values: the numbers reserved for key are
// end[key]-demand[key]+1 .. end[key].
func bumpCounters(b *batchTx, demand map[counterKey]int64) (map[counterKey]int64, error) {
	keys := slices.SortedFunc(maps.Keys(demand), compareCounterKeys)
	end := make(map[counterKey]int64, len(keys))
	for _, chunk := range pieces(b, keys, maxParamsPerStatement/4) {
		args := make([]any, 0, 4*len(chunk))
		for _, k := range chunk {
			args = append(args, k.app, k.kind, k.key, demand[k])
		}
		// Rows are processed in VALUES order, so row locks are taken in
		// key order.
		q := `INSERT INTO seq_counters (sdkappid, kind, key, value) VALUES ` +
			b.d.tuples(1, len(chunk), "", "", "", "") +
			` ON CONFLICT (sdkappid, kind, key) DO UPDATE SET value = seq_counters.value + excluded.value
			 RETURNING sdkappid, kind, key, value`
		rows, err := b.query(q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				k counterKey
				v int64
			)
			if err := rows.Scan(&k.app, &k.kind, &k.key, &v); err != nil {
				rows.Close()
				return nil, err
			}
			end[k] = v
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return end, nil
}

// assignSeqs numbers the new messages from their conversations' reserved
// ranges in input order and returns, per counter, how many reserved
// numbers duplicates left unused.
func assignSeqs(msgs []*pendingMsg, demand, end map[counterKey]int64) map[counterKey]int64 {
	next := make(map[counterKey]int64, len(end))
	for k, v := range end {
		next[k] = v - demand[k] + 1
	}
	for _, m := range msgs {
		if m.isNew() {
			k := m.convCounter()
			m.msg.Seq = uint64(next[k])
			next[k]++
		}
	}
	unused := make(map[counterKey]int64)
	for k, n := range next {
		if left := end[k] - n + 1; left > 0 {
			unused[k] = left
		}
	}
	return unused
}

// returnUnused lowers counters by what was reserved but not used; the
// transaction still holds their rows, so no one saw those numbers.
func returnUnused(b *batchTx, unused map[counterKey]int64) error {
	for _, k := range slices.SortedFunc(maps.Keys(unused), compareCounterKeys) {
		if _, err := b.exec(
			`UPDATE seq_counters SET value = value - $4 WHERE sdkappid = $1 AND kind = $2 AND key = $3`,
			k.app, k.kind, k.key, unused[k]); err != nil {
			return err
		}
	}
	return nil
}

// assignSyncSeqs reserves the new messages' sync seqs and hands them out in
// input order: the recipient's entry first, then the sender's.
func assignSyncSeqs(b *batchTx, msgs []*pendingMsg) error {
	demand := make(map[counterKey]int64)
	for _, m := range msgs {
		if !m.isNew() {
			continue
		}
		demand[counterKey{m.app, counterSync, m.msg.To}]++
		if m.senderSynced() {
			demand[counterKey{m.app, counterSync, m.msg.From}]++
		}
	}
	end, err := bumpCounters(b, demand)
	if err != nil {
		return err
	}
	next := make(map[counterKey]int64, len(end))
	for k, v := range end {
		next[k] = v - demand[k] + 1
	}
	take := func(app int64, user string) uint64 {
		k := counterKey{app, counterSync, user}
		n := next[k]
		next[k]++
		return uint64(n)
	}
	for _, m := range msgs {
		if !m.isNew() {
			continue
		}
		m.toSync = take(m.app, m.msg.To)
		if m.senderSynced() {
			m.fromSync = take(m.app, m.msg.From)
		}
	}
	return nil
}

// outcomes builds each request's results from the batch's messages.
func outcomes(batch []*appendRequest, msgs []*pendingMsg) [][]store.C2CAppended {
	outs := make([][]store.C2CAppended, len(batch))
	i := 0
	for r, req := range batch {
		outs[r] = make([]store.C2CAppended, len(req.msgs))
		for j := range req.msgs {
			outs[r][j] = outcome(msgs[i])
			i++
		}
	}
	return outs
}

func outcome(m *pendingMsg) store.C2CAppended {
	switch {
	case m.dup != nil:
		return store.C2CAppended{Msg: *m.dup, Duplicate: true}
	case m.dupOf != nil:
		return store.C2CAppended{Msg: m.dupOf.msg, Duplicate: true}
	}
	out := store.C2CAppended{Msg: m.msg, RecipientSyncSeq: m.toSync, SenderSyncSeq: m.fromSync}
	if m.msg.SenderSync && m.msg.From == m.msg.To {
		out.SenderSyncSeq = m.toSync // one stream, one entry
	}
	return out
}
