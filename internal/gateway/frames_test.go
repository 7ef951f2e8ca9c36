package gateway_test

import (
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
)

func TestMalformedFramesKeepSessionUsable(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	cases := []struct {
		name  string
		frame ws.Frame
		id    uint64
		code  int
	}{
		{name: "not JSON", frame: ws.NewTextFrame([]byte(`hello`)), id: 0, code: im.CodeJSONParse},
		{name: "truncated JSON", frame: ws.NewTextFrame([]byte(`{"id":3,"cmd":"pi`)), id: 0, code: im.CodeJSONParse},
		{name: "JSON array", frame: ws.NewTextFrame([]byte(`[1,2,3]`)), id: 0, code: im.CodeJSONParse},
		{name: "invalid UTF-8", frame: ws.NewTextFrame([]byte("{\"id\":3,\"cmd\":\"\xff\"}")), id: 0, code: im.CodeJSONParse},
		{name: "no id", frame: ws.NewTextFrame([]byte(`{"cmd":"ping"}`)), id: 0, code: im.CodeMalformedRequest},
		{name: "id zero", frame: ws.NewTextFrame([]byte(`{"id":0,"cmd":"ping"}`)), id: 0, code: im.CodeMalformedRequest},
		{name: "negative id", frame: ws.NewTextFrame([]byte(`{"id":-4,"cmd":"ping"}`)), id: 0, code: im.CodeMalformedRequest},
		{name: "string id", frame: ws.NewTextFrame([]byte(`{"id":"4","cmd":"ping"}`)), id: 0, code: im.CodeMalformedRequest},
		{name: "no cmd", frame: ws.NewTextFrame([]byte(`{"id":4}`)), id: 4, code: im.CodeMalformedRequest},
		{name: "cmd not a string", frame: ws.NewTextFrame([]byte(`{"id":5,"cmd":7}`)), id: 5, code: im.CodeMalformedRequest},
		{name: "unknown command", frame: ws.NewTextFrame([]byte(`{"id":6,"cmd":"no_such_command","data":{}}`)), id: 6, code: im.CodeWrongResource},
		{name: "binary frame", frame: ws.NewBinaryFrame([]byte(`{"id":7,"cmd":"ping"}`)), id: 0, code: im.CodeMalformedRequest},
	}
	for _, c := range cases {
		r.send(c.frame)
		f := r.next()
		if f.op != ws.OpText || f.ID != c.id || f.Code != c.code || f.Info == "" {
			t.Errorf("%s: answer %v id %d code %d info %q, want id %d code %d with an info", c.name, f.op, f.ID, f.Code, f.Info, c.id, c.code)
		}
		if f := r.call(`{"id":99,"cmd":"ping"}`); f.ID != 99 || f.Code != 0 {
			t.Fatalf("ping after %s: id %d code %d %s", c.name, f.ID, f.Code, f.Info)
		}
	}
}

func TestOversizeFrames(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{MaxFrameBytes: 1024, MaxSkipBytes: 8 << 10})
	r := e.raw()
	r.login(appDefault, "alice", "Web")

	// Just over the limit, in one frame: discarded, answered, usable.
	big := `{"id":2,"cmd":"ping","data":{"pad":"` + strings.Repeat("x", 1100) + `"}}`
	f := r.call(big)
	if f.ID != 0 || f.Code != im.CodeMalformedRequest || !strings.Contains(f.Info, "1024") {
		t.Fatalf("oversize frame: id %d code %d %q, want id 0 code %d naming the limit", f.ID, f.Code, f.Info, im.CodeMalformedRequest)
	}
	if f := r.call(`{"id":3,"cmd":"ping"}`); f.ID != 3 || f.Code != 0 {
		t.Fatalf("ping after an oversize frame: id %d code %d", f.ID, f.Code)
	}

	// Over the limit across fragments, with a ping between them.
	r.send(ws.NewFrame(ws.OpText, false, []byte(big[:600])))
	r.send(ws.NewPingFrame([]byte("hb")))
	r.send(ws.NewFrame(ws.OpContinuation, true, []byte(big[600:])))
	if f := r.read(); f.op != ws.OpPong || string(f.body) != "hb" {
		t.Fatalf("got %v %q, want the pong", f.op, f.body)
	}
	if f := r.next(); f.ID != 0 || f.Code != im.CodeMalformedRequest {
		t.Fatalf("fragmented oversize message: id %d code %d", f.ID, f.Code)
	}
	if f := r.call(`{"id":4,"cmd":"ping"}`); f.ID != 4 || f.Code != 0 {
		t.Fatalf("ping after a fragmented oversize message: id %d code %d", f.ID, f.Code)
	}

	// Too large to skip: the connection is closed with 1009.
	r.sendText(`{"id":5,"cmd":"ping","data":"` + strings.Repeat("y", 9<<10) + `"}`)
	r.expectClose(ws.StatusMessageTooBig, gateway.ReasonFrameTooLarge)
}

func TestFragmentedRequest(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	req := `{"id":12,"cmd":"ping","data":{}}`
	r.send(ws.NewFrame(ws.OpText, false, []byte(req[:5])))
	r.send(ws.NewFrame(ws.OpContinuation, false, []byte(req[5:20])))
	r.send(ws.NewPingFrame(nil))
	r.send(ws.NewFrame(ws.OpContinuation, true, []byte(req[20:])))
	if f := r.read(); f.op != ws.OpPong {
		t.Fatalf("got %v, want the pong", f.op)
	}
	if f := r.next(); f.ID != 12 || f.Code != 0 {
		t.Fatalf("fragmented ping: id %d code %d %s", f.ID, f.Code, f.Info)
	}
}

func TestProtocolErrorCloses(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	// A continuation frame without a message to continue.
	r.send(ws.NewFrame(ws.OpContinuation, true, []byte("x")))
	r.expectClose(ws.StatusProtocolError, gateway.ReasonProtocolError)
}

func TestClientClose(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	r.send(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")))
	f := r.next()
	if f.op != ws.OpClose || f.status != ws.StatusNormalClosure {
		t.Fatalf("got %v %d, want the close echoed", f.op, f.status)
	}
	eventually(t, "alice offline", func() bool { return len(e.gw.Online(appDefault, []string{"alice"})) == 0 })
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	if f := r.call(`{"id":2,"cmd":"logout"}`); f.ID != 2 || f.Code != 0 {
		t.Fatalf("logout: id %d code %d", f.ID, f.Code)
	}
	r.expectClose(ws.StatusNormalClosure, gateway.ReasonLogout)
}
