// Package gateway is the WebSocket client door: it upgrades /ws, signs
// clients in with their UserSig, runs one read loop and one write loop per
// connection, routes client commands to the handlers other packages plug
// in with Handle, and delivers the events published on the bus to the
// sessions it holds. docs/protocol.md describes the wire protocol.
//
// Every signed-in user of this node is subscribed on the bus, even on a
// single node with the in-process bus, so the multi-node path is the one
// that runs: events and kick orders for a user reach every node that
// holds one of the user's sessions. Logins and session ends are reported
// to the account package's Logins, which also decides which older
// sessions a login displaces; the gateway carries the kicks out.
package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/pkg/protocol"
)

// Authenticator checks a login's UserSig; *tenant.Service implements it.
type Authenticator interface {
	// Authenticate returns the signed-in principal, whose App.Settings
	// carry the multi-login policy, or an *im.Error with the reference
	// code (70001, 70009, 70013, ...) that the login answer reports.
	Authenticate(ctx context.Context, sdkAppID uint64, identifier, userSig string) (tenant.Principal, error)
}

// Logins is where the gateway reports the sessions it signs in and out, and
// learns which older sessions a new login displaces (the multi-login
// policy is the account package's rule, not the gateway's);
// *account.Logins implements it.
type Logins interface {
	// SignIn records the new session s of the user and returns the IDs of
	// the sessions, on any node, that policy says it displaces.
	SignIn(ctx context.Context, sdkAppID uint64, userID string, s account.Session, policy string) ([]string, error)
	// SignOut forgets a session that ended.
	SignOut(ctx context.Context, sdkAppID uint64, userID, sessionID string) error
}

// CommandFunc handles one client command. data is the request's data
// (nil when absent). The result is encoded with encoding/json as the
// response's data (nil becomes {}; return a json.RawMessage for JSON
// encoded already); an error wrapping an *im.Error becomes the response's
// code and info, any other error (or a panic) a logged 70500. The session
// reads nothing else until the handler returns, so the commands of one
// session run one at a time and are answered in order; handlers of
// different sessions run concurrently. ctx ends after
// Config.CommandTimeout or when the gateway is forced down.
type CommandFunc func(ctx context.Context, s *Session, data json.RawMessage) (any, error)

// Defaults of Config.
const (
	DefaultLoginTimeout   = 10 * time.Second
	DefaultPingInterval   = 30 * time.Second
	DefaultIdleTimeout    = 90 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultCloseGrace     = 2 * time.Second
	DefaultCommandTimeout = 30 * time.Second
	DefaultMaxFrameBytes  = 64 << 10
	DefaultMaxSkipBytes   = 1 << 20
	DefaultSendQueue      = 256
	DefaultSendQueueBytes = 4 << 20
	DefaultReadBuffer     = 4 << 10
	DefaultWriteBuffer    = 16 << 10
)

// Config wires a Gateway. Auth and Bus are required; every other field's
// zero (or negative) value means its default.
type Config struct {
	// Auth signs clients in. Required.
	Auth Authenticator
	// Bus carries events and kick orders between nodes. Required.
	Bus bus.Bus
	// Logins receives every login and session end and names the sessions
	// a login displaces. Nil means account.NewLogins over a presence of
	// the gateway's own (one node; nothing else can read it).
	Logins Logins
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
	// Metrics registers the gateway's collectors. Nil: not registered.
	Metrics prometheus.Registerer
	// OnLogin, if set, runs right after a successful login has been
	// answered, before the session's next command is read (e.g. to start
	// sending the client what it missed).
	OnLogin func(ctx context.Context, s *Session)
	// Clock gives ServerTime, login times and the start of the UserSig
	// expiry timer. Nil means time.Now.
	Clock func() time.Time

	// LoginTimeout is how long a new connection has to sign in. Default 10s.
	LoginTimeout time.Duration
	// PingInterval is how often the server sends a WebSocket ping. Default 30s.
	PingInterval time.Duration
	// IdleTimeout closes a signed-in session from which nothing (frame,
	// pong) arrived for this long. Default 90s.
	IdleTimeout time.Duration
	// WriteTimeout bounds one write to the client. Default 10s.
	WriteTimeout time.Duration
	// CloseGrace bounds writing the last frames of a closing session and
	// waiting for the client's close. Default 2s.
	CloseGrace time.Duration
	// CommandTimeout bounds one command handler (and login). Default 30s.
	CommandTimeout time.Duration
	// MaxFrameBytes is the largest client message (all fragments). Default 64 KiB.
	MaxFrameBytes int64
	// MaxSkipBytes is the largest oversize message that is read and
	// discarded with an error answer instead of closing the connection.
	// Default 1 MiB.
	MaxSkipBytes int64
	// SendQueue is how many frames a session may have waiting to be
	// written before it is closed as a slow consumer. Default 256.
	SendQueue int
	// SendQueueBytes is how many bytes of frames a session may have
	// waiting to be written, counting those being written, before it is
	// closed as a slow consumer; a frame larger than this alone closes
	// it. Default 4 MiB: room for 16 answers of 256 KiB (a large page of
	// messages) or for the whole frame cap of 16 KiB events, so that for
	// ordinary traffic the frame cap binds first, while a session that
	// stopped reading holds at most 4 MiB however large its frames are.
	SendQueueBytes int
	// ReadBuffer and WriteBuffer size the pooled buffers a connection
	// borrows while it reads or writes. Defaults 4 KiB and 16 KiB.
	ReadBuffer, WriteBuffer int
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.LoginTimeout, DefaultLoginTimeout)
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.CloseGrace, DefaultCloseGrace)
	def(&c.CommandTimeout, DefaultCommandTimeout)
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.MaxSkipBytes <= 0 {
		c.MaxSkipBytes = DefaultMaxSkipBytes
	}
	if c.SendQueue <= 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = DefaultSendQueueBytes
	}
	if c.ReadBuffer <= 0 {
		c.ReadBuffer = DefaultReadBuffer
	}
	if c.WriteBuffer <= 0 {
		c.WriteBuffer = DefaultWriteBuffer
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logins == nil {
		c.Logins = account.NewLogins(account.NewLocalPresence())
	}
	return c
}

// Gateway serves WebSocket clients. It is an http.Handler; mount it at
// /ws. Its methods are safe for concurrent use, except Handle, which is
// for wiring time.
//
// Lock order: Gateway.mu, then hub shard locks, then Session.mu.
type Gateway struct {
	cfg      Config
	auth     Authenticator
	bus      bus.Bus
	logins   Logins
	kicker   *Kicker
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics
	handlers map[string]CommandFunc
	// pipelined names the handlers registered with HandlePipelined.
	pipelined map[string]bool
	serving   atomic.Bool
	hub       hub
	upgrader  ws.HTTPUpgrader
	readers   sync.Pool // *bufio.Reader of cfg.ReadBuffer
	writers   sync.Pool // *bufio.Writer of cfg.WriteBuffer
	// queuePeak is the most bytes any session has had counted against
	// Config.SendQueueBytes: the evidence, for tests, that the cap holds.
	queuePeak atomic.Int64

	// ctx is the parent of handler contexts; cancelled when forced down.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	sessions map[*Session]struct{} // every open connection
	down     bool                  // Shutdown was called
	wg       sync.WaitGroup        // read and write loops
	stopped  chan struct{}         // closed when every loop has ended after Shutdown
}

// New returns a Gateway. It panics if cfg.Auth or cfg.Bus is nil: that is
// a wiring bug, not a runtime condition.
func New(cfg Config) *Gateway {
	if cfg.Auth == nil || cfg.Bus == nil {
		panic("gateway: Config.Auth and Config.Bus are required")
	}
	cfg = cfg.withDefaults()
	g := &Gateway{
		cfg:      cfg,
		auth:     cfg.Auth,
		bus:      cfg.Bus,
		logins:   cfg.Logins,
		kicker:   NewKicker(cfg.Bus, cfg.Clock, cfg.Logger),
		log:      cfg.Logger,
		now:      cfg.Clock,
		metrics:  newMetrics(cfg.Metrics),
		handlers: map[string]CommandFunc{}, pipelined: map[string]bool{},
		upgrader: ws.HTTPUpgrader{Timeout: cfg.WriteTimeout},
		sessions: map[*Session]struct{}{},
		stopped:  make(chan struct{}),
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.readers.New = func() any { return bufio.NewReaderSize(nil, cfg.ReadBuffer) }
	g.writers.New = func() any { return bufio.NewWriterSize(nil, cfg.WriteBuffer) }
	g.hub.init(g)
	return g
}

// Handle routes the client command cmd to f. Call it while wiring, before
// the gateway serves its first connection; it panics when called later,
// for a built-in command (login, ping, logout) or for a command already
// routed.
func (g *Gateway) Handle(cmd string, f CommandFunc) {
	switch {
	case g.serving.Load():
		panic("gateway: Handle(" + cmd + ") after serving started")
	case cmd == "" || f == nil:
		panic("gateway: Handle needs a command name and a function")
	case cmd == protocol.CmdLogin || cmd == protocol.CmdPing || cmd == protocol.CmdLogout:
		panic("gateway: " + cmd + " is a built-in command")
	}
	if _, dup := g.handlers[cmd]; dup {
		panic("gateway: command " + cmd + " routed twice")
	}
	g.handlers[cmd] = f
}

// ServeHTTP upgrades the request to a WebSocket connection and starts its
// session. After Shutdown it answers 503.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.serving.Store(true)
	g.mu.Lock()
	down := g.down
	g.mu.Unlock()
	if down {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	conn, rw, _, err := g.upgrader.Upgrade(r, w)
	if err != nil {
		// The upgrader has answered the client already.
		g.log.Debug("gateway: upgrade failed", "remote", r.RemoteAddr, "err", err)
		if conn != nil {
			_ = conn.Close()
		}
		return
	}
	s := &Session{
		gw:         g,
		conn:       conn,
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
	}
	s.rd = newFrameReader(conn, rw.Reader, &g.readers, g.cfg.ReadBuffer, g.cfg.MaxFrameBytes, g.cfg.MaxSkipBytes)
	g.mu.Lock()
	if g.down { // Shutdown began during the upgrade
		g.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(g.cfg.CloseGrace))
		_, _ = conn.Write(closeFrame(protocol.ReasonShutdown))
		_ = conn.Close()
		return
	}
	g.sessions[s] = struct{}{}
	g.wg.Add(2)
	g.mu.Unlock()
	g.metrics.connections.Inc()
	go s.writeLoop()
	go s.readLoop()
}

// notePeak raises queuePeak to n if n is higher.
func (g *Gateway) notePeak(n int) {
	for {
		p := g.queuePeak.Load()
		if int64(n) <= p || g.queuePeak.CompareAndSwap(p, int64(n)) {
			return
		}
	}
}

// forget drops a session whose loops are ending.
func (g *Gateway) forget(s *Session) {
	if s.id != "" {
		g.hub.unregister(s)
		g.signOut(s)
	}
	g.mu.Lock()
	delete(g.sessions, s)
	g.mu.Unlock()
	g.metrics.connections.Dec()
}

// Online returns, for each of the users signed in on this node, the
// platforms of their sessions here (sorted, without repeats). Users
// without a session here are left out. It is this node's view, for tests
// and diagnostics; who is online on every node is the account package's
// Presence.
func (g *Gateway) Online(sdkAppID uint64, userIDs []string) map[string][]string {
	out := map[string][]string{}
	for _, u := range userIDs {
		if p := g.hub.online(userKey{sdkAppID, u}); len(p) > 0 {
			out[u] = p
		}
	}
	return out
}

// Shutdown closes every session with reason server_shutdown (WebSocket
// status 1001, so clients reconnect, to another node if there is one),
// refuses new connections, and waits for every session's goroutines to
// end. If ctx ends first it closes the remaining connections at once,
// cancels running command handlers and returns ctx's error. It may be
// called more than once, and concurrently; every call waits.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	first := !g.down
	g.down = true
	sessions := make([]*Session, 0, len(g.sessions))
	for s := range g.sessions {
		sessions = append(sessions, s)
	}
	g.mu.Unlock()
	if first {
		for _, s := range sessions {
			s.close(protocol.ReasonShutdown, false)
		}
		go func() {
			g.wg.Wait()
			g.cancel()
			close(g.stopped)
		}()
	}
	select {
	case <-g.stopped:
		return nil
	case <-ctx.Done():
	}
	g.cancel()
	g.mu.Lock()
	for s := range g.sessions {
		_ = s.conn.Close()
	}
	g.mu.Unlock()
	return errors.Join(errors.New("gateway: shutdown did not finish in time"), ctx.Err())
}
