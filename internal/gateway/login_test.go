package gateway_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/internal/usersig"
	"github.com/parley-im/parley/pkg/client"
	"github.com/parley-im/parley/pkg/protocol"
)

func TestLoginAndPing(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	before := time.Now()
	c := e.dial(options(t, appDefault, "alice", "iOS"))

	s := c.Session()
	if len(s.SessionID) != 32 {
		t.Errorf("SessionID %q: want 32 hex characters", s.SessionID)
	}
	if s.ServerTime < before.UnixMilli() || s.ServerTime > time.Now().UnixMilli() {
		t.Errorf("ServerTime %d outside the login", s.ServerTime)
	}
	if want := before.Unix() + 86400; s.SigExpiresAt < want-1 || s.SigExpiresAt > want+1 {
		t.Errorf("SigExpiresAt %d, want about %d", s.SigExpiresAt, want)
	}
	if s.ProtocolVersion != 1 || s.MaxFrameBytes != gateway.DefaultMaxFrameBytes {
		t.Errorf("login answer %+v: want ProtocolVersion 1 and the default MaxFrameBytes", s)
	}
	var pong struct{ ServerTime int64 }
	if err := c.Call(context.Background(), "ping", nil, &pong); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if pong.ServerTime < s.ServerTime {
		t.Errorf("ping ServerTime %d before login ServerTime %d", pong.ServerTime, s.ServerTime)
	}
	other := e.dial(options(t, appDefault, "alice", "Android"))
	if other.Session().SessionID == s.SessionID {
		t.Error("two sessions share a SessionID")
	}
	got := e.gw.Online(appDefault, []string{"alice", "bob"})
	if len(got) != 1 || strings.Join(got["alice"], ",") != "Android,iOS" {
		t.Errorf("Online = %v, want alice on Android and iOS", got)
	}
}

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	past := time.Now().Add(-48 * time.Hour)
	expired, err := usersig.Gen(appDefault, testKey, "alice", 3600, past)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, err := usersig.Gen(appDefault, strings.Repeat("0", 64), "alice", 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		app      uint64
		user     string
		userSig  string
		platform string
		code     int
	}{
		{
			name: "expired", app: appDefault, user: "alice", userSig: expired, platform: "iOS",
			code: im.CodeSigExpired,
		},
		{
			name: "wrong key", app: appDefault, user: "alice", userSig: wrongKey, platform: "iOS",
			code: im.CodeSigMismatch,
		},
		{
			name: "another user's sig", app: appDefault, user: "alice", userSig: sig(t, appDefault, "bob", 3600), platform: "iOS",
			code: im.CodeSigIdentifier,
		},
		{
			name: "another app's sig", app: appDefault, user: "alice", userSig: sig(t, appSingle, "alice", 3600), platform: "iOS",
			code: im.CodeSigSDKAppID,
		},
		{
			name: "garbage sig", app: appDefault, user: "alice", userSig: "not-a-usersig", platform: "iOS",
			code: im.CodeSigInvalid,
		},
		{
			name: "unknown app", app: appNotCreated, user: "alice", userSig: sig(t, appNotCreated, "alice", 3600), platform: "iOS",
			code: im.CodeAppNotFound,
		},
		{
			name: "unknown platform", app: appDefault, user: "alice", userSig: sig(t, appDefault, "alice", 3600), platform: "Amiga",
			code: im.CodeInvalidParameter,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			cl, err := client.Dial(ctx, e.url, client.Options{SDKAppID: c.app, UserID: c.user, UserSig: c.userSig, Platform: c.platform})
			if err == nil {
				_ = cl.Close()
			}
			assertCode(t, err, c.code)
		})
	}
}

func TestLoginRefusedClosesConnection(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	cases := []struct {
		name string
		data string
		code int
	}{
		{
			name: "empty sig",
			data: `{"SDKAppID":1400000001,"UserID":"alice","UserSig":"","Platform":"Web","ProtocolVersion":1}`,
			code: im.CodeSigEmpty,
		},
		{
			name: "no protocol version",
			data: `{"SDKAppID":1400000001,"UserID":"alice","UserSig":"x","Platform":"Web"}`,
			code: im.CodeInvalidParameter,
		},
		{
			name: "data of the wrong shape",
			data: `["SDKAppID"]`,
			code: im.CodeInvalidParameter,
		},
		{
			name: "no data",
			data: `null`,
			code: im.CodeInvalidParameter,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := e.raw()
			f := r.call(`{"id":7,"cmd":"login","data":` + c.data + `}`)
			if f.ID != 7 || f.Code != c.code {
				t.Fatalf("answer id %d code %d (%s), want id 7 code %d", f.ID, f.Code, f.Info, c.code)
			}
			r.expectClose(4001, protocol.ReasonLoginFailed)
		})
	}
}

func TestLoginTimeout(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{LoginTimeout: 50 * time.Millisecond})
	r := e.raw()
	r.expectClose(4000, protocol.ReasonLoginTimeout)
}

func TestCommandBeforeLogin(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	if f := r.call(`{"id":1,"cmd":"ping"}`); f.ID != 1 || f.Code != im.CodeIdentifierOrSig {
		t.Fatalf("ping before login: id %d code %d, want id 1 code %d", f.ID, f.Code, im.CodeIdentifierOrSig)
	}
	r.login(appDefault, "alice", "Web")
	if f := r.call(`{"id":2,"cmd":"ping"}`); f.Code != 0 {
		t.Fatalf("ping after login: %d %s", f.Code, f.Info)
	}
	f := r.call(loginRequest(t, appDefault, "alice", sig(t, appDefault, "alice", 60), "Web"))
	if f.Code != im.CodeMalformedRequest {
		t.Fatalf("second login: code %d, want %d", f.Code, im.CodeMalformedRequest)
	}
}

func TestSigExpiry(t *testing.T) {
	t.Parallel()
	// The gateway's clock runs an hour ahead, so a UserSig valid for ten
	// more minutes has expired for it right after login.
	e := start(t, gateway.Config{Clock: func() time.Time { return time.Now().Add(time.Hour) }})
	opts := options(t, appDefault, "alice", "iOS")
	opts.UserSig = sig(t, appDefault, "alice", 600)
	c := e.dial(opts)
	ev := nextEvent(t, c)
	if ev.Name != protocol.EventSigExpired {
		t.Fatalf("event %q, want %s", ev.Name, protocol.EventSigExpired)
	}
	var data struct{ SigExpiresAt int64 }
	if err := json.Unmarshal(ev.Data, &data); err != nil || data.SigExpiresAt != c.Session().SigExpiresAt {
		t.Errorf("sig_expired data %s, want SigExpiresAt %d", ev.Data, c.Session().SigExpiresAt)
	}
	assertDisconnect(t, waitDone(t, c), 4004, protocol.ReasonSigExpired)
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{IdleTimeout: 100 * time.Millisecond, PingInterval: time.Hour})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	// The client says nothing, not even a pong: the server gives up.
	r.expectClose(4006, protocol.ReasonIdleTimeout)
}

// TestServerPings: the server pings every PingInterval, and a client that
// answers the pings stays signed in past IdleTimeout with nothing else to
// say. The idle timeout is a network read deadline, on the real clock, so
// no injected clock can make it pass: the test counts the server's pings
// (PingInterval apart) until more than IdleTimeout has gone by, instead of
// sleeping.
func TestServerPings(t *testing.T) {
	t.Parallel()
	const pingInterval, idleTimeout = 20 * time.Millisecond, 300 * time.Millisecond
	e := start(t, gateway.Config{PingInterval: pingInterval, IdleTimeout: idleTimeout})
	// bob's client library answers pings on its own; alice's raw
	// connection answers them by hand and counts them.
	c := e.dial(options(t, appDefault, "bob", "iOS"))
	id := c.Session().SessionID
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	for range int(idleTimeout/pingInterval) + 5 {
		f := r.read()
		if f.op != ws.OpPing {
			t.Fatalf("got a %v frame (%d %q), want a ping", f.op, f.status, f.reason)
		}
		r.send(ws.NewPongFrame(f.body))
	}
	if f := r.call(`{"id":2,"cmd":"ping"}`); f.ID != 2 || f.Code != 0 {
		t.Fatalf("ping after idle time on the raw connection: %+v", f)
	}
	if err := c.Call(context.Background(), "ping", nil, nil); err != nil {
		t.Fatalf("ping after idle time: %v", err)
	}
	if c.Session().SessionID != id {
		t.Error("the client had to reconnect")
	}
}

// scriptedLogins is a Logins port that displaces what the test says and
// records what the gateway reports.
type scriptedLogins struct {
	mu        sync.Mutex
	displace  func(s account.Session, policy string) []string
	signedIn  []account.Session
	policies  []string
	signedOut []string
}

func (l *scriptedLogins) SignIn(_ context.Context, _ uint64, _ string, s account.Session, policy string) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signedIn = append(l.signedIn, s)
	l.policies = append(l.policies, policy)
	return l.displace(s, policy), nil
}

func (l *scriptedLogins) SignOut(_ context.Context, _ uint64, _ string, sessionID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.signedOut = append(l.signedOut, sessionID)
	return nil
}

func (l *scriptedLogins) out() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.signedOut)
}

// TestLoginAsksLogins: the gateway reports each login, with the app's
// policy, to the Logins port and closes exactly the sessions the port
// names (here one the gateway's old rule would never have closed: another
// platform under Unlimited), and reports every session's end.
func TestLoginAsksLogins(t *testing.T) {
	t.Parallel()
	var first string
	logins := &scriptedLogins{displace: func(s account.Session, _ string) []string {
		if s.Platform == "Web" {
			return []string{first, "a-session-elsewhere"}
		}
		return nil
	}}
	e := start(t, gateway.Config{Logins: logins})
	ios := e.dial(options(t, appUnlimited, "alice", "iOS"))
	first = ios.Session().SessionID
	web := e.dial(options(t, appUnlimited, "alice", "Web"))
	ev := nextEvent(t, ios)
	if ev.Name != protocol.EventKicked || !strings.Contains(string(ev.Data), `"Platform":"Web"`) {
		t.Errorf("iOS session got %s %s, want kicked from Web", ev.Name, ev.Data)
	}
	assertDisconnect(t, waitDone(t, ios), 4002, protocol.ReasonLoginElsewhere)
	logins.mu.Lock()
	if len(logins.signedIn) != 2 || logins.signedIn[1].ID != web.Session().SessionID || logins.signedIn[1].Platform != "Web" ||
		logins.signedIn[1].LoginAt.Before(logins.signedIn[0].LoginAt) ||
		logins.policies[1] != tenant.Unlimited {
		t.Errorf("reported logins %+v with policies %v", logins.signedIn, logins.policies)
	}
	logins.mu.Unlock()
	eventually(t, "the kicked session signed out", func() bool { return slices.Contains(logins.out(), first) })
	_ = web.Close()
	eventually(t, "the closed session signed out", func() bool { return len(logins.out()) == 2 })
}
