package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// Group commit. AppendC2C does not write itself: it queues an
// appendRequest for the Store's one batcher goroutine and waits. The batcher
// takes the first request and everything else already queued, up to
// maxBatchMessages messages (a request is never split), and writes them in
// one transaction (appendBatch), then answers every caller. No timer: while
// a commit waits for the disk, the next batch piles up in the queue, so
// batches grow with the load and a lone caller waits for one commit only.
//
// A caller whose context ends while its request is still queued withdraws
// it (the batcher skips it) and gets the context's error; once the batcher
// has claimed the request, it is written and the caller gets the outcome.
//
// When a batch of several requests fails, each request is retried alone in
// its own transaction and answered with its own outcome, so one bad request
// (or a transient error such as a PostgreSQL deadlock) cannot fail the
// others; a request that fails alone gets its error.
//
// Lifecycle: Open starts the batcher; Close first waits for every call in
// flight (a queued AppendC2C is one), so the queue holds no live request
// when it stops the batcher.

const (
	// maxBatchMessages is where the batcher stops adding requests to a
	// batch (measured here: ~100 messages per commit reach SQLite's ceiling).
	maxBatchMessages = 256
	// appendQueueLen bounds the requests waiting for the batcher; callers
	// block (until their context ends) when it is full.
	appendQueueLen = 4 * maxBatchMessages
	// batchTimeout bounds one batch transaction; callers' contexts do not
	// apply to a batch shared with others.
	batchTimeout = time.Minute
)

// Request states: a request moves from queued to claimed (by the batcher)
// or to withdrawn (by its caller), never both.
const (
	requestQueued int32 = iota
	requestClaimed
	requestWithdrawn
)

// appendRequest is one AppendC2C call waiting for the batcher.
type appendRequest struct {
	sdkAppID uint64
	msgs     []store.C2CAppend
	state    atomic.Int32
	done     chan appendResult // buffered; receives exactly one result once claimed
}

type appendResult struct {
	out []store.C2CAppended
	err error
}

// batchStats counts committed batches (benchmarks report the average size).
type batchStats struct {
	batches  atomic.Int64
	messages atomic.Int64
}

func (s *Store) startBatcher() {
	s.appends = make(chan *appendRequest, appendQueueLen)
	s.ops = make(chan *writeOp, maxOpsPerTransaction)
	s.moveAsked = make(chan struct{}, 1)
	s.movedCh = make(chan struct{})
	s.journal = newJournalState()
	s.stopBatcher = make(chan struct{})
	s.batcherDone = make(chan struct{})
	if s.dialect.cacheAppendStatements {
		s.appendStmts = newStmtCache(s.write)
	}
	go s.runWriter()
}

// stopBatcherAndWait ends the batcher; Close calls it when no call is in
// flight.
func (s *Store) stopBatcherAndWait() {
	close(s.stopBatcher)
	<-s.batcherDone
}

// AppendC2C stores the messages atomically through the group commit: it
// returns once the batch holding them is committed (durable: SQLite runs
// with synchronous=FULL unless configured otherwise). See the port for the
// contract and appendBatch for how seqs are assigned.
func (s *Store) AppendC2C(ctx context.Context, sdkAppID uint64, msgs []store.C2CAppend) ([]store.C2CAppended, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.inflight.Done()
	op := fmt.Sprintf("append %d C2C messages to app %d", len(msgs), sdkAppID)
	if err := ctx.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	if len(msgs) == 0 {
		return []store.C2CAppended{}, nil
	}
	for _, m := range msgs {
		if m.Msg.From == "" || m.Msg.To == "" {
			return nil, fmt.Errorf("sqlstore: %s: a message needs a From and a To", op)
		}
	}
	req := &appendRequest{sdkAppID: sdkAppID, msgs: msgs, done: make(chan appendResult, 1)}
	select {
	case s.appends <- req:
		store.NotifyQueued(ctx) // the batcher takes requests in channel order
	case <-ctx.Done():
		return nil, s.fail(op, ctx.Err())
	}
	select {
	case res := <-req.done:
		return res.out, res.err
	case <-ctx.Done():
		if req.state.CompareAndSwap(requestQueued, requestWithdrawn) {
			return nil, s.fail(op, ctx.Err())
		}
		res := <-req.done // claimed: the batch completes either way
		return res.out, res.err
	}
}

// collect returns first and the requests queued behind it, up to about
// maxBatchMessages messages.
func (s *Store) collect(first *appendRequest) []*appendRequest {
	batch := []*appendRequest{first}
	n := len(first.msgs)
	for n < maxBatchMessages {
		select {
		case req := <-s.appends:
			batch = append(batch, req)
			n += len(req.msgs)
		default:
			return batch
		}
	}
	return batch
}

// claim keeps the requests whose callers still wait, marking them claimed.
func (s *Store) claim(batch []*appendRequest) []*appendRequest {
	kept := batch[:0]
	for _, req := range batch {
		if req.state.CompareAndSwap(requestQueued, requestClaimed) {
			kept = append(kept, req)
		}
	}
	return kept
}

// commit writes the batch in one transaction and answers every request;
// when that fails and the batch holds several requests, it retries each
// alone (see the file comment).
func (s *Store) commit(batch []*appendRequest) {
	outs, err := s.appendTx(batch)
	if err == nil || len(batch) == 1 {
		for i, req := range batch {
			if err != nil {
				req.done <- appendResult{err: err}
			} else {
				req.done <- appendResult{out: outs[i]}
			}
		}
		return
	}
	s.log.Warn("C2C append batch failed; retrying its requests one by one",
		"requests", len(batch), "error", err)
	for _, req := range batch {
		outs, err := s.appendTx([]*appendRequest{req})
		if err != nil {
			req.done <- appendResult{err: err}
		} else {
			req.done <- appendResult{out: outs[0]}
		}
	}
}

// appendTx runs appendBatch in one transaction and returns the outcomes of
// each request, or the translated error.
func (s *Store) appendTx(batch []*appendRequest) ([][]store.C2CAppended, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	n := 0
	for _, req := range batch {
		n += len(req.msgs)
	}
	op := fmt.Sprintf("append %d C2C messages", n)
	if len(batch) == 1 {
		op = fmt.Sprintf("append %d C2C messages to app %d", n, batch[0].sdkAppID)
	}
	if s.dialect.pipelineAppends {
		return s.appendPipelined(batch, op, n)
	}
	var (
		outs [][]store.C2CAppended
		kept *journaled
	)
	start := time.Now()
	err := s.runTx(ctx, op, func(tx *sql.Tx) error {
		if s.failAppend != nil {
			var all []store.C2CAppend
			for _, req := range batch {
				all = append(all, req.msgs...)
			}
			if err := s.failAppend(all); err != nil {
				return err
			}
		}
		b := s.newBatchTx(ctx, tx)
		var err error
		if s.dialect.journal {
			outs, kept, err = s.journal.journalAppend(b, batch)
			return err
		}
		outs, err = appendBatch(b, batch)
		return err
	})
	if kept != nil {
		if err != nil {
			s.journal.undo(kept)
		} else {
			s.journal.keep(kept, time.Now())
			s.journalHead.Store(s.journal.lastID)
		}
	}
	if err != nil {
		return nil, err
	}
	s.stats.batches.Add(1)
	s.stats.messages.Add(int64(n))
	s.onAppendBatch(n, time.Since(start))
	return outs, nil
}
