package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/usersig"
)

// testKey is the secret key of the pinned test app.
const (
	testAppID = 1400000001
	testKey   = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
)

// server is a real Parley on 127.0.0.1:0, talked to over HTTP.
type server struct {
	t      *testing.T
	base   string
	app    *app.App
	cancel context.CancelFunc
	done   chan error
}

// backends runs body on every store backend (storetest.EachBackend) with a
// config selecting it: SQLite in a fresh data directory, or a fresh
// PostgreSQL schema. Tests that read or write stored state run under it;
// tests that call start(t, app.Config{}) directly run on SQLite only, and
// check the HTTP and WebSocket edges (envelopes, limits, timeouts,
// metrics, the data-directory lock), which do not depend on the store.
func backends(t *testing.T, body func(t *testing.T, cfg app.Config)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		cfg := app.Config{DataDir: t.TempDir()}
		if b == storetest.Postgres {
			cfg.Store = b.URL(t)
		}
		body(t, cfg)
	})
}

// clock is a settable clock for a server (app.Config.Clock), so that a
// test makes time pass without sleeping. It starts at the real time, so
// UserSigs issued with time.Now() are valid on it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

// Now is the clock's time; pass it as app.Config.Clock.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// start runs a server with cfg (pinned to the test app unless cfg pins one).
func start(t *testing.T, cfg app.Config) *server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.BootstrapSDKAppID == 0 {
		cfg.BootstrapSDKAppID, cfg.BootstrapKey = testAppID, testKey
		if cfg.BootstrapAdmins == nil {
			cfg.BootstrapAdmins = []string{"administrator", "admin2"}
		}
	}
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, base: "http://" + ln.Addr().String(), app: a, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Serve(ctx, ln) }()
	t.Cleanup(s.stop)
	return s
}

// stop shuts the server down gracefully (idempotent).
func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
}

// sig returns a fresh UserSig of the test app for identifier.
func sig(t testing.TB, identifier string) string {
	t.Helper()
	s, err := usersig.Gen(testAppID, testKey, identifier, 86400, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// query builds the reference's URL parameters.
func query(appID uint64, identifier, userSig string) string {
	return url.Values{
		"sdkappid": {fmt.Sprint(appID)}, "identifier": {identifier}, "usersig": {userSig},
		"random": {"12345"}, "contenttype": {"json"},
	}.Encode()
}

// rest calls a command as the test app's administrator and returns the
// decoded answer.
func (s *server) rest(command string, body any) map[string]any {
	s.t.Helper()
	return s.raw(http.MethodPost, "/v4/"+command+"?"+query(testAppID, "administrator", sig(s.t, "administrator")), body)
}

// raw sends any request; body may be a string (sent verbatim) or a value
// (sent as JSON). It fails the test unless the answer is HTTP 200 with the
// envelope.
func (s *server) raw(method, pathAndQuery string, body any) map[string]any {
	s.t.Helper()
	var payload []byte
	switch b := body.(type) {
	case string:
		payload = []byte(b)
	case []byte:
		payload = b
	case nil:
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			s.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, s.base+pathAndQuery, bytes.NewReader(payload))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain") // the reference ignores it; so must we
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s %s: HTTP %d: %s", method, pathAndQuery, resp.StatusCode, raw)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		s.t.Fatalf("%s: answer is not JSON: %v: %s", pathAndQuery, err, raw)
	}
	for _, f := range []string{"ActionStatus", "ErrorCode", "ErrorInfo"} {
		if _, ok := out[f]; !ok {
			s.t.Fatalf("%s: answer lacks %s: %s", pathAndQuery, f, raw)
		}
	}
	return out
}

// code returns the answer's ErrorCode, checking ActionStatus agrees with it.
func code(t *testing.T, out map[string]any) int {
	t.Helper()
	n, err := out["ErrorCode"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("ErrorCode: %v", err)
	}
	want := "OK"
	if n != 0 {
		want = "FAIL"
	}
	if out["ActionStatus"] != want {
		t.Fatalf("ActionStatus %v with ErrorCode %d", out["ActionStatus"], n)
	}
	if n != 0 && strings.TrimSpace(fmt.Sprint(out["ErrorInfo"])) == "" {
		t.Fatalf("ErrorCode %d without ErrorInfo", n)
	}
	return int(n)
}

// mustOK fails the test unless the answer is OK.
func mustOK(t *testing.T, out map[string]any) map[string]any {
	t.Helper()
	if c := code(t, out); c != 0 {
		t.Fatalf("want OK, got %d: %v", c, out["ErrorInfo"])
	}
	return out
}
