package gateway_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
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
	r.expectClose(ws.StatusMessageTooBig, protocol.ReasonFrameTooLarge)
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
	r.expectClose(ws.StatusProtocolError, protocol.ReasonProtocolError)
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
	r.expectClose(ws.StatusNormalClosure, protocol.ReasonLogout)
}

// Every data message is answered exactly once, however it is fragmented
// and wherever in it the size limit is crossed; pings between fragments
// are answered as they come.
func TestFragmentSequences(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{MaxFrameBytes: 1024, MaxSkipBytes: 8 << 10})
	r := e.raw()
	r.login(appDefault, "alice", "Web")
	pad := func(n int) []byte { return []byte(strings.Repeat("x", n)) }
	text := func(fin bool, p []byte) ws.Frame { return ws.NewFrame(ws.OpText, fin, p) }
	cont := func(fin bool, p []byte) ws.Frame { return ws.NewFrame(ws.OpContinuation, fin, p) }
	ping := `{"id":12,"cmd":"ping","data":{}}`
	const oversize, binary = "60008 limit", "60008 binary"
	cases := []struct {
		name   string
		frames []ws.Frame
		want   []string // pong payloads and answers, in order
	}{
		{"one oversize frame", []ws.Frame{text(true, pad(1100))}, []string{oversize}},
		{"oversize first fragment", []ws.Frame{text(false, pad(1100)), cont(true, pad(10))}, []string{oversize}},
		{"oversize at the last fragment", []ws.Frame{text(false, pad(600)), cont(true, pad(600))}, []string{oversize}},
		{"oversize in the middle", []ws.Frame{
			text(false, pad(600)), cont(false, pad(600)), cont(false, pad(600)), cont(false, pad(600)), cont(true, pad(10)),
		}, []string{oversize}},
		{"oversize with pings between", []ws.Frame{
			text(false, pad(600)), ws.NewPingFrame([]byte("a")), cont(false, pad(600)),
			ws.NewPingFrame([]byte("b")), cont(false, nil), cont(true, pad(100)),
		}, []string{"pong a", "pong b", oversize}},
		{"oversize binary in fragments", []ws.Frame{
			ws.NewFrame(ws.OpBinary, false, pad(600)), cont(false, pad(600)), cont(true, pad(600)),
		}, []string{oversize}},
		{"binary in fragments", []ws.Frame{ws.NewFrame(ws.OpBinary, false, pad(10)), cont(true, pad(10))}, []string{binary}},
		{"request in fragments", []ws.Frame{
			text(false, []byte(ping[:5])), cont(false, []byte(ping[5:20])), ws.NewPingFrame([]byte("c")), cont(true, []byte(ping[20:])),
		}, []string{"pong c", "answer 12"}},
		{"request in one fragment and empty ones", []ws.Frame{text(false, []byte(ping)), cont(false, nil), cont(true, nil)}, []string{"answer 12"}},
	}
	for _, c := range cases {
		for _, f := range c.frames {
			r.send(f)
		}
		r.sendText(`{"id":99,"cmd":"ping"}`) // everything before it is answered first
		var got []string
		for {
			f := r.read()
			if f.op == ws.OpText && f.ID == 99 {
				break
			}
			switch {
			case f.op == ws.OpPong:
				got = append(got, "pong "+string(f.body))
			case f.op == ws.OpText && f.ID == 12 && f.Code == 0:
				got = append(got, "answer 12")
			case f.op == ws.OpText && f.ID == 0 && f.Code == im.CodeMalformedRequest && strings.Contains(f.Info, "1024"):
				got = append(got, oversize)
			case f.op == ws.OpText && f.ID == 0 && f.Code == im.CodeMalformedRequest && strings.Contains(f.Info, "binary"):
				got = append(got, binary)
			case f.op == ws.OpPing:
				r.send(ws.NewPongFrame(f.body))
			default:
				t.Fatalf("%s: unexpected %v frame id %d code %d %q (%d %s)", c.name, f.op, f.ID, f.Code, f.Info, f.status, f.reason)
			}
		}
		if strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%s: got [%s], want [%s]", c.name, strings.Join(got, ", "), strings.Join(c.want, ", "))
		}
	}
}

// A client's close is echoed with its status when it is one a peer may
// send, and answered with 1002 otherwise.
func TestClientCloseFrames(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	body := func(code uint16, reason string) []byte {
		return append([]byte{byte(code >> 8), byte(code)}, reason...)
	}
	const echo = "echo"
	cases := []struct {
		name    string
		payload []byte
		want    string // echo, or the reason of a 1002
	}{
		{"empty", nil, echo},
		{"1000 with a reason", body(1000, "bye"), echo},
		{"1001", body(1001, ""), echo},
		{"1003", body(1003, ""), echo},
		{"1007", body(1007, ""), echo},
		{"1011", body(1011, ""), echo},
		{"1014", body(1014, ""), echo},
		{"3000", body(3000, ""), echo},
		{"4999 with a UTF-8 reason", body(4999, "au revoir é"), echo},
		{"one byte", []byte{0x03}, protocol.ReasonProtocolError},
		{"0", body(0, ""), protocol.ReasonProtocolError},
		{"999", body(999, ""), protocol.ReasonProtocolError},
		{"1004", body(1004, ""), protocol.ReasonProtocolError},
		{"1005", body(1005, ""), protocol.ReasonProtocolError},
		{"1006", body(1006, ""), protocol.ReasonProtocolError},
		{"1015", body(1015, ""), protocol.ReasonProtocolError},
		{"1016", body(1016, ""), protocol.ReasonProtocolError},
		{"2999", body(2999, ""), protocol.ReasonProtocolError},
		{"5000", body(5000, ""), protocol.ReasonProtocolError},
		{"65535", body(65535, ""), protocol.ReasonProtocolError},
		{"reason not UTF-8", body(1000, "\xff\xfe"), protocol.ReasonProtocolError},
	}
	for _, c := range cases {
		r := e.raw()
		r.login(appDefault, "alice", "Web")
		r.send(ws.NewCloseFrame(c.payload))
		f := r.next()
		if f.op != ws.OpClose {
			t.Fatalf("%s: got a %v frame, want a close", c.name, f.op)
		}
		if c.want == echo {
			if !bytes.Equal(f.body, c.payload[:min(len(c.payload), 2)]) {
				t.Errorf("%s: answered %d %q, want the status echoed", c.name, f.status, f.reason)
			}
			continue
		}
		if f.status != ws.StatusProtocolError || f.reason != c.want {
			t.Errorf("%s: answered %d %q, want %d %q", c.name, f.status, f.reason, ws.StatusProtocolError, c.want)
		}
	}
}
