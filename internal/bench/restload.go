package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// restScenario calls one admin REST command at a target rate (open loop)
// and reports latency and error codes.
type restScenario struct {
	cmd        string
	qps        float64
	duration   time.Duration
	count      int
	workers    int
	users      int
	batch      int
	raiseLimit bool
}

// restCommands are the commands the scenario can call, by --cmd.
var restCommands = map[string]string{
	"sendmsg":      "openim/sendmsg",
	"batchsendmsg": "openim/batchsendmsg",
	"portrait_get": "profile/portrait_get",
}

func (s *restScenario) Name() string { return "rest" }

func (s *restScenario) Summary() string {
	return "admin REST sendmsg, batchsendmsg or portrait_get at a target QPS; latency and error codes"
}

func (s *restScenario) Flags(fs *flag.FlagSet) {
	fs.StringVar(&s.cmd, "cmd", "sendmsg", "command: sendmsg, batchsendmsg or portrait_get")
	fs.Float64Var(&s.qps, "qps", 100, "requests per second (open loop)")
	fs.DurationVar(&s.duration, "duration", 10*time.Second, "how long to send")
	fs.IntVar(&s.count, "count", 1_000_000, "at most this many requests")
	fs.IntVar(&s.workers, "workers", 64, "requests in flight at most")
	fs.IntVar(&s.users, "users", 100, "accounts to send from and to")
	fs.IntVar(&s.batch, "batch", 100, "recipients of a batchsendmsg, accounts of a portrait_get")
	fs.BoolVar(&s.raiseLimit, "raise-rate-limit", false,
		"raise the app's RestRateLimit for the run (parley_config/set_app_config) and restore it after")
}

func (s *restScenario) check() error {
	var errs []error
	if _, ok := restCommands[s.cmd]; !ok {
		errs = append(errs, fmt.Errorf("--cmd %q: want sendmsg, batchsendmsg or portrait_get", s.cmd))
	}
	if s.qps <= 0 || s.qps > 1e6 {
		errs = append(errs, fmt.Errorf("--qps %g: want more than 0 and at most 1000000", s.qps))
	}
	return errors.Join(append(errs,
		checkDuration("duration", s.duration),
		checkRange("count", s.count, 1, maxMessages),
		checkRange("workers", s.workers, 1, 4096),
		checkRange("users", s.users, 2, 100_000),
		checkRange("batch", s.batch, 1, 500),
	)...)
}

// restRun is the state of one run.
type restRun struct {
	s       *restScenario
	env     *Env
	users   []string
	sent    atomic.Int64
	ok      atomic.Int64
	errors  errorCounter
	latency Histogram // from the scheduled time: includes waiting for a worker
	service Histogram // from the request's start
}

func (s *restScenario) Run(ctx context.Context, env *Env) (Report, error) {
	r := newReport(s.Name())
	if err := s.check(); err != nil {
		return r, err
	}
	s.users = max(s.users, s.batch+1)
	r.Params = map[string]any{"cmd": s.cmd, "qps": s.qps, "duration": s.duration.String(), "count": s.count,
		"workers": s.workers, "users": s.users, "batch": s.batch, "raise_rate_limit": s.raiseLimit}
	run := &restRun{s: s, env: env, users: make([]string, s.users)}
	for i := range run.users {
		run.users[i] = env.UserID("r", i)
	}
	setup, cancel := context.WithTimeout(ctx, setupTimeout)
	err := env.CreateAccounts(setup, run.users)
	cancel()
	if err != nil {
		return r, err
	}
	if s.raiseLimit {
		restore, err := s.raiseRateLimit(ctx, env, &r)
		if err != nil {
			return r, err
		}
		defer restore()
	}
	before, _ := env.sampleServer(ctx)
	selfBefore := selfCPU()
	elapsed := run.load(ctx)
	after, _ := env.sampleServer(ctx)

	r.Elapsed = elapsed.Seconds()
	r.Counts["requests"] = run.sent.Load()
	r.Counts["ok"] = run.ok.Load()
	r.Counts["failed"] = run.sent.Load() - run.ok.Load()
	scheduled := min(int64(s.count), int64(s.qps*s.duration.Seconds()))
	r.Counts["late_not_sent"] = max(0, scheduled-run.sent.Load())
	r.Rates["target"] = s.qps
	r.Rates["requests"] = float64(run.sent.Load()) / r.Elapsed
	r.Rates["ok"] = float64(run.ok.Load()) / r.Elapsed
	if s.cmd == "batchsendmsg" {
		r.Counts["messages"] = run.ok.Load() * int64(s.batch)
		r.Rates["messages"] = float64(r.Counts["messages"]) / r.Elapsed
	}
	r.Latency["request"] = run.latency.Summary()
	r.Latency["request_service"] = run.service.Summary()
	r.addErrors(&run.errors)
	r.addServerCPU(before, after, selfBefore, selfCPU(), r.Elapsed, run.ok.Load(), "requests")
	r.addPipeline(before, after, r.Elapsed)
	if n := r.Counts["failed"]; n > 0 {
		r.fail("%d of %d requests failed", n, run.sent.Load())
	}
	return r, nil
}

// raiseRateLimit sets the app's RestRateLimit to at least twice the target
// rate and returns a function that restores the old value.
func (s *restScenario) raiseRateLimit(ctx context.Context, env *Env, r *Report) (func(), error) {
	var cfg struct {
		RestRateLimit int `json:"RestRateLimit"`
	}
	if err := env.Admin(ctx, "parley_config/get_app_config", map[string]any{}, &cfg); err != nil {
		return nil, fmt.Errorf("read RestRateLimit: %w", err)
	}
	old := cfg.RestRateLimit
	want := min(max(old, int(2*s.qps)+100), 1_000_000)
	if want == old {
		return func() {}, nil
	}
	if err := env.Admin(ctx, "parley_config/set_app_config", map[string]any{"RestRateLimit": want}, nil); err != nil {
		return nil, fmt.Errorf("raise RestRateLimit: %w", err)
	}
	r.Params["rest_rate_limit"] = fmt.Sprintf("%d (was %d, restored after)", want, old)
	return func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Admin(rctx, "parley_config/set_app_config", map[string]any{"RestRateLimit": old}, nil); err != nil {
			env.log.Warn("bench: could not restore RestRateLimit", "value", old, "err", err)
		}
	}, nil
}

// load sends requests until the duration is over or the count reached,
// waits for the answers, and returns how long that took. A request not
// sent by the end of the duration because the run fell behind is not sent
// at all (counted as late).
func (run *restRun) load(ctx context.Context) time.Duration {
	s := run.s
	p := newPacer(s.qps)
	end := p.start.Add(s.duration)
	issue, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(s.count) || !p.due(i).Before(end) {
					return
				}
				due, ok := p.wait(issue, i)
				if !ok || issue.Err() != nil {
					return
				}
				run.one(ctx, i, due)
			}
		}()
	}
	wg.Wait()
	return time.Since(p.start)
}

// one sends request i, due at due, and records its outcome.
func (run *restRun) one(ctx context.Context, i int64, due time.Time) {
	run.sent.Add(1)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	t0 := time.Now()
	err := run.env.Admin(rctx, restCommands[run.s.cmd], run.request(i), nil)
	run.service.Record(time.Since(t0))
	run.latency.Record(time.Since(due))
	if err != nil {
		run.errors.add(err)
		return
	}
	run.ok.Add(1)
}

// request builds request i of the run's command.
func (run *restRun) request(i int64) any {
	n := int64(len(run.users))
	from := run.users[i%n]
	text := "bench " + strings.Repeat("x", 64)
	body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}
	group := func() []string { // batch accounts after from, never from itself
		out := make([]string, run.s.batch)
		for j := range out {
			out[j] = run.users[(i+1+int64(j))%n]
		}
		return out
	}
	switch run.s.cmd {
	case "batchsendmsg":
		return map[string]any{"SyncOtherMachine": 2, "From_Account": from, "To_Account": group(),
			"MsgRandom": uint32(i + 1), "MsgBody": body}
	case "portrait_get":
		return map[string]any{"To_Account": group(), "TagList": []string{"Tag_Profile_IM_Nick"}}
	}
	return map[string]any{"SyncOtherMachine": 2, "From_Account": from, "To_Account": run.users[(i+1)%n],
		"MsgRandom": uint32(i + 1), "MsgBody": body}
}
