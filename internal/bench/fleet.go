package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// importBatch is how many accounts one multiaccount_import creates.
const importBatch = 100

// CreateAccounts creates users through REST multiaccount_import, in
// batches of 100, one batch at a time. An account that exists already is
// fine; any account the server reports as failed is an error.
func (e *Env) CreateAccounts(ctx context.Context, users []string) error {
	type item struct {
		UserID string `json:"UserID"`
		Nick   string `json:"Nick"`
	}
	for start := 0; start < len(users); start += importBatch {
		batch := users[start:min(start+importBatch, len(users))]
		items := make([]item, len(batch))
		for i, u := range batch {
			items[i] = item{UserID: u, Nick: "bench " + u}
		}
		var resp struct {
			FailAccounts []string `json:"FailAccounts"`
		}
		if err := e.Admin(ctx, "im_open_login_svc/multiaccount_import", map[string]any{"AccountList": items}, &resp); err != nil {
			return fmt.Errorf("create accounts: %w", err)
		}
		if len(resp.FailAccounts) > 0 {
			return fmt.Errorf("create accounts: the server failed %d of them, e.g. %q", len(resp.FailAccounts), resp.FailAccounts[0])
		}
	}
	return nil
}

// pacer spaces events evenly at a rate per second from its start, so the
// i-th event is due at start + i/rate however late the previous ones
// were (open loop). A rate of 0 or less means no spacing.
type pacer struct {
	start    time.Time
	interval time.Duration
}

func newPacer(rate float64) pacer {
	p := pacer{start: time.Now()}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
	}
	return p
}

// due returns when event i is due.
func (p pacer) due(i int64) time.Time {
	return p.start.Add(time.Duration(i) * p.interval)
}

// wait sleeps until event i is due and returns the due time; it returns
// false if ctx ends first.
func (p pacer) wait(ctx context.Context, i int64) (time.Time, bool) {
	at := p.due(i)
	d := time.Until(at)
	if d <= 0 {
		return at, ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return at, true
	case <-ctx.Done():
		return at, false
	}
}

// dialResult is what dialing a fleet of connections gave.
type dialResult struct {
	conns   []*Conn // by user index; nil where dialing failed
	ok      int64
	errors  errorCounter
	latency Histogram // dial + upgrade + login
	elapsed time.Duration
}

// dialAll signs users in, at most rate new connections per second (0: as
// fast as workers allow) with workers dialing at once. It stops starting
// new connections when ctx ends. opts gives each connection's options.
func (e *Env) dialAll(ctx context.Context, users []string, rate float64, workers int, opts func(i int) DialOptions) *dialResult {
	res := &dialResult{conns: make([]*Conn, len(users))}
	p := newPacer(rate)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, len(users))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(users)) {
					return
				}
				if _, ok := p.wait(ctx, i); !ok {
					return
				}
				t0 := time.Now()
				dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				c, err := e.Dial(dctx, users[i], opts(int(i)))
				cancel()
				if err != nil {
					res.errors.add(err)
					continue
				}
				res.latency.Record(time.Since(t0))
				res.conns[i] = c
				if n := atomic.AddInt64(&res.ok, 1); n%10000 == 0 {
					e.log.Info("bench: connected", "connections", n)
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(p.start)
	return res
}

// closeAll closes the connections (nil entries are skipped), workers at a
// time, and returns how many had ended before Close for another reason
// than Close, by reason.
func closeAll(conns []*Conn, workers int) *errorCounter {
	var lost errorCounter
	ch := make(chan *Conn)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range ch {
				if err := c.Err(); err != nil && !c.Closed() {
					lost.add(err)
				}
				c.Close()
			}
		}()
	}
	for _, c := range conns {
		if c != nil {
			ch <- c
		}
	}
	close(ch)
	wg.Wait()
	return &lost
}
