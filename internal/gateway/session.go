package gateway

import (
	"bufio"
	"encoding/json"
	"net"
	"sync"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// Session is one WebSocket connection, signed in once its login succeeded.
// Its accessors are safe for concurrent use; ID, SDKAppID, UserID and
// Platform are empty until login and never change after it, so they are
// safe to call from command handlers and OnLogin.
//
// A session runs two goroutines: the read loop, which hands each command
// to a short-lived goroutine and waits for it (so commands run one at a
// time, in arrival order, and the idle read loop keeps a minimal stack),
// and the write loop, which drains the whole send queue into one buffered
// write per wake-up. The queue holds pre-encoded frames and is bounded in
// frames (Config.SendQueue) and in bytes (Config.SendQueueBytes, counting
// the frames the write loop is writing until they are written); a session
// whose queue overflows is closed as a slow consumer.
type Session struct {
	gw   *Gateway
	conn net.Conn
	rd   *frameReader

	// Set once by login, before the session becomes visible to others.
	id       string
	sdkAppID uint64
	userID   string
	platform string
	loginAt  int64 // UnixNano; orders sessions for login kicks

	// pipe holds the pipelined commands in flight (pipeline.go); nil until
	// the session's first one.
	pipe *pipeline

	wake       chan struct{} // capacity 1: the queue has frames
	writerDone chan struct{} // closed when the write loop exits

	mu       sync.Mutex
	state    sessionState
	deadline bool // the writer fixed the final read deadline
	// queued counts the bytes of the frames in queue and of those the
	// writer took and has not finished writing; the frames close adds are
	// not counted, so that a session at the cap can still say goodbye.
	queued   int
	queue    [][]byte
	spare    [][]byte // the writer's previous batch, reused
	reason   string   // why the session is closing
	sigTimer *time.Timer
}

type sessionState uint8

const (
	stateNew     sessionState = iota // connected, not signed in
	stateActive                      // signed in
	stateClosing                     // final frames queued; nothing more is accepted
)

// ID returns the session's ID, unique across nodes and restarts.
func (s *Session) ID() string { return s.id }

// SDKAppID returns the app the session signed in to.
func (s *Session) SDKAppID() uint64 { return s.sdkAppID }

// UserID returns the signed-in user.
func (s *Session) UserID() string { return s.userID }

// Platform returns the platform the client announced (iOS, Android, Web,
// Windows, Mac, iPad or Linux).
func (s *Session) Platform() string { return s.platform }

// SendEvent queues the event {"event":name,"data":data} for this session
// only. data must be valid JSON; it is copied. It never blocks: a full
// queue closes the session as a slow consumer, and an event for a closing
// session is dropped. To send one event to many sessions, encode it once
// with EncodeEvent and use SendFrame.
func (s *Session) SendEvent(name string, data []byte) {
	if s.enqueue(EncodeEvent(name, data)) {
		s.gw.metrics.events.named(name).Inc()
	}
}

// SendFrame queues a frame made by EncodeEvent, as SendEvent does. The
// frame is shared, not copied: it must not be modified afterwards.
func (s *Session) SendFrame(frame []byte) {
	if s.enqueue(frame) {
		s.gw.metrics.events.inFrame(eventName(frame)).Inc()
	}
}

// active reports whether the session is signed in and not closing.
func (s *Session) active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateActive
}

// closing reports whether the session is closing.
func (s *Session) closing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == stateClosing
}

// enqueue adds a frame to the send queue without blocking and reports
// whether it was queued (not: the session is closing, or was just closed
// as a slow consumer because the frame would overflow the queue's frame
// or byte cap). A frame shared with other sessions counts its full length
// in each.
func (s *Session) enqueue(frame []byte) bool {
	s.mu.Lock()
	switch {
	case s.state == stateClosing:
		s.mu.Unlock()
		return false
	case len(s.queue) >= s.gw.cfg.SendQueue, s.queued+len(frame) > s.gw.cfg.SendQueueBytes:
		s.mu.Unlock()
		s.gw.metrics.slowConsumers.Inc()
		s.kick(protocol.ReasonSlowConsumer, "", true)
		return false
	}
	s.queue = append(s.queue, frame)
	s.queued += len(frame)
	s.gw.notePeak(s.queued)
	signal := len(s.queue) == 1
	s.mu.Unlock()
	if signal {
		s.signal()
	}
	return true
}

func (s *Session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// kick closes the session after a kicked event {Reason, Platform}.
func (s *Session) kick(reason, platform string, dropPending bool) bool {
	data, _ := json.Marshal(protocol.Kicked{Reason: reason, Platform: platform}) // two strings always marshal
	if !s.close(reason, dropPending, EncodeEvent(protocol.EventKicked, data)) {
		return false
	}
	s.gw.metrics.kicked.WithLabelValues(reason).Inc()
	s.gw.metrics.events.named(protocol.EventKicked).Inc()
	return true
}

// close starts closing the session: the frames given, then the close frame
// of reason (if it has one), are the last the write loop writes. With
// dropPending the frames still queued are discarded first, so that the
// reason reaches a client that reads slowly. Only the first call has an
// effect; it reports whether this call was it.
func (s *Session) close(reason string, dropPending bool, last ...[]byte) bool {
	s.mu.Lock()
	if s.state == stateClosing {
		s.mu.Unlock()
		return false
	}
	s.state = stateClosing
	s.reason = reason
	if dropPending {
		for _, f := range s.queue {
			s.queued -= len(f)
		}
		clear(s.queue)
		s.queue = s.queue[:0]
	}
	s.queue = append(s.queue, last...)
	if f := closeFrame(reason); f != nil {
		s.queue = append(s.queue, f)
	}
	sigTimer := s.sigTimer
	s.mu.Unlock()
	if sigTimer != nil {
		sigTimer.Stop()
	}
	s.gw.metrics.closes.WithLabelValues(reason).Inc()
	s.signal()
	return true
}

// take hands the queued frames to the writer and reports how many bytes
// of them count against the cap (they stay counted until the writer calls
// written) and whether they are the last ones.
func (s *Session) take() (frames [][]byte, counted int, last bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	frames = s.queue
	s.queue, s.spare = s.spare[:0], nil
	// The writer holds nothing between batches, so every counted byte is
	// in the frames taken.
	return frames, s.queued, s.state == stateClosing
}

// written releases the bytes of a batch take returned once it is written.
func (s *Session) written(counted int) {
	s.mu.Lock()
	s.queued -= counted
	s.mu.Unlock()
}

// recycle gives a written batch back for reuse, unless it grew large: an
// idle session keeps at most a small slice.
func (s *Session) recycle(frames [][]byte) {
	if cap(frames) > 16 {
		return
	}
	clear(frames)
	s.mu.Lock()
	if s.spare == nil {
		s.spare = frames[:0]
	}
	s.mu.Unlock()
}

// setReadDeadline arms the reader's deadline unless the writer has already
// fixed the final one.
func (s *Session) setReadDeadline(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deadline {
		_ = s.conn.SetReadDeadline(t)
	}
}

// writeLoop is the only writer of the connection. It writes every queued
// frame with one flush per wake-up, sends a ping every PingInterval, and
// after the last frames half-closes the connection so the read loop can
// see the client's close.
func (s *Session) writeLoop() {
	defer s.gw.wg.Done()
	defer close(s.writerDone)
	defer func() {
		if s.recovered(recover(), "write loop", false) {
			// The stream may have stopped inside a frame: no close frame
			// can follow, only the end of the connection.
			_ = s.conn.Close()
		}
	}()
	ping := time.NewTimer(s.gw.cfg.PingInterval)
	defer ping.Stop()
	for {
		var withPing bool
		select {
		case <-s.wake:
		case <-ping.C:
			withPing = true
			ping.Reset(s.gw.cfg.PingInterval)
		}
		frames, counted, last := s.take()
		if withPing && !last {
			frames = append(frames, pingFrame)
		}
		timeout := s.gw.cfg.WriteTimeout
		if last {
			timeout = s.gw.cfg.CloseGrace
		}
		if err := s.write(frames, timeout); err != nil {
			s.close(reasonWriteFailed, true)
			_ = s.conn.Close() // unblocks the read loop
			return
		}
		s.written(counted)
		s.recycle(frames)
		if last {
			s.finish()
			return
		}
	}
}

// write writes frames with one flush through a pooled buffer.
func (s *Session) write(frames [][]byte, timeout time.Duration) error {
	if len(frames) == 0 {
		return nil
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(timeout))
	w := s.gw.writers.Get().(*bufio.Writer)
	w.Reset(s.conn)
	defer func() {
		w.Reset(nil)
		s.gw.writers.Put(w)
	}()
	for _, f := range frames {
		if _, err := w.Write(f); err != nil {
			return err
		}
	}
	s.gw.metrics.framesOut.Add(float64(len(frames)))
	return w.Flush()
}

// finish half-closes the connection after the close frame and gives the
// client CloseGrace to answer before the read loop gives up.
func (s *Session) finish() {
	if cw, ok := s.conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	s.mu.Lock()
	s.deadline = true
	_ = s.conn.SetReadDeadline(time.Now().Add(s.gw.cfg.CloseGrace))
	s.mu.Unlock()
}
