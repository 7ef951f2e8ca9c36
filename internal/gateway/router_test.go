package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/client"
	"github.com/parley-im/parley/pkg/protocol"
)

// echoed is what the echo command answers.
type echoed struct {
	SessionID string
	SDKAppID  uint64
	UserID    string
	Platform  string
	Data      json.RawMessage
}

func TestCommandRouter(t *testing.T) {
	t.Parallel()
	logins := make(chan string, 4)
	e := start(t, gateway.Config{
		OnLogin: func(ctx context.Context, s *gateway.Session) {
			logins <- s.UserID()
			s.SendEvent("welcome", []byte(`{"hello":"`+s.UserID()+`"}`))
		},
	})
	e.gw.Handle("echo", func(ctx context.Context, s *gateway.Session, data json.RawMessage) (any, error) {
		s.SendEvent("echoing", nil) // queued before the answer
		return echoed{s.ID(), s.SDKAppID(), s.UserID(), s.Platform(), data}, nil
	})
	e.gw.Handle("refuse", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return nil, fmt.Errorf("checking: %w", im.Errorf(im.CodeC2CBlocked, "blocked"))
	})
	e.gw.Handle("fail", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return nil, errors.New("database on fire")
	})
	e.gw.Handle("panic", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		panic("bug")
	})
	e.gw.Handle("nothing", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return nil, nil
	})
	e.gw.Handle("raw", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return json.RawMessage(`{"pre":"encoded"}`), nil
	})

	c := e.dial(options(t, appDefault, "alice", "Mac"))
	if got := <-logins; got != "alice" {
		t.Errorf("OnLogin saw %q", got)
	}
	if ev := nextEvent(t, c); ev.Name != "welcome" || string(ev.Data) != `{"hello":"alice"}` {
		t.Errorf("event from OnLogin: %s %s", ev.Name, ev.Data)
	}
	ctx := context.Background()

	var got echoed
	if err := c.Call(ctx, "echo", map[string]int{"n": 1}, &got); err != nil {
		t.Fatalf("echo: %v", err)
	}
	want := echoed{c.Session().SessionID, appDefault, "alice", "Mac", json.RawMessage(`{"n":1}`)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("echo answered %+v, want %+v", got, want)
	}
	if ev := nextEvent(t, c); ev.Name != "echoing" || string(ev.Data) != "{}" {
		t.Errorf("event from the handler: %s %s", ev.Name, ev.Data)
	}
	assertCode(t, c.Call(ctx, "refuse", nil, nil), im.CodeC2CBlocked)
	assertCode(t, c.Call(ctx, "fail", nil, nil), im.CodeInternal)
	assertCode(t, c.Call(ctx, "panic", nil, nil), im.CodeInternal)
	var empty map[string]any
	if err := c.Call(ctx, "nothing", nil, &empty); err != nil || len(empty) != 0 {
		t.Errorf("nothing: %v %v, want {}", empty, err)
	}
	var raw map[string]string
	if err := c.Call(ctx, "raw", nil, &raw); err != nil || raw["pre"] != "encoded" {
		t.Errorf("raw: %v %v", raw, err)
	}
	assertCode(t, c.Call(ctx, "missing", nil, nil), im.CodeWrongResource)
	if err := c.Call(ctx, "ping", nil, nil); err != nil {
		t.Errorf("ping after the failures: %v", err)
	}
}

func TestHandleRefusals(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	noop := func(context.Context, *gateway.Session, json.RawMessage) (any, error) { return nil, nil }
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("built-in", func() { e.gw.Handle(protocol.CmdPing, noop) })
	e.gw.Handle("once", noop)
	mustPanic("twice", func() { e.gw.Handle("once", noop) })
	e.dial(options(t, appDefault, "alice", "Web"))
	mustPanic("after serving", func() { e.gw.Handle("late", noop) })
}

func TestShutdownCancelsStuckHandler(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	started := make(chan struct{})
	e.gw.Handle("stuck", func(ctx context.Context, _ *gateway.Session, _ json.RawMessage) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	c := e.dial(options(t, appDefault, "alice", "Web"))
	errc := make(chan error, 1)
	go func() { errc <- c.Call(context.Background(), "stuck", nil, nil) }()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.gw.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck handler: %v, want the deadline", err)
	}
	// Forced down, the handler's ctx ends and every loop finishes.
	if err := e.gw.Shutdown(context.Background()); err != nil {
		t.Fatalf("waiting Shutdown: %v", err)
	}
	if err := <-errc; !errors.Is(err, client.ErrConnectionLost) {
		var ce *client.Error
		if !errors.As(err, &ce) {
			t.Errorf("stuck call ended with %v", err)
		}
	}
}
