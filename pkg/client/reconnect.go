package client

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// supervise owns the client's connections: it waits for the current one
// to end and then reconnects (and resynchronises, see Sync), until the
// client stops for good. When it returns, no read loop runs any more, so
// it closes Events and Done.
func (c *Client) supervise(cn *conn) {
	defer func() {
		close(c.events)
		close(c.done)
	}()
	for {
		<-cn.dead
		c.clearConn()
		if f := c.opts.OnDisconnect; f != nil && !errors.Is(cn.err, ErrClosed) {
			f(cn.err)
		}
		if err := c.final(cn.err); err != nil {
			c.stop(err)
			return
		}
		next, ok := c.reconnect()
		if !ok {
			return
		}
		cn = next
		c.resync()
		if f := c.opts.OnReconnect; f != nil {
			f(c.ctx, c)
		}
	}
}

// final returns the error the client stops with after a connection ended
// with err, or nil when it should reconnect.
func (c *Client) final(err error) error {
	if stopped := c.Err(); stopped != nil {
		return stopped
	}
	var closed *closedByServer
	if errors.As(err, &closed) {
		switch closed.code {
		// The server ended the session on purpose: do not reconnect.
		case protocol.CloseLogout, protocol.CloseLoginFailed, protocol.CloseLoginElsewhere,
			protocol.CloseKickedByAdmin, protocol.CloseAccountDeleted:
			return &DisconnectError{Code: closed.code, Reason: closed.reason}
		case protocol.CloseSigExpired:
			if c.opts.UserSigFunc == nil {
				return &DisconnectError{Code: closed.code, Reason: closed.reason}
			}
		}
	}
	if c.opts.DisableReconnect {
		if closed != nil {
			return &DisconnectError{Code: closed.code, Reason: closed.reason}
		}
		return err
	}
	return nil
}

// reconnect dials and signs in again, with jittered exponential backoff,
// until it succeeds, the client is closed, or a login is refused for a
// reason retrying cannot fix.
func (c *Client) reconnect() (*conn, bool) {
	for attempt := 0; ; attempt++ {
		if !c.sleep(c.backoff(attempt)) {
			return nil, false
		}
		sig := c.opts.UserSig
		if f := c.opts.UserSigFunc; f != nil {
			s, err := f(c.ctx)
			if err != nil {
				continue
			}
			sig = s
		}
		cn, s, err := c.connect(c.ctx, sig)
		if err == nil {
			if c.ctx.Err() != nil { // closed meanwhile
				cn.closeNormally(c.opts.WriteTimeout)
				return nil, false
			}
			c.setConn(cn, s)
			return cn, true
		}
		var refused *Error
		if errors.As(err, &refused) && permanentLoginError(refused.Code) {
			c.stop(refused)
			return nil, false
		}
		if f := c.opts.OnDisconnect; f != nil && c.ctx.Err() == nil {
			f(err)
		}
	}
}

// permanentLoginError reports whether a refused login will be refused
// again: the UserSig, the identifier or the app is wrong (70xxx), as
// opposed to the server failing (70500) or timing out (70169, 70202).
func permanentLoginError(code int) bool {
	return code >= 70000 && code < 70500 && code != 70169 && code != 70202
}

// backoff is the wait before attempt n: ReconnectMin doubled n times, at
// most ReconnectMax, then jittered down by up to half so that clients
// dropped together do not come back together.
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.ReconnectMin
	for range min(n, 32) {
		if d >= c.opts.ReconnectMax/2 {
			d = c.opts.ReconnectMax
			break
		}
		d *= 2
	}
	d = min(d, c.opts.ReconnectMax)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d and reports whether the client is still open.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}
