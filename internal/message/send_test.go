package message_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/pkg/protocol"
)

func TestSendStoresThenDelivers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		res := h.send(t, "alice", "bob", "hello <b>", 7)
		sec := h.now.Load() / 1000
		if res.MsgSeq != 1 || res.MsgTime != sec || res.MsgKey != fmt.Sprintf("1_7_%d", sec) || res.Duplicate {
			t.Fatalf("result %+v", res)
		}
		evs := h.bus.take()
		if len(evs) != 2 {
			t.Fatalf("events %+v, want one to bob and one to alice", evs)
		}
		toBob, toAlice := evs[0], evs[1]
		if toBob.user != "bob" || toBob.ev.Name != protocol.EventMessage || toBob.ev.ExceptSession != "" {
			t.Errorf("recipient event %+v", toBob)
		}
		if toAlice.user != "alice" || toAlice.ev.ExceptSession != "sess-alice" {
			t.Errorf("sender event %+v, want it to skip the sending session", toAlice)
		}
		want := fmt.Sprintf(`{"SyncSeq":1,"From_Account":"alice","To_Account":"bob","MsgSeq":1,"MsgRandom":7,`+
			`"MsgTime":%d,"MsgKey":"1_7_%d","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hello <b>"}}],`+
			`"CloudCustomData":"","Nick":"Nick alice","FaceUrl":"https://img.example/alice.png","MsgFlagBits":0}`, sec, sec)
		if string(toBob.ev.Data) != want {
			t.Errorf("payload\n got %s\nwant %s", toBob.ev.Data, want)
		}
		// Encoded once: the two copies differ only in their SyncSeq prefix.
		if !bytes.Equal(cutSyncSeq(toBob.ev.Data), cutSyncSeq(toAlice.ev.Data)) {
			t.Errorf("copies differ beyond SyncSeq:\n%s\n%s", toBob.ev.Data, toAlice.ev.Data)
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 1 || c.LastSeq != 1 {
			t.Errorf("bob's conversation %+v, want 1 unread, last 1", c)
		}
		if got := texts(h.history(t, "alice", "bob")); len(got) != 1 || got[0] != "hello <b>" {
			t.Errorf("history %q", got)
		}
	})
}

// cutSyncSeq drops a leading "SyncSeq":n, field.
func cutSyncSeq(data []byte) []byte {
	if i := bytes.IndexByte(data, ','); bytes.HasPrefix(data, []byte(`{"SyncSeq":`)) && i > 0 {
		return append([]byte("{"), data[i+1:]...)
	}
	return data
}

func TestSendRejectsBadInputAndStoresNothing(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", im.DefaultMaxBodyBytes)
	twoCustom := im.MsgBody{im.NewElement(im.CustomElem{Data: "a"}), im.NewElement(im.CustomElem{Data: "b"})}
	cases := []struct {
		name string
		edit func(*message.SendRequest)
		code int
	}{
		{"sender not an account", func(r *message.SendRequest) { r.From = "ghost" }, im.CodeC2CInvalidUser},
		{"sender malformed", func(r *message.SendRequest) { r.From = strings.Repeat("a", 33) }, im.CodeC2CInvalidUser},
		{"recipient not an account", func(r *message.SendRequest) { r.To = "ghost" }, im.CodeMsgToNotRegistered},
		{"neither is an account", func(r *message.SendRequest) { r.From, r.To = "ghost1", "ghost2" }, im.CodeC2CBadRequest},
		{"no recipient", func(r *message.SendRequest) { r.To = "" }, im.CodeMsgToAccount},
		{"recipient malformed", func(r *message.SendRequest) { r.To = "a\x01b" }, im.CodeMsgToNotRegistered},
		{"empty body", func(r *message.SendRequest) { r.Body = im.MsgBody{} }, im.CodeMsgBodyInvalid},
		{"body too long", func(r *message.SendRequest) { r.Body = text(long) }, im.CodeMsgBodyTooLong},
		{"two custom elements", func(r *message.SendRequest) { r.Body = twoCustom }, im.CodeMsgFormat},
		{"lifetime over 7 days", func(r *message.SendRequest) { r.Options.MsgLifeTime = im.MaxMsgLifeTime + 1 }, im.CodeMsgLifeTime},
		{"SyncOtherMachine 3", func(r *message.SendRequest) { r.Options.SyncOtherMachine = 3 }, im.CodeMsgSyncOtherMachine},
		{"CloudCustomData too long", func(r *message.SendRequest) { r.Options.CloudCustomData = long + "x" }, im.CodeMsgBodyTooLong},
		{"SendMsgControl with online-only", func(r *message.SendRequest) {
			r.Options.OnlineOnly, r.Options.SendMsgControl = true, []string{im.SendControlNoUnread}
		}, im.CodeMsgFormat},
		{"blocked by permissions", func(r *message.SendRequest) { r.To = "blocker" }, im.CodeC2CBlocked},
	}
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b, func(c *message.Config) { c.Permissions = blockBy("blocker") })
		h.accounts(t, "alice", "bob", "blocker")
		for _, c := range cases {
			req := message.SendRequest{SDKAppID: h.app, From: "alice", To: "bob", Body: text("hi"), Options: opts(1)}
			c.edit(&req)
			_, err := h.svc.SendC2C(context.Background(), req)
			wantCode(t, c.name, err, c.code)
		}
		for _, u := range []string{"alice", "bob", "blocker"} {
			if head, _ := h.store.SyncHead(context.Background(), h.app, u); head != 0 {
				t.Errorf("%s's sync head %d: something was stored", u, head)
			}
		}
		if evs := h.bus.take(); len(evs) != 0 {
			t.Errorf("events published for rejected sends: %+v", evs)
		}
		// An admin's REST send skips Permissions, as the reference's sendmsg does.
		_, err := h.svc.SendC2C(context.Background(), message.SendRequest{
			SDKAppID: h.app, From: "alice", To: "blocker", Body: text("hi"), Options: opts(1), ByAdmin: true,
		})
		if err != nil {
			t.Errorf("admin send to a blocker: %v", err)
		}
	})
}

// blockBy is a Permissions where blocker blocks everyone.
type blockBy string

func (b blockBy) Authorize(_ context.Context, _ uint64, _ string, conv im.ConvID) error {
	if to := conv.ID; to == string(b) {
		return im.Errorf(im.CodeC2CBlocked, "%s blocked the sender", to)
	}
	return nil
}

func TestDedupReturnsFirstResult(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		first := h.send(t, "alice", "bob", "one", 42)
		h.bus.take()
		h.advance(message.DedupWindow - time.Second)
		again := h.send(t, "alice", "bob", "one (retry)", 42)
		if !again.Duplicate || again.MsgKey != first.MsgKey || again.MsgSeq != first.MsgSeq || again.MsgTime != first.MsgTime {
			t.Fatalf("retry %+v, want the first result %+v as a duplicate", again, first)
		}
		if evs := h.bus.take(); len(evs) != 0 {
			t.Errorf("a duplicate was delivered: %+v", evs)
		}
		if got := texts(h.history(t, "bob", "alice")); len(got) != 1 || got[0] != "one" {
			t.Errorf("history %q: the duplicate was stored", got)
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 1 {
			t.Errorf("unread %d after a duplicate, want 1", c.Unread)
		}
		// Same Random from the other side or in another conversation is new.
		h.accounts(t, "carol")
		if r := h.send(t, "bob", "alice", "reply", 42); r.Duplicate || r.MsgSeq != 2 {
			t.Errorf("peer's send with the same Random: %+v", r)
		}
		if r := h.send(t, "alice", "carol", "other", 42); r.Duplicate || r.MsgSeq != 1 {
			t.Errorf("other conversation with the same Random: %+v", r)
		}
		// After the window the same Random is a new message.
		h.advance(2 * time.Second)
		if r := h.send(t, "alice", "bob", "two", 42); r.Duplicate || r.MsgSeq != 3 {
			t.Errorf("after the window: %+v", r)
		}
	})
}

func TestOnlineOnlyIsDeliveredNotStored(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		for _, o := range []im.SendOptions{
			{MsgRandom: 1, MsgLifeTime: im.MaxMsgLifeTime, OnlineOnly: true},
			{MsgRandom: 2, MsgLifeTime: 0},
		} {
			res, err := h.svc.SendC2C(context.Background(), message.SendRequest{
				SDKAppID: h.app, From: "alice", To: "bob", Body: text("typing"), Options: o, Session: "s1",
			})
			if err != nil {
				t.Fatal(err)
			}
			sec := h.now.Load() / 1000
			if res.MsgSeq != 0 || res.MsgKey != fmt.Sprintf("0_%d_%d", o.MsgRandom, sec) {
				t.Errorf("online-only result %+v", res)
			}
			evs := h.bus.take()
			if len(evs) != 2 || evs[0].user != "bob" || evs[1].user != "alice" || evs[1].ev.ExceptSession != "s1" {
				t.Fatalf("events %+v", evs)
			}
			p := decode(t, evs[0].ev.Data)
			if _, ok := p["SyncSeq"]; ok || p["OnlineOnlyFlag"] != float64(1) || p["MsgSeq"] != float64(0) {
				t.Errorf("online-only payload %s", evs[0].ev.Data)
			}
		}
		if got := h.history(t, "bob", "alice"); len(got) != 0 {
			t.Errorf("online-only messages were stored: %v", texts(got))
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 0 || c.LastSeq != 0 {
			t.Errorf("online-only messages touched the conversation: %+v", c)
		}
	})
}

func TestSyncOtherMachine2SkipsTheSender(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		o := opts(5)
		o.SyncOtherMachine = im.NoSyncToSender
		res, err := h.svc.SendC2C(context.Background(), message.SendRequest{
			SDKAppID: h.app, From: "alice", To: "bob", Body: text("quiet"), Options: o, ByAdmin: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		evs := h.bus.take()
		if len(evs) != 1 || evs[0].user != "bob" {
			t.Errorf("events %+v, want only the recipient's", evs)
		}
		if head, _ := h.store.SyncHead(context.Background(), h.app, "alice"); head != 0 {
			t.Errorf("sender's sync head %d, want 0", head)
		}
		if got := h.history(t, "alice", "bob"); len(got) != 0 {
			t.Errorf("sender's history shows it: %v", texts(got))
		}
		if got := h.history(t, "bob", "alice"); len(got) != 1 || got[0].Key() != res.MsgKey {
			t.Errorf("recipient's history %v", texts(got))
		}
		roam := func(op, peer string) int {
			page, err := h.svc.RoamHistory(context.Background(), message.RoamRequest{SDKAppID: h.app, Operator: op, Peer: peer, MaxCnt: 10})
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Messages)
		}
		if roam("bob", "alice") != 1 || roam("alice", "bob") != 0 {
			t.Errorf("admin_getroammsg finds it only with the recipient as Operator: bob %d, alice %d", roam("bob", "alice"), roam("alice", "bob"))
		}
	})
}

func TestSendMsgControl(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		h.send(t, "alice", "bob", "first", 1)
		o := opts(2)
		o.SendMsgControl = []string{im.SendControlNoUnread, im.SendControlNoLastMsg}
		if _, err := h.svc.SendC2C(context.Background(), message.SendRequest{
			SDKAppID: h.app, From: "alice", To: "bob", Body: text("silent"), Options: o,
		}); err != nil {
			t.Fatal(err)
		}
		c := h.conv(t, "bob", "alice")
		if c.Unread != 1 || c.LastSeq != 1 {
			t.Errorf("conversation %+v: NoUnread/NoLastMsg not honoured (want unread 1, last 1)", c)
		}
		if got := texts(h.history(t, "bob", "alice")); len(got) != 2 || got[0] != "silent" {
			t.Errorf("history %q: the message must still be stored", got)
		}
	})
}

func TestMessageToOneself(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice")
		res := h.send(t, "alice", "alice", "note to self", 3)
		if res.MsgSeq != 1 {
			t.Fatalf("result %+v", res)
		}
		evs := h.bus.take()
		if len(evs) != 1 || evs[0].user != "alice" || evs[0].ev.ExceptSession != "sess-alice" {
			t.Errorf("events %+v, want one to alice's other sessions", evs)
		}
		page, err := h.svc.Sync(context.Background(), h.app, "alice", 0, 10)
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("sync %+v %v, want the message once", page, err)
		}
		if c := h.conv(t, "alice", "alice"); c.Unread != 0 {
			t.Errorf("unread %d for one's own message", c.Unread)
		}
	})
}

func TestConcurrentSendsGetGaplessSeqs(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		const senders, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, senders*each)
		for g := range senders {
			wg.Go(func() {
				for i := range each {
					from, to := "alice", "bob"
					if g%2 == 1 {
						from, to = to, from
					}
					_, err := h.svc.SendC2C(context.Background(), message.SendRequest{
						SDKAppID: h.app, From: from, To: to, Body: text("x"), Options: opts(uint32(g*1000 + i)),
					})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		page, err := h.svc.History(context.Background(), message.HistoryRequest{SDKAppID: h.app, User: "alice", Peer: "bob", Count: 100})
		if err != nil {
			t.Fatal(err)
		}
		var all []message.Message
		for {
			all = append(all, page.Messages...)
			if page.Complete {
				break
			}
			last := page.Messages[len(page.Messages)-1].Seq
			if page, err = h.svc.History(context.Background(), message.HistoryRequest{SDKAppID: h.app, User: "alice", Peer: "bob", Count: 100, BeforeSeq: last}); err != nil {
				t.Fatal(err)
			}
		}
		if len(all) != senders*each {
			t.Fatalf("%d messages, want %d", len(all), senders*each)
		}
		for i, m := range all {
			if want := uint64(senders*each - i); m.Seq != want {
				t.Fatalf("message %d has seq %d, want %d (gapless, unique)", i, m.Seq, want)
			}
		}
	})
}

// hooks records the hook calls and plays a scripted before-send verdict.
type hooks struct {
	mu      sync.Mutex
	verdict message.Verdict
	reject  error
	rewrite string
	before  int
	pushed  []message.Message
	after   []message.Message
}

func (k *hooks) BeforeSend(_ context.Context, _ uint64, _ im.ConvID, m *message.Message) (message.Verdict, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.before++
	if k.rewrite != "" {
		m.Body = text(k.rewrite)
	}
	return k.verdict, k.reject
}

func (k *hooks) Push(_ context.Context, _ uint64, _ im.ConvID, m message.Message) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pushed = append(k.pushed, m)
}

func (k *hooks) AfterSend(_ context.Context, _ uint64, _ im.ConvID, m message.Message) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.after = append(k.after, m)
}

func TestHookPoints(t *testing.T) {
	t.Parallel()
	b := oneBackend
	k := &hooks{}
	h := newHarness(t, b, func(c *message.Config) { c.BeforeSend, c.Pusher, c.AfterSend = k, k, k })
	h.accounts(t, "alice", "bob")
	ctx := context.Background()
	byAdmin := false
	send := func(random uint32, o func(*im.SendOptions)) (message.SendResult, error) {
		op := opts(random)
		if o != nil {
			o(&op)
		}
		return h.svc.SendC2C(ctx, message.SendRequest{SDKAppID: h.app, From: "alice", To: "bob", Body: text("orig"), Options: op, ByAdmin: byAdmin})
	}

	// Rewrite: the stored and delivered body is the hook's.
	k.rewrite = "rewritten"
	if _, err := send(1, nil); err != nil {
		t.Fatal(err)
	}
	if got := texts(h.history(t, "bob", "alice")); len(got) != 1 || got[0] != "rewritten" {
		t.Errorf("history %q, want the rewritten body", got)
	}
	if len(k.pushed) != 1 || len(k.after) != 1 || k.pushed[0].Seq != 1 {
		t.Errorf("push %d, after %d calls, want 1 each", len(k.pushed), len(k.after))
	}
	// A retry is answered by dedup, before the webhook.
	calls := k.before
	if res, err := send(1, nil); err != nil || !res.Duplicate || k.before != calls {
		t.Errorf("retry: %+v %v, webhook calls %d -> %d", res, err, calls, k.before)
	}
	// Drop: success without a seq, nothing stored, delivered, pushed.
	k.rewrite, k.verdict = "", message.Drop
	h.bus.take()
	res, err := send(2, nil)
	if err != nil || res.MsgSeq != 0 {
		t.Errorf("dropped send: %+v %v, want success without a seq", res, err)
	}
	if len(h.bus.take()) != 0 || len(h.history(t, "bob", "alice")) != 1 || len(k.pushed) != 1 {
		t.Error("a dropped message was delivered, stored or pushed")
	}
	// Reject: the hook's code.
	k.verdict, k.reject = message.Deliver, im.Errorf(im.CodeC2CCallbackRejected, "no")
	_, err = send(3, nil)
	wantCode(t, "rejected", err, im.CodeC2CCallbackRejected)
	forbid := func(o *im.SendOptions) {
		o.ForbidCallbackControl = []string{im.ForbidBeforeSendMsgCallback, im.ForbidAfterSendMsgCallback}
		o.OfflinePushInfo = &im.OfflinePushInfo{PushFlag: 1}
	}
	// A user may not skip the app's webhooks: ForbidCallbackControl is ignored.
	k.reject = nil
	calls, afters := k.before, len(k.after)
	if _, err := send(4, forbid); err != nil {
		t.Fatal(err)
	}
	if k.before != calls+1 || len(k.after) != afters+1 {
		t.Errorf("a user's ForbidCallbackControl was honoured: before %d->%d, after %d->%d", calls, k.before, afters, len(k.after))
	}
	// An admin's ForbidCallbackControl skips both webhooks; PushFlag 1 skips push.
	byAdmin = true
	calls, afters, pushes := k.before, len(k.after), len(k.pushed)
	if _, err := send(5, forbid); err != nil {
		t.Fatal(err)
	}
	if k.before != calls || len(k.after) != afters || len(k.pushed) != pushes {
		t.Errorf("forbidden callbacks or PushFlag 1 ignored: before %d->%d, after %d->%d, pushed %d->%d", calls, k.before, afters, len(k.after), pushes, len(k.pushed))
	}
}

func TestNilBusStillStores(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneBackend, func(c *message.Config) { c.Bus = nil })
	h.accounts(t, "alice", "bob")
	h.send(t, "alice", "bob", "x", 1)
	if page, err := h.svc.Sync(context.Background(), h.app, "bob", 0, 0); err != nil || len(page.Entries) != 1 {
		t.Errorf("sync %+v %v", page, err)
	}
}

var errSentinel = errors.New("sentinel")

// failingProfiles always fails: the send goes on without a nick.
type failingProfiles struct{}

func (failingProfiles) Nicks(context.Context, uint64, []string) (map[string]message.Profile, error) {
	return nil, errSentinel
}

func TestProfileFailureOmitsNick(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneBackend, func(c *message.Config) { c.Profiles = failingProfiles{} })
	h.accounts(t, "alice", "bob")
	h.send(t, "alice", "bob", "x", 1)
	evs := h.bus.take()
	if p := decode(t, evs[0].ev.Data); p["Nick"] != nil {
		t.Errorf("payload %s has a nick", evs[0].ev.Data)
	}
}

// TestClientSeqIsKeptOrDrawn: a send keeps the caller's MsgSeq (0
// included); without one it gets a value from Config.Rand, one per batch.
// The conversation's own Seq is untouched either way.
func TestClientSeqIsKeptOrDrawn(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob", "carol")
		ctx := context.Background()
		h.drawn.Store(4241)
		zero, big := uint32(0), uint32(math.MaxUint32)
		for i, given := range []*uint32{&zero, &big, nil} {
			res, err := h.svc.SendC2C(ctx, message.SendRequest{
				SDKAppID: h.app, From: "alice", To: "bob", Body: text("x"), Options: opts(uint32(i + 1)), ClientSeq: given, ByAdmin: true,
			})
			if err != nil || res.MsgSeq != uint64(i+1) {
				t.Fatalf("send %d: %+v %v", i, res, err)
			}
		}
		if _, err := h.svc.BatchSendC2C(ctx, message.BatchRequest{
			SDKAppID: h.app, From: "alice", To: []string{"bob", "carol"}, Body: text("y"), Options: opts(9),
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			peer string
			seq  uint64
			want uint64
		}{{"bob", 1, 0}, {"bob", 2, math.MaxUint32}, {"bob", 3, 4242}, {"bob", 4, 4243}, {"carol", 1, 4243}} {
			m, err := h.store.GetC2C(ctx, h.app, "alice", c.peer, c.seq)
			if err != nil || m.ClientSeq != c.want {
				t.Errorf("message %d with %s: ClientSeq %d (%v), want %d", c.seq, c.peer, m.ClientSeq, err, c.want)
			}
		}
	})
}
