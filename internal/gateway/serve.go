package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"time"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// readLoop is the session's reader: login first, then commands, each
// handled to completion (apart) before the next frame is read. When it
// ends it waits for the write loop, closes the connection and unregisters.
func (s *Session) readLoop() {
	defer s.gw.wg.Done()
	defer s.teardown()
	defer s.recoverPanic("read loop")
	s.setReadDeadline(time.Now().Add(s.gw.cfg.LoginTimeout))
	for {
		if s.active() {
			s.setReadDeadline(time.Now().Add(s.gw.cfg.IdleTimeout))
		}
		op, p, err := s.rd.next()
		switch {
		case errors.Is(err, errOversize):
			s.gw.metrics.framesIn.Inc()
			s.enqueue(errorResponse(0, im.Errorf(im.CodeMalformedRequest,
				"frame over the %d-byte limit was discarded", s.gw.cfg.MaxFrameBytes)))
			continue
		case err != nil:
			s.close(s.readFailure(err), false)
			return
		}
		s.gw.metrics.framesIn.Inc()
		if !s.handleFrame(op, p) {
			return
		}
	}
}

// readFailure names the reason a read error ends the session.
func (s *Session) readFailure(err error) string {
	var protocolErr ws.ProtocolError
	switch {
	case errors.Is(err, errTooBig):
		return protocol.ReasonFrameTooLarge
	case errors.As(err, &protocolErr), errors.Is(err, ws.ErrHeaderLengthMSB):
		return protocol.ReasonProtocolError
	case errors.Is(err, os.ErrDeadlineExceeded) && s.stateIs(stateNew):
		return protocol.ReasonLoginTimeout
	case errors.Is(err, os.ErrDeadlineExceeded) && s.stateIs(stateActive):
		return protocol.ReasonIdleTimeout
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return reasonClientClosed
	}
	return reasonConnLost
}

func (s *Session) stateIs(st sessionState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == st
}

// handleFrame acts on one control frame or data message and reports
// whether reading goes on.
func (s *Session) handleFrame(op ws.OpCode, p []byte) bool {
	switch op {
	case ws.OpPing:
		s.enqueue(controlFrame(ws.OpPong, p))
		return true
	case ws.OpPong:
		return true
	case ws.OpClose:
		if !validClose(p) {
			s.close(protocol.ReasonProtocolError, false)
			return false
		}
		// Answer with the client's status code, as RFC 6455 §5.5.1 asks
		// (unless the server is closing already and sent its own).
		s.close(reasonClientClosed, false, controlFrame(ws.OpClose, p[:min(len(p), 2)]))
		return false
	}
	if s.closing() {
		return true // draining until the client closes
	}
	if op != ws.OpText {
		s.enqueue(errorResponse(0, im.Errorf(im.CodeMalformedRequest, "binary frames are not accepted; send JSON text frames")))
		return true
	}
	s.apart(func() { s.handleText(p) })
	return true
}

// handleText decodes and answers one request.
func (s *Session) handleText(p []byte) {
	req, bad := decodeRequest(p)
	if bad == nil && s.gw.pipelined[req.Cmd] && s.stateIs(stateActive) {
		s.pipelineCommand(req, s.gw.handlers[req.Cmd])
		return
	}
	s.awaitPipeline() // answers stay in request order
	if bad != nil {
		s.reject(req, bad)
		return
	}
	s.dispatch(req)
}

// apart runs f on a goroutine of its own and waits for it. Decoding and
// handling a command (JSON, authentication, storage) grows a goroutine's
// stack well past its initial 2 KiB, and the runtime only shrinks a stack
// that is less than a quarter used, which the read loop waiting in a read
// never is below 4 KiB. Handling commands apart keeps the read loop, the
// goroutine an idle session keeps, at the smallest stack: about 2 KiB less
// per idle connection (BenchmarkIdleConnectionMemory).
func (s *Session) apart(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer s.recoverPanic("command")
		f()
	}()
	<-done
}

// recoverPanic, deferred by each goroutine that runs client input, turns a
// panic into a log entry and the close of this session with 1011
// internal_error, so that a bug one client triggers ends only its own
// connection (and is counted in parley_gateway_closes_total). Only the
// read loop, its command goroutine and what starts after login defer it:
// there, reading the session's identity does not race with login writing
// it.
func (s *Session) recoverPanic(where string) {
	s.recovered(recover(), where, true)
}

// recovered logs the panic value v, if not nil, and starts closing the
// session with internal_error; it reports whether there was a panic. The
// log names the session (when withID: the caller is ordered after login),
// never the frame, which may hold a UserSig.
func (s *Session) recovered(v any, where string, withID bool) bool {
	if v == nil {
		return false
	}
	attrs := []any{"in", where, "remote", s.conn.RemoteAddr().String(), "panic", v, "stack", string(debug.Stack())}
	if withID {
		attrs = append(attrs, "session", s.id, "sdkappid", s.sdkAppID, "user", s.userID)
	}
	s.gw.log.Error("gateway: panic; closing the connection", attrs...)
	s.close(protocol.ReasonInternalError, true)
	return true
}

// dispatch answers one request.
func (s *Session) dispatch(req request) {
	if s.stateIs(stateNew) {
		if req.Cmd != protocol.CmdLogin {
			s.reject(req, im.Errorf(im.CodeIdentifierOrSig, "not logged in: the first command must be %s", protocol.CmdLogin))
			return
		}
		s.login(req)
		return
	}
	switch req.Cmd {
	case protocol.CmdLogin:
		s.reject(req, im.Errorf(im.CodeMalformedRequest, "already logged in"))
	case protocol.CmdPing:
		s.respond(req, protocol.PingAnswer{ServerTime: s.gw.now().UnixMilli()}, nil)
	case protocol.CmdLogout:
		s.answer(req, 0, encodeResponse(req.ID, 0, "", []byte("{}")))
		s.close(protocol.ReasonLogout, false)
	default:
		f, ok := s.gw.handlers[req.Cmd]
		if !ok {
			s.reject(req, im.Errorf(im.CodeWrongResource, "unknown command %q", req.Cmd))
			return
		}
		ctx, cancel := context.WithTimeout(s.gw.ctx, s.gw.cfg.CommandTimeout)
		result, err := s.call(ctx, req, f)
		cancel()
		s.respond(req, result, err)
	}
}

// call runs a handler, turning a panic into an error.
func (s *Session) call(ctx context.Context, req request, f CommandFunc) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("command %s panicked: %v\n%s", req.Cmd, v, debug.Stack())
		}
	}()
	return f(ctx, s, req.Data)
}

// respond encodes a handler's outcome as the response to req: an
// *im.Error (possibly wrapped) becomes its code and info, any other error
// a generic 70500 that is logged with its details.
func (s *Session) respond(req request, result any, err error) {
	if err != nil {
		s.reject(req, s.publicError(req.ID, err))
		return
	}
	data := []byte("{}")
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			s.respond(req, nil, fmt.Errorf("encode result: %w", err))
			return
		}
		data = b
	}
	s.answer(req, 0, encodeResponse(req.ID, 0, "", data))
}

// reject answers req with the error e.
func (s *Session) reject(req request, e *im.Error) {
	s.answer(req, e.Code, errorResponse(req.ID, e))
}

// answer queues the response frame to req, whose code is code, and counts
// it in parley_ws_commands_total.
func (s *Session) answer(req request, code int, frame []byte) {
	s.gw.metrics.command(s.gw.commandLabel(req.Cmd), code)
	s.enqueue(frame)
}

// publicError returns the *im.Error err carries, or logs err and returns
// a generic 70500 that names the session and request to look up in the log.
func (s *Session) publicError(id uint64, err error) *im.Error {
	var e *im.Error
	if errors.As(err, &e) {
		return e
	}
	s.gw.log.Error("gateway: command failed", "session", s.id, "sdkappid", s.sdkAppID, "user", s.userID, "id", id, "err", err)
	if s.id == "" { // a login
		return im.Errorf(im.CodeInternal, "internal error; retry later")
	}
	return im.Errorf(im.CodeInternal, "internal error (session %s, request %d)", s.id, id)
}

// teardown runs when the read loop ends: it makes sure the session is
// closing, waits for the write loop to write the last frames, closes the
// connection and forgets the session.
func (s *Session) teardown() {
	s.close(reasonConnLost, false) // no effect if already closing
	s.waitPipelined()
	<-s.writerDone
	_ = s.conn.Close()
	s.rd.drop()
	s.gw.forget(s)
}
