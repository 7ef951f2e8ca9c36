package conversation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/pkg/protocol"
)

// eachBackend runs test on every backend (storetest.EachBackend), each
// with its own store and services.
func eachBackend(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		test(t, newHarness(t, b))
	})
}

type published struct {
	user string
	ev   bus.Event
}

// fakeBus records what is published.
type fakeBus struct {
	mu     sync.Mutex
	events []published
}

func (b *fakeBus) PublishUser(_ context.Context, _ uint64, user string, ev bus.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, published{user, ev})
	return nil
}

func (b *fakeBus) SubscribeUser(uint64, string, bus.Handler) (bus.Subscription, error) {
	return nil, errors.New("fake bus: no subscriptions")
}

func (b *fakeBus) Close() error { return nil }

// take returns the events named name published since the last take.
func (b *fakeBus) take(name string) []published {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []published
	for _, p := range b.events {
		if p.ev.Name == name {
			out = append(out, p)
		}
	}
	b.events = nil
	return out
}

// harness is a conversation service beside a message service (which
// creates the conversations) over one real store.
type harness struct {
	store *sqlstore.Store
	svc   *conversation.Service
	msgs  *message.Service
	bus   *fakeBus
	now   atomic.Int64
	app   uint64
}

var appCounter atomic.Uint64

func newHarness(t testing.TB, b storetest.Backend) *harness {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
	if err != nil {
		t.Fatalf("open %s store: %v", b, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{store: st, bus: &fakeBus{}, app: 1400000000 + appCounter.Add(1)}
	h.now.Store(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	accounts := account.New(account.Config{Store: st})
	h.svc = conversation.New(conversation.Config{Store: st, Accounts: accounts, Bus: h.bus})
	h.msgs = message.New(message.Config{Store: st, Accounts: accounts, Clock: func() time.Time { return time.UnixMilli(h.now.Load()) }})
	return h
}

func (h *harness) accounts(t testing.TB, ids ...string) {
	t.Helper()
	var accs []store.NewAccount
	for _, id := range ids {
		accs = append(accs, store.NewAccount{UserID: id})
	}
	if _, err := h.store.ImportAccounts(context.Background(), h.app, accs); err != nil {
		t.Fatal(err)
	}
}

var random atomic.Uint32

func (h *harness) send(t testing.TB, from, to string) message.SendResult {
	t.Helper()
	res, err := h.msgs.SendC2C(context.Background(), message.SendRequest{
		SDKAppID: h.app, From: from, To: to,
		Body:    im.MsgBody{im.NewElement(im.TextElem{Text: "hi"})},
		Options: im.SendOptions{MsgRandom: random.Add(1), MsgLifeTime: im.MaxMsgLifeTime},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantCode(t testing.TB, what string, err error, code int) {
	t.Helper()
	if got, ok := im.CodeOf(err); !ok || got != code {
		t.Fatalf("%s: error %v, want code %d", what, err, code)
	}
}

func peers(convs []conversation.Conversation) []string {
	out := make([]string, len(convs))
	for i, c := range convs {
		out[i] = c.Conv.ID
	}
	return out
}

func TestListPagesWithTiedTimestamps(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "me")
		// p0..p6 share one timestamp (the clock stands still); q0..q2 are
		// newer, one millisecond apart.
		for i := range 7 {
			h.accounts(t, fmt.Sprint("p", i))
			h.send(t, fmt.Sprint("p", i), "me")
		}
		for i := range 3 {
			h.now.Add(1)
			h.accounts(t, fmt.Sprint("q", i))
			h.send(t, "me", fmt.Sprint("q", i))
		}
		ctx := context.Background()
		var all []string
		cur := conversation.Cursor{}
		for pages := 0; ; pages++ {
			page, err := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "me", Cursor: cur, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, peers(page.Conversations)...)
			cur = page.Next
			if page.Complete || pages > 5 {
				break
			}
		}
		want := []string{"q2", "q1", "q0", "p0", "p1", "p2", "p3", "p4", "p5", "p6"}
		if !slices.Equal(all, want) {
			t.Errorf("pages %v, want %v", all, want)
		}
		// Empty conversations (no last message) are listed only on request.
		h.accounts(t, "z")
		_, err := h.msgs.SendC2C(ctx, message.SendRequest{
			SDKAppID: h.app, From: "z", To: "me", Body: im.MsgBody{im.NewElement(im.TextElem{Text: "x"})},
			Options: im.SendOptions{MsgRandom: 1, MsgLifeTime: 10, SendMsgControl: []string{im.SendControlNoLastMsg}},
		})
		if err != nil {
			t.Fatal(err)
		}
		page, _ := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "me"})
		withEmpty, _ := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "me", IncludeEmpty: true})
		if len(page.Conversations) != 10 || len(withEmpty.Conversations) != 11 || !page.Complete {
			t.Errorf("without empty %d, with %d", len(page.Conversations), len(withEmpty.Conversations))
		}
		_, err = h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "ghost"})
		wantCode(t, "unknown owner", err, im.CodeAccountNotFound)
		_, err = h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: ""})
		wantCode(t, "no owner", err, im.CodeInvalidParameter)
	})
}

func TestMarkReadPublishesReceiptAndUnread(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob", "carol")
		ctx := context.Background()
		for range 5 {
			h.send(t, "alice", "bob")
		}
		h.send(t, "carol", "bob")
		conv, err := h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), UpToSeq: 3, Session: "b1"})
		if err != nil || conv.Unread != 2 || conv.ReadSeq != 3 {
			t.Fatalf("mark read up to 3: %+v %v", conv, err)
		}
		receipts := h.bus.take(protocol.EventReadReceipt)
		if len(receipts) != 1 || receipts[0].user != "alice" || string(receipts[0].ev.Data) != `{"Peer":"bob","ReadSeq":3}` {
			t.Errorf("receipts %+v", receipts)
		}
		h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), UpToSeq: 3, Session: "b1"})
		h.bus.take("") // nothing moved: no events expected
		conv, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), Session: "b1"})
		if err != nil || conv.Unread != 0 || conv.ReadSeq != 5 {
			t.Fatalf("mark read all: %+v %v", conv, err)
		}
		h.bus.mu.Lock()
		evs := slices.Clone(h.bus.events)
		h.bus.mu.Unlock()
		var unread []published
		for _, e := range evs {
			if e.ev.Name == protocol.EventUnreadChanged {
				unread = append(unread, e)
			}
		}
		if len(unread) != 1 || unread[0].user != "bob" || unread[0].ev.ExceptSession != "b1" ||
			string(unread[0].ev.Data) != `{"TotalUnread":1,"Type":1,"Peer":"alice","Unread":0,"ReadSeq":5}` {
			t.Errorf("unread_changed %+v", unread)
		}
		// Beyond the newest message is capped; a conversation that does not exist is a no-op.
		if conv, _ := h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), UpToSeq: 99}); conv.ReadSeq != 5 {
			t.Errorf("read seq %d, want capped at 5", conv.ReadSeq)
		}
		if _, err := h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "alice", Conv: im.C2C("carol")}); err != nil {
			t.Errorf("no conversation: %v", err)
		}
		_, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("ghost")})
		wantCode(t, "unknown peer", err, im.CodeAccountNotFound)

		total, err := h.svc.TotalUnread(ctx, h.app, "bob")
		if err != nil || total != 1 {
			t.Errorf("total unread %d %v, want 1", total, err)
		}
		h.bus.take("")
		if total, err := h.svc.MarkAllRead(ctx, h.app, "bob", "b1"); err != nil || total != 0 {
			t.Errorf("mark all read: %d %v", total, err)
		}
		if ev := h.bus.take(protocol.EventUnreadChanged); len(ev) != 1 || string(ev[0].ev.Data) != `{"TotalUnread":0,"Unread":0,"ReadSeq":0}` {
			t.Errorf("mark-all event %+v", ev)
		}
	})
}

func TestMarkReadByTime(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		var times []int64
		for range 4 {
			h.send(t, "alice", "bob")
			times = append(times, h.now.Load()/1000)
			h.now.Add(int64(time.Second / time.Millisecond))
		}
		conv, err := h.svc.MarkRead(context.Background(), conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), UpToTime: times[1]})
		if err != nil || conv.ReadSeq != 2 || conv.Unread != 2 {
			t.Errorf("read up to the second message's time: %+v %v", conv, err)
		}
	})
}

func TestUnreadCounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob", "carol", "dave")
		for range 3 {
			h.send(t, "alice", "bob")
		}
		h.send(t, "carol", "bob")
		ctx := context.Background()
		got, err := h.svc.UnreadCounts(ctx, h.app, "bob", []string{"alice", "ghost", "dave", "alice", "bad\x00id"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(got)
		want := `{"Total":4,"Peers":[{"Peer":"alice","Unread":3},{"Peer":"dave","Unread":0}],` +
			`"Errors":[{"Peer":"ghost","Code":70107},{"Peer":"bad\u0000id","Code":70107}]}`
		if string(b) != want {
			t.Errorf("counts\n got %s\nwant %s", b, want)
		}
		_, err = h.svc.UnreadCounts(ctx, h.app, "ghost", nil)
		wantCode(t, "unknown owner", err, im.CodeAccountNotFound)
		_, err = h.svc.UnreadCounts(ctx, h.app, "bob", make([]string, conversation.MaxUnreadPeers+1))
		wantCode(t, "too many peers", err, im.CodeInvalidParameter)
	})
}

func TestDeleteConversation(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		h.send(t, "alice", "bob")
		h.send(t, "alice", "bob")
		if err := h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), ClearHistory: true, Session: "b1"}); err != nil {
			t.Fatal(err)
		}
		if ev := h.bus.take(protocol.EventConversationDeleted); len(ev) != 1 || string(ev[0].ev.Data) != `{"Type":1,"Peer":"alice","ClearRamble":1}` || ev[0].ev.ExceptSession != "b1" {
			t.Errorf("delete events %+v", ev)
		}
		page, _ := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "bob"})
		if len(page.Conversations) != 0 {
			t.Errorf("deleted conversation still listed: %+v", page.Conversations)
		}
		hist := func(user, peer string) int {
			p, err := h.msgs.History(ctx, message.HistoryRequest{SDKAppID: h.app, User: user, Peer: peer})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Messages)
		}
		if hist("bob", "alice") != 0 || hist("alice", "bob") != 2 {
			t.Errorf("history after ClearRamble: bob %d, alice %d", hist("bob", "alice"), hist("alice", "bob"))
		}
		// A new message brings the conversation back, history still cleared.
		h.send(t, "alice", "bob")
		page, _ = h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "bob"})
		if len(page.Conversations) != 1 || page.Conversations[0].Unread != 1 || hist("bob", "alice") != 1 {
			t.Errorf("after a new message: %+v, history %d", page.Conversations, hist("bob", "alice"))
		}
		// Deleting without ClearRamble keeps history; deleting nothing is fine.
		if err := h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "alice", Conv: im.C2C("bob")}); err != nil {
			t.Fatal(err)
		}
		if hist("alice", "bob") != 3 {
			t.Errorf("alice's history %d after a plain delete", hist("alice", "bob"))
		}
		h.accounts(t, "carol")
		if err := h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "alice", Conv: im.C2C("carol")}); err != nil {
			t.Errorf("deleting a missing conversation: %v", err)
		}
		err := h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "alice", Conv: im.C2C("ghost")})
		wantCode(t, "unknown peer", err, im.CodeAccountNotFound)
	})
}

// TestCursorEdges: read positions and times beyond what the store holds
// are refused with the caller's value quoted; a list cursor with a huge
// StartIndex is an empty, complete page, not an overflow.
func TestCursorEdges(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		h.send(t, "alice", "bob")
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			req  conversation.ReadRequest
			raw  string
		}{
			{"UpToSeq 2^63", conversation.ReadRequest{UpToSeq: 1 << 63}, "9223372036854775808"},
			{"UpToSeq 2^64-1", conversation.ReadRequest{UpToSeq: 1<<64 - 1}, "18446744073709551615"},
			{"UpToTime beyond milliseconds", conversation.ReadRequest{UpToTime: 1 << 62}, "4611686018427387904"},
			{"UpToTime negative", conversation.ReadRequest{UpToTime: -2}, "-2"},
		} {
			tc.req.SDKAppID, tc.req.Owner, tc.req.Conv = h.app, "bob", im.C2C("alice")
			_, err := h.svc.MarkRead(ctx, tc.req)
			wantCode(t, tc.name, err, im.CodeInvalidParameter)
			if !strings.Contains(err.Error(), tc.raw) {
				t.Errorf("%s: error %q does not quote %s", tc.name, err, tc.raw)
			}
		}
		if convs, err := h.store.GetConversations(ctx, h.app, "bob", []im.ConvID{im.C2C("alice")}); err != nil || convs[im.C2C("alice")].ReadSeq != 0 || convs[im.C2C("alice")].Unread != 1 {
			t.Errorf("refused mark_read changed the conversation: %+v, %v", convs, err)
		}
		if _, err := h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.C2C("alice"), UpToSeq: im.MaxSeq}); err != nil {
			t.Errorf("mark read up to MaxSeq: %v", err)
		}
		page, err := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "bob",
			Cursor: conversation.Cursor{UpdatedAt: math.MaxInt64, Index: math.MaxInt}})
		if err != nil || len(page.Conversations) != 1 || !page.Complete {
			// UpdatedAt MaxInt64 lists everything before it: the one conversation.
			t.Errorf("list from a huge cursor = %+v, %v; want the conversation, complete", page, err)
		}
	})
}

// TestListPageBytes: a full page of conversations with the longest IDs
// (group ones, written into the store directly) stays under
// MaxListPageBytes when encoded.
func TestListPageBytes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "owner")
		updates := make([]store.ConversationUpdate, conversation.MaxListLimit)
		for i := range updates {
			updates[i] = store.ConversationUpdate{
				Owner: "owner", Conv: im.Group(fmt.Sprintf("%0*d", im.MaxGroupIDBytes, i)),
				LastSeq: 1, LastTime: h.now.Load(), MaxSeq: 1, Unread: 1, Newest: h.now.Load(),
			}
		}
		if err := h.store.UpdateConversations(context.Background(), h.app, updates); err != nil {
			t.Fatal(err)
		}
		page, err := h.svc.List(context.Background(), conversation.ListRequest{SDKAppID: h.app, Owner: "owner", Limit: conversation.MaxListLimit})
		if err != nil || len(page.Conversations) != conversation.MaxListLimit {
			t.Fatalf("List = %d conversations, %v", len(page.Conversations), err)
		}
		enc, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("a full page encodes to %d bytes", len(enc))
		if len(enc) > conversation.MaxListPageBytes {
			t.Errorf("a full page encodes to %d bytes, over MaxListPageBytes %d", len(enc), conversation.MaxListPageBytes)
		}
	})
}

// TestGroupConversation: a group conversation (written into the store
// directly: no service creates one yet) is listed, marked read and deleted
// through the service apart from the C2C conversation with the same ID;
// events name it by Type 2 and GroupID, and nobody gets a read receipt.
func TestGroupConversation(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.accounts(t, "alice", "bob")
		h.send(t, "alice", "bob")
		group := im.Group("alice")
		err := h.store.UpdateConversations(ctx, h.app, []store.ConversationUpdate{
			{Owner: "bob", Conv: group, LastSeq: 4, LastTime: h.now.Load() + 1000, MaxSeq: 4, Unread: 4, Newest: h.now.Load() + 1000},
		})
		if err != nil {
			t.Fatal(err)
		}
		page, err := h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "bob"})
		if err != nil || len(page.Conversations) != 2 || page.Conversations[0].Conv != group || page.Conversations[1].Conv != im.C2C("alice") {
			t.Fatalf("List = %+v, %v; want the group's, then alice's", page, err)
		}
		h.bus.take("")

		conv, err := h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: group, UpToSeq: 3, Session: "b1"})
		if err != nil || conv.Conv != group || conv.ReadSeq != 3 || conv.Unread != 1 {
			t.Errorf("MarkRead(group, 3) = %+v, %v; want ReadSeq 3, Unread 1", conv, err)
		}
		if convs, err := h.store.GetConversations(ctx, h.app, "bob", []im.ConvID{im.C2C("alice")}); err != nil ||
			convs[im.C2C("alice")].ReadSeq != 0 || convs[im.C2C("alice")].Unread != 1 {
			t.Errorf("alice's C2C conversation changed: %+v, %v", convs, err)
		}
		if ev := h.bus.take(protocol.EventReadReceipt); len(ev) != 0 {
			t.Errorf("read receipts for a group conversation: %v", ev)
		}
		conv, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: group, Session: "b1"})
		if err != nil || conv.ReadSeq != 4 || conv.Unread != 0 {
			t.Errorf("MarkRead(group, everything) = %+v, %v; want ReadSeq 4, Unread 0", conv, err)
		}
		unread := h.bus.take(protocol.EventUnreadChanged)
		if len(unread) != 1 || string(unread[0].ev.Data) != `{"TotalUnread":1,"Type":2,"GroupID":"alice","Unread":0,"ReadSeq":4}` {
			t.Errorf("unread_changed events %v", unread)
		}

		_, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: group, UpToTime: 1})
		wantCode(t, "a read time for a group", err, im.CodeInvalidParameter)
		_, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.Group("")})
		wantCode(t, "an empty GroupId", err, im.CodeInvalidParameter)
		_, err = h.svc.MarkRead(ctx, conversation.ReadRequest{SDKAppID: h.app, Owner: "bob", Conv: im.ConvID{Kind: 7, ID: "x"}})
		wantCode(t, "an unknown kind", err, im.CodeInvalidParameter)
		err = h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "ghost", Conv: group})
		wantCode(t, "a group conversation of a missing owner", err, im.CodeAccountNotFound)

		if err := h.svc.Delete(ctx, conversation.DeleteRequest{SDKAppID: h.app, Owner: "bob", Conv: group, Session: "b1"}); err != nil {
			t.Fatalf("Delete(group): %v", err)
		}
		if ev := h.bus.take(protocol.EventConversationDeleted); len(ev) != 1 || string(ev[0].ev.Data) != `{"Type":2,"GroupID":"alice"}` {
			t.Errorf("conversation_deleted events %v", ev)
		}
		page, err = h.svc.List(ctx, conversation.ListRequest{SDKAppID: h.app, Owner: "bob"})
		if err != nil || len(page.Conversations) != 1 || page.Conversations[0].Conv != im.C2C("alice") {
			t.Errorf("List after deleting the group's = %+v, %v; want alice's only", page, err)
		}
	})
}
