package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/parley-im/parley/internal/store"
	"sync/atomic"
	"time"
)

// The writer. On SQLite one goroutine owns the write connection and every
// write goes through it: C2C appends (group-committed, batcher.go, and
// journaled, journal.go), moves of the journal, and every other write
// transaction of the store (writeOp: read positions, updates and deletes
// of messages, conversations, accounts, profiles, apps, ...). Each loop it
// takes everything queued: first the appends, in one transaction; then,
// when the journal is due to move (or is empty and operations wait), one
// more transaction that moves the journal and runs the waiting operations,
// each inside a savepoint of its own, so that a failing operation fails
// alone. Operations wait for the move like readers do (moveMinDelay while
// appends keep coming): they must see the messages journaled before them,
// and a move per operation would shrink the moves to nothing under load. Without
// the writer, every such write would be a transaction of its own racing
// the appends for the one connection, which database/sql hands to a
// random waiter.
//
// On PostgreSQL writes run in the callers' transactions (several nodes
// write anyway) and the writer only group-commits appends.

// maxOpsPerTransaction bounds the operations run in one transaction.
const maxOpsPerTransaction = 256

// writeOp is one write transaction's work, queued for the writer.
type writeOp struct {
	ctx   context.Context
	name  string
	fn    func(tx *sql.Tx) error
	state atomic.Int32 // requestQueued, requestClaimed or requestWithdrawn
	done  chan error   // buffered; receives exactly one result once claimed
	err   error        // fn's outcome, sent once the transaction commits
}

// writeTx runs fn in a write transaction and commits it, as a call of the
// store (see enter). op names the operation in errors; errors from fn are
// translated by fail, so fn may return driver errors or store sentinels.
// On SQLite fn runs in the writer goroutine inside a transaction it may
// share with other operations (under a savepoint of its own); a caller
// whose ctx ends while fn is still queued withdraws it.
func (s *Store) writeTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.inflight.Done()
	if !s.dialect.journal {
		return s.runTx(ctx, op, fn)
	}
	w := &writeOp{ctx: ctx, name: op, fn: fn, done: make(chan error, 1)}
	select {
	case s.ops <- w:
		store.NotifyQueued(ctx) // the writer runs operations in queue order
	case <-ctx.Done():
		return s.fail(op, ctx.Err())
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		if w.state.CompareAndSwap(requestQueued, requestWithdrawn) {
			return s.fail(op, ctx.Err())
		}
		return <-w.done
	}
}

// runWriter is the writer goroutine.
func (s *Store) runWriter() {
	defer close(s.batcherDone)
	defer s.appendStmts.close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var (
			appends []*appendRequest
			ops     []*writeOp
		)
		select {
		case first := <-s.appends:
			appends = s.collect(first)
		case w := <-s.ops:
			ops = append(ops, w)
		case <-s.moveAsked:
		case <-timer.C:
		case <-s.stopBatcher:
			if len(s.pendingOps) > 0 || len(s.journal.tail) > 0 && !s.holdJournal {
				s.moveAndRun(s.pendingOps)
			}
			return
		}
		if len(appends) == 0 {
			appends = s.collectQueued()
		}
		ops = s.collectOps(ops)
		if batch := s.claim(appends); len(batch) > 0 {
			s.commit(batch)
			s.appendStmts.prepareMissed(context.Background())
		}
		s.pendingOps = append(s.pendingOps, claimOps(ops)...)
		if s.moveDue() || len(s.pendingOps) > 0 && len(s.journal.tail) == 0 {
			s.moveAndRun(s.pendingOps)
			clear(s.pendingOps)
			s.pendingOps = s.pendingOps[:0]
			s.appendStmts.prepareMissed(context.Background())
		}
		s.armMoveTimer(timer)
	}
}

// collectQueued takes the appends already queued, if any.
func (s *Store) collectQueued() []*appendRequest {
	select {
	case first := <-s.appends:
		return s.collect(first)
	default:
		return nil
	}
}

// collectOps adds the operations already queued to ops, up to
// maxOpsPerTransaction.
func (s *Store) collectOps(ops []*writeOp) []*writeOp {
	for len(ops) < maxOpsPerTransaction {
		select {
		case w := <-s.ops:
			ops = append(ops, w)
		default:
			return ops
		}
	}
	return ops
}

// claimOps keeps the operations whose callers still wait.
func claimOps(ops []*writeOp) []*writeOp {
	kept := ops[:0]
	for _, w := range ops {
		if w.state.CompareAndSwap(requestQueued, requestClaimed) {
			kept = append(kept, w)
		}
	}
	return kept
}

// moveDue reports whether the journal should be moved now: it is long or
// old, or someone waits for it and the move would not cut an append burst
// short.
func (s *Store) moveDue() bool {
	j := &s.journal
	if len(j.tail) == 0 || s.holdJournal {
		return false
	}
	age := time.Since(j.since)
	switch {
	case len(j.tail) >= moveMaxMessages, age >= moveMaxDelay:
		return true
	case s.moveWaiters.Load() > 0 || len(s.pendingOps) > 0:
		return len(s.appends) == 0 || age >= moveMinDelay
	}
	return false
}

// armMoveTimer wakes the writer when the journal will be due.
func (s *Store) armMoveTimer(t *time.Timer) {
	t.Stop()
	j := &s.journal
	if len(j.tail) == 0 {
		return
	}
	wait := moveMaxDelay - time.Since(j.since)
	if s.moveWaiters.Load() > 0 || len(s.pendingOps) > 0 {
		wait = min(wait, moveMinDelay-time.Since(j.since))
	}
	t.Reset(max(wait, 0))
}

// moveAndRun moves the journal (if it holds anything) and runs ops, in one
// transaction when it can. If that transaction fails, the move is retried
// alone (and otherwise left for later) and the operations run in a
// transaction of their own, so that neither keeps the other from being
// written.
func (s *Store) moveAndRun(ops []*writeOp) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	tail := s.journal.tail[:min(len(s.journal.tail), moveChunk)]
	if s.holdJournal {
		tail = nil
	}
	var lastID int64
	if len(tail) > 0 {
		lastID = tail[len(tail)-1].journalID
	}
	start := time.Now()
	err := s.runTx(ctx, "write", func(tx *sql.Tx) error {
		if len(tail) > 0 {
			if err := moveJournal(s.newBatchTx(ctx, tx), tail, lastID); err != nil {
				return fmt.Errorf("move %d journaled messages: %w", len(tail), err)
			}
		}
		return s.runOps(tx, ops)
	})
	if err == nil {
		s.finishMove(len(tail), len(ops) > 0)
		answer(ops, nil)
		if s.onMove != nil {
			s.onMove(len(tail), len(ops), time.Since(start))
		}
		return
	}
	if len(tail) > 0 {
		s.log.Warn("moving the C2C journal failed; retrying it alone", "messages", len(tail), "error", err)
		if merr := s.runTx(ctx, "move the C2C journal", func(tx *sql.Tx) error {
			return moveJournal(s.newBatchTx(ctx, tx), tail, lastID)
		}); merr == nil {
			s.finishMove(len(tail), false)
		}
	}
	if len(ops) == 0 {
		return
	}
	err = s.runTx(ctx, "write", func(tx *sql.Tx) error { return s.runOps(tx, ops) })
	if err == nil {
		s.finishMove(0, true)
	}
	answer(ops, err)
}

// runOps runs each operation under a savepoint, keeping its outcome in
// w.err: a failed operation is rolled back to its savepoint and the
// others go on. Only a failure to manage savepoints fails the transaction.
func (s *Store) runOps(tx *sql.Tx, ops []*writeOp) error {
	for _, w := range ops {
		if _, err := tx.ExecContext(w.ctx, `SAVEPOINT op`); err != nil {
			if w.ctx.Err() != nil {
				w.err = s.fail(w.name, w.ctx.Err())
				continue
			}
			return err
		}
		if err := w.fn(tx); err != nil {
			w.err = s.fail(w.name, err)
			s.health.record(w.err)
			if _, rerr := tx.Exec(`ROLLBACK TO op`); rerr != nil {
				return rerr
			}
		} else {
			w.err = nil
		}
		if _, err := tx.Exec(`RELEASE op`); err != nil {
			return err
		}
	}
	return nil
}

// answer gives each operation its outcome: its own, or err when the
// transaction did not commit.
func answer(ops []*writeOp, err error) {
	for _, w := range ops {
		if err != nil {
			w.done <- err
		} else {
			w.done <- w.err
		}
	}
}

// finishMove records that the first moved messages of the journal's tail
// were moved and wakes the readers waiting for them. Operations may have
// raised counters in seq_counters (revision entries), so after them the
// writer reloads its counters.
func (s *Store) finishMove(moved int, ranOps bool) {
	if moved > 0 {
		s.movedUpTo.Store(s.journal.tail[moved-1].journalID)
		s.journal.moved(moved)
		s.moveMu.Lock()
		close(s.movedCh)
		s.movedCh = make(chan struct{})
		s.moveMu.Unlock()
	}
	if ranOps {
		clear(s.journal.counters)
	}
}

// awaitMoved returns once every message journaled before the call has
// been moved into the message tables (at once on PostgreSQL, which has no
// journal), or when ctx ends. Readers of those tables call it first.
func (s *Store) awaitMoved(ctx context.Context) error {
	if !s.dialect.journal {
		return nil
	}
	target := s.journalHead.Load()
	if s.movedUpTo.Load() >= target {
		return nil
	}
	s.moveWaiters.Add(1)
	defer s.moveWaiters.Add(-1)
	for {
		s.moveMu.Lock()
		ch := s.movedCh
		s.moveMu.Unlock()
		if s.movedUpTo.Load() >= target {
			return nil
		}
		select {
		case s.moveAsked <- struct{}{}:
		default:
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// newBatchTx wraps the writer's transaction for the append and move code.
func (s *Store) newBatchTx(ctx context.Context, tx *sql.Tx) *batchTx {
	return &batchTx{ctx: ctx, tx: tx, d: s.dialect, cache: s.appendStmts, onRows: s.onRows}
}

// readMoved is readQuery for the tables the journal is moved into: it
// first waits until the messages journaled before the call are there.
func (s *Store) readMoved(ctx context.Context, op string, fn func(db queryer) error) error {
	if err := s.awaitMoved(ctx); err != nil {
		return s.fail(op, err)
	}
	return s.readQuery(ctx, op, fn)
}
