package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gobwas/ws"
)

func TestEncodedFramesParse(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 100, 125 - 23, 126, 1000, 0xFFFF - 23, 0xFFFF, 0x10000, 200000} {
		data := []byte(`"` + strings.Repeat("a", n) + `"`)
		for name, frame := range map[string][]byte{
			"event":    EncodeEvent("message", data),
			"response": encodeResponse(42, 0, "", data),
		} {
			r := bytes.NewReader(frame)
			h, err := ws.ReadHeader(r)
			if err != nil {
				t.Fatalf("%s of %d bytes: %v", name, n, err)
			}
			if !h.Fin || h.OpCode != ws.OpText || h.Masked || h.Length != int64(r.Len()) {
				t.Fatalf("%s of %d bytes: header %+v with %d payload bytes", name, n, h, r.Len())
			}
			var v map[string]any
			if err := json.NewDecoder(r).Decode(&v); err != nil {
				t.Fatalf("%s of %d bytes: payload: %v", name, n, err)
			}
		}
	}
	got := string(EncodeEvent("kicked", []byte(`{"Reason":"x"}`))[2:])
	if want := `{"event":"kicked","data":{"Reason":"x"}}`; got != want {
		t.Errorf("EncodeEvent = %s, want %s", got, want)
	}
	got = string(encodeResponse(7, 70001, "UserSig \"expired\" <now>", nil)[2:])
	var v struct {
		ID   uint64
		Code int
		Info string
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil || v.ID != 7 || v.Code != 70001 || v.Info != `UserSig "expired" <now>` {
		t.Errorf("encodeResponse = %s (%v)", got, err)
	}
}

func TestDecodeRequest(t *testing.T) {
	t.Parallel()
	req, bad := decodeRequest([]byte(`{"id":18446744073709551615,"cmd":"send","data":{"To_Account":"bob"}}`))
	if bad != nil || req.ID != 1<<64-1 || req.Cmd != "send" || string(req.Data) != `{"To_Account":"bob"}` {
		t.Errorf("decodeRequest = %+v, %v", req, bad)
	}
	req, bad = decodeRequest([]byte(`{"id":1,"cmd":"ping","data":null}`))
	if bad != nil || req.Data != nil {
		t.Errorf("null data: %+v, %v", req, bad)
	}
}

// maskedFrame builds a client frame.
func maskedFrame(op ws.OpCode, fin bool, p []byte) []byte {
	var b bytes.Buffer
	f := ws.MaskFrame(ws.NewFrame(op, fin, p))
	_ = ws.WriteFrame(&b, f)
	return b.Bytes()
}

func newTestReader(src io.Reader) *frameReader {
	pool := &sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64) }}
	return newFrameReader(src, nil, pool, 64, 256, 1024)
}

// FuzzFrameReader feeds arbitrary bytes to the frame reader and the
// request decoder: whatever the client sends, they must not panic, must
// respect the limits, and must only hand out well-formed requests.
func FuzzFrameReader(f *testing.F) {
	var stream []byte
	stream = append(stream, maskedFrame(ws.OpText, true, []byte(`{"id":1,"cmd":"ping"}`))...)
	stream = append(stream, maskedFrame(ws.OpText, false, []byte(`{"id":2,`))...)
	stream = append(stream, maskedFrame(ws.OpPing, true, []byte("x"))...)
	stream = append(stream, maskedFrame(ws.OpContinuation, true, []byte(`"cmd":"x"}`))...)
	f.Add(stream)
	f.Add(maskedFrame(ws.OpText, true, bytes.Repeat([]byte("a"), 300)))
	f.Add(maskedFrame(ws.OpText, true, bytes.Repeat([]byte("a"), 2000)))
	f.Add(maskedFrame(ws.OpClose, true, ws.NewCloseFrameBody(1000, "bye")))
	f.Add(maskedFrame(ws.OpBinary, true, []byte{0, 1, 2}))
	f.Add([]byte{0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4})
	f.Add([]byte(`{"id":1,"cmd":"ping"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := newTestReader(bytes.NewReader(in))
		for range 100 {
			op, p, err := r.next()
			if errors.Is(err, errOversize) {
				continue
			}
			if err != nil {
				return
			}
			if op.IsControl() && len(p) > ws.MaxControlFramePayloadSize {
				t.Fatalf("control frame of %d bytes", len(p))
			}
			if int64(len(p)) > r.maxMessage {
				t.Fatalf("message of %d bytes over the %d limit", len(p), r.maxMessage)
			}
			if op == ws.OpText {
				req, bad := decodeRequest(p)
				if bad == nil && (req.ID == 0 || req.Cmd == "") {
					t.Fatalf("accepted %q as %+v", p, req)
				}
				if bad != nil && bad.Code == 0 {
					t.Fatalf("error without a code for %q", p)
				}
			}
		}
	})
}

func TestFrameReaderReleasesBuffer(t *testing.T) {
	t.Parallel()
	var in bytes.Buffer
	in.Write(maskedFrame(ws.OpText, true, []byte(`{"id":1,"cmd":"ping"}`)))
	in.Write(maskedFrame(ws.OpText, true, []byte(`{"id":2,"cmd":"ping"}`)))
	r := newTestReader(&in)
	for i := range 2 {
		if _, p, err := r.next(); err != nil || !bytes.Contains(p, []byte(`"ping"`)) {
			t.Fatalf("message %d: %q, %v", i, p, err)
		}
	}
	// Everything read: the next wait for a frame holds no buffer.
	if _, _, err := r.next(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
	if r.buf != nil {
		t.Error("an idle reader still holds a buffer")
	}
}
