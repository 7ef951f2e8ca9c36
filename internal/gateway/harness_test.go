package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/internal/usersig"
	"github.com/parley-im/parley/pkg/client"
)

// The test apps, one per multi-login policy.
const (
	testKey       = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	appDefault    = 1400000001 // OnePerPlatform
	appSingle     = 1400000002 // SinglePlatform
	appUnlimited  = 1400000003 // Unlimited
	appNotCreated = 1400000099
)

// waitTimeout bounds every wait for something the server must do; it is
// a safety net against hangs, never a speed requirement.
const waitTimeout = 10 * time.Second

// env is a real gateway on 127.0.0.1 over a real tenant service on SQLite
// and the in-process bus.
type env struct {
	t       *testing.T
	gw      *gateway.Gateway
	bus     *local.Bus
	tenants *tenant.Service
	srv     *httptest.Server
	url     string
	reg     *prometheus.Registry
	ln      *trackingListener
}

// newTenants opens a SQLite store and creates the test apps. The gateway
// never touches the store; the tenant service only reads app settings
// from it, which the tenant and app tests check on both backends
// (storetest.EachBackend), so the gateway's tests run on SQLite alone.
func newTenants(t *testing.T) *tenant.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sqlstore.Config{URL: storetest.SQLite.URL(t)})
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ts := tenant.New(tenant.Config{Store: st, Accounts: account.New(account.Config{Store: st})})
	for app, policy := range map[uint64]string{appDefault: "", appSingle: tenant.SinglePlatform, appUnlimited: tenant.Unlimited} {
		if _, err := ts.Create(ctx, app, testKey, nil); err != nil {
			t.Fatalf("create app %d: %v", app, err)
		}
		if policy != "" {
			if _, err := ts.UpdateSettings(ctx, app, []byte(`{"MultiLoginPolicy":"`+policy+`"}`)); err != nil {
				t.Fatalf("policy of app %d: %v", app, err)
			}
		}
	}
	return ts
}

// start runs a gateway configured by cfg behind an httptest server. Auth
// defaults to a real tenant service on SQLite and Bus to e.bus; Metrics is
// always e.reg.
func start(t *testing.T, cfg gateway.Config) *env {
	t.Helper()
	e := &env{t: t, bus: local.New(), reg: prometheus.NewRegistry()}
	if cfg.Auth == nil {
		e.tenants = newTenants(t)
		cfg.Auth = e.tenants
	}
	if cfg.Bus == nil {
		cfg.Bus = e.bus
	}
	cfg.Metrics = e.reg
	e.gw = gateway.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("GET /ws", e.gw)
	e.srv = httptest.NewUnstartedServer(mux)
	e.ln = &trackingListener{Listener: e.srv.Listener}
	e.srv.Listener = e.ln
	e.srv.Start()
	e.url = "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := e.gw.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.srv.Close()
		_ = e.bus.Close()
	})
	return e
}

// trackingListener remembers the server side of every connection, so a
// test can drop them as a broken network would, and can shrink their send
// buffers so that a client that does not read is noticed quickly.
type trackingListener struct {
	net.Listener
	mu         sync.Mutex
	conns      []net.Conn
	sendBuffer int
	wrap       func(net.Conn) net.Conn // if set, what Accept returns instead
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if tc, ok := c.(*net.TCPConn); ok && l.sendBuffer > 0 {
		_ = tc.SetWriteBuffer(l.sendBuffer)
	}
	l.conns = append(l.conns, c)
	if l.wrap != nil {
		c = l.wrap(c)
	}
	return c, nil
}

// dropAll closes the server side of every connection without a close frame.
func (l *trackingListener) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// setWrap makes Accept hand the server wrap(conn) instead of each conn.
func (l *trackingListener) setWrap(wrap func(net.Conn) net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wrap = wrap
}

func (l *trackingListener) setSendBuffer(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sendBuffer = n
}

// sig returns a UserSig of app for user, valid for expire seconds.
func sig(t testing.TB, app uint64, user string, expire int64) string {
	t.Helper()
	s, err := usersig.Gen(app, testKey, user, expire, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// options returns client options for user on app with a valid UserSig.
func options(t testing.TB, app uint64, user, platform string) client.Options {
	return client.Options{SDKAppID: app, UserID: user, UserSig: sig(t, app, user, 86400), Platform: platform, DisableReconnect: true}
}

// dial signs in a pkg/client client and closes it when the test ends.
func (e *env) dial(opts client.Options) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := client.Dial(ctx, e.url, opts)
	if err != nil {
		e.t.Fatalf("Dial %s/%s: %v", opts.UserID, opts.Platform, err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

// nextEvent returns the client's next event, skipping none.
func nextEvent(t *testing.T, c *client.Client) client.Event {
	t.Helper()
	select {
	case ev, ok := <-c.Events():
		if !ok {
			t.Fatalf("events closed: %v", c.Err())
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("no event within %v", waitTimeout)
	}
	return client.Event{}
}

// waitDone waits until the client stopped and returns why.
func waitDone(t *testing.T, c *client.Client) error {
	t.Helper()
	select {
	case <-c.Done():
		return c.Err()
	case <-time.After(waitTimeout):
		t.Fatalf("client still running after %v", waitTimeout)
	}
	return nil
}

// assertDisconnect checks that err is the server ending the session with
// the WebSocket status code and reason.
func assertDisconnect(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var d *client.DisconnectError
	if !errors.As(err, &d) || d.Code != code || d.Reason != reason {
		t.Fatalf("client stopped with %v, want a disconnect %d %s", err, code, reason)
	}
}

// assertCode checks that err is a server answer with code.
func assertCode(t *testing.T, err error, code int) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("got %v, want error code %d", err, code)
	}
}

// raw is a hand-driven WebSocket connection for protocol-level tests.
type raw struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// frame is one server frame as a raw connection read it.
type frame struct {
	op     ws.OpCode
	body   []byte
	ID     uint64          `json:"id"`
	Code   int             `json:"code"`
	Info   string          `json:"info"`
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
	status ws.StatusCode   // of a close frame
	reason string          // of a close frame
}

func (e *env) raw() *raw {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	nc, br, _, err := ws.Dial(ctx, e.url)
	if err != nil {
		e.t.Fatalf("ws.Dial: %v", err)
	}
	if br == nil {
		br = bufio.NewReader(nc)
	}
	e.t.Cleanup(func() { _ = nc.Close() })
	return &raw{t: e.t, nc: nc, br: br}
}

// sendText sends one masked text frame.
func (r *raw) sendText(s string) {
	r.t.Helper()
	r.send(ws.NewTextFrame([]byte(s)))
}

// send sends one frame, masking it.
func (r *raw) send(f ws.Frame) {
	r.t.Helper()
	if err := ws.WriteFrame(r.nc, ws.MaskFrame(f)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame, control frames included.
func (r *raw) read() frame {
	r.t.Helper()
	_ = r.nc.SetReadDeadline(time.Now().Add(waitTimeout))
	h, err := ws.ReadHeader(r.br)
	if err != nil {
		r.t.Fatalf("read header: %v", err)
	}
	body := make([]byte, h.Length)
	if _, err := io.ReadFull(r.br, body); err != nil {
		r.t.Fatalf("read body: %v", err)
	}
	f := frame{op: h.OpCode, body: body}
	switch h.OpCode {
	case ws.OpText:
		if err := json.Unmarshal(body, &f); err != nil {
			r.t.Fatalf("server frame %q: %v", body, err)
		}
	case ws.OpClose:
		f.status, f.reason = ws.ParseCloseFrameData(body)
	}
	return f
}

// next returns the next text frame, answering pings on the way.
func (r *raw) next() frame {
	r.t.Helper()
	for {
		f := r.read()
		switch f.op {
		case ws.OpPing:
			r.send(ws.NewPongFrame(f.body))
		case ws.OpText, ws.OpClose:
			return f
		}
	}
}

// expectClose reads until the close frame and checks its status and reason.
func (r *raw) expectClose(status ws.StatusCode, reason string) {
	r.t.Helper()
	for {
		f := r.next()
		if f.op == ws.OpClose {
			if f.status != status || f.reason != reason {
				r.t.Fatalf("closed with %d %q, want %d %q", f.status, f.reason, status, reason)
			}
			return
		}
	}
}

// call sends a request and returns the next text frame (its answer).
func (r *raw) call(req string) frame {
	r.t.Helper()
	r.sendText(req)
	f := r.next()
	if f.op != ws.OpText {
		r.t.Fatalf("got a %v frame (%d %q), want the answer to %s", f.op, f.status, f.reason, req)
	}
	return f
}

// login signs the raw connection in and returns the answer's data.
func (r *raw) login(app uint64, user, platform string) map[string]any {
	r.t.Helper()
	f := r.call(loginRequest(r.t, app, user, sig(r.t, app, user, 86400), platform))
	if f.Code != 0 {
		r.t.Fatalf("login: %d %s", f.Code, f.Info)
	}
	var data map[string]any
	_ = json.Unmarshal(f.Data, &data)
	return data
}

func loginRequest(t testing.TB, app uint64, user, userSig, platform string) string {
	b, err := json.Marshal(map[string]any{"id": 1, "cmd": "login", "data": map[string]any{
		"SDKAppID": app, "UserID": user, "UserSig": userSig, "Platform": platform, "ProtocolVersion": 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// eventually polls cond until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
