package gateway

import (
	"context"
	"sync"
)

// Pipelined commands. A session's commands are handled one at a time, in
// order, and answered in that order (docs/protocol.md). For a pipelined
// command (HandlePipelined: send_c2c, mark_read) "one at a time" ends as soon as the
// order of its effect is fixed, not when it is done: a send's message has
// its place in the store's commit order once queued there, so the read
// loop may start the next command while the store commits this one. The
// next pipelined command runs alongside; any other command first waits for
// every pipelined one to be answered. A pipelined command calls the turn
// function before its effects become visible to others (a send delivers
// its message) and is answered only after the command before it, so
// deliveries and answers keep the order of the requests.
//
// Why: a client with several sends in flight otherwise has one in the
// store at a time, and the store's group commit sees as many messages per
// commit as there are sessions waiting on it.

// maxPipelined bounds the pipelined commands one session has in flight.
const maxPipelined = 16

// pipeline is a session's pipelined commands in flight. It is created by
// the first one and used only by the read loop's command goroutine,
// except wg, which teardown waits on, and the channels.
type pipeline struct {
	wg    sync.WaitGroup
	slots chan struct{} // one per command in flight
	// last is closed once the newest pipelined command has been answered
	// (nil before the first).
	last chan struct{}
}

// HandlePipelined registers a command like Handle, and lets the session go
// on reading while it runs (see the comment above). f must call
// QueuedNotice(ctx) once the order of its effect is fixed (or return), and
// Turn(ctx) before anything it does becomes visible to others.
func (g *Gateway) HandlePipelined(name string, f CommandFunc) {
	g.Handle(name, f)
	g.pipelined[name] = true
}

type queuedKey struct{}
type turnKey struct{}

// QueuedNotice returns the function a pipelined command calls once the
// order of its effect is fixed; nil outside one.
func QueuedNotice(ctx context.Context) func() {
	f, _ := ctx.Value(queuedKey{}).(func())
	return f
}

// Turn returns the function a pipelined command calls before its effects
// become visible: it waits until the session's previous command has been
// answered. Nil outside a pipelined command.
func Turn(ctx context.Context) func() {
	f, _ := ctx.Value(turnKey{}).(func())
	return f
}

// awaitPipeline waits until every pipelined command of the session has
// been answered.
func (s *Session) awaitPipeline() {
	if s.pipe != nil && s.pipe.last != nil {
		<-s.pipe.last
	}
}

// pipelineCommand starts req's handler f and returns once the handler
// reported that the order of its effect is fixed, or finished.
func (s *Session) pipelineCommand(req request, f CommandFunc) {
	if s.pipe == nil {
		s.pipe = &pipeline{slots: make(chan struct{}, maxPipelined)}
	}
	p := s.pipe
	p.slots <- struct{}{}
	prev, done := p.last, make(chan struct{})
	p.last = done
	queued := make(chan struct{})
	var once sync.Once
	notice := func() { once.Do(func() { close(queued) }) }
	waitPrev := func() {
		if prev != nil {
			<-prev
		}
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.slots }()
		defer close(done)
		defer notice()
		defer s.recoverPanic("command")
		ctx, cancel := context.WithTimeout(s.gw.ctx, s.gw.cfg.CommandTimeout)
		ctx = context.WithValue(context.WithValue(ctx, queuedKey{}, notice), turnKey{}, waitPrev)
		result, err := s.call(ctx, req, f)
		cancel()
		waitPrev()
		s.respond(req, result, err)
	}()
	select {
	case <-queued:
	case <-done:
	}
}

// waitPipelined waits for the pipelined commands still running (teardown).
func (s *Session) waitPipelined() {
	if s.pipe != nil {
		s.pipe.wg.Wait()
	}
}
