package gateway

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/tenant"
)

// sampleMessageEvent is the data of a typical C2C message event (about
// 330 bytes: one text element, keys, times, sequence numbers).
var sampleMessageEvent = []byte(`{"ConversationID":"c2c_alice","From_Account":"alice","To_Account":"bob",` +
	`"MsgSeq":1234,"MsgRandom":987654321,"MsgTime":1763780000,"MsgKey":"1234_987654321_1763780000",` +
	`"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"Hello Bob, are we still on for lunch tomorrow at noon?"}}],` +
	`"CloudCustomData":"","Nick":"Alice","IsPeerRead":0,"MsgFlagBits":0}`)

// sampleSendRequest is a typical send_c2c client frame (about 250 bytes).
var sampleSendRequest = []byte(`{"id":4711,"cmd":"send_c2c","data":{"To_Account":"bob","MsgRandom":987654321,` +
	`"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"Hello Bob, are we still on for lunch tomorrow at noon?"}}],` +
	`"CloudCustomData":"","SyncOtherMachine":1}}`)

func BenchmarkEncodeEvent(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleMessageEvent)))
	for b.Loop() {
		_ = EncodeEvent("message", sampleMessageEvent)
	}
}

func BenchmarkDecodeRequest(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(sampleSendRequest)))
	for b.Loop() {
		if _, bad := decodeRequest(sampleSendRequest); bad != nil {
			b.Fatal(bad)
		}
	}
}

// refuseAll is an Authenticator for gateways whose sessions are made in
// memory, never through login.
type refuseAll struct{}

func (refuseAll) Authenticate(context.Context, uint64, string, string) (tenant.Principal, error) {
	return tenant.Principal{}, errors.New("no logins in this benchmark")
}

// memorySessions registers n signed-in sessions, one per user, on a new
// gateway over the in-process bus, without connections: the write loop's
// place is taken by drain.
func memorySessions(tb testing.TB, n int) (*Gateway, *local.Bus, []*Session) {
	tb.Helper()
	b := local.New()
	tb.Cleanup(func() { _ = b.Close() })
	g := New(Config{Auth: refuseAll{}, Bus: b})
	sessions := make([]*Session, n)
	for i := range sessions {
		s := &Session{
			gw: g, id: fmt.Sprint("s", i), sdkAppID: 1, userID: fmt.Sprint("user", i), platform: "Web",
			wake: make(chan struct{}, 1), writerDone: make(chan struct{}),
		}
		if err := g.hub.register(s, func() { s.state = stateActive }); err != nil {
			tb.Fatal(err)
		}
		sessions[i] = s
	}
	return g, b, sessions
}

// drain does what the write loop does with a session's queue, minus the
// write: it takes the queued frames and recycles the batch.
func drain(s *Session) int {
	select {
	case <-s.wake:
	default:
	}
	frames, counted, _ := s.take()
	n := len(frames)
	s.written(counted)
	s.recycle(frames)
	return n
}

// BenchmarkDeliverTo10kSessions delivers one event to each of 10,000
// signed-in sessions (10,000 users) of one node, as a group message does:
// one PublishUser per member on the in-process bus ("bus"), the hub's
// delivery alone ("hub"; both encode the frame once per user), or one
// frame encoded once and queued with Session.SendFrame ("frame"). Each
// session's queue is drained as its write loop would. One op is the whole
// fan-out; ns/msg is per delivered message.
func BenchmarkDeliverTo10kSessions(b *testing.B) {
	const n = 10_000
	g, bs, sessions := memorySessions(b, n)
	ev := bus.Event{Name: "message", Data: sampleMessageEvent}
	ctx := context.Background()
	for _, via := range []string{"bus", "hub", "frame"} {
		b.Run(via, func(b *testing.B) {
			b.ReportAllocs()
			delivered := 0
			for b.Loop() {
				var frame []byte
				if via == "frame" {
					frame = EncodeEvent(ev.Name, ev.Data)
				}
				for _, s := range sessions {
					switch via {
					case "bus":
						if err := bs.PublishUser(ctx, s.sdkAppID, s.userID, ev); err != nil {
							b.Fatal(err)
						}
					case "hub":
						g.hub.deliver(s.sdkAppID, s.userID, ev)
					case "frame":
						s.SendFrame(frame)
					}
					delivered += drain(s)
				}
			}
			if want := n * b.N; delivered != want {
				b.Fatalf("delivered %d messages, want %d", delivered, want)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(delivered), "ns/msg")
			b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

func TestEventName(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 200, 70000} {
		data := []byte(fmt.Sprintf(`{"x":"%0*d"}`, n, 0))
		if got := string(eventName(EncodeEvent("message", data))); got != "message" {
			t.Errorf("eventName of a %d-byte event = %q", n, got)
		}
	}
	for _, frame := range [][]byte{nil, {0x81}, EncodeEvent(`a"b`, nil), encodeResponse(1, 0, "", nil)} {
		if got := string(eventName(frame)); got != unknownLabel {
			t.Errorf("eventName(%q) = %q, want %q", frame, got, unknownLabel)
		}
	}
}
