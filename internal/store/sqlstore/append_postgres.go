package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parley-im/parley/internal/store"
)

// The PostgreSQL append: one round trip per batch (decision 0009).
//
// appendBatch (append.go) needs the counters' values before it can write
// the rows that carry them, and it looks for stored duplicates under the
// counters' locks: about eight round trips per batch, each through a
// statement whose text (and so its server-side plan) changes with the
// batch's size. Here the batch is one pgx pipeline of three or four
// statements sent at once and run as one implicit transaction (committed
// at the pipeline's Sync, rolled back at its first error):
//
//  1. Raise every counter the batch's new messages need, conversations
//     and users alike, in sorted key order (so two batches, on any node,
//     lock rows in one order), RETURNING the new values.
//  2. If any message asks for dedup, the guard: a statement that fails
//     (errStoredDuplicate) when a stored message duplicates one of the
//     batch. It is a statement of its own, so its snapshot is taken once
//     statement 1 holds the counters' locks, after every earlier writer of
//     these conversations has committed.
//  3. Insert the messages and their sync entries, each seq computed in SQL
//     from the counter it was reserved from: the counter's new value minus
//     the batch's demand on it plus the message's rank among the batch's
//     messages on it.
//  4. Upsert both participants' conversations the same way.
//
// Duplicates inside the batch are resolved in Go before sending (they need
// no database), so new messages are known and consume exactly the numbers
// reserved: no number is given back. When the guard fires, nothing was
// written and the batch is written again by appendBatch, which asks the
// database for the duplicates; stored duplicates are rare (a retry of a
// message already stored), so that slower path rarely runs.
//
// Every statement's text is constant (rows travel as arrays through
// unnest), so pgx prepares each once per connection.

// pgStoredDuplicateMarker is the text of the guard's error.
const pgStoredDuplicateMarker = "parley: stored duplicate in batch"

// errStoredDuplicate reports that the guard found a stored duplicate.
var errStoredDuplicate = errors.New("sqlstore: a stored message duplicates one of the batch")

const (
	// pgBumpCounters raises counters in the arrays' order.
	pgBumpCounters = `INSERT INTO seq_counters (sdkappid, kind, key, value)
		SELECT a, k, key, n FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::bigint[])
		  WITH ORDINALITY AS i(a, k, key, n, ord)
		ORDER BY ord
		ON CONFLICT (sdkappid, kind, key) DO UPDATE SET value = seq_counters.value + excluded.value
		RETURNING sdkappid, kind, key, value`

	// pgDuplicateGuard fails when a stored message matches one of the
	// dedup keys. The failing cast depends on the row found, so the
	// planner cannot evaluate it ahead of time.
	//
	// Here and below every lookup is correlated (LATERAL with LIMIT, scalar
	// subqueries), so each is one index probe whatever the planner guesses
	// of the arrays' sizes: with joins, generic plans hash-joined every
	// conversation counter of the table. The dedup lookup must not use the
	// retention index on sent_at (+m.sent_at, as in queryDuplicates), which
	// scans every message of the window.
	pgDuplicateGuard = `SELECT CAST('` + pgStoredDuplicateMarker + `: ' || d.from_user AS INTEGER)
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
		  AS q(sdkappid, user_lo, user_hi, from_user, random, since),
		LATERAL (SELECT m.from_user FROM c2c_messages m
		  WHERE m.sdkappid = q.sdkappid AND m.user_lo = q.user_lo AND m.user_hi = q.user_hi
		    AND m.random = q.random AND m.from_user = q.from_user AND +m.sent_at >= q.since
		  LIMIT 1) d
		LIMIT 1`

	// pgInsertMessages inserts the messages and their sync entries; each
	// seq is counter value - demand + rank (sender rank frank 0: no entry in the
	// sender's stream).
	pgInsertMessages = `WITH i AS (
		  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
		    $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bytea[], $13::integer[],
		    $14::boolean[], $15::boolean[], $16::boolean[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[])
		    AS i(app, lo, hi, ckey, cdemand, crank, from_user, to_user, random, sent_at, client_seq, doc, state,
		         unread, sender_sync, no_last_msg, tdemand, trank, fdemand, frank)
		), m AS (
		  INSERT INTO c2c_messages (sdkappid, user_lo, user_hi, seq, from_user, to_user, random, sent_at,
		    client_seq, doc, state, unread, sender_sync, no_last_msg, to_sync_seq, from_sync_seq)
		  SELECT i.app, i.lo, i.hi,
		    (SELECT value FROM seq_counters WHERE sdkappid = i.app AND kind = 1 AND key = i.ckey) - i.cdemand + i.crank,
		    i.from_user, i.to_user, i.random, i.sent_at, i.client_seq, i.doc, i.state, i.unread, i.sender_sync,
		    i.no_last_msg,
		    (SELECT value FROM seq_counters WHERE sdkappid = i.app AND kind = 2 AND key = i.to_user) - i.tdemand + i.trank,
		    CASE WHEN i.frank > 0
		      THEN (SELECT value FROM seq_counters WHERE sdkappid = i.app AND kind = 2 AND key = i.from_user) - i.fdemand + i.frank
		      ELSE 0 END
		  FROM i
		  RETURNING sdkappid, from_user, to_user, seq, to_sync_seq, from_sync_seq
		)
		INSERT INTO user_sync (sdkappid, user_id, sync_seq, peer, seq)
		SELECT sdkappid, to_user, to_sync_seq, from_user, seq FROM m
		UNION ALL
		SELECT sdkappid, from_user, from_sync_seq, to_user, seq FROM m WHERE from_sync_seq > 0`

	// pgUpsertConversations applies the batch to conversation rows in the
	// arrays' (sorted) order; the ON CONFLICT clause is upsertConversations'.
	pgUpsertConversations = `INSERT INTO conversations (sdkappid, owner, kind, conv_id, last_seq, last_time, max_seq,
		  unread, updated_at)
		SELECT app, owner, kind, conv_id, CASE WHEN last_rank > 0 THEN base + last_rank ELSE 0 END,
		  last_time, base + max_rank, unread, updated_at
		FROM (SELECT i.*,
		    (SELECT value FROM seq_counters WHERE sdkappid = i.app AND kind = 1 AND key = i.ckey) - i.cdemand AS base
		  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
		      $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])
		    WITH ORDINALITY AS i(app, owner, kind, conv_id, ckey, cdemand, last_rank, last_time, max_rank, unread, updated_at, ord)
		  ) c
		ORDER BY ord` + conversationUpsert
)

// pgBatch is one batch on its way through the pipeline: its messages, the
// counters the new ones reserve from (demand per counter) and, for each new
// message, its rank on each of its counters (1-based, input order).
type pgBatch struct {
	msgs   []*pendingMsg
	fresh  []*pendingMsg
	demand map[counterKey]int64
	keys   []counterKey // demand's keys, sorted
	// rank of fresh[i] on its conversation, recipient and sender counters
	// (sender 0: no entry in the sender's stream).
	crank, trank, frank []int64
	// convRows is how many conversation rows the batch upserts.
	convRows int
}

// planPostgresBatch resolves duplicates inside the batch and ranks the new
// messages on their counters. Stored duplicates are the guard's business.
func planPostgresBatch(batch []*appendRequest) *pgBatch {
	p := &pgBatch{msgs: flatten(batch), demand: make(map[counterKey]int64)}
	markDuplicates(p.msgs, nil, nil)
	take := func(k counterKey) int64 {
		p.demand[k]++
		return p.demand[k]
	}
	for _, m := range p.msgs {
		if !m.isNew() {
			continue
		}
		p.fresh = append(p.fresh, m)
		p.crank = append(p.crank, take(m.convCounter()))
		p.trank = append(p.trank, take(counterKey{m.app, counterSync, m.msg.To}))
		var f int64
		if m.senderSynced() {
			f = take(counterKey{m.app, counterSync, m.msg.From})
		}
		p.frank = append(p.frank, f)
	}
	p.keys = slices.SortedFunc(maps.Keys(p.demand), compareCounterKeys)
	return p
}

// hasDedup reports whether any message of the batch asks for dedup.
func (p *pgBatch) hasDedup() bool {
	return slices.ContainsFunc(p.msgs, func(m *pendingMsg) bool { return m.since != 0 })
}

// appendPipelined writes the batch in one round trip (see the file
// comment) and, when a stored message duplicates one of the batch, again
// through appendBatch. It is appendTx for PostgreSQL.
func (s *Store) appendPipelined(batch []*appendRequest, op string, n int) ([][]store.C2CAppended, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	start := time.Now()
	outs, err := s.tryPipelined(ctx, batch)
	if errors.Is(err, errStoredDuplicate) {
		err = s.runTx(ctx, op, func(tx *sql.Tx) error {
			var err error
			outs, err = appendBatch(s.newBatchTx(ctx, tx), batch)
			return err
		})
	} else {
		if err != nil {
			err = s.fail(op, err)
		}
		s.health.record(err)
	}
	if err != nil {
		return nil, err
	}
	s.stats.batches.Add(1)
	s.stats.messages.Add(int64(n))
	s.onAppendBatch(n, time.Since(start))
	return outs, nil
}

// tryPipelined sends the pipeline on a connection of the pool and reads
// its results; errStoredDuplicate when the guard fired (nothing written).
func (s *Store) tryPipelined(ctx context.Context, batch []*appendRequest) ([][]store.C2CAppended, error) {
	if s.failAppend != nil {
		var all []store.C2CAppend
		for _, req := range batch {
			all = append(all, req.msgs...)
		}
		if err := s.failAppend(all); err != nil {
			return nil, err
		}
	}
	p := planPostgresBatch(batch)
	if len(p.fresh) == 0 {
		// A batch of only duplicates of itself cannot happen (the first
		// of them is new), so this batch holds no message.
		return outcomes(batch, p.msgs), nil
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("connection is a %T, not pgx's", driverConn)
		}
		return p.run(ctx, pc.Conn())
	})
	if err != nil {
		return nil, err
	}
	s.reportRows(p)
	return outcomes(batch, p.msgs), nil
}

// run sends the pipeline and, once it committed, numbers the new messages.
func (p *pgBatch) run(ctx context.Context, conn *pgx.Conn) error {
	var b pgx.Batch
	p.queueCounters(&b)
	guarded := p.hasDedup()
	if guarded {
		p.queueGuard(&b)
	}
	p.queueMessages(&b)
	p.queueConversations(&b)
	br := conn.SendBatch(ctx, &b)
	end, err := readCounters(br)
	if err == nil && guarded {
		_, err = br.Exec()
		if isStoredDuplicate(err) {
			err = errStoredDuplicate
		}
	}
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		_, err = br.Exec()
	}
	// Close reads up to the Sync, where the implicit transaction commits:
	// only its error says whether the batch is durable.
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	p.number(end)
	return nil
}

// readCounters reads statement 1's counter values.
func readCounters(br pgx.BatchResults) (map[counterKey]int64, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	end := make(map[counterKey]int64)
	for rows.Next() {
		var (
			k counterKey
			v int64
		)
		if err := rows.Scan(&k.app, &k.kind, &k.key, &v); err != nil {
			return nil, err
		}
		end[k] = v
	}
	return end, rows.Err()
}

// number sets the new messages' seqs and sync seqs from the counters'
// values, as the statements computed them.
func (p *pgBatch) number(end map[counterKey]int64) {
	seq := func(k counterKey, rank int64) uint64 { return uint64(end[k] - p.demand[k] + rank) }
	for i, m := range p.fresh {
		m.msg.Seq = seq(m.convCounter(), p.crank[i])
		m.toSync = seq(counterKey{m.app, counterSync, m.msg.To}, p.trank[i])
		if p.frank[i] > 0 {
			m.fromSync = seq(counterKey{m.app, counterSync, m.msg.From}, p.frank[i])
		}
	}
}

func (p *pgBatch) queueCounters(b *pgx.Batch) {
	apps := make([]int64, len(p.keys))
	kinds := make([]int32, len(p.keys))
	keys := make([]string, len(p.keys))
	demand := make([]int64, len(p.keys))
	for i, k := range p.keys {
		apps[i], kinds[i], keys[i], demand[i] = k.app, int32(k.kind), k.key, p.demand[k]
	}
	b.Queue(pgBumpCounters, apps, kinds, keys, demand)
}

// queueGuard checks every dedup key of the batch (new messages and those
// resolved as duplicates of the batch alike: a stored message comes
// first) over the widest window asked for it.
func (p *pgBatch) queueGuard(b *pgx.Batch) {
	since := make(map[dedupKey]int64)
	for _, m := range p.msgs {
		if m.since == 0 {
			continue
		}
		k := m.dedupKey()
		if s, ok := since[k]; !ok || m.since < s {
			since[k] = m.since
		}
	}
	var (
		apps, randoms, sinces []int64
		los, his, froms       []string
	)
	for k, s := range since {
		apps, los, his, froms = append(apps, k.app), append(los, k.lo), append(his, k.hi), append(froms, k.from)
		randoms, sinces = append(randoms, int64(k.random)), append(sinces, s)
	}
	b.Queue(pgDuplicateGuard, apps, los, his, froms, randoms, sinces)
}

func (p *pgBatch) queueMessages(b *pgx.Batch) {
	n := len(p.fresh)
	var (
		apps, cdemand, randoms, sentAt, clientSeq = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		tdemand, fdemand                          = make([]int64, n), make([]int64, n)
		los, his, ckeys, froms, tos               = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		docs                                      = make([][]byte, n)
		states                                    = make([]int32, n)
		unread, senderSync, noLast                = make([]bool, n), make([]bool, n), make([]bool, n)
	)
	for i, m := range p.fresh {
		ck := m.convCounter()
		apps[i], los[i], his[i], ckeys[i], cdemand[i] = m.app, m.lo, m.hi, ck.key, p.demand[ck]
		froms[i], tos[i], randoms[i], sentAt[i] = m.msg.From, m.msg.To, int64(m.msg.Random), m.msg.Time
		clientSeq[i], docs[i], states[i] = int64(m.msg.ClientSeq), m.msg.Doc, int32(m.msg.State)
		unread[i], senderSync[i], noLast[i] = m.msg.Unread, m.msg.SenderSync, m.msg.NoLastMsg
		tdemand[i] = p.demand[counterKey{m.app, counterSync, m.msg.To}]
		if p.frank[i] > 0 {
			fdemand[i] = p.demand[counterKey{m.app, counterSync, m.msg.From}]
		}
	}
	b.Queue(pgInsertMessages, apps, los, his, ckeys, cdemand, p.crank, froms, tos, randoms, sentAt,
		clientSeq, docs, states, unread, senderSync, noLast, tdemand, p.trank, fdemand, p.frank)
}

// queueConversations aggregates the new messages per conversation row with
// conversationUpdates, fed the messages' ranks as seqs: a row's last and
// highest ranks become seqs in SQL.
func (p *pgBatch) queueConversations(b *pgx.Batch) {
	for i, m := range p.fresh {
		m.msg.Seq = uint64(p.crank[i]) // numbered for real by number
	}
	rows := conversationUpdates(p.fresh)
	n := len(rows)
	p.convRows = n
	var (
		apps, cdemand, lastRank, lastTime = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		maxRank, unread, updatedAt        = make([]int64, n), make([]int64, n), make([]int64, n)
		owners, convIDs, ckeys            = make([]string, n), make([]string, n), make([]string, n)
		kinds                             = make([]int32, n)
	)
	for i, c := range rows {
		// An append's rows are C2C conversations: conv.ID is the peer.
		lo, hi := conversationPair(c.owner, c.conv.ID)
		ck := counterKey{c.app, counterConversation, conversationCounterKey(lo, hi)}
		apps[i], owners[i], kinds[i], convIDs[i] = c.app, c.owner, int32(c.conv.Kind), c.conv.ID
		ckeys[i], cdemand[i] = ck.key, p.demand[ck]
		lastRank[i], lastTime[i], maxRank[i] = int64(c.lastSeq), c.lastTime, int64(c.maxSeq)
		unread[i], updatedAt[i] = c.unread, c.updatedAt()
	}
	b.Queue(pgUpsertConversations, apps, owners, kinds, convIDs, ckeys, cdemand, lastRank, lastTime, maxRank, unread, updatedAt)
}

// reportRows counts what a committed pipeline wrote, as appendBatch does.
func (s *Store) reportRows(p *pgBatch) {
	if s.onRows == nil {
		return
	}
	syncRows := len(p.fresh)
	for _, f := range p.frank {
		if f > 0 {
			syncRows++
		}
	}
	s.onRows("c2c_messages", len(p.fresh))
	s.onRows("user_sync", syncRows)
	s.onRows("conversations", p.convRows)
}

// isStoredDuplicate reports whether err is the guard's.
func isStoredDuplicate(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "22P02" && strings.Contains(pe.Message, pgStoredDuplicateMarker)
}
