package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parley-im/parley/pkg/protocol"
)

// Conn is one signed-in WebSocket connection of a load client: a minimal
// client of docs/protocol.md that sends requests without waiting
// (pipelining), matches answers by id, answers pings, and hands events to
// a callback on its read goroutine. It never reconnects: a load run
// counts a lost connection instead of hiding it.
//
// It is not pkg/client: a load client needs the source address of each
// connection (pkg/client has no dialing hook), pipelined requests with
// callbacks instead of one goroutine per request, and no event buffer
// that reconnects when it fills up.
type Conn struct {
	user    string
	nc      net.Conn
	onEvent func(name string, data []byte)

	wmu    sync.Mutex
	bw     *bufio.Writer
	nextID uint64 // guarded by wmu

	pmu     sync.Mutex
	pending map[uint64]func(Answer, error)
	ended   bool // the read loop has ended; guarded by pmu

	closing  atomic.Bool // Close was called
	failOnce sync.Once
	err      error         // why the connection ended; set before done is closed
	done     chan struct{} // closed when the read loop has ended
}

// Answer is the server's response to a request.
type Answer struct {
	Code int             `json:"code"`
	Info string          `json:"info"`
	Data json.RawMessage `json:"data"`
}

// Connection timings.
const (
	connReadTimeout  = 120 * time.Second // the server pings every 30 s
	connWriteTimeout = 10 * time.Second
	connCloseWait    = 2 * time.Second
)

// DialOptions configure a connection. The zero value is a Linux client
// that ignores events.
type DialOptions struct {
	// Platform is the login's platform. Default protocol.PlatformLinux.
	Platform string
	// OnEvent, if set, receives every server event (name and data) on the
	// connection's read goroutine, in arrival order; it must not block.
	// An answer the server could not tie to a request (id 0) arrives as
	// the event "error" with the frame as data.
	OnEvent func(name string, data []byte)
	// ReadBuffer sizes the read buffer. Default 4 KiB.
	ReadBuffer int
}

// Dial opens a WebSocket connection to the server from the next source
// address and signs user in with a fresh UserSig. ctx bounds dialing and
// signing in. A refused login is a *ServerError.
func (e *Env) Dial(ctx context.Context, user string, opts DialOptions) (*Conn, error) {
	if opts.Platform == "" {
		opts.Platform = protocol.PlatformLinux
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = 4 << 10
	}
	sig, err := e.UserSig(user)
	if err != nil {
		return nil, err
	}
	d := ws.Dialer{NetDial: e.dialer.dialTCP, ReadBufferSize: opts.ReadBuffer, WriteBufferSize: 1 << 10}
	nc, br, _, err := d.Dial(ctx, e.wsURL())
	if err != nil {
		return nil, err
	}
	if br == nil {
		br = bufio.NewReaderSize(nc, opts.ReadBuffer)
	}
	c := &Conn{
		user:    user,
		nc:      nc,
		onEvent: opts.OnEvent,
		bw:      bufio.NewWriterSize(nc, 1<<10),
		pending: map[uint64]func(Answer, error){},
		done:    make(chan struct{}),
	}
	go c.readLoop(br)
	login := protocol.LoginRequest{
		SDKAppID: e.sdkAppID, UserID: user, UserSig: sig, Platform: opts.Platform, ProtocolVersion: protocol.Version,
	}
	if err := c.Call(ctx, protocol.CmdLogin, login, nil); err != nil {
		c.fail(err)
		<-c.done
		return nil, err
	}
	return c, nil
}

// User returns the signed-in user.
func (c *Conn) User() string { return c.user }

// Done is closed when the connection has ended; Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (a *CloseError when the server
// closed it), or nil while it is open.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Closed reports whether the connection ended because Close was called.
func (c *Conn) Closed() bool { return c.closing.Load() }

// Go sends the command cmd with data (JSON-encoded; nil sends none) and
// returns without waiting. cb is called exactly once, on the connection's
// read goroutine, with the answer, or with ErrConnLost when the
// connection ends first; a non-zero code is passed as the answer (Call
// turns it into a *ServerError). If Go returns an error the request was
// not sent and cb is not called.
func (c *Conn) Go(cmd string, data any, cb func(Answer, error)) error {
	var payload []byte
	if data != nil {
		var err error
		if payload, err = json.Marshal(data); err != nil {
			return fmt.Errorf("bench: encode %s: %w", cmd, err)
		}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nextID++
	id := c.nextID
	c.pmu.Lock()
	if c.ended {
		c.pmu.Unlock()
		return ErrConnLost
	}
	c.pending[id] = cb
	c.pmu.Unlock()
	req := make([]byte, 0, len(payload)+len(cmd)+40)
	req = fmt.Appendf(req, `{"id":%d,"cmd":%q`, id, cmd)
	if payload != nil {
		req = append(append(append(req, `,"data":`...), payload...), '}')
	} else {
		req = append(req, '}')
	}
	if err := c.writeLocked(ws.NewTextFrame(req)); err != nil {
		c.fail(err) // the read loop ends and calls cb with ErrConnLost
	}
	return nil
}

// Call sends cmd and waits for its answer, decoding its data into out (if
// not nil). A non-zero code is a *ServerError.
func (c *Conn) Call(ctx context.Context, cmd string, data, out any) error {
	type result struct {
		a   Answer
		err error
	}
	ch := make(chan result, 1)
	if err := c.Go(cmd, data, func(a Answer, err error) { ch <- result{a, err} }); err != nil {
		return err
	}
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	switch {
	case r.err != nil:
		return r.err
	case r.a.Code != 0:
		return &ServerError{Code: r.a.Code, Info: r.a.Info}
	case out != nil && len(r.a.Data) > 0:
		if err := json.Unmarshal(r.a.Data, out); err != nil {
			return fmt.Errorf("bench: decode answer to %s: %w", cmd, err)
		}
	}
	return nil
}

// Close sends a close frame, waits briefly for the server's close and
// closes the connection. It may be called more than once.
func (c *Conn) Close() {
	if !c.closing.Swap(true) {
		c.wmu.Lock()
		_ = c.writeLocked(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
		c.wmu.Unlock()
	}
	t := time.NewTimer(connCloseWait)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		c.fail(ErrConnLost)
		<-c.done
	}
}

// writeLocked masks f and writes it; the caller holds wmu.
func (c *Conn) writeLocked(f ws.Frame) error {
	f = ws.MaskFrameInPlace(f)
	_ = c.nc.SetWriteDeadline(time.Now().Add(connWriteTimeout))
	if err := ws.WriteFrame(c.bw, f); err != nil {
		return err
	}
	return c.bw.Flush()
}

// fail records why the connection ends (the first reason wins) and closes
// it, which ends the read loop.
func (c *Conn) fail(err error) {
	c.failOnce.Do(func() {
		c.err = err
		_ = c.nc.Close()
	})
}

// readLoop reads frames until the connection ends, then fails every
// request still waiting for its answer.
func (c *Conn) readLoop(br *bufio.Reader) {
	rd := &wsutil.Reader{Source: br, State: ws.StateClientSide, MaxMessageSize: 16 << 20}
	rd.OnIntermediate = c.control
	var buf bytes.Buffer
	var err error
	for err == nil {
		err = c.readOne(rd, &buf)
	}
	c.fail(err)
	c.pmu.Lock()
	c.ended = true
	pending := c.pending
	c.pending = nil
	c.pmu.Unlock()
	for _, cb := range pending {
		cb(Answer{}, ErrConnLost)
	}
	close(c.done)
}

// readOne reads and handles one frame.
func (c *Conn) readOne(rd *wsutil.Reader, buf *bytes.Buffer) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(connReadTimeout))
	h, err := rd.NextFrame()
	if err != nil {
		return err
	}
	if h.OpCode.IsControl() {
		return c.control(h, rd)
	}
	buf.Reset()
	if _, err := buf.ReadFrom(rd); err != nil {
		return err
	}
	var f protocol.ServerFrame
	if err := json.Unmarshal(buf.Bytes(), &f); err != nil {
		return fmt.Errorf("bench: undecodable server frame: %w", err)
	}
	switch {
	case f.Event != "":
		if c.onEvent != nil {
			c.onEvent(f.Event, f.Data)
		}
	case f.ID == 0:
		if c.onEvent != nil {
			c.onEvent("error", bytes.Clone(buf.Bytes()))
		}
	default:
		c.pmu.Lock()
		cb := c.pending[f.ID]
		delete(c.pending, f.ID)
		c.pmu.Unlock()
		if cb != nil {
			cb(Answer{Code: f.Code, Info: f.Info, Data: f.Data}, nil)
		}
	}
	return nil
}

// control answers a ping and ends the connection on a close.
func (c *Conn) control(h ws.Header, r io.Reader) error {
	p, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return c.writeLocked(ws.NewPongFrame(p))
	case ws.OpClose:
		code, text := ws.ParseCloseFrameData(p)
		if !c.closing.Load() {
			c.wmu.Lock()
			_ = c.writeLocked(ws.NewCloseFrame(ws.NewCloseFrameBody(code, "")))
			c.wmu.Unlock()
		}
		return &CloseError{Code: int(code), Reason: text}
	}
	return nil
}

// isCloseOf reports whether err is a close with one of codes.
func isCloseOf(err error, codes ...int) bool {
	var ce *CloseError
	if !errors.As(err, &ce) {
		return false
	}
	for _, c := range codes {
		if ce.Code == c {
			return true
		}
	}
	return false
}
