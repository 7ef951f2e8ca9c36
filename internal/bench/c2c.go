package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// c2cScenario: P pairs of users, each user sending to the other through
// send_c2c over its own connection, at a total rate (open loop) or with W
// sends in flight per user (closed loop). It checks that every
// acknowledged message was delivered exactly once and that each
// conversation's sequence numbers are gapless.
type c2cScenario struct {
	pairs    int
	rate     float64
	inflight int
	duration time.Duration
	count    int
	drain    time.Duration
	size     int
}

// openLoopInflight caps the sends one user has unacknowledged in an open
// loop run; a sender that reaches it waits, and its latency, measured from
// the scheduled send time, shows the wait.
const openLoopInflight = 1024

func (s *c2cScenario) Name() string { return "c2c" }

func (s *c2cScenario) Summary() string {
	return "P pairs exchanging messages over WebSocket; msgs/s, send->ack and send->deliver latency, bytes and rows written per message, loss, duplicates, gaps"
}

func (s *c2cScenario) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.pairs, "pairs", 10, "pairs of users; both users of a pair send to each other")
	fs.Float64Var(&s.rate, "rate", 0, "open loop: messages per second in total (0: closed loop, see --inflight)")
	fs.IntVar(&s.inflight, "inflight", 1, "closed loop: unacknowledged sends per user")
	fs.DurationVar(&s.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&s.count, "count", 1_000_000, "at most this many messages in total")
	fs.DurationVar(&s.drain, "drain", 5*time.Second, "after sending, how long to wait for acknowledgements and deliveries")
	fs.IntVar(&s.size, "size", 100, "bytes of text per message")
}

func (s *c2cScenario) check() error {
	var errs []error
	if s.rate < 0 || s.rate > 1e6 {
		errs = append(errs, fmt.Errorf("--rate %g: want 0..1000000", s.rate))
	}
	return errors.Join(append(errs,
		checkRange("pairs", s.pairs, 1, maxConnections/2),
		checkRange("inflight", s.inflight, 1, openLoopInflight),
		checkDuration("duration", s.duration),
		checkDuration("drain", s.drain),
		checkRange("count", s.count, 1, maxMessages),
		checkRange("size", s.size, 1, 8000),
	)...)
}

// c2cUser is one user of a pair: its connection, what it sent and what it
// received. The fields without atomics are touched only by the
// connection's read goroutine (acknowledgements and events) until the
// connection has ended.
type c2cUser struct {
	name, peer string
	conn       *Conn
	slots      chan struct{} // one per unacknowledged send
	random     uint32        // last MsgRandom; the sending goroutine's

	acked     seqSet // conversation seqs acknowledged to this user's sends
	got       seqSet // conversation seqs delivered to this user
	foreign   int64  // messages delivered that are not from the peer to this user
	dups      int64
	undecoded int64

	sent, nAcked, delivered atomic.Int64

	side *sideUser // the mixed scenario's reads and mark-reads; nil in c2c
}

// c2cRun is the state of one run.
type c2cRun struct {
	s      *c2cScenario
	users  []*c2cUser // pair i is users[2i] and users[2i+1]
	body   []protocol.Element
	budget atomic.Int64 // messages left to send
	errors errorCounter
	events errorCounter // events other than message, by name
	ackLat Histogram
	delLat Histogram
	// frozen is set at the end of the drain: what arrives later (while
	// the connections close) is counted in late, not checked.
	frozen atomic.Bool
	late   atomic.Int64
	// side, when set, runs mark-reads and history reads beside the sends
	// (the mixed scenario).
	side *sideLoad
}

func (s *c2cScenario) Run(ctx context.Context, env *Env) (Report, error) {
	r := newReport(s.Name())
	if err := s.check(); err != nil {
		return r, err
	}
	r.Params = s.params()
	return r, s.newRun(env).measure(ctx, env, &r)
}

// params returns the run's parameters for the report.
func (s *c2cScenario) params() map[string]any {
	mode := "closed"
	if s.rate > 0 {
		mode = "open"
	}
	return map[string]any{"pairs": s.pairs, "mode": mode, "rate": s.rate, "inflight": s.inflight,
		"duration": s.duration.String(), "count": s.count, "drain": s.drain.String(), "size": s.size}
}

// measure connects the users, runs the sending phase and the drain, and
// fills r: the checks, and the server's CPU and pipeline over the sending
// phase and its writes up to the end of the drain (when every
// acknowledged message has been written).
func (run *c2cRun) measure(ctx context.Context, env *Env, r *Report) error {
	if err := run.connect(ctx, env); err != nil {
		return err
	}
	before, _ := env.sampleServer(ctx)
	selfBefore := selfCPU()
	elapsed := run.send(ctx)
	after, _ := env.sampleServer(ctx)
	selfAfter := selfCPU()
	settled := run.wait(ctx)
	run.frozen.Store(true)
	drained, _ := env.sampleServer(ctx)
	conns := make([]*Conn, len(run.users))
	for i, u := range run.users {
		conns[i] = u.conn
	}
	dropped := closeAll(conns, 64)
	r.addErrors(dropped)
	run.report(r, elapsed, settled)
	if n := dropped.total(); n > 0 {
		r.fail("%d connections ended by the server during the run (see errors)", n)
	}
	r.addServerCPU(before, after, selfBefore, selfAfter, r.Elapsed, r.Counts["delivered"], "msgs")
	r.addPipeline(before, after, r.Elapsed)
	r.addWrites(before, drained, r.Counts["acknowledged"])
	return nil
}

func (s *c2cScenario) newRun(env *Env) *c2cRun {
	text := strings.Repeat("x", s.size)
	content, _ := json.Marshal(map[string]string{"Text": text})
	body := []protocol.Element{{MsgType: "TIMTextElem", MsgContent: content}}
	run := &c2cRun{s: s, body: body, users: make([]*c2cUser, 2*s.pairs)}
	run.budget.Store(int64(s.count))
	slots := s.inflight
	if s.rate > 0 {
		slots = openLoopInflight
	}
	for i := range run.users {
		run.users[i] = &c2cUser{
			name:  env.UserID("m", i),
			peer:  env.UserID("m", i^1),
			slots: make(chan struct{}, slots),
		}
	}
	return run
}

// connect creates the accounts and signs every user in.
func (run *c2cRun) connect(ctx context.Context, env *Env) error {
	names := make([]string, len(run.users))
	for i, u := range run.users {
		names[i] = u.name
	}
	setup, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	if err := env.CreateAccounts(setup, names); err != nil {
		return err
	}
	res := env.dialAll(setup, names, 0, 32, func(i int) DialOptions {
		u := run.users[i]
		return DialOptions{OnEvent: func(name string, data []byte) { run.onEvent(u, name, data) }}
	})
	for i, c := range res.conns {
		run.users[i].conn = c
	}
	if failed := int64(len(names)) - res.ok; failed > 0 {
		closeAll(res.conns, 64)
		return fmt.Errorf("c2c: %d of %d connections failed: %v", failed, len(names), res.errors.snapshot())
	}
	return nil
}

// send runs the senders until the duration or the count is reached, and
// returns how long sending took.
func (run *c2cRun) send(ctx context.Context) time.Duration {
	s := run.s
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(s.duration))
	defer cancel()
	stopSide := func() {}
	if run.side != nil {
		stopSide = run.side.start(ctx, run)
	}
	var wg sync.WaitGroup
	for i, u := range run.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.rate > 0 {
				run.openLoop(ctx, u, i, start)
			} else {
				run.closedLoop(ctx, u)
			}
		}()
	}
	wg.Wait()
	stopSide()
	return time.Since(start)
}

// closedLoop keeps the user's slots full until ctx ends or the budget is
// spent.
func (run *c2cRun) closedLoop(ctx context.Context, u *c2cUser) {
	for {
		select {
		case u.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		if ctx.Err() != nil || !run.sendOne(u, time.Now()) {
			<-u.slots
			return
		}
	}
}

// openLoop sends at the user's share of the rate, each send due at a fixed
// time whatever happened to the previous ones; the users' schedules are
// staggered so the sends spread evenly.
func (run *c2cRun) openLoop(ctx context.Context, u *c2cUser, i int, start time.Time) {
	perUser := run.s.rate / float64(len(run.users))
	p := pacer{start: start, interval: time.Duration(float64(time.Second) / perUser)}
	p.start = p.start.Add(p.interval * time.Duration(i) / time.Duration(len(run.users)))
	end := start.Add(run.s.duration)
	for n := int64(0); p.due(n).Before(end); n++ {
		due, ok := p.wait(ctx, n)
		if !ok {
			return
		}
		select {
		case u.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		if !run.sendOne(u, due) {
			<-u.slots
			return
		}
	}
}

// sendOne sends the user's next message, stamped with at (the send time
// the latencies are measured from), once the caller holds a slot, which
// the acknowledgement frees. It returns false when the budget is spent or
// the connection has ended.
func (run *c2cRun) sendOne(u *c2cUser, at time.Time) bool {
	if run.budget.Add(-1) < 0 {
		return false
	}
	u.random = rand.Uint32() // as real clients do; a counter would repeat the peer's
	data := protocol.SendC2CRequest{To: u.peer, MsgRandom: u.random, MsgBody: run.body, CloudCustomData: strconv.FormatInt(at.UnixNano(), 10)}
	err := u.conn.Go(protocol.CmdSendC2C, data, func(a Answer, err error) { run.onAck(u, at, a, err) })
	if err != nil {
		run.errors.add(err)
		return false
	}
	u.sent.Add(1)
	return true
}

// onAck handles the answer to a send (on the connection's read goroutine).
func (run *c2cRun) onAck(u *c2cUser, at time.Time, a Answer, err error) {
	defer func() { <-u.slots }()
	switch {
	case run.frozen.Load():
		run.late.Add(1)
		return
	case err != nil:
		run.errors.add(err)
		return
	case a.Code != 0:
		run.errors.add(&ServerError{Code: a.Code, Info: a.Info})
		return
	}
	run.ackLat.Record(time.Since(at))
	var ack protocol.SendC2CAnswer
	if json.Unmarshal(a.Data, &ack) != nil || ack.MsgSeq == 0 {
		run.errors.addKey("ack without MsgSeq")
		return
	}
	u.acked.add(ack.MsgSeq)
	u.nAcked.Add(1)
	if u.side != nil {
		u.side.saw(ack.MsgSeq, false)
	}
}

// onEvent handles an event of u's connection (on its read goroutine).
func (run *c2cRun) onEvent(u *c2cUser, name string, data []byte) {
	if run.frozen.Load() {
		run.late.Add(1)
		return
	}
	if name != protocol.EventMessage {
		run.events.addKey(name)
		return
	}
	now := time.Now()
	var m protocol.Message[json.RawMessage]
	if err := json.Unmarshal(data, &m); err != nil || m.MsgSeq == 0 {
		u.undecoded++
		return
	}
	if m.From != u.peer || m.To != u.name {
		u.foreign++
		return
	}
	if u.got.add(m.MsgSeq) > 1 {
		u.dups++
		return
	}
	if u.side != nil { // before the count that earns a mark_read, so it knows this message
		u.side.saw(m.MsgSeq, true)
	}
	u.delivered.Add(1)
	if u.side != nil {
		u.side.wake()
	}
	if ns, err := strconv.ParseInt(m.CloudCustomData, 10, 64); err == nil {
		run.delLat.Record(now.Sub(time.Unix(0, ns)))
	}
}

// wait gives the server up to the drain time to answer every send (and
// side request) and deliver every acknowledged message. It reports
// whether every send was answered: only then are all sequence numbers the
// server assigned known, so that gaps and deliveries of unacknowledged
// sends can be judged.
func (run *c2cRun) wait(ctx context.Context) (settled bool) {
	ctx, cancel := context.WithTimeout(ctx, run.s.drain)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		inflight, side, missing := 0, 0, int64(0)
		for i, u := range run.users {
			inflight += len(u.slots)
			if u.side != nil {
				side += len(u.side.slots)
			}
			if peer := run.users[i^1]; peer.conn.Err() == nil {
				missing += u.nAcked.Load() - peer.delivered.Load()
			}
		}
		if inflight == 0 && side == 0 && missing <= 0 {
			return true
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return inflight == 0
		}
	}
}
