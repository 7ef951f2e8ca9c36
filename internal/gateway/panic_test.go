package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/pkg/protocol"
)

// panicAuth panics for the user "boom" and signs the others in with auth.
type panicAuth struct{ auth gateway.Authenticator }

func (a panicAuth) Authenticate(ctx context.Context, app uint64, user, sig string) (tenant.Principal, error) {
	if user == "boom" {
		panic("test: Authenticate panicked")
	}
	return a.auth.Authenticate(ctx, app, user, sig)
}

// armedConn panics in Read or Write once armed, standing for a bug in
// the code that decodes or writes frames.
type armedConn struct {
	net.Conn
	read, write atomic.Bool
}

func (c *armedConn) Read(p []byte) (int, error) {
	if c.read.Load() {
		panic("test: Read panicked")
	}
	return c.Conn.Read(p)
}

func (c *armedConn) Write(p []byte) (int, error) {
	if c.write.Load() {
		panic("test: Write panicked")
	}
	return c.Conn.Write(p)
}

// A panic while serving one connection closes that connection, with 1011
// internal_error where a close frame can still be written, and the
// gateway goes on serving others.
func TestPanicClosesOnlyItsConnection(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	e := start(t, gateway.Config{Auth: panicAuth{newTenants(t)}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	conns := make(chan *armedConn, 16)
	e.ln.setWrap(func(c net.Conn) net.Conn {
		a := &armedConn{Conn: c}
		conns <- a
		return a
	})
	ping := `{"id":2,"cmd":"ping"}`

	t.Run("login", func(t *testing.T) {
		r := e.raw()
		<-conns
		userSig := sig(t, appDefault, "boom", 86400)
		r.sendText(loginRequest(t, appDefault, "boom", userSig, "Web"))
		r.expectClose(ws.StatusInternalServerError, protocol.ReasonInternalError)
		if got := log.String(); !strings.Contains(got, "Authenticate panicked") || strings.Contains(got, userSig) {
			t.Errorf("log %q: want the panic logged without the UserSig", got)
		}
	})
	t.Run("frame decoding", func(t *testing.T) {
		r := e.raw()
		c := <-conns
		id := r.login(appDefault, "alice", "Web")["SessionID"].(string)
		c.read.Store(true)
		r.sendText(ping)
		r.expectClose(ws.StatusInternalServerError, protocol.ReasonInternalError)
		if got := log.String(); !strings.Contains(got, "Read panicked") || !strings.Contains(got, "session="+id) {
			t.Errorf("log %q: want the panic logged with session %s", got, id)
		}
	})
	t.Run("frame writing", func(t *testing.T) {
		r := e.raw()
		c := <-conns
		r.login(appDefault, "bob", "Web")
		c.write.Store(true)
		r.sendText(ping)
		// Nothing more can be written: the connection just ends.
		if _, err := ws.ReadHeader(r.br); err == nil {
			t.Fatal("read a frame after the writer panicked, want the connection closed")
		}
	})
	eventually(t, "panicked sessions gone", func() bool {
		return len(e.gw.Online(appDefault, []string{"alice", "bob"})) == 0
	})
	// The gateway still serves: a new connection signs in and is answered.
	r := e.raw()
	<-conns
	r.login(appDefault, "carol", "Web")
	if f := r.call(ping); f.ID != 2 || f.Code != 0 {
		t.Fatalf("ping after the panics: id %d code %d %s", f.ID, f.Code, f.Info)
	}
	if got := closes(t, e, protocol.ReasonInternalError); got != 3 {
		t.Errorf("%v sessions closed with %s, want 3", got, protocol.ReasonInternalError)
	}
}

// closes returns parley_gateway_closes_total for reason.
func closes(t *testing.T, e *env, reason string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "parley_gateway_closes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// lockedBuffer is a bytes.Buffer safe for a logger and a test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
