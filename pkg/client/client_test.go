package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/pkg/client"
)

const (
	appID       = 1400000001
	waitTimeout = 10 * time.Second
)

// auth accepts the UserSig "sig-<user>" unless told to refuse a user.
type auth struct {
	mu      sync.Mutex
	refuse  map[string]int
	expires func() int64
}

func (a *auth) Authenticate(_ context.Context, sdkAppID uint64, user, userSig string) (tenant.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if code := a.refuse[user]; code != 0 {
		return tenant.Principal{}, im.Errorf(code, "refused")
	}
	if userSig != "sig-"+user {
		return tenant.Principal{}, im.Errorf(im.CodeSigMismatch, "bad UserSig")
	}
	exp := time.Now().Unix() + 3600
	if a.expires != nil {
		exp = a.expires()
	}
	settings := tenant.Settings{MultiLoginPolicy: tenant.OnePerPlatform}
	return tenant.Principal{App: tenant.App{SDKAppID: sdkAppID, Settings: settings}, Identifier: user, SigExpiresAt: exp}, nil
}

func (a *auth) setRefuse(user string, code int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refuse[user] = code
}

// server is a real gateway on 127.0.0.1 whose connections a test can drop.
type server struct {
	gw   *gateway.Gateway
	bus  *local.Bus
	auth *auth
	url  string
	mu   sync.Mutex
	conn []net.Conn
}

func startServer(t *testing.T, cfg gateway.Config) *server {
	t.Helper()
	s := &server{bus: local.New(), auth: &auth{refuse: map[string]int{}}}
	cfg.Auth, cfg.Bus = s.auth, s.bus
	s.gw = gateway.New(cfg)
	hs := httptest.NewUnstartedServer(s.gw)
	hs.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conn = append(s.conn, c)
			s.mu.Unlock()
		}
	}
	hs.Start()
	s.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = s.gw.Shutdown(ctx)
		hs.Close()
		_ = s.bus.Close()
	})
	return s
}

// drop closes the server side of every connection, as a network failure would.
func (s *server) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conn {
		_ = c.Close()
	}
	s.conn = nil
}

func (s *server) publish(t *testing.T, user, name string) {
	t.Helper()
	if err := s.bus.PublishUser(context.Background(), appID, user, bus.Event{Name: name, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

func opts(user string) client.Options {
	return client.Options{
		SDKAppID: appID, UserID: user, UserSig: "sig-" + user, Platform: "Linux",
		ReconnectMin: 5 * time.Millisecond, ReconnectMax: 50 * time.Millisecond,
	}
}

func dial(t *testing.T, s *server, o client.Options) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := client.Dial(ctx, s.url, o)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("%s: nothing within %v", what, waitTimeout)
	}
	var zero T
	return zero
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	o := opts("alice")
	o.UserSig = "forged"
	_, err := client.Dial(context.Background(), s.url, o)
	var e *client.Error
	if !errors.As(err, &e) || e.Code != im.CodeSigMismatch {
		t.Fatalf("Dial with a bad UserSig: %v, want code %d", err, im.CodeSigMismatch)
	}
	if _, err := client.Dial(context.Background(), s.url, client.Options{}); err == nil {
		t.Error("Dial without options succeeded")
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	reconnected := make(chan string, 4)
	disconnected := make(chan error, 4)
	o := opts("alice")
	o.OnReconnect = func(ctx context.Context, c *client.Client) {
		// Resync happens here; Call works on the new connection.
		if err := c.Call(ctx, "ping", nil, nil); err != nil {
			t.Errorf("ping in OnReconnect: %v", err)
		}
		reconnected <- c.Session().SessionID
	}
	o.OnDisconnect = func(err error) { disconnected <- err }
	c := dial(t, s, o)
	first := c.Session().SessionID

	s.drop()
	waitFor(t, disconnected, "OnDisconnect")
	second := waitFor(t, reconnected, "OnReconnect")
	if second == first || second == "" {
		t.Errorf("session after reconnect %q, first %q", second, first)
	}
	// Events flow on the new connection.
	s.publish(t, "alice", "after")
	if ev := waitFor(t, c.Events(), "event"); ev.Name != "after" {
		t.Errorf("event %q after reconnect", ev.Name)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err after reconnect: %v", err)
	}
}

func TestCallWaitsForReconnect(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	o := opts("alice")
	o.ReconnectMin, o.ReconnectMax = 100*time.Millisecond, 100*time.Millisecond
	c := dial(t, s, o)
	s.drop()
	// Whether it starts before or after the client notices, the call is
	// answered on a connection that works.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		err := c.Call(ctx, "ping", nil, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, client.ErrConnectionLost) {
			t.Fatalf("ping while reconnecting: %v", err)
		}
	}
}

func TestKickedStopsReconnecting(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	older := dial(t, s, opts("alice"))
	dial(t, s, opts("alice")) // same platform: the older one is kicked
	ev := waitFor(t, older.Events(), "kicked event")
	if ev.Name != "kicked" {
		t.Fatalf("event %q, want kicked", ev.Name)
	}
	waitFor(t, older.Done(), "Done")
	var d *client.DisconnectError
	if err := older.Err(); !errors.As(err, &d) || d.Code != 4002 || d.Reason != "login_elsewhere" {
		t.Fatalf("Err = %v, want disconnect 4002 login_elsewhere", err)
	}
	if _, open := <-older.Events(); open {
		t.Error("Events still open after the client stopped")
	}
	if err := older.Call(context.Background(), "ping", nil, nil); !errors.As(err, &d) {
		t.Errorf("Call after the kick: %v", err)
	}
}

// TestAccountDeletedStopsReconnecting: a client whose session was closed
// because its account was deleted (4007) stops (Done) instead of
// reconnecting, although this test server would accept its login.
func TestAccountDeletedStopsReconnecting(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	c := dial(t, s, opts("alice"))
	if err := s.gw.CloseDeleted(context.Background(), appID, "alice"); err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, c.Events(), "kicked event")
	if ev.Name != "kicked" {
		t.Fatalf("event %q, want kicked", ev.Name)
	}
	waitFor(t, c.Done(), "Done")
	var d *client.DisconnectError
	if err := c.Err(); !errors.As(err, &d) || d.Code != 4007 || d.Reason != "account_deleted" {
		t.Fatalf("Err = %v, want disconnect 4007 account_deleted", err)
	}
}

func TestReloginRefusedStops(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	c := dial(t, s, opts("alice"))
	s.auth.setRefuse("alice", im.CodeSigRevoked)
	s.drop()
	waitFor(t, c.Done(), "Done")
	var e *client.Error
	if err := c.Err(); !errors.As(err, &e) || e.Code != im.CodeSigRevoked {
		t.Fatalf("Err = %v, want code %d", err, im.CodeSigRevoked)
	}
}

func TestSigExpiredReconnectsWithFreshSig(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	var once sync.Once
	s.auth.expires = func() int64 {
		exp := time.Now().Unix() + 3600
		once.Do(func() { exp = time.Now().Unix() - 1 }) // the first sign-in expires at once
		return exp
	}
	asked := make(chan struct{}, 4)
	reconnected := make(chan struct{}, 4)
	o := opts("alice")
	o.UserSigFunc = func(context.Context) (string, error) {
		asked <- struct{}{}
		return "sig-alice", nil
	}
	o.OnReconnect = func(context.Context, *client.Client) { reconnected <- struct{}{} }
	c := dial(t, s, o)
	if ev := waitFor(t, c.Events(), "sig_expired"); ev.Name != "sig_expired" {
		t.Fatalf("event %q, want sig_expired", ev.Name)
	}
	waitFor(t, asked, "UserSigFunc")
	waitFor(t, reconnected, "OnReconnect")
	if err := c.Call(context.Background(), "ping", nil, nil); err != nil {
		t.Fatalf("ping after re-login: %v", err)
	}
}

func TestEventOverflowResyncs(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	reconnected := make(chan struct{}, 4)
	o := opts("alice")
	o.EventBuffer = 2
	o.OnReconnect = func(context.Context, *client.Client) { reconnected <- struct{}{} }
	c := dial(t, s, o)
	for range 5 {
		s.publish(t, "alice", "flood")
	}
	waitFor(t, reconnected, "OnReconnect after overflow")
	if err := c.Call(context.Background(), "ping", nil, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

func TestCloseAndTooLarge(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{MaxFrameBytes: 512})
	c := dial(t, s, opts("alice"))
	if err := c.Call(context.Background(), "ping", strings.Repeat("x", 600), nil); !errors.Is(err, client.ErrTooLarge) {
		t.Errorf("oversize call: %v, want ErrTooLarge", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if !errors.Is(c.Err(), client.ErrClosed) {
		t.Errorf("Err = %v, want ErrClosed", c.Err())
	}
	if err := c.Call(context.Background(), "ping", nil, nil); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Call after Close: %v", err)
	}
	deadline := time.Now().Add(waitTimeout)
	for len(s.gw.Online(appID, []string{"alice"})) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.gw.Online(appID, []string{"alice"}); len(got) > 0 {
		t.Errorf("server still has the session: %v", got)
	}
}
