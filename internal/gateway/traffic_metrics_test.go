package gateway_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
)

// labeled returns the value of the counter name whose labels are exactly
// labels (0 if there is none).
func labeled(t *testing.T, e *env, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestTrafficByKindMetrics: answered commands are counted by command and
// code, with names the gateway does not route folded into "unknown", and
// queued events by name.
func TestTrafficByKindMetrics(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	e.gw.Handle("echo", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return nil, nil
	})
	r := e.raw()
	r.call(`{"id":1,"cmd":"ping"}`) // before login: refused
	r.login(appDefault, "alice", "Web")
	r.call(`{"id":2,"cmd":"ping"}`)
	r.call(`{"id":3,"cmd":"echo"}`)
	r.call(`{"id":4,"cmd":"echo"}`)
	for _, bad := range []string{`{"id":5,"cmd":"no-such-1"}`, `{"id":6,"cmd":"no-such-2"}`, `not json`} {
		if f := r.call(bad); f.Code == 0 {
			t.Fatalf("%s answered with code 0", bad)
		}
	}
	if err := e.bus.PublishUser(context.Background(), appDefault, "alice", bus.Event{Name: "message", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if f := r.next(); f.Event != "message" {
		t.Fatalf("got %s, want the message event", f.body)
	}

	for _, c := range []struct {
		cmd, code string
		want      float64
	}{
		{"ping", strconv.Itoa(im.CodeIdentifierOrSig), 1}, // not logged in
		{"login", "0", 1},
		{"ping", "0", 1},
		{"echo", "0", 2},
		{"unknown", strconv.Itoa(im.CodeWrongResource), 2},
		{"unknown", strconv.Itoa(im.CodeJSONParse), 1},
	} {
		if got := labeled(t, e, "parley_ws_commands_total", map[string]string{"cmd": c.cmd, "code": c.code}); got != c.want {
			t.Errorf("parley_ws_commands_total{cmd=%q,code=%q} = %v, want %v", c.cmd, c.code, got, c.want)
		}
	}
	if got := labeled(t, e, "parley_ws_events_total", map[string]string{"event": "message"}); got != 1 {
		t.Errorf(`parley_ws_events_total{event="message"} = %v, want 1`, got)
	}
	assertCounter(t, e, "parley_ws_commands_total", 8)
}
