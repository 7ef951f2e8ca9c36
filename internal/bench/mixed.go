package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/parley-im/parley/pkg/protocol"
	"sync"
	"sync/atomic"
	"time"
)

// mixedScenario is c2c with the other traffic of a chat beside the sends:
// each user marks its conversation read (mark_read, a write) and reads
// its history (c2c_history) in proportion to the messages it receives, so
// the run shows whether appends keep their rate while other writes and
// reads compete for the store. It keeps every check of c2c and adds its
// own: every mark_read moves the read position at least as far as asked,
// and every history page is newest first, of the pair's conversation, and
// holds the newest message its reader had already been acknowledged or
// delivered.
type mixedScenario struct {
	c2cScenario
	markRead float64 // mark_reads per message delivered
	history  float64 // history pages per message delivered
	page     int     // messages per history page
}

func (s *mixedScenario) Name() string { return "mixed" }

func (s *mixedScenario) Summary() string {
	return "c2c plus mark_read and c2c_history at fractions of the messages received; the rate and latency of each, loss, duplicates, gaps"
}

func (s *mixedScenario) Flags(fs *flag.FlagSet) {
	s.c2cScenario.Flags(fs)
	fs.Float64Var(&s.markRead, "mark-read", 0.5, "mark_reads per message delivered (0.5: at half the send rate)")
	fs.Float64Var(&s.history, "history", 0.1, "c2c_history pages read per message delivered")
	fs.IntVar(&s.page, "history-count", 20, "messages per history page (1..100)")
}

func (s *mixedScenario) check() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"mark-read", s.markRead}, {"history", s.history}} {
		if f.v < 0 || f.v > maxSidePerMessage {
			errs = append(errs, fmt.Errorf("--%s %g: want 0..%d", f.name, f.v, maxSidePerMessage))
		}
	}
	return errors.Join(append(errs, s.c2cScenario.check(), checkRange("history-count", s.page, 1, 100))...)
}

// maxSidePerMessage bounds --mark-read and --history: the requests one
// delivered message may cause of each kind.
const maxSidePerMessage = 4

func (s *mixedScenario) Run(ctx context.Context, env *Env) (Report, error) {
	r := newReport(s.Name())
	if err := s.check(); err != nil {
		return r, err
	}
	r.Params = s.params()
	r.Params["mark_read_per_msg"] = s.markRead
	r.Params["history_per_msg"] = s.history
	r.Params["history_count"] = s.page
	run := s.newRun(env)
	run.side = &sideLoad{markRead: s.markRead, history: s.history, page: s.page,
		marks: sideKind{cmd: protocol.CmdMarkRead}, pages: sideKind{cmd: protocol.CmdC2CHistory}}
	for _, u := range run.users {
		u.side = &sideUser{notify: make(chan struct{}, 1), slots: make(chan struct{}, cap(u.slots))}
	}
	return r, run.measure(ctx, env, &r)
}

// sideLoad is the mark-reads and history reads of a mixed run.
type sideLoad struct {
	markRead, history float64
	page              int

	marks, pages       sideKind
	markShort          atomic.Int64 // answered with ReadSeq below UpToSeq
	pageStale, pageBad atomic.Int64 // see checkPage
	late               atomic.Int64 // answered after the drain
}

// sideKind is what the run counts of one kind of side request.
type sideKind struct {
	cmd              string
	answered, failed atomic.Int64
	latency          Histogram // request to answer
}

// sideUser is one user's side traffic. The user's side goroutine issues
// the requests; the connection's read goroutine records what the user saw.
type sideUser struct {
	notify chan struct{} // capacity 1: a message was delivered
	slots  chan struct{} // one per unanswered side request
	seen   atomic.Uint64 // highest seq acknowledged or delivered to the user
	got    atomic.Uint64 // highest seq delivered to the user

	marks, pages int64 // requests issued; the side goroutine's
	nextIsPage   bool  // the side goroutine's: alternate when both are owed
}

// saw records a sequence number acknowledged to the user's send or
// (delivered) received by the user, on the connection's read goroutine.
func (su *sideUser) saw(seq uint64, delivered bool) {
	raise(&su.seen, seq)
	if delivered {
		raise(&su.got, seq)
	}
}

// wake tells the side goroutine that a delivery was counted.
func (su *sideUser) wake() {
	select {
	case su.notify <- struct{}{}:
	default:
	}
}

// raise sets v to n if n is larger.
func raise(v *atomic.Uint64, n uint64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// start runs one side goroutine per user until ctx ends or the returned
// function is called, which waits for them.
func (sl *sideLoad) start(ctx context.Context, run *c2cRun) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, u := range run.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sl.loop(ctx, run, u)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// loop issues the user's mark-reads and history reads as the messages it
// receives earn them, at most the user's slots unanswered.
func (sl *sideLoad) loop(ctx context.Context, run *c2cRun, u *c2cUser) {
	su := u.side
	for {
		delivered := float64(u.delivered.Load())
		owedMarks := int64(delivered*sl.markRead) - su.marks
		owedPages := int64(delivered*sl.history) - su.pages
		if owedMarks <= 0 && owedPages <= 0 {
			select {
			case <-su.notify:
				continue
			case <-ctx.Done():
				return
			}
		}
		select {
		case su.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		page := owedPages > 0 && (owedMarks <= 0 || su.nextIsPage)
		su.nextIsPage = !page
		var err error
		if page {
			su.pages++
			err = sl.readHistory(run, u)
		} else {
			su.marks++
			err = sl.sendMarkRead(run, u)
		}
		if err != nil { // the connection has ended: c2c's checks report it
			<-su.slots
			return
		}
	}
}

// request sends one request of kind k on u's connection, holding one of
// u's side slots, which the answer frees. An answer in time and without
// error is counted, its latency recorded and its data handed to check (on
// the connection's read goroutine).
func (sl *sideLoad) request(run *c2cRun, u *c2cUser, k *sideKind, data any, check func(json.RawMessage)) error {
	at := time.Now()
	return u.conn.Go(k.cmd, data, func(a Answer, err error) {
		defer func() { <-u.side.slots }()
		if err == nil && a.Code != 0 {
			err = &ServerError{Code: a.Code, Info: a.Info}
		}
		switch {
		case run.frozen.Load():
			sl.late.Add(1)
		case err != nil:
			run.errors.addKey(k.cmd + ": " + reason(err))
			k.failed.Add(1)
		default:
			k.latency.Record(time.Since(at))
			k.answered.Add(1)
			check(a.Data)
		}
	})
}

// sendMarkRead marks the user's conversation read up to the newest message
// it received; the answer must show the read position at least there.
func (sl *sideLoad) sendMarkRead(run *c2cRun, u *c2cUser) error {
	upTo := u.side.got.Load()
	return sl.request(run, u, &sl.marks, map[string]any{"Peer": u.peer, "UpToSeq": upTo}, func(data json.RawMessage) {
		var c struct {
			ReadSeq uint64 `json:"ReadSeq"`
		}
		if json.Unmarshal(data, &c) != nil || c.ReadSeq < upTo {
			sl.markShort.Add(1)
		}
	})
}

// readHistory reads the newest page of the user's conversation and checks
// it against what the user had seen when asking (checkPage).
func (sl *sideLoad) readHistory(run *c2cRun, u *c2cUser) error {
	seen := u.side.seen.Load()
	return sl.request(run, u, &sl.pages, map[string]any{"Peer": u.peer, "Count": sl.page}, func(data json.RawMessage) {
		var p struct {
			Messages []deliveredMessage `json:"Messages"`
		}
		if json.Unmarshal(data, &p) != nil {
			sl.pageBad.Add(1)
			return
		}
		stale, bad := checkPage(p.Messages, u.name, u.peer, seen, sl.page)
		if stale {
			sl.pageStale.Add(1)
		}
		if bad {
			sl.pageBad.Add(1)
		}
	})
}

// deliveredMessage is a message of a history page as the bench reads it.
type deliveredMessage = protocol.Message[json.RawMessage]

// checkPage judges the newest history page of the conversation of user
// and peer, read once the user had seen seq seen: it is stale when it
// lacks a message at or after seen, and bad when it is not newest first
// with distinct numbers, holds another conversation's message or more than
// count.
func checkPage(msgs []deliveredMessage, user, peer string, seen uint64, count int) (stale, bad bool) {
	stale = seen > 0 && (len(msgs) == 0 || msgs[0].MsgSeq < seen)
	bad = len(msgs) > count
	for i, m := range msgs {
		ours := (m.From == user && m.To == peer) || (m.From == peer && m.To == user)
		if !ours || m.MsgSeq == 0 || (i > 0 && m.MsgSeq >= msgs[i-1].MsgSeq) {
			bad = true
		}
	}
	return stale, bad
}

// report adds the side traffic's counts, rates, latencies and checks.
func (sl *sideLoad) report(r *Report, users []*c2cUser) {
	c := r.Counts
	var issued int64
	for _, u := range users { // their side goroutines have ended
		issued += u.side.marks + u.side.pages
	}
	c["mark_read"] = sl.marks.answered.Load()
	c["mark_read_failed"] = sl.marks.failed.Load()
	c["mark_read_short"] = sl.markShort.Load()
	c["history_pages"] = sl.pages.answered.Load()
	c["history_failed"] = sl.pages.failed.Load()
	c["history_stale"] = sl.pageStale.Load()
	c["history_malformed"] = sl.pageBad.Load()
	c["after_drain"] += sl.late.Load()
	c["side_unanswered"] = issued - c["mark_read"] - c["mark_read_failed"] - c["history_pages"] - c["history_failed"]
	r.Rates["mark_read"] = float64(c["mark_read"]) / r.Elapsed
	r.Rates["history_pages"] = float64(c["history_pages"]) / r.Elapsed
	r.Latency["mark_read"] = sl.marks.latency.Summary()
	r.Latency["history_page"] = sl.pages.latency.Summary()
	r.failIf(c["mark_read_failed"]+c["history_failed"], "mark_read or c2c_history requests failed (see errors)")
	r.failIf(c["side_unanswered"], "mark_read or c2c_history requests not answered by the end of the drain")
	r.failIf(c["mark_read_short"], "mark_reads left the read position below the message asked for")
	r.failIf(c["history_stale"], "history pages lacked a message their reader had already been acknowledged or delivered")
	r.failIf(c["history_malformed"], "history pages were not newest first, held another conversation's message or too many")
	if sl.markRead > 0 && c["mark_read"] == 0 {
		r.fail("no mark_read was answered")
	}
	if sl.history > 0 && c["history_pages"] == 0 {
		r.fail("no history page was answered")
	}
}
