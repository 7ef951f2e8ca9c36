package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/pkg/protocol"
)

// bigResult registers the command "big", whose answer is a frame of
// about resultBytes.
const resultBytes = 256 << 10

func handleBig(e *env) {
	result := json.RawMessage(`"` + strings.Repeat("x", resultBytes) + `"`)
	e.gw.Handle("big", func(context.Context, *gateway.Session, json.RawMessage) (any, error) {
		return result, nil
	})
}

// A client that asks for many large answers and reads none is closed as a
// slow consumer once they would exceed the queue's byte cap, long before
// the frame cap (256) is reached, and the server never holds more than
// the cap for it.
func TestSlowConsumerByteCap(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	handleBig(e)
	e.ln.setSendBuffer(4096) // the kernel soon stops taking bytes for the client
	r := e.raw()
	r.login(appDefault, "greedy", "Web")

	const requests = 30 // 7.5 MiB of answers, far over the 4 MiB cap
	for i := range requests {
		r.sendText(fmt.Sprintf(`{"id":%d,"cmd":"big"}`, i+2))
	}
	eventually(t, "greedy closed", func() bool { return len(e.gw.Online(appDefault, []string{"greedy"})) == 0 })

	// Reading now, the client gets the answers that were being written,
	// then the reason.
	answers := 0
	for {
		f := r.next()
		if f.Event == protocol.EventKicked {
			if !strings.Contains(string(f.Data), `"Reason":"slow_consumer"`) {
				t.Errorf("kicked data %s, want Reason slow_consumer", f.Data)
			}
			break
		}
		if f.ID < 2 || f.Code != 0 {
			t.Fatalf("got %v id %d code %d event %q (%d %s) before the kicked event", f.op, f.ID, f.Code, f.Event, f.status, f.reason)
		}
		answers++
	}
	r.expectClose(4005, protocol.ReasonSlowConsumer)
	if answers >= requests {
		t.Errorf("all %d answers were delivered; the cap did not bind", answers)
	}
	peak := gateway.QueuePeak(e.gw)
	if peak > gateway.DefaultSendQueueBytes {
		t.Errorf("a session held %d bytes of frames, over the %d-byte cap", peak, gateway.DefaultSendQueueBytes)
	}
	// The frame that overflowed found the queue within one answer of the cap.
	if peak <= gateway.DefaultSendQueueBytes-resultBytes-64 {
		t.Errorf("peak %d bytes: the session was closed before its queue neared the %d-byte cap", peak, gateway.DefaultSendQueueBytes)
	}
	assertCounter(t, e, "parley_gateway_slow_consumer_closes_total", 1)
}

// Written frames stop counting: a client that reads each large answer
// before asking for the next is served far more than the cap in total.
func TestSendQueueBytesReleasedWhenWritten(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	handleBig(e)
	r := e.raw()
	r.login(appDefault, "reader", "Web")
	const requests = 30 // 7.5 MiB in total
	for i := range requests {
		id := uint64(i + 2)
		if f := r.call(fmt.Sprintf(`{"id":%d,"cmd":"big"}`, id)); f.ID != id || f.Code != 0 {
			t.Fatalf("request %d: id %d code %d %s", id, f.ID, f.Code, f.Info)
		}
	}
	if peak := gateway.QueuePeak(e.gw); peak > 2*(resultBytes+64) {
		t.Errorf("a session that reads every answer held %d bytes queued", peak)
	}
	if len(e.gw.Online(appDefault, []string{"reader"})) != 1 {
		t.Error("the session that reads its answers was closed")
	}
}
