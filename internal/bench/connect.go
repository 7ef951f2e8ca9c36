package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// connectScenario opens N signed-in connections, holds them idle, and
// reports the connect rate, failures and the server's memory per
// connection.
type connectScenario struct {
	conns    int
	rate     float64
	workers  int
	hold     time.Duration
	platform string
}

func (s *connectScenario) Name() string { return "connect" }

func (s *connectScenario) Summary() string {
	return "open N signed-in WebSocket connections, hold them idle; connect rate, failures, server RSS per connection"
}

func (s *connectScenario) Flags(fs *flag.FlagSet) {
	fs.IntVar(&s.conns, "conns", 1000, fmt.Sprintf("connections to open (at most %d)", maxConnections))
	fs.Float64Var(&s.rate, "rate", 1000, "new connections per second (0: as fast as --workers allow)")
	fs.IntVar(&s.workers, "workers", 64, "connections being opened at once")
	fs.DurationVar(&s.hold, "hold", 10*time.Second, "how long to hold the connections open")
	fs.StringVar(&s.platform, "platform", protocol.PlatformLinux, "login platform")
}

func (s *connectScenario) check() error {
	return errors.Join(
		checkRange("conns", s.conns, 1, maxConnections),
		checkRange("workers", s.workers, 1, 10_000),
		checkDuration("hold", s.hold),
	)
}

// connectSettle is how long the server gets after the last login before
// its memory is read, so that what the logins allocated has settled.
const connectSettle = 2 * time.Second

func (s *connectScenario) Run(ctx context.Context, env *Env) (Report, error) {
	r := newReport(s.Name())
	if err := s.check(); err != nil {
		return r, err
	}
	r.Params = map[string]any{"conns": s.conns, "rate": s.rate, "workers": s.workers, "hold": s.hold.String(),
		"platform": s.platform, "source_addrs": len(env.dialer.sources), "fd_limit": fileLimit()}
	users := make([]string, s.conns)
	for i := range users {
		users[i] = env.UserID("c", i)
	}
	setup, cancel := context.WithTimeout(ctx, setupTimeout)
	err := env.CreateAccounts(setup, users)
	cancel()
	if err != nil {
		return r, err
	}
	before, berr := env.sampleServer(ctx)

	budget := setupTimeout
	if s.rate > 0 {
		budget += time.Duration(float64(s.conns) / s.rate * float64(time.Second))
	}
	dctx, cancel := context.WithTimeout(ctx, budget)
	res := env.dialAll(dctx, users, s.rate, s.workers, func(int) DialOptions {
		return DialOptions{Platform: s.platform, ReadBuffer: 1 << 10}
	})
	cancel()
	env.log.Info("bench: connections open", "ok", res.ok, "elapsed", res.elapsed.Round(time.Millisecond))

	held := s.holdAll(ctx)
	after, aerr := env.sampleServer(ctx)
	lost := closeAll(res.conns, 256)

	r.Elapsed = res.elapsed.Seconds()
	r.Counts["connected"] = res.ok
	r.Counts["failed"] = int64(s.conns) - res.ok
	r.Counts["dropped_while_held"] = lost.total()
	r.Rates["connect"] = float64(res.ok) / r.Elapsed
	r.Latency["connect_login"] = res.latency.Summary()
	r.Params["held"] = held.Round(time.Millisecond).String()
	r.addErrors(&res.errors)
	r.addErrors(lost)
	if berr == nil && aerr == nil {
		s.addMemory(&r, before, after, res.ok)
	} else {
		r.Params["server_readings"] = fmt.Sprint(errors.Join(berr, aerr))
	}
	if n := r.Counts["failed"]; n > 0 {
		r.fail("%d of %d connections failed", n, s.conns)
	}
	if n := r.Counts["dropped_while_held"]; n > 0 {
		r.fail("%d connections were dropped while held", n)
	}
	return r, nil
}

// holdAll keeps the connections open for the hold time (at least
// connectSettle), or until ctx ends, and returns how long it held them.
func (s *connectScenario) holdAll(ctx context.Context) time.Duration {
	t0 := time.Now()
	t := time.NewTimer(max(s.hold, connectSettle))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return time.Since(t0)
}

// addMemory reports the server's memory before and after the connections
// opened, and per connection.
func (s *connectScenario) addMemory(r *Report, before, after serverSample, conns int64) {
	const kb, mb = 1024.0, 1024.0 * 1024.0
	if before.RSS >= 0 && after.RSS >= 0 {
		r.Server["rss_before_mb"] = round2(before.RSS / mb)
		r.Server["rss_after_mb"] = round2(after.RSS / mb)
		if conns > 0 {
			r.Server["rss_per_conn_kb"] = round2((after.RSS - before.RSS) / float64(conns) / kb)
		}
		r.Params["rss_source"] = after.RSSSource
	}
	if before.HeapInuse >= 0 && after.HeapInuse >= 0 && conns > 0 {
		r.Server["heap_inuse_per_conn_kb"] = round2((after.HeapInuse - before.HeapInuse) / float64(conns) / kb)
	}
	if before.Goroutines >= 0 && after.Goroutines >= 0 && conns > 0 {
		r.Server["goroutines_per_conn"] = round2((after.Goroutines - before.Goroutines) / float64(conns))
	}
	if after.Connections >= 0 {
		r.Server["connections_gauge"] = after.Connections
	}
}
