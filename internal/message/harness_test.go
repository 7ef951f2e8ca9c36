package message_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
)

// eachBackend runs test on every backend (storetest.EachBackend), each
// with its own store and service.
func eachBackend(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		test(t, newHarness(t, b, nil))
	})
}

// oneBackend is the store of the tests that check the service's own logic
// (hooks, stages, page arithmetic) on one backend only: what they need of
// the store is the contract storetest checks on both, so a second run would
// test nothing new.
const oneBackend = storetest.SQLite

// published is one event the fake bus received.
type published struct {
	user string
	ev   bus.Event
}

// fakeBus records what is published; it delivers nothing.
type fakeBus struct {
	mu     sync.Mutex
	events []published
}

func (b *fakeBus) PublishUser(_ context.Context, _ uint64, user string, ev bus.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, published{user: user, ev: ev})
	return nil
}

func (b *fakeBus) SubscribeUser(uint64, string, bus.Handler) (bus.Subscription, error) {
	return nil, errors.New("fake bus: no subscriptions")
}

func (b *fakeBus) Close() error { return nil }

// take returns the events published since the last take.
func (b *fakeBus) take() []published {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.events
	b.events = nil
	return out
}

// fakeSettings are adjustable app settings.
type fakeSettings struct {
	mu        sync.Mutex
	recall    time.Duration
	retention map[uint64]time.Duration
}

func (f *fakeSettings) RecallWindow(context.Context, uint64) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.recall, nil
}

func (f *fakeSettings) Retention(_ context.Context, app uint64) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.retention[app], nil
}

func (f *fakeSettings) AppIDs(context.Context) ([]uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]uint64, 0, len(f.retention))
	for id := range f.retention {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// fakeProfiles gives every account the nick "Nick <id>".
type fakeProfiles struct{}

func (fakeProfiles) Nicks(_ context.Context, _ uint64, ids []string) (map[string]message.Profile, error) {
	out := map[string]message.Profile{}
	for _, id := range ids {
		out[id] = message.Profile{Nick: "Nick " + id, FaceURL: "https://img.example/" + id + ".png"}
	}
	return out, nil
}

// harness is a message service over a real store with a fake bus, a
// settable clock and a counter for randomness.
type harness struct {
	store    *sqlstore.Store
	svc      *message.Service
	bus      *fakeBus
	settings *fakeSettings
	now      atomic.Int64 // Unix milliseconds
	// drawn is the service's Rand: 1, 2, 3, ... so that the MsgSeqs drawn
	// for sends without one follow the sends, and admin_getroammsg lists
	// the sends of one second in the order they were made.
	drawn atomic.Uint32
	app   uint64
}

var appCounter atomic.Uint64

// newHarness opens a store and builds a service; edit, when non-nil,
// adjusts the config before New.
func newHarness(t testing.TB, b storetest.Backend, edit func(*message.Config)) *harness {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
	if err != nil {
		t.Fatalf("open %s store: %v", b, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{store: st, bus: &fakeBus{}, app: 1400000000 + appCounter.Add(1)}
	h.settings = &fakeSettings{recall: 2 * time.Minute, retention: map[uint64]time.Duration{h.app: 7 * 24 * time.Hour}}
	h.now.Store(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixMilli())
	cfg := message.Config{
		Store: st, Accounts: account.New(account.Config{Store: st}), Bus: h.bus, Settings: h.settings, Profiles: fakeProfiles{},
		Clock: func() time.Time { return time.UnixMilli(h.now.Load()) },
		Rand:  func() uint32 { return h.drawn.Add(1) },
	}
	if edit != nil {
		edit(&cfg)
	}
	h.svc = message.New(cfg)
	return h
}

func (h *harness) advance(d time.Duration) { h.now.Add(d.Milliseconds()) }

// accounts imports the users.
func (h *harness) accounts(t testing.TB, ids ...string) {
	t.Helper()
	var accs []store.NewAccount
	for _, id := range ids {
		accs = append(accs, store.NewAccount{UserID: id})
	}
	if _, err := h.store.ImportAccounts(context.Background(), h.app, accs); err != nil {
		t.Fatalf("import accounts: %v", err)
	}
}

// text returns a one-element text body.
func text(s string) im.MsgBody {
	return im.MsgBody{im.NewElement(im.TextElem{Text: s})}
}

// opts returns default send options (as a request that gave only
// MsgRandom) with the given random.
func opts(random uint32) im.SendOptions {
	return im.SendOptions{MsgRandom: random, MsgLifeTime: im.MaxMsgLifeTime}
}

// send sends a text as a user and fails the test on error.
func (h *harness) send(t testing.TB, from, to, body string, random uint32) message.SendResult {
	t.Helper()
	res, err := h.svc.SendC2C(context.Background(), message.SendRequest{
		SDKAppID: h.app, From: from, To: to, Body: text(body), Options: opts(random), Session: "sess-" + from,
	})
	if err != nil {
		t.Fatalf("send %s->%s %q: %v", from, to, body, err)
	}
	return res
}

// wantCode fails unless err carries the reference code.
func wantCode(t testing.TB, what string, err error, code int) {
	t.Helper()
	got, ok := im.CodeOf(err)
	if !ok || got != code {
		t.Fatalf("%s: error %v, want code %d", what, err, code)
	}
}

// history returns the texts of user's history with peer, newest first.
func (h *harness) history(t testing.TB, user, peer string) []message.Message {
	t.Helper()
	page, err := h.svc.History(context.Background(), message.HistoryRequest{SDKAppID: h.app, User: user, Peer: peer, Count: message.MaxHistoryCount})
	if err != nil {
		t.Fatalf("history %s/%s: %v", user, peer, err)
	}
	return page.Messages
}

// conv returns owner's conversation with peer (zero when none).
func (h *harness) conv(t testing.TB, owner, peer string) store.Conversation {
	t.Helper()
	convs, err := h.store.GetConversations(context.Background(), h.app, owner, []im.ConvID{im.C2C(peer)})
	if err != nil {
		t.Fatalf("conversation: %v", err)
	}
	return convs[im.C2C(peer)]
}

// decode parses an event payload into a generic map.
func decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("event payload %s: %v", data, err)
	}
	return m
}

// texts lists the text of each message's first element.
func texts(msgs []message.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		if len(m.Body) > 0 {
			if te, ok := m.Body[0].MsgContent.(im.TextElem); ok {
				out[i] = te.Text
			}
		}
	}
	return out
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}
