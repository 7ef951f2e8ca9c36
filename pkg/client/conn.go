package client

import (
	"bufio"
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

// conn is one WebSocket connection and its read loop.
type conn struct {
	nc       net.Conn
	maxFrame atomic.Int64 // the server's MaxFrameBytes, once known

	wmu sync.Mutex
	bw  *bufio.Writer

	pmu     sync.Mutex
	pending map[uint64]chan protocol.ServerFrame

	failOnce sync.Once
	err      error         // why the connection ended; set before dead is closed
	dead     chan struct{} // closed when the read loop has ended
}

// closedByServer is a connection's end by a server close frame.
type closedByServer struct {
	code   int
	reason string
}

func (e *closedByServer) Error() string {
	return fmt.Sprintf("client: server closed the connection: %d %s", e.code, e.reason)
}

// errOverflow ends a connection whose events the application did not read.
var errOverflow = errors.New("client: events not read fast enough; reconnecting to resynchronise")

// connect dials, starts the read loop and signs in.
func (c *Client) connect(ctx context.Context, userSig string) (*conn, Session, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	d := ws.Dialer{TLSConfig: c.opts.TLSConfig}
	if c.opts.Header != nil {
		d.Header = ws.HandshakeHeaderHTTP(c.opts.Header)
	}
	nc, br, _, err := d.Dial(ctx, c.url)
	if err != nil {
		return nil, Session{}, fmt.Errorf("client: dial %s: %w", c.url, err)
	}
	if br == nil {
		br = bufio.NewReader(nc)
	}
	cn := &conn{
		nc:      nc,
		bw:      bufio.NewWriter(nc),
		pending: map[uint64]chan protocol.ServerFrame{},
		dead:    make(chan struct{}),
	}
	go c.readLoop(cn, br)
	var s Session
	login := protocol.LoginRequest{
		SDKAppID: c.opts.SDKAppID, UserID: c.opts.UserID, UserSig: userSig,
		Platform: c.opts.Platform, ProtocolVersion: ProtocolVersion,
	}
	if err := c.call(ctx, cn, protocol.CmdLogin, login, &s); err != nil {
		cn.fail(err)
		<-cn.dead
		if errors.Is(err, ErrConnectionLost) && cn.err != nil {
			err = fmt.Errorf("client: login: %w", cn.err)
		}
		return nil, Session{}, err
	}
	cn.maxFrame.Store(s.MaxFrameBytes)
	return cn, s, nil
}

// readLoop reads the server's frames until the connection ends.
func (c *Client) readLoop(cn *conn, src io.Reader) {
	rd := &wsutil.Reader{
		Source:         src,
		State:          ws.StateClientSide,
		MaxMessageSize: c.opts.MaxMessageBytes,
	}
	rd.OnIntermediate = func(h ws.Header, r io.Reader) error { return cn.control(h, r) }
	var err error
	for err == nil {
		err = c.readMessage(cn, rd)
	}
	cn.fail(err)
	_ = cn.nc.Close()
	close(cn.dead)
}

// readMessage reads one frame or message and acts on it.
func (c *Client) readMessage(cn *conn, rd *wsutil.Reader) error {
	_ = cn.nc.SetReadDeadline(time.Now().Add(c.opts.ReadTimeout))
	h, err := rd.NextFrame()
	if err != nil {
		return err
	}
	if h.OpCode.IsControl() {
		return cn.control(h, rd)
	}
	p, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	var m protocol.ServerFrame
	if err := json.Unmarshal(p, &m); err != nil {
		return fmt.Errorf("client: undecodable server frame: %w", err)
	}
	if m.Event != "" {
		return c.deliver(Event{Name: m.Event, Data: m.Data})
	}
	if m.ID == 0 {
		// An error about a frame the server could not tie to a request.
		data, _ := json.Marshal(struct {
			Code int
			Info string
		}{m.Code, m.Info})
		select {
		case c.events <- Event{Name: EventError, Data: data}:
		default:
		}
		return nil
	}
	cn.answer(m)
	return nil
}

// control answers a ping and ends the loop on a close.
func (cn *conn) control(h ws.Header, r io.Reader) error {
	p, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		return cn.writeFrame(ws.NewPongFrame(p), 5*time.Second)
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(p)
		if code == 0 {
			code = ws.StatusNoStatusRcvd
		}
		_ = cn.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, "")), time.Second)
		return &closedByServer{code: int(code), reason: reason}
	}
	return nil
}

func (cn *conn) expect(id uint64) chan protocol.ServerFrame {
	ch := make(chan protocol.ServerFrame, 1)
	cn.pmu.Lock()
	cn.pending[id] = ch
	cn.pmu.Unlock()
	return ch
}

func (cn *conn) forget(id uint64) {
	cn.pmu.Lock()
	delete(cn.pending, id)
	cn.pmu.Unlock()
}

func (cn *conn) answer(m protocol.ServerFrame) {
	cn.pmu.Lock()
	ch := cn.pending[m.ID]
	delete(cn.pending, m.ID)
	cn.pmu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// writeText writes one masked text frame.
func (cn *conn) writeText(p []byte, timeout time.Duration) error {
	return cn.writeFrame(ws.NewTextFrame(p), timeout)
}

// writeFrame masks f (in place) and writes it.
func (cn *conn) writeFrame(f ws.Frame, timeout time.Duration) error {
	f = ws.MaskFrameInPlace(f)
	cn.wmu.Lock()
	defer cn.wmu.Unlock()
	_ = cn.nc.SetWriteDeadline(time.Now().Add(timeout))
	if err := ws.WriteFrame(cn.bw, f); err != nil {
		return err
	}
	return cn.bw.Flush()
}

// fail records why the connection ends (the first reason wins) and closes
// it, which ends the read loop.
func (cn *conn) fail(err error) {
	cn.failOnce.Do(func() {
		cn.err = err
		_ = cn.nc.Close()
	})
}

// closeNormally sends a close frame and closes the connection.
func (cn *conn) closeNormally(timeout time.Duration) {
	_ = cn.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")), timeout)
	cn.fail(ErrClosed)
	<-cn.dead
}
