package message_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// TestOfflineSyncKeepsLatest100 is the scenario: A sends 150 to
// offline B; B's sync gives exactly the latest 100 of the conversation, in
// order, unread says 150, and history pages give the other 50.
func TestOfflineSyncKeepsLatest100(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob", "carol")
		for i := 1; i <= 150; i++ {
			h.send(t, "alice", "bob", fmt.Sprint("a", i), uint32(i))
			if i%50 == 0 {
				h.send(t, "carol", "bob", fmt.Sprint("c", i/50), uint32(i))
			}
		}
		var got []message.Message
		after := uint64(0)
		for pages := 0; ; pages++ {
			page, err := h.svc.Sync(context.Background(), h.app, "bob", after, 40)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page.Entries...)
			if page.Next < after || pages > 10 {
				t.Fatalf("sync does not advance: %+v", page)
			}
			after = page.Next
			if page.Complete {
				if page.Next != page.Head || page.Head != 153 {
					t.Errorf("complete page: Next %d Head %d, want both 153", page.Next, page.Head)
				}
				break
			}
		}
		var fromAlice, fromCarol []string
		for i, m := range got {
			if i > 0 && m.SyncSeq <= got[i-1].SyncSeq {
				t.Fatalf("sync out of order at %d: %d after %d", i, m.SyncSeq, got[i-1].SyncSeq)
			}
			if m.From == "alice" {
				fromAlice = append(fromAlice, texts([]message.Message{m})[0])
			} else {
				fromCarol = append(fromCarol, texts([]message.Message{m})[0])
			}
		}
		if !slices.Equal(fromAlice, numbered("a", 51, 150)) {
			t.Errorf("from alice: %d messages %v..., want a51..a150", len(fromAlice), fromAlice[:min(3, len(fromAlice))])
		}
		if !slices.Equal(fromCarol, []string{"c1", "c2", "c3"}) {
			t.Errorf("from carol: %v", fromCarol)
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 150 {
			t.Errorf("unread %d, want 150", c.Unread)
		}
		// History reaches the 50 older ones, lastMsg excluded.
		oldest := got[slices.IndexFunc(got, func(m message.Message) bool { return m.From == "alice" })]
		page, err := h.svc.History(context.Background(), message.HistoryRequest{SDKAppID: h.app, User: "bob", Peer: "alice", BeforeSeq: oldest.Seq, Count: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := numbered("a", 1, 50)
		slices.Reverse(want)
		if !page.Complete || !slices.Equal(texts(page.Messages), want) {
			t.Errorf("history before %d: complete %v, %d messages, want a50..a1", oldest.Seq, page.Complete, len(page.Messages))
		}
	})
}

func TestHistoryPagingAndTimeRange(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		start := h.now.Load() / 1000
		for i := 1; i <= 10; i++ {
			h.send(t, "alice", "bob", fmt.Sprint("m", i), uint32(i))
			h.advance(time.Second)
		}
		ctx := context.Background()
		page, err := h.svc.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: "bob", Peer: "alice", Count: 4})
		if err != nil || page.Complete || !slices.Equal(texts(page.Messages), []string{"m10", "m9", "m8", "m7"}) {
			t.Fatalf("first page %v complete %v err %v", texts(page.Messages), page.Complete, err)
		}
		page, _ = h.svc.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: "bob", Peer: "alice", Count: 4, BeforeSeq: 7})
		if !slices.Equal(texts(page.Messages), []string{"m6", "m5", "m4", "m3"}) {
			t.Errorf("second page %v", texts(page.Messages))
		}
		// m3..m5 were sent at start+2..start+4.
		page, _ = h.svc.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: "alice", Peer: "bob", MinTime: start + 2, MaxTime: start + 4})
		if !page.Complete || !slices.Equal(texts(page.Messages), []string{"m5", "m4", "m3"}) {
			t.Errorf("time range %v complete %v", texts(page.Messages), page.Complete)
		}
		_, err = h.svc.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: "alice", Peer: "bob", MinTime: 5, MaxTime: 4})
		wantCode(t, "inverted range", err, im.CodeMsgFormat)
		_, err = h.svc.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: "alice", Peer: ""})
		wantCode(t, "no peer", err, im.CodeMsgToAccount)
		// A viewer's cleared history is not shown to them; the peer keeps it.
		if err := h.store.DeleteConversation(ctx, h.app, "bob", im.C2C("alice"), true); err != nil {
			t.Fatal(err)
		}
		h.send(t, "alice", "bob", "after clear", 99)
		if got := texts(h.history(t, "bob", "alice")); !slices.Equal(got, []string{"after clear"}) {
			t.Errorf("bob after clearing: %v", got)
		}
		if got := h.history(t, "alice", "bob"); len(got) != 11 {
			t.Errorf("alice's history has %d messages, want 11", len(got))
		}
	})
}

func TestRoamHistory(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob", "ghostless")
		start := h.now.Load() / 1000
		for i := 1; i <= 5; i++ {
			h.send(t, "alice", "bob", fmt.Sprint("m", i), uint32(i))
			h.advance(time.Second)
		}
		ctx := context.Background()
		if _, err := h.store.MarkRead(ctx, h.app, "bob", im.C2C("alice"), 3); err != nil {
			t.Fatal(err)
		}
		req := message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: 2, MinTime: start, MaxTime: start + 100}
		var all []message.Message
		for pages := 0; pages < 5; pages++ {
			page, err := h.svc.RoamHistory(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Messages...)
			for _, m := range page.Messages {
				if got, want := page.IsPeerRead(&m), m.Seq <= 3; got != want {
					t.Errorf("IsPeerRead(seq %d) = %v, want %v", m.Seq, got, want)
				}
			}
			if page.Complete {
				break
			}
			last := page.Messages[len(page.Messages)-1]
			if page.LastMsgKey != last.Key() || page.LastMsgTime != last.TimeSeconds() {
				t.Errorf("LastMsgKey %q LastMsgTime %d, want the page's last message", page.LastMsgKey, page.LastMsgTime)
			}
			req.LastMsgKey, req.MaxTime = page.LastMsgKey, page.LastMsgTime
		}
		if !slices.Equal(texts(all), []string{"m5", "m4", "m3", "m2", "m1"}) {
			t.Errorf("roam pages %v", texts(all))
		}
		for _, c := range []struct {
			name string
			edit func(*message.RoamRequest)
			code int
		}{
			{"MaxCnt 0", func(r *message.RoamRequest) { r.MaxCnt = 0 }, im.CodeMsgFormat},
			{"bad LastMsgKey", func(r *message.RoamRequest) { r.LastMsgKey = "x_y" }, im.CodeMsgKeyInvalid},
			{"batch key as LastMsgKey", func(r *message.RoamRequest) { r.LastMsgKey = "0_1_2" }, im.CodeMsgKeyInvalid},
			{"unknown operator", func(r *message.RoamRequest) { r.Operator = "ghost" }, im.CodeC2CInvalidUser},
			{"unknown peer", func(r *message.RoamRequest) { r.Peer = "ghost" }, im.CodeMsgToNotRegistered},
			{"inverted range", func(r *message.RoamRequest) { r.MinTime, r.MaxTime = 10, 9 }, im.CodeMsgFormat},
		} {
			r := message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: 10}
			c.edit(&r)
			_, err := h.svc.RoamHistory(ctx, r)
			wantCode(t, c.name, err, c.code)
		}
	})
}

// TestRoamHistoryOrdersBySecondThenMsgSeq: admin_getroammsg lists by
// MsgTime second, then the caller's MsgSeq, then Seq, newest first, also
// for an import older than what was sent before it; pages continued the
// reference's way (LastMsgKey, MaxTime = LastMsgTime) hold every message
// once.
func TestRoamHistoryOrdersBySecondThenMsgSeq(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		sec := h.now.Load() / 1000
		send := func(body string, clientSeq *uint32) {
			t.Helper()
			_, err := h.svc.SendC2C(ctx, message.SendRequest{
				SDKAppID: h.app, From: "alice", To: "bob", Body: text(body), Options: opts(uint32(body[1])), ClientSeq: clientSeq, ByAdmin: true,
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		seq := func(v uint32) *uint32 { return &v }
		send("m1", seq(30))
		send("m2", seq(10))
		send("m3", seq(20))
		h.drawn.Store(25)
		send("m4", nil) // draws 26
		send("m5", seq(20))
		h.advance(time.Second)
		send("m6", seq(5))
		if _, err := h.svc.ImportC2C(ctx, message.ImportRequest{
			SDKAppID: h.app, From: "bob", To: "alice", Body: text("m7"), Random: 7, TimeStamp: sec - 10, ClientSeq: 99, Mode: message.ImportHistory,
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"m6", "m1", "m4", "m5", "m3", "m2", "m7"}
		wantSeqs := []uint64{5, 30, 26, 20, 20, 10, 99}

		for _, maxCnt := range []int{100, 2, 1} {
			req := message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: maxCnt, MaxTime: sec + 60}
			var all []message.Message
			for range len(want) + 1 {
				page, err := h.svc.RoamHistory(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, page.Messages...)
				if page.Complete {
					break
				}
				req.LastMsgKey, req.MaxTime = page.LastMsgKey, page.LastMsgTime
			}
			var clientSeqs []uint64
			for _, m := range all {
				clientSeqs = append(clientSeqs, m.ClientSeq)
			}
			if !slices.Equal(texts(all), want) || !slices.Equal(clientSeqs, wantSeqs) {
				t.Errorf("MaxCnt %d: pages hold %v with MsgSeqs %v, want %v with %v", maxCnt, texts(all), clientSeqs, want, wantSeqs)
			}
		}

		// A LastMsgKey whose message is gone continues with the second
		// before the key's time.
		gone := im.FormatMsgKey(2, 12345, sec)
		page, err := h.svc.RoamHistory(ctx, message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: 10, LastMsgKey: gone})
		if err != nil || !slices.Equal(texts(page.Messages), []string{"m7"}) || !page.Complete {
			t.Errorf("after a key naming no message: %v complete %v, %v; want [m7]", texts(page.Messages), page.Complete, err)
		}
	})
}
