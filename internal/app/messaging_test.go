package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// End-to-end tests of one-to-one messaging (issue 3, "Done when"): a real
// server on 127.0.0.1:0, accounts and admin calls over HTTP, users over
// WebSocket through pkg/client. Every wait is bounded by waitLimit; no
// test depends on how long anything takes.

// waitLimit bounds every wait for something to arrive.
const waitLimit = 30 * time.Second

// wsURL is the WebSocket URL of a server whose base is http://host:port.
func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// dialOptions are the client options of user on platform.
func dialOptions(t testing.TB, user, platform string) client.Options {
	return client.Options{
		SDKAppID: testAppID, UserID: user, UserSig: sig(t, user), Platform: platform,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 200 * time.Millisecond,
	}
}

// dial signs user in on platform; the client is closed when the test ends.
func dial(t testing.TB, base, user, platform string) *client.Client {
	t.Helper()
	return dialWith(t, wsURL(base), dialOptions(t, user, platform))
}

func dialWith(t testing.TB, url string, o client.Options) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := client.Dial(ctx, url, o)
	if err != nil {
		t.Fatalf("dial %s on %s: %v", o.UserID, o.Platform, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// importUsers creates accounts (Nick "Nick of <id>") over REST.
func importUsers(t *testing.T, s *server, ids ...string) {
	t.Helper()
	var list []map[string]any
	for _, id := range ids {
		list = append(list, map[string]any{"UserID": id, "Nick": "Nick of " + id})
	}
	mustOK(t, s.rest("im_open_login_svc/multiaccount_import", map[string]any{"AccountList": list}))
}

// inbox collects a client's events until the client stops.
type inbox struct {
	mu     sync.Mutex
	events []client.Event
	wake   chan struct{}
	closed chan struct{}
}

func watch(c *client.Client) *inbox {
	in := &inbox{wake: make(chan struct{}, 1), closed: make(chan struct{})}
	go func() {
		defer close(in.closed)
		for ev := range c.Events() {
			in.mu.Lock()
			in.events = append(in.events, ev)
			in.mu.Unlock()
			select {
			case in.wake <- struct{}{}:
			default:
			}
		}
	}()
	return in
}

// wait returns the events so far once cond holds for them; it fails the
// test when cond still does not hold after waitLimit or after the client
// stopped.
func (in *inbox) wait(t *testing.T, what string, cond func([]client.Event) bool) []client.Event {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	closed := false
	for {
		in.mu.Lock()
		evs := slices.Clone(in.events)
		in.mu.Unlock()
		switch {
		case cond(evs):
			return evs
		case closed:
			t.Fatalf("client stopped before %s; events: %s", what, describe(evs))
		}
		select {
		case <-in.wake:
		case <-in.closed:
			closed = true
		case <-deadline.C:
			t.Fatalf("no %s within %s; events: %s", what, waitLimit, describe(evs))
		}
	}
}

// messages waits until the inbox holds at least n message events and
// returns the messages.
func (in *inbox) messages(t *testing.T, what string, n int) []client.Message {
	t.Helper()
	evs := in.wait(t, what, func(evs []client.Event) bool { return len(decoded[*client.Message](t, evs)) >= n })
	var out []client.Message
	for _, m := range decoded[*client.Message](t, evs) {
		out = append(out, *m)
	}
	return out
}

// decoded returns the payloads of type T among evs.
func decoded[T any](t *testing.T, evs []client.Event) []T {
	t.Helper()
	var out []T
	for _, ev := range evs {
		v, err := ev.Decode()
		if err != nil {
			t.Fatalf("event %s: %v", ev.Name, err)
		}
		if p, ok := v.(T); ok {
			out = append(out, p)
		}
	}
	return out
}

func describe(evs []client.Event) string {
	var b strings.Builder
	for i, ev := range evs {
		if i == 8 {
			fmt.Fprintf(&b, " ... (%d in all)", len(evs))
			break
		}
		fmt.Fprintf(&b, " %s%.80s", ev.Name, ev.Data)
	}
	return b.String()
}

// pending returns the events already queued on a client that has no
// inbox. Because the server writes the events a command causes for its own
// session before the command's answer, whatever a finished command sent
// this session is queued by the time the command returned.
func pending(c *client.Client) []client.Event {
	var out []client.Event
	for {
		select {
		case ev := <-c.Events():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func send(t *testing.T, c *client.Client, to, text string) client.SendResult {
	t.Helper()
	res, err := c.SendC2C(context.Background(), to, []client.Element{client.TextElem(text)}, client.SendOptions{})
	if err != nil {
		t.Fatalf("send %q to %s: %v", text, to, err)
	}
	return res
}

// wantCode fails the test unless err is a *client.Error with code.
func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s: error %v, want code %d", what, err, code)
	}
}

// TestOnlineDeliveryToEveryDevice: a message reaches every device of the
// recipient and the sender's other devices, never the sending device.
func TestOnlineDeliveryToEveryDevice(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		// a1 and b1 send; they have no inbox, so that pending can tell what
		// reached them.
		a1, b1 := dial(t, s.base, "alice", "iOS"), dial(t, s.base, "bob", "Android")
		a2 := watch(dial(t, s.base, "alice", "Windows"))
		b2, b3 := watch(dial(t, s.base, "bob", "Web")), watch(dial(t, s.base, "bob", "Mac"))
		check := func(who string, m client.Message, res client.SendResult, from, to, text string) {
			t.Helper()
			if m.MsgKey != res.MsgKey || m.MsgSeq != res.MsgSeq || m.MsgRandom != res.MsgRandom || m.From != from ||
				m.To != to || m.Text() != text || m.Nick != "Nick of "+from || m.SyncSeq == 0 {
				t.Errorf("%s got %+v, want the message acknowledged as %+v", who, m, res)
			}
		}

		hello := send(t, a1, "bob", "hello bob")
		if own := decoded[*client.Message](t, pending(a1)); len(own) != 0 {
			t.Errorf("the sending device got its own message: %+v", own)
		}
		check("bob's Android", nextMessage(t, b1), hello, "alice", "bob", "hello bob")
		for name, in := range map[string]*inbox{"bob's Web": b2, "bob's Mac": b3, "alice's Windows": a2} {
			got := in.messages(t, "the first message on "+name, 1)
			check(name, got[0], hello, "alice", "bob", "hello bob")
		}

		reply := send(t, b1, "alice", "hi alice")
		if own := decoded[*client.Message](t, pending(b1)); len(own) != 0 {
			t.Errorf("the replying device got its own message: %+v", own)
		}
		check("alice's iOS", nextMessage(t, a1), reply, "bob", "alice", "hi alice")
		for name, in := range map[string]*inbox{"bob's Web": b2, "bob's Mac": b3, "alice's Windows": a2} {
			got := in.messages(t, "the reply on "+name, 2)
			if len(got) != 2 {
				t.Fatalf("%s got %d messages, want 2", name, len(got))
			}
			check(name, got[1], reply, "bob", "alice", "hi alice")
		}
	})
}

// nextMessage returns the next message event of a client without inbox.
func nextMessage(t *testing.T, c *client.Client) client.Message {
	t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("client stopped: %v", c.Err())
			}
			if m := decoded[*client.Message](t, []client.Event{ev}); len(m) == 1 {
				return *m[0]
			}
		case <-timer.C:
			t.Fatalf("no message within %s", waitLimit)
		}
	}
}

// TestOfflineSyncLatest100: B receives, through sync, exactly the latest
// 100 of 150 messages sent while offline, in order and once; unread says
// 150; history pages return the other 50.
func TestOfflineSyncLatest100(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		alice := dial(t, s.base, "alice", "Linux")
		aliceEvents := watch(dialWith(t, wsURL(s.base), dialOptions(t, "alice", "Android")))
		keys := make([]string, 150)
		for i := range keys {
			keys[i] = send(t, alice, "bob", fmt.Sprintf("m%03d", i+1)).MsgKey
		}

		bob := dial(t, s.base, "bob", "iOS")
		ctx := context.Background()
		if n, err := bob.TotalUnread(ctx); err != nil || n != 150 {
			t.Errorf("total unread %d %v, want 150", n, err)
		}
		synced, err := bob.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(synced) != 100 {
			t.Fatalf("sync gave %d messages, want the latest 100", len(synced))
		}
		for i, m := range synced {
			if want := uint64(51 + i); m.MsgSeq != want || m.MsgKey != keys[want-1] || m.Text() != fmt.Sprintf("m%03d", want) {
				t.Fatalf("sync entry %d: seq %d key %s text %q, want seq %d", i, m.MsgSeq, m.MsgKey, m.Text(), want)
			}
			if i > 0 && m.SyncSeq <= synced[i-1].SyncSeq {
				t.Fatalf("sync entries out of order at %d", i)
			}
		}
		if again, err := bob.Sync(ctx); err != nil || len(again) != 0 {
			t.Errorf("second sync: %d messages %v, want none", len(again), err)
		}

		// History pages, newest first, from the oldest synced message back.
		var older []uint64
		opts := client.HistoryOptions{Count: 30, LastMsgKey: synced[0].MsgKey}
		for pages := 0; pages < 10; pages++ {
			page, err := bob.History(ctx, "alice", opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page.Messages {
				older = append(older, m.MsgSeq)
			}
			if page.Complete || len(page.Messages) == 0 {
				break
			}
			opts.LastMsgKey = page.Messages[len(page.Messages)-1].MsgKey
		}
		want := make([]uint64, 50)
		for i := range want {
			want[i] = uint64(50 - i)
		}
		if !slices.Equal(older, want) {
			t.Errorf("history before the synced messages: %v, want 50..1", older)
		}

		// The conversation, read positions and the receipt.
		page, err := bob.Conversations(ctx, client.ConversationCursor{}, 10)
		if err != nil || len(page.Conversations) != 1 || page.Conversations[0].Peer != "alice" ||
			page.Conversations[0].Unread != 150 || page.Conversations[0].LastSeq != 150 || !page.Complete {
			t.Errorf("bob's conversations: %+v %v", page, err)
		}
		conv, err := bob.MarkRead(ctx, "alice", 100)
		if err != nil || conv.Unread != 50 || conv.ReadSeq != 100 {
			t.Errorf("mark read up to 100: %+v %v", conv, err)
		}
		receipts := decoded[*client.ReadReceipt](t, aliceEvents.wait(t, "a read receipt", func(evs []client.Event) bool {
			return len(decoded[*client.ReadReceipt](t, evs)) > 0
		}))
		if r := receipts[0]; r.Peer != "bob" || r.ReadSeq != 100 {
			t.Errorf("receipt %+v", r)
		}
		if n, err := bob.MarkAllRead(ctx); err != nil || n != 0 {
			t.Errorf("mark all read: %d %v", n, err)
		}
		if n, err := bob.TotalUnread(ctx); err != nil || n != 0 {
			t.Errorf("total unread after mark all read: %d %v", n, err)
		}
		if err := bob.DeleteConversation(ctx, "alice", true); err != nil {
			t.Fatal(err)
		}
		if page, err := bob.History(ctx, "alice", client.HistoryOptions{}); err != nil || len(page.Messages) != 0 {
			t.Errorf("history after deleting with ClearHistory: %d messages %v", len(page.Messages), err)
		}
		if page, err := alice.History(ctx, "bob", client.HistoryOptions{Count: 5}); err != nil || len(page.Messages) != 5 {
			t.Errorf("alice's history is untouched: %d messages %v", len(page.Messages), err)
		}
	})
}

// TestResendSameRandom: a send repeated with the same MsgRandom within 5
// minutes is answered with the first result and stores nothing.
func TestResendSameRandom(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		alice := dial(t, s.base, "alice", "iOS")
		bob := watch(dial(t, s.base, "bob", "iOS"))
		ctx := context.Background()
		sendRandom := func(text string, random uint32) client.SendResult {
			res, err := alice.SendC2C(ctx, "bob", []client.Element{client.TextElem(text)}, client.SendOptions{Random: random})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		first := sendRandom("once", 424242)
		again := sendRandom("once, retried", 424242)
		if again != first {
			t.Errorf("retry answered %+v, want the first result %+v", again, first)
		}
		other := sendRandom("another", 434343)
		if other.MsgSeq != first.MsgSeq+1 {
			t.Errorf("next message has seq %d, want %d: the retry used a number", other.MsgSeq, first.MsgSeq+1)
		}
		page, err := alice.History(ctx, "bob", client.HistoryOptions{Count: 10})
		if err != nil || len(page.Messages) != 2 || page.Messages[1].Text() != "once" {
			t.Errorf("history: %+v %v, want 2 messages", page.Messages, err)
		}
		roam := mustOK(t, s.rest("openim/admin_getroammsg", map[string]any{
			"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 10, "MinTime": 0, "MaxTime": time.Now().Unix() + 60,
		}))
		if n := roam["MsgCnt"].(json.Number).String(); n != "2" {
			t.Errorf("admin_getroammsg MsgCnt %s, want 2", n)
		}
		got := bob.messages(t, "two messages", 2)
		if len(got) != 2 || got[0].MsgKey != first.MsgKey || got[1].MsgKey != other.MsgKey {
			t.Errorf("bob got %+v", got)
		}
		if n, err := dial(t, s.base, "bob", "Android").TotalUnread(ctx); err != nil || n != 2 {
			t.Errorf("bob's unread %d %v, want 2", n, err)
		}
	})
}

// TestConcurrentSendersGapless: 10 devices (5 users, 2 each) send 1,000
// messages at once, both ways in 5 conversations: the sequences of each
// conversation are gapless and unique, and every device of both
// participants ends with the same ordered list.
func TestConcurrentSendersGapless(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		const users, perDevice = 5, 100
		ids := make([]string, users)
		for i := range ids {
			ids[i] = fmt.Sprint("user", i)
		}
		importUsers(t, s, ids...)
		type device struct {
			user, to string
			c        *client.Client
			in       *inbox
			sent     []client.SendResult
		}
		var devices []*device
		for i, u := range ids {
			for j, platform := range []string{"iOS", "Android"} {
				to := ids[(i+1)%users] // the first device writes to the next user,
				if j == 1 {
					to = ids[(i+users-1)%users] // the second to the previous one
				}
				c := dial(t, s.base, u, platform)
				if _, err := c.Sync(context.Background()); err != nil { // take a sync position
					t.Fatal(err)
				}
				devices = append(devices, &device{user: u, to: to, c: c, in: watch(c)})
			}
		}
		var wg sync.WaitGroup
		for _, d := range devices {
			wg.Go(func() {
				for i := range perDevice {
					res, err := d.c.SendC2C(context.Background(), d.to, []client.Element{client.TextElem(fmt.Sprint(d.user, "->", d.to, " #", i))}, client.SendOptions{})
					if err != nil {
						t.Errorf("%s: send %d: %v", d.user, i, err)
						return
					}
					d.sent = append(d.sent, res)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		// The acknowledgements: per conversation, 1..200 exactly once.
		truth := map[string]map[uint64]string{} // conversation -> MsgSeq -> MsgKey
		conv := func(a, b string) string { return min(a, b) + "|" + max(a, b) }
		for _, d := range devices {
			for _, r := range d.sent {
				m := truth[conv(d.user, d.to)]
				if m == nil {
					m = map[uint64]string{}
					truth[conv(d.user, d.to)] = m
				}
				if prev, dup := m[r.MsgSeq]; dup {
					t.Fatalf("seq %d of %s acknowledged twice: %s and %s", r.MsgSeq, conv(d.user, d.to), prev, r.MsgKey)
				}
				m[r.MsgSeq] = r.MsgKey
			}
		}
		for name, m := range truth {
			for seq := uint64(1); seq <= 2*perDevice; seq++ {
				if _, ok := m[seq]; !ok {
					t.Fatalf("%s: seq %d missing among %d acknowledgements (gap)", name, seq, len(m))
				}
			}
		}
		// Every device: what it received plus what it sent is the whole of
		// both of its conversations.
		for _, d := range devices {
			got := map[string]map[uint64]string{}
			add := func(peer string, seq uint64, key string) {
				k := conv(d.user, peer)
				if got[k] == nil {
					got[k] = map[uint64]string{}
				}
				if _, dup := got[k][seq]; dup {
					t.Errorf("%s: seq %d of %s delivered twice", d.user, seq, k)
				}
				got[k][seq] = key
			}
			for _, r := range d.sent {
				add(d.to, r.MsgSeq, r.MsgKey)
			}
			for _, m := range d.in.messages(t, "every message of both conversations", 4*perDevice-len(d.sent)) {
				add(m.Peer(d.user), m.MsgSeq, m.MsgKey)
			}
			for k, m := range got {
				if !maps.Equal(m, truth[k]) {
					t.Errorf("%s (device writing to %s): conversation %s has %d messages differing from the %d acknowledged",
						d.user, d.to, k, len(m), len(truth[k]))
				}
			}
			if len(got) != 2 {
				t.Errorf("%s: messages of %d conversations, want 2", d.user, len(got))
			}
		}
	})
}

// TestRecallAndModifyReachBothSides: a modify and a recall reach the
// sender's other devices and the recipient, and history shows the state.
func TestRecallAndModifyReachBothSides(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		ctx := context.Background()
		a1 := dial(t, s.base, "alice", "iOS")
		a2 := watch(dial(t, s.base, "alice", "Mac"))
		b1 := dial(t, s.base, "bob", "Android")
		bob := watch(b1)
		sent := send(t, a1, "bob", "first draft")

		ccd := "edited-by-alice"
		mod, err := a1.Modify(ctx, "bob", sent.MsgKey, []client.Element{client.TextElem("final text")}, &ccd)
		if err != nil || mod.IsModified != 1 || mod.Text() != "final text" || mod.CloudCustomData != ccd || mod.MsgKey != sent.MsgKey {
			t.Fatalf("modify: %+v %v", mod, err)
		}
		for name, in := range map[string]*inbox{"alice's other device": a2, "bob": bob} {
			evs := in.wait(t, "message_modified", func(evs []client.Event) bool { return len(decoded[*client.MessageModified](t, evs)) > 0 })
			if m := decoded[*client.MessageModified](t, evs)[0]; m.MsgKey != sent.MsgKey || m.Text() != "final text" || m.IsModified != 1 {
				t.Errorf("%s: message_modified %+v", name, m)
			}
		}
		page, err := b1.History(ctx, "alice", client.HistoryOptions{})
		if err != nil || len(page.Messages) != 1 || page.Messages[0].IsModified != 1 || page.Messages[0].Text() != "final text" {
			t.Errorf("bob's history after modify: %+v %v", page.Messages, err)
		}

		wantCode(t, "bob recalls alice's message", b1.Revoke(ctx, "alice", sent.MsgKey), 90009)
		if err := a1.Revoke(ctx, "bob", sent.MsgKey); err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string]*inbox{"alice's other device": a2, "bob": bob} {
			evs := in.wait(t, "message_revoked", func(evs []client.Event) bool { return len(decoded[*client.MessageRevoked](t, evs)) > 0 })
			if r := decoded[*client.MessageRevoked](t, evs)[0]; r.MsgKey != sent.MsgKey || r.From != "alice" || r.To != "bob" {
				t.Errorf("%s: message_revoked %+v", name, r)
			}
		}
		for _, ev := range pending(a1) {
			if ev.Name == client.EventMessageRevoked || ev.Name == client.EventMessageModified {
				t.Errorf("the device that acted got %s", ev.Name)
			}
		}
		for _, c := range []*client.Client{a1, b1} {
			peer := map[*client.Client]string{a1: "bob", b1: "alice"}[c]
			page, err := c.History(ctx, peer, client.HistoryOptions{})
			if err != nil || len(page.Messages) != 1 || !page.Messages[0].Recalled() || len(page.Messages[0].MsgBody) != 0 {
				t.Errorf("history with %s after recall: %+v %v", peer, page.Messages, err)
			}
		}
		wantCode(t, "recall twice", a1.Revoke(ctx, "bob", sent.MsgKey), 20023)
		_, err = a1.Modify(ctx, "bob", sent.MsgKey, []client.Element{client.TextElem("x")}, nil)
		wantCode(t, "modify a recalled message", err, 20023)
		wantCode(t, "malformed key", a1.Revoke(ctx, "bob", "not-a-key"), 90054)
	})
}

// TestAdminRESTRoundTrip: sendmsg, batchsendmsg, admin_getroammsg and
// recentcontact/get_list answer with the reference's field names, and
// what an admin sends reaches the users' devices.
func TestAdminRESTRoundTrip(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "carol")
		bob := watch(dial(t, s.base, "bob", "Web"))
		carol := watch(dial(t, s.base, "carol", "Web"))
		body := func(text string) []map[string]any {
			return []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}
		}
		out := mustOK(t, s.rest("openim/sendmsg", map[string]any{
			"SyncOtherMachine": 1, "From_Account": "alice", "To_Account": "bob", "MsgRandom": 1001,
			"MsgBody": body("from the admin, as alice"), "CloudCustomData": "ccd",
		}))
		exactFields(t, "sendmsg", out, "MsgTime", "MsgKey", "MsgId")
		m := bob.messages(t, "the admin's message", 1)[0]
		if m.MsgKey != out["MsgKey"] || m.From != "alice" || m.Text() != "from the admin, as alice" || m.CloudCustomData != "ccd" {
			t.Errorf("bob got %+v for sendmsg %v", m, out)
		}

		out = mustOK(t, s.rest("openim/batchsendmsg", map[string]any{
			"From_Account": "alice", "To_Account": []string{"bob", "carol", "ghost"}, "MsgRandom": 1002,
			"MsgBody": body("to many"),
		}))
		exactFields(t, "batchsendmsg", out, "MsgKey", "MsgId", "ErrorList")
		if errs := out["ErrorList"].([]any); len(errs) != 1 || errs[0].(map[string]any)["To_Account"] != "ghost" {
			t.Errorf("batchsendmsg ErrorList %v, want ghost only", errs)
		}
		for in, n := range map[*inbox]int{bob: 2, carol: 1} {
			got := in.messages(t, "the batch message", n)
			if last := got[n-1]; last.Text() != "to many" || last.From != "alice" {
				t.Errorf("recipient of %d messages got %+v", n, last)
			}
		}

		out = mustOK(t, s.rest("openim/admin_getroammsg", map[string]any{
			"Operator_Account": "alice", "Peer_Account": "bob", "MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 60,
		}))
		hasFields(t, "admin_getroammsg", out, "Complete", "MsgCnt", "LastMsgTime", "LastMsgKey", "MsgList")
		list := out["MsgList"].([]any)
		if len(list) != 2 || out["MsgCnt"].(json.Number).String() != "2" || out["Complete"].(json.Number).String() != "1" {
			t.Fatalf("admin_getroammsg: %v", out)
		}
		for _, item := range list {
			hasFields(t, "MsgList item", item.(map[string]any), "From_Account", "To_Account", "MsgSeq", "MsgRandom",
				"MsgTimeStamp", "MsgClientTime", "MsgFlagBits", "IsPeerRead", "MsgKey", "MsgBody", "CloudCustomData")
		}

		out = mustOK(t, s.rest("recentcontact/get_list", map[string]any{
			"From_Account": "bob", "TimeStamp": 0, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 0,
		}))
		hasFields(t, "get_list", out, "CompleteFlag", "TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex", "SessionItem")
		items := out["SessionItem"].([]any)
		if len(items) != 1 {
			t.Fatalf("get_list: %v", out)
		}
		item := items[0].(map[string]any)
		hasFields(t, "SessionItem", item, "Type", "To_Account", "MsgTime", "TopFlag")
		if item["To_Account"] != "alice" || item["Type"].(json.Number).String() != "1" {
			t.Errorf("SessionItem %v", item)
		}
		out = mustOK(t, s.rest("openim/get_c2c_unread_msg_num", map[string]any{"To_Account": "bob", "Peer_Account": []string{"alice"}}))
		if out["AllC2CUnreadMsgNum"].(json.Number).String() != "2" {
			t.Errorf("get_c2c_unread_msg_num: %v", out)
		}
	})
}

// TestRESTMsgSeqIsTheCallers: over REST a C2C message's MsgSeq is the
// caller's (a random 32-bit one when omitted), read back by
// admin_getroammsg and ordering the messages of one second there; the
// client protocol keeps Parley's conversation seq; sendmsg and
// batchsendmsg answer the reference's fields only; importmsg still
// deduplicates on (MsgSeq, MsgRandom, MsgTimeStamp).
func TestRESTMsgSeqIsTheCallers(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "carol")
		bob := watch(dial(t, s.base, "bob", "Web"))
		body := []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}
		roam := func(operator, peer string) []map[string]any {
			t.Helper()
			out := mustOK(t, s.rest("openim/admin_getroammsg", map[string]any{"Operator_Account": operator, "Peer_Account": peer, "MaxCnt": 100}))
			var list []map[string]any
			for _, m := range out["MsgList"].([]any) {
				list = append(list, m.(map[string]any))
			}
			return list
		}

		out := mustOK(t, s.rest("openim/sendmsg", map[string]any{
			"From_Account": "alice", "To_Account": "bob", "MsgSeq": 4242, "MsgRandom": 1, "MsgBody": body,
		}))
		exactFields(t, "sendmsg answer", out, "MsgTime", "MsgKey", "MsgId")
		if list := roam("alice", "bob"); len(list) != 1 || list[0]["MsgSeq"] != json.Number("4242") || list[0]["MsgKey"] != out["MsgKey"] {
			t.Fatalf("admin_getroammsg after sendmsg with MsgSeq 4242: %v", list)
		}
		if m := bob.messages(t, "the REST message", 1)[0]; m.MsgSeq != 1 || m.MsgKey != out["MsgKey"] {
			t.Errorf("bob's client got MsgSeq %d key %s, want the conversation's seq 1 and key %v", m.MsgSeq, m.MsgKey, out["MsgKey"])
		}

		mustOK(t, s.rest("openim/sendmsg", map[string]any{"From_Account": "carol", "To_Account": "bob", "MsgRandom": 2, "MsgBody": body}))
		list := roam("bob", "carol")
		if len(list) != 1 {
			t.Fatalf("admin_getroammsg bob/carol: %v", list)
		}
		if _, err := strconv.ParseUint(list[0]["MsgSeq"].(json.Number).String(), 10, 32); err != nil {
			t.Errorf("MsgSeq of a sendmsg without one: %v", err)
		}

		out = mustOK(t, s.rest("openim/batchsendmsg", map[string]any{
			"From_Account": "alice", "To_Account": []string{"carol", "ghost"}, "MsgSeq": 7, "MsgRandom": 3, "MsgBody": body,
		}))
		exactFields(t, "batchsendmsg answer", out, "MsgKey", "MsgId", "ErrorList")
		if list := roam("carol", "alice"); len(list) != 1 || list[0]["MsgSeq"] != json.Number("7") {
			t.Errorf("admin_getroammsg after batchsendmsg with MsgSeq 7: %v", list)
		}

		// Imports of one second come back by MsgSeq, newest first; the same
		// (MsgSeq, MsgRandom, MsgTimeStamp), either way round, is stored once.
		ts := time.Now().Unix() - 3600
		imp := func(from, to string, seq, random int) {
			t.Helper()
			mustOK(t, s.rest("openim/importmsg", map[string]any{
				"SyncFromOldSystem": 2, "From_Account": from, "To_Account": to, "MsgSeq": seq, "MsgRandom": random,
				"MsgTimeStamp": ts, "MsgBody": body,
			}))
		}
		imp("alice", "carol", 30, 1)
		imp("alice", "carol", 10, 1)
		imp("carol", "alice", 20, 1)
		imp("carol", "alice", 30, 1) // a duplicate: swapped, same key
		imp("alice", "carol", 30, 1) // a duplicate
		imp("alice", "carol", 20, 2) // another MsgRandom: another message
		var got []string
		for _, m := range roam("alice", "carol") {
			got = append(got, fmt.Sprint(m["MsgSeq"], "/", m["MsgRandom"]))
		}
		// The batch message is the newest; the imports share one second.
		if want := []string{"7/3", "30/1", "20/2", "20/1", "10/1"}; !slices.Equal(got, want) {
			t.Errorf("admin_getroammsg alice/carol as MsgSeq/MsgRandom: %v, want %v", got, want)
		}
	})
}

// exactFields fails unless the answer's fields are the envelope's and
// want, and no others.
func exactFields(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	want = append(want, "ActionStatus", "ErrorCode", "ErrorInfo", "ErrorDisplay")
	var got []string
	for f := range m {
		got = append(got, f)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s has fields %v, want exactly %v", what, got, want)
	}
}

func hasFields(t *testing.T, what string, m map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("%s lacks %s: %v", what, f, m)
		}
	}
}

// TestKickClosesSessionsAndPresence: query_online_status shows a user
// Online with the platforms of their sessions; REST kick closes the
// sessions with a kicked event; the user is then Offline.
func TestKickClosesSessionsAndPresence(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		phone, browser := dial(t, s.base, "bob", "iOS"), dial(t, s.base, "bob", "Web")
		inboxes := []*inbox{watch(phone), watch(browser)}

		status := func() map[string]any {
			out := mustOK(t, s.rest("openim/query_online_status", map[string]any{"To_Account": []string{"bob", "alice", "ghost"}, "IsNeedDetail": 1}))
			res := map[string]any{}
			for _, r := range out["QueryResult"].([]any) {
				item := r.(map[string]any)
				res[item["To_Account"].(string)] = item
			}
			if errs := fmt.Sprint(out["ErrorList"]); errs != "[map[ErrorCode:70107 To_Account:ghost]]" {
				t.Errorf("ErrorList %s", errs)
			}
			return res
		}
		st := status()
		bob := st["bob"].(map[string]any)
		if bob["Status"] != "Online" || bob["State"] != "Online" || fmt.Sprint(bob["Detail"]) != "[map[Platform:Web Status:Online] map[Platform:iPhone Status:Online]]" {
			t.Errorf("bob: %v", bob)
		}
		if alice := st["alice"].(map[string]any); alice["Status"] != "Offline" || alice["Detail"] != nil {
			t.Errorf("alice: %v", alice)
		}
		out := mustOK(t, s.rest("openim/querystate", map[string]any{"To_Account": []string{"bob", "alice"}}))
		if got := fmt.Sprint(out["QueryResult"]); got != "[map[State:Online To_Account:bob] map[State:Offline To_Account:alice]]" {
			t.Errorf("querystate: %s", got)
		}
		many := make([]string, 501)
		for i := range many {
			many[i] = fmt.Sprint("u", i)
		}
		if c := code(t, s.rest("openim/query_online_status", map[string]any{"To_Account": many})); c != 70206 {
			t.Errorf("501 accounts: code %d, want 70206", c)
		}
		if c := code(t, s.rest("openim/query_online_status", map[string]any{"To_Account": []string{}})); c != 70402 {
			t.Errorf("no accounts: code %d, want 70402", c)
		}

		stale := dialOptions(t, "bob", "iOS") // a UserSig issued before the kick
		mustOK(t, s.rest("im_open_login_svc/kick", map[string]any{"UserID": "bob"}))
		for i, c := range []*client.Client{phone, browser} {
			evs := inboxes[i].wait(t, "kicked", func(evs []client.Event) bool { return len(decoded[*client.Kicked](t, evs)) > 0 })
			if k := decoded[*client.Kicked](t, evs)[0]; k.Reason != "kicked_by_admin" {
				t.Errorf("session %d: kicked %+v", i, k)
			}
			select {
			case <-c.Done():
			case <-time.After(waitLimit):
				t.Fatalf("session %d still open after the kick", i)
			}
			var d *client.DisconnectError
			if !errors.As(c.Err(), &d) || d.Code != 4003 {
				t.Errorf("session %d ended with %v, want close 4003", i, c.Err())
			}
		}
		deadline := time.Now().Add(waitLimit)
		for status()["bob"].(map[string]any)["Status"] != "Offline" {
			if time.Now().After(deadline) {
				t.Fatal("bob still online after the kick")
			}
			time.Sleep(10 * time.Millisecond)
		}
		c, err := client.Dial(context.Background(), wsURL(s.base), stale)
		if err == nil {
			c.Close()
		}
		wantCode(t, "login with a UserSig issued before the kick", err, 70052)
	})
}
