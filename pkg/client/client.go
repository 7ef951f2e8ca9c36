// Package client is the Go SDK of Parley's WebSocket client protocol
// (docs/protocol.md): it signs in, sends commands and waits for their
// answers, hands server events to the application, and reconnects, signing
// in again, when the connection drops.
//
// Call is the primitive every command goes through; the typed helpers of
// the messaging commands (SendC2C, Sync, History, Conversations, MarkRead,
// Revoke, Modify, ...) wrap it with the request and answer structs of
// their command, and Event.Decode gives events their types.
//
// The server delivers events at most once per connection. Once the
// application has called Sync, the client keeps its sync position and,
// after each reconnect, resynchronises from it by itself, delivering what
// was missed through Events; message events are deduplicated by (peer,
// MsgSeq).
package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// ProtocolVersion is the highest protocol version this SDK speaks.
const ProtocolVersion = protocol.Version

// Errors of the client.
var (
	// ErrClosed: the client was closed with Close.
	ErrClosed = errors.New("client: closed")
	// ErrConnectionLost: the connection dropped before the answer to a
	// command came; the server may or may not have executed it.
	ErrConnectionLost = errors.New("client: connection lost before the answer")
	// ErrTooLarge: the request is larger than the server accepts.
	ErrTooLarge = errors.New("client: request larger than the server's MaxFrameBytes")
)

// Error is a non-zero code answered by the server: a reference error code
// (70001 UserSig expired, 60009 unknown command, ...) and a readable Info.
type Error struct {
	Code int
	Info string
}

func (e *Error) Error() string { return fmt.Sprintf("parley error %d: %s", e.Code, e.Info) }

// DisconnectError says why the server ended the session for good (the
// client does not reconnect): Code is the WebSocket close status and
// Reason the protocol's reason, e.g. 4002 login_elsewhere.
type DisconnectError struct {
	Code   int
	Reason string
}

func (e *DisconnectError) Error() string {
	return fmt.Sprintf("client: disconnected by the server: %d %s", e.Code, e.Reason)
}

// Event is a server event.
type Event struct {
	Name string
	Data json.RawMessage
}

// Session describes the current sign-in: the login answer.
type Session = protocol.LoginAnswer

// Options configure a client. SDKAppID, UserID, UserSig and Platform are
// required; every other field's zero value means its default.
type Options struct {
	SDKAppID uint64
	UserID   string
	UserSig  string
	// Platform is one of iOS, Android, Web, Windows, Mac, iPad, Linux.
	Platform string
	// UserSigFunc, if set, gives the UserSig for every sign-in after the
	// first, so a long-lived client can reconnect after its UserSig
	// expired (sig_expired then reconnects instead of stopping).
	UserSigFunc func(ctx context.Context) (string, error)

	// OnReconnect runs each time the client has signed in again on a new
	// connection (events may already be arriving on it), after the
	// client's own resync of messages (see Sync): refresh other state
	// (conversations, unread counts) here. It runs on the client's
	// reconnecting goroutine, which waits for it, and may call Call. ctx
	// ends when the client is closed.
	OnReconnect func(ctx context.Context, c *Client)
	// OnDisconnect, if set, is told why each time a connection is lost
	// or a reconnection attempt fails; it must not block.
	OnDisconnect func(err error)
	// DisableReconnect makes the first lost connection stop the client.
	DisableReconnect bool
	// ReconnectMin and ReconnectMax bound the jittered exponential backoff
	// between reconnection attempts. Defaults 500ms and 30s.
	ReconnectMin, ReconnectMax time.Duration

	// DialTimeout bounds connecting and signing in. Default 10s.
	DialTimeout time.Duration
	// ReadTimeout: a connection from which nothing arrived for this long
	// is considered dead and replaced (the server pings every 30s by
	// default). Default 90s.
	ReadTimeout time.Duration
	// WriteTimeout bounds one write. Default 10s.
	WriteTimeout time.Duration
	// MaxMessageBytes is the largest server message accepted. Default 16 MiB.
	MaxMessageBytes int64
	// EventBuffer is the capacity of Events(). When the application falls
	// this far behind, the client drops the connection and reconnects, so
	// that the resync after it (see Sync) delivers what was missed.
	// Default 1024.
	EventBuffer int
	// Header is sent with the WebSocket handshake.
	Header http.Header
	// TLSConfig is used for wss:// URLs. Nil means the default.
	TLSConfig *tls.Config
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.ReconnectMin, 500*time.Millisecond)
	def(&o.ReconnectMax, 30*time.Second)
	def(&o.DialTimeout, 10*time.Second)
	def(&o.ReadTimeout, 90*time.Second)
	def(&o.WriteTimeout, 10*time.Second)
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = o.ReconnectMin
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 16 << 20
	}
	if o.EventBuffer <= 0 {
		o.EventBuffer = 1024
	}
	return o
}

func (o Options) validate() error {
	var errs []error
	if o.SDKAppID == 0 {
		errs = append(errs, errors.New("SDKAppID is required"))
	}
	if o.UserID == "" {
		errs = append(errs, errors.New("UserID is required"))
	}
	if o.UserSig == "" {
		errs = append(errs, errors.New("UserSig is required"))
	}
	if o.Platform == "" {
		errs = append(errs, errors.New("Platform is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("client: options: %w", err)
	}
	return nil
}

// Client is a signed-in connection that survives reconnects. Its methods
// are safe for concurrent use.
type Client struct {
	url    string
	opts   Options
	events chan Event
	nextID atomic.Uint64
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the client has stopped for good

	stream syncState // the sync position and the messages delivered past it

	mu      sync.Mutex
	conn    *conn         // nil while reconnecting
	ready   chan struct{} // closed when conn is set again
	session Session
	err     error // why the client stopped
}

// Dial connects to url (ws:// or wss://, e.g. ws://host:8080/ws) and
// signs in. A refused login is an *Error with the server's code (70001
// UserSig expired, 70009 bad signature, ...). ctx bounds the dial and the
// login only.
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := &Client{
		url:    url,
		opts:   opts,
		events: make(chan Event, opts.EventBuffer),
		done:   make(chan struct{}),
		ready:  make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	cn, sess, err := c.connect(ctx, opts.UserSig)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.setConn(cn, sess)
	go c.supervise(cn)
	return c, nil
}

// Events returns the server's events, in arrival order. It is closed when
// the client stops for good (see Done).
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the client has stopped for good: Close was called,
// the server ended the session (kicked, sig_expired), a re-login was
// refused, or a connection was lost with DisableReconnect. Err says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the client stopped (ErrClosed, a *DisconnectError, an
// *Error of a refused re-login, ...), or nil while it runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Session returns the current sign-in; it changes at each reconnect.
func (c *Client) Session() Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Call sends the command cmd with data (encoded with encoding/json; nil
// sends no data) and waits for its answer, whose data it decodes into out
// (if not nil). A non-zero answer code is an *Error. While the client is
// reconnecting, Call waits for the new connection; if the connection
// drops before the answer, it returns ErrConnectionLost.
func (c *Client) Call(ctx context.Context, cmd string, data, out any) error {
	cn, err := c.waitConn(ctx)
	if err != nil {
		return err
	}
	return c.call(ctx, cn, cmd, data, out)
}

// waitConn returns the live connection, waiting while reconnecting.
func (c *Client) waitConn(ctx context.Context) (*conn, error) {
	for {
		c.mu.Lock()
		cn, ready, err := c.conn, c.ready, c.err
		c.mu.Unlock()
		switch {
		case err != nil:
			return nil, err
		case cn != nil:
			return cn, nil
		}
		select {
		case <-ready:
		case <-c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// call runs one command on cn.
func (c *Client) call(ctx context.Context, cn *conn, cmd string, data, out any) error {
	req := protocol.Request{ID: c.nextID.Add(1), Cmd: cmd, Data: data}
	payload, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("client: encode %s: %w", cmd, err)
	}
	if max := cn.maxFrame.Load(); max > 0 && int64(len(payload)) > max {
		return ErrTooLarge
	}
	ch := cn.expect(req.ID)
	defer cn.forget(req.ID)
	if err := cn.writeText(payload, c.opts.WriteTimeout); err != nil {
		cn.fail(err)
		return ErrConnectionLost
	}
	var r protocol.ServerFrame
	select {
	case r = <-ch:
	case <-cn.dead:
		select {
		case r = <-ch: // answered just before the connection ended
		default:
			return ErrConnectionLost
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.Code != 0 {
		return &Error{Code: r.Code, Info: r.Info}
	}
	if out != nil && len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("client: decode answer to %s: %w", cmd, err)
		}
	}
	return nil
}

// Close stops the client: it closes the connection (with a WebSocket
// close, so the server ends the session at once), stops reconnecting and
// waits until Events is closed. It returns nil, also when called again.
func (c *Client) Close() error {
	c.stop(ErrClosed)
	c.cancel()
	c.mu.Lock()
	cn := c.conn
	c.mu.Unlock()
	if cn != nil {
		cn.closeNormally(c.opts.WriteTimeout)
	}
	<-c.done
	return nil
}

// stop records why the client stops, unless it already stopped.
func (c *Client) stop(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// setConn publishes a signed-in connection.
func (c *Client) setConn(cn *conn, s Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn, c.session = cn, s
	close(c.ready)
}

// clearConn marks the client as reconnecting.
func (c *Client) clearConn() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn = nil
	c.ready = make(chan struct{})
}
