package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/bench"
)

const (
	testAppID = 1400000001
	testKey   = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
)

// startServer runs a real Parley on 127.0.0.1:0, as internal/app's tests
// do, and returns an Env pointed at it. The server stores on SQLite only:
// these tests check the load tool, which sees the server through HTTP and
// WebSocket alone; the server's behaviour on both stores is internal/app's.
func startServer(t *testing.T) *bench.Env {
	t.Helper()
	return startServerWith(t, bench.Config{})
}

// startServerWith is startServer with the bench configured by cfg (URL,
// SDKAppID and Key are filled in).
func startServerWith(t *testing.T, cfg bench.Config) *bench.Env {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{
		DataDir: t.TempDir(), BootstrapSDKAppID: testAppID, BootstrapKey: testKey,
		BootstrapAdmins: []string{"administrator"},
	}, nil)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	cfg.URL, cfg.SDKAppID, cfg.Key = "http://"+ln.Addr().String(), testAppID, testKey
	env, err := bench.NewEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		env.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return env
}

// runScenario runs scenario name with its command-line flags and checks
// that the report is well-formed, in the table and in JSON.
func runScenario(t *testing.T, env *bench.Env, name string, args ...string) bench.Report {
	t.Helper()
	sc, err := bench.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sc.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := sc.Run(ctx, env)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkWellFormed(t, rep)
	for _, f := range rep.Failed {
		t.Errorf("%s: failed check: %s", name, f)
	}
	if t.Failed() {
		var buf bytes.Buffer
		_ = rep.WriteText(&buf)
		t.Logf("report:\n%s", buf.String())
	}
	return rep
}

// checkWellFormed checks the JSON line and the table of a report.
func checkWellFormed(t *testing.T, rep bench.Report) {
	t.Helper()
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("JSON report is %d lines, want one: %q", n, buf.String())
	}
	var decoded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Fatalf("JSON report does not decode: %v", err)
	}
	for _, k := range []string{"scenario", "parameters", "counts", "rates", "latency_ms", "errors", "failed", "elapsed_s"} {
		if _, ok := decoded[k]; !ok {
			t.Errorf("JSON report lacks %q: %s", k, buf.String())
		}
	}
	for name, s := range rep.Latency {
		if s.Count > 0 && !(s.P50 <= s.P95 && s.P95 <= s.P99 && s.P99 <= s.Max) {
			t.Errorf("latency %s: percentiles out of order: %+v", name, s)
		}
	}
	buf.Reset()
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "scenario    "+rep.Scenario) && !strings.Contains(buf.String(), rep.Scenario) {
		t.Errorf("table does not name the scenario:\n%s", buf.String())
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	env := startServer(t)
	rep := runScenario(t, env, "connect", "--conns", "50", "--rate", "0", "--hold", "100ms")
	if got := rep.Counts["connected"]; got != 50 {
		t.Errorf("connected %d, want 50", got)
	}
	if got := rep.Counts["failed"] + rep.Counts["dropped_while_held"]; got != 0 {
		t.Errorf("failed or dropped: %d", got)
	}
	if rep.Latency["connect_login"].Count != 50 {
		t.Errorf("connect latency has %d samples, want 50", rep.Latency["connect_login"].Count)
	}
	if _, ok := rep.Server["rss_per_conn_kb"]; !ok {
		t.Errorf("no server RSS per connection from /metrics: %v", rep.Server)
	}
	if got := rep.Server["connections_gauge"]; got < 50 {
		t.Errorf("server's connection gauge %v while 50 were held", got)
	}
}

func TestC2CClosedLoop(t *testing.T) {
	t.Parallel()
	// The server runs in this process: its pid is ours.
	env := startServerWith(t, bench.Config{ServerPID: os.Getpid()})
	rep := runScenario(t, env, "c2c", "--pairs", "5", "--count", "1000", "--inflight", "4", "--duration", "40s")
	for _, k := range []string{"sent", "acknowledged", "delivered"} {
		if got := rep.Counts[k]; got != 1000 {
			t.Errorf("%s %d, want 1000", k, got)
		}
	}
	for _, k := range []string{"losses", "duplicates", "seq_gaps", "seq_reused"} {
		if got := rep.Counts[k]; got != 0 {
			t.Errorf("%s %d, want 0", k, got)
		}
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	if n := rep.Latency["send_to_deliver"].Count; n != 1000 {
		t.Errorf("%d delivery latencies, want 1000", n)
	}
	// The server's pipeline, read from /metrics around the sending phase.
	for _, k := range []string{"stage_validate_ms", "stage_store_ms", "stage_deliver_ms", "commit_ms", "commit_busy"} {
		if _, ok := rep.Server[k]; !ok {
			t.Errorf("report lacks server %s: %v", k, rep.Server)
		}
	}
	if n := rep.Server["commit_messages"]; n < 1 {
		t.Errorf("commit_messages %v, want >= 1", n)
	}
	checkWrites(t, rep)
	if _, ok := rep.Server["stage_push_ms"]; ok {
		t.Errorf("report has stage_push_ms, but the test server pushes nothing: %v", rep.Server)
	}
}

// checkWrites checks the report's figures of what the server wrote per
// message: bytes from /proc (the pid is known), and rows from the
// store's counter or, when the server does not export it, n/a.
func checkWrites(t *testing.T, rep bench.Report) {
	t.Helper()
	if b, ok := rep.Server["write_bytes_per_msg"]; !ok || b < 0 {
		t.Errorf("write_bytes_per_msg %v (present %v), unavailable %v", b, ok, rep.Unavailable)
	}
	_, rows := rep.Server["rows_written_per_msg"]
	_, na := rep.Unavailable["rows_written_per_msg"]
	if rows == na {
		t.Errorf("rows_written_per_msg: in server %v, unavailable %v; want exactly one", rows, na)
	}
	var buf bytes.Buffer
	_ = rep.WriteText(&buf)
	for _, k := range []string{"write_bytes_per_msg", "rows_written_per_msg"} {
		if !strings.Contains(buf.String(), k) {
			t.Errorf("table lacks %s:\n%s", k, buf.String())
		}
	}
}

// TestMixed: sends with mark-reads and history reads beside them; every
// message arrives once, gapless, and every side request is answered and
// passes its checks (runScenario fails on any failed check).
func TestMixed(t *testing.T) {
	t.Parallel()
	env := startServerWith(t, bench.Config{ServerPID: os.Getpid()})
	// --count bounds the run; on a loaded machine --duration may end it
	// first, so only the counts' agreement is asserted, not their total.
	rep := runScenario(t, env, "mixed", "--pairs", "3", "--count", "600", "--inflight", "4", "--duration", "30s",
		"--drain", "20s", "--mark-read", "0.5", "--history", "0.2")
	sent := rep.Counts["sent"]
	if sent == 0 || sent > 600 || rep.Counts["acknowledged"] != sent || rep.Counts["delivered"] != sent {
		t.Errorf("sent %d (at most 600), acknowledged %d, delivered %d", sent, rep.Counts["acknowledged"], rep.Counts["delivered"])
	}
	for _, k := range []string{"losses", "duplicates", "seq_gaps", "seq_reused", "mark_read_failed", "mark_read_short",
		"history_failed", "history_stale", "history_malformed", "side_unanswered"} {
		if got, ok := rep.Counts[k]; !ok || got != 0 {
			t.Errorf("%s %d (present %v), want 0", k, got, ok)
		}
	}
	for _, k := range []string{"mark_read", "history_pages"} {
		if rep.Counts[k] == 0 || rep.Rates[k] <= 0 || rep.Latency[strings.TrimSuffix(k, "s")].Count == 0 {
			t.Errorf("%s: count %d, rate %v, latency %+v", k, rep.Counts[k], rep.Rates[k], rep.Latency)
		}
	}
	// Earned by deliveries: at most one mark_read per two messages and one
	// page per five.
	if n := rep.Counts["mark_read"]; n > sent/2 {
		t.Errorf("%d mark_reads for %d messages at 0.5", n, sent)
	}
	if n := rep.Counts["history_pages"]; n > sent/5 {
		t.Errorf("%d history pages for %d messages at 0.2", n, sent)
	}
	if rep.Counts["event read_receipt"] == 0 {
		t.Errorf("no read_receipt reached the senders: %v", rep.Counts)
	}
	checkWrites(t, rep)
}

// TestMixedOpenLoop: side requests follow the deliveries in an open loop
// too, and a kind turned off is neither sent nor missed by the checks.
func TestMixedOpenLoop(t *testing.T) {
	t.Parallel()
	env := startServer(t)
	rep := runScenario(t, env, "mixed", "--pairs", "2", "--rate", "200", "--duration", "1s", "--count", "10000",
		"--drain", "20s", "--mark-read", "0.5", "--history", "0")
	if rep.Counts["mark_read"] == 0 || rep.Counts["history_pages"] != 0 {
		t.Errorf("mark_read %d, history_pages %d; want some and none", rep.Counts["mark_read"], rep.Counts["history_pages"])
	}
	if rep.Counts["delivered"] != rep.Counts["sent"] || rep.Counts["losses"] != 0 {
		t.Errorf("sent %d, delivered %d, losses %d", rep.Counts["sent"], rep.Counts["delivered"], rep.Counts["losses"])
	}
	// Without --server-pid the bytes written cannot be read.
	if _, ok := rep.Unavailable["write_bytes_per_msg"]; !ok {
		t.Errorf("write_bytes_per_msg not reported unavailable without a pid: %v", rep.Unavailable)
	}
}

func TestC2COpenLoop(t *testing.T) {
	t.Parallel()
	env := startServer(t)
	rep := runScenario(t, env, "c2c", "--pairs", "2", "--rate", "200", "--duration", "1s", "--count", "10000")
	sent := rep.Counts["sent"]
	if sent == 0 || sent > 10000 { // how many fit in 1 s depends on the machine: assert only the bounds
		t.Errorf("sent %d at 200/s for 1s with --count 10000", sent)
	}
	if rep.Counts["delivered"] != sent || rep.Counts["acknowledged"] != sent {
		t.Errorf("sent %d, acknowledged %d, delivered %d", sent, rep.Counts["acknowledged"], rep.Counts["delivered"])
	}
}

// TestC2CDetectsLoss: a receiver kicked in the middle of a run misses what
// its peer goes on sending; the run reports the dropped connection and the
// acknowledged messages it never got.
func TestC2CDetectsLoss(t *testing.T) {
	t.Parallel()
	env := startServerWith(t, bench.Config{Prefix: "kick"})
	sc, _ := bench.Lookup("c2c")
	fs := flag.NewFlagSet("c2c", flag.ContinueOnError)
	sc.Flags(fs)
	if err := fs.Parse([]string{"--pairs", "1", "--rate", "200", "--duration", "3s", "--drain", "1s"}); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Users are <prefix>m<i>; pair 0 is m0 and m1. Kick m1 once it is
		// online, i.e. while the run is under way, whatever the machine's speed.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var st struct {
				QueryResult []struct{ Status string }
			}
			err := env.Admin(context.Background(), "openim/query_online_status", map[string]any{"To_Account": []string{"kickm1"}}, &st)
			if err == nil && len(st.QueryResult) == 1 && st.QueryResult[0].Status == "Online" {
				_ = env.Admin(context.Background(), "im_open_login_svc/kick", map[string]any{"UserID": "kickm1"}, nil)
				return
			}
		}
	}()
	rep, err := sc.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, rep)
	// What the kick costs (messages the kicked receiver missed, or sends its
	// closed connection never saw answered) depends on timing; that the run
	// counts the close and fails does not.
	if rep.Errors["close 4003 kicked_by_admin"] != 1 || len(rep.Failed) == 0 {
		t.Errorf("after a kick: losses %d, errors %v, failed %q; want the close counted and the run failing",
			rep.Counts["losses"], rep.Errors, rep.Failed)
	}
}

func TestREST(t *testing.T) {
	t.Parallel()
	env := startServer(t)
	for _, cmd := range []string{"sendmsg", "batchsendmsg", "portrait_get"} {
		rep := runScenario(t, env, "rest", "--cmd", cmd, "--qps", "40", "--duration", "500ms",
			"--users", "20", "--batch", "10", "--raise-rate-limit")
		if rep.Counts["requests"] == 0 || rep.Counts["ok"] != rep.Counts["requests"] {
			t.Errorf("%s: %d requests, %d ok", cmd, rep.Counts["requests"], rep.Counts["ok"])
		}
	}
	var cfg struct{ RestRateLimit int }
	if err := env.Admin(context.Background(), "parley_config/get_app_config", map[string]any{}, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.RestRateLimit != 200 {
		t.Errorf("RestRateLimit %d after the runs, want the default 200 restored", cfg.RestRateLimit)
	}
}

// TestRESTReportsErrorCodes: requests the server refuses are counted by
// code and fail the run's checks.
func TestRESTReportsErrorCodes(t *testing.T) {
	t.Parallel()
	env := startServer(t)
	sc, _ := bench.Lookup("rest")
	fs := flag.NewFlagSet("rest", flag.ContinueOnError)
	sc.Flags(fs)
	// 100/s for half a second against a RestRateLimit of 10/s: 60007 for
	// most of them.
	if err := env.Admin(context.Background(), "parley_config/set_app_config", map[string]any{"RestRateLimit": 10}, nil); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--cmd", "portrait_get", "--qps", "100", "--duration", "500ms", "--users", "10", "--batch", "5"}); err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors["code 60007"] == 0 || len(rep.Failed) == 0 {
		t.Errorf("over the rate limit: errors %v, failed %v; want code 60007 counted and a failed check", rep.Errors, rep.Failed)
	}
}

func TestLookupAndFlags(t *testing.T) {
	t.Parallel()
	if _, err := bench.Lookup("nope"); !errors.Is(err, bench.ErrUnknownScenario) {
		t.Errorf("Lookup(nope) = %v, want ErrUnknownScenario", err)
	}
	env, err := bench.NewEnv(bench.Config{URL: "http://127.0.0.1:1", SDKAppID: testAppID, Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	invalid := map[string][]string{
		"connect": {"--conns", "0"},
		"c2c":     {"--duration", "0s"},
		"mixed":   {"--mark-read", "-1"},
		"rest":    {"--cmd", "account_delete"},
	}
	for _, sc := range bench.Scenarios() {
		fs := flag.NewFlagSet(sc.Name(), flag.ContinueOnError)
		sc.Flags(fs)
		args, ok := invalid[sc.Name()]
		if !ok {
			t.Errorf("no invalid flags to try for scenario %s", sc.Name())
			continue
		}
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		// The server does not exist: a scenario that got past checking
		// its flags would fail differently, later.
		if _, err := sc.Run(context.Background(), env); err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("%s %v: error %v, want one naming the flag", sc.Name(), args, err)
		}
	}
}

func TestNewEnvRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com:8080", "http://[::1]:8080", "https://127.0.0.1:8080"} {
		_, err := bench.NewEnv(bench.Config{URL: u, SDKAppID: testAppID, Key: testKey})
		if err == nil {
			t.Errorf("NewEnv(%s) accepted", u)
		}
	}
	if _, err := bench.NewEnv(bench.Config{URL: "http://127.0.0.9:8080", SDKAppID: testAppID, Key: testKey}); err != nil {
		t.Errorf("127.0.0.9: %v", err)
	}
}
