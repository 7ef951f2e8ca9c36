// Package bustest is the contract suite every bus.Bus implementation runs:
// the in-process bus in its own test, the NATS bus later. The cases assume
// nothing about how delivery happens (synchronously or through a network),
// only what the bus package promises: every subscription of a user gets the
// user's events with their fields unchanged, in publish order from one
// publisher; nothing reaches other users, other apps, or a subscription
// after its Unsubscribe; Close makes the bus return bus.ErrClosed.
//
// Negative checks ("X is not delivered") are made without sleeping: after
// publishing X the case publishes a marker that must reach the same
// subscription, waits for it, and then checks that X did not come first.
package bustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/bus"
)

// waitTimeout bounds every wait for a delivery; reaching it fails the test.
// It is a safety net against hangs, not a speed requirement.
const waitTimeout = 10 * time.Second

// Two apps, so that every case can check that apps are kept apart.
const (
	appA uint64 = 1400000001
	appB uint64 = 1400000002
)

// Run runs the contract suite. newBus returns a fresh, open bus for one
// case; Run closes it when the case ends.
func Run(t *testing.T, newBus func(t *testing.T) bus.Bus) {
	cases := []struct {
		name string
		run  func(t *testing.T, b bus.Bus)
	}{
		{"DeliversToEverySubscription", testEverySubscription},
		{"FieldsUnchanged", testFieldsUnchanged},
		{"ControlApartFromEvents", testControl},
		{"IsolatesAppsAndUsers", testIsolation},
		{"PublishWithoutSubscribers", testNoSubscribers},
		{"OrderFromOnePublisher", testOrder},
		{"Unsubscribe", testUnsubscribe},
		{"HandlerMayUseBus", testHandlerUsesBus},
		{"ConcurrentPublishSubscribe", testConcurrent},
		{"Close", testClose},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBus(t)
			t.Cleanup(func() { _ = b.Close() })
			c.run(t, b)
		})
	}
}

// delivery is one handler call as a recorder saw it.
type delivery struct {
	sdkAppID uint64
	userID   string
	ev       bus.Event
}

// recorder collects the deliveries of one subscription.
type recorder struct {
	mu     sync.Mutex
	got    []delivery
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) handle(sdkAppID uint64, userID string, ev bus.Event) {
	ev.Data = bytes.Clone(ev.Data)
	r.mu.Lock()
	r.got = append(r.got, delivery{sdkAppID, userID, ev})
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// waitFor waits until the recorder holds an event named name and returns
// everything received so far.
func (r *recorder) waitFor(t *testing.T, name string) []delivery {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		got := r.snapshot()
		for _, d := range got {
			if d.ev.Name == name {
				return got
			}
		}
		select {
		case <-r.notify:
		case <-deadline.C:
			t.Fatalf("event %q not delivered within %v; got %v", name, waitTimeout, names(got))
		}
	}
}

// waitCount waits until the recorder holds at least n events.
func (r *recorder) waitCount(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		got := r.snapshot()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline.C:
			t.Fatalf("%d events delivered within %v, want %d", len(got), waitTimeout, n)
		}
	}
}

func names(ds []delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ev.Name
	}
	return out
}

func subscribe(t *testing.T, b bus.Bus, sdkAppID uint64, userID string, h bus.Handler) bus.Subscription {
	t.Helper()
	sub, err := b.SubscribeUser(sdkAppID, userID, h)
	if err != nil {
		t.Fatalf("SubscribeUser(%d, %q): %v", sdkAppID, userID, err)
	}
	return sub
}

func publish(t *testing.T, b bus.Bus, sdkAppID uint64, userID string, ev bus.Event) {
	t.Helper()
	if err := b.PublishUser(context.Background(), sdkAppID, userID, ev); err != nil {
		t.Fatalf("PublishUser(%d, %q, %q): %v", sdkAppID, userID, ev.Name, err)
	}
}

func event(name string) bus.Event {
	return bus.Event{Name: name, Data: []byte(`{"n":"` + name + `"}`)}
}

func assertNames(t *testing.T, who string, got []delivery, want ...string) {
	t.Helper()
	if fmt.Sprint(names(got)) != fmt.Sprint(want) {
		t.Errorf("%s received %q, want %q", who, names(got), want)
	}
}

func testEverySubscription(t *testing.T, b bus.Bus) {
	first, second, other := newRecorder(), newRecorder(), newRecorder()
	subscribe(t, b, appA, "alice", first.handle)
	subscribe(t, b, appA, "alice", second.handle)
	subscribe(t, b, appA, "bob", other.handle)

	for _, name := range []string{"e1", "e2", "e3"} {
		publish(t, b, appA, "alice", event(name))
	}
	publish(t, b, appA, "bob", event("marker"))
	for who, r := range map[string]*recorder{"first": first, "second": second} {
		got := r.waitFor(t, "e3")
		assertNames(t, who, got, "e1", "e2", "e3")
		for _, d := range got {
			if d.sdkAppID != appA || d.userID != "alice" {
				t.Errorf("%s: handler called with (%d, %q), want (%d, alice)", who, d.sdkAppID, d.userID, appA)
			}
		}
	}
	assertNames(t, "bob", other.waitFor(t, "marker"), "marker")
}

func testFieldsUnchanged(t *testing.T, b bus.Bus) {
	r := newRecorder()
	subscribe(t, b, appA, "alice", r.handle)
	want := []bus.Event{
		{Name: "message", Data: []byte(`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"héllo \u2603"}}]}`), ExceptSession: "s-1"},
		{Name: "kicked", Data: []byte(`{"Reason":"x"}`), OnlySession: "s-2"},
		{Name: "both", Data: []byte(`[]`), ExceptSession: "s-3", OnlySession: "s-4"},
		{Control: "kick", Data: []byte(`{"Sessions":["s-5"]}`), ExceptSession: "s-6"},
		{Name: "empty"},
	}
	for _, ev := range want {
		publish(t, b, appA, "alice", ev)
	}
	got := r.waitFor(t, "empty")
	if len(got) != len(want) {
		t.Fatalf("received %q, want %d events", names(got), len(want))
	}
	for i, d := range got {
		w := want[i]
		if d.ev.Name != w.Name || d.ev.Control != w.Control || !bytes.Equal(d.ev.Data, w.Data) ||
			d.ev.ExceptSession != w.ExceptSession || d.ev.OnlySession != w.OnlySession {
			t.Errorf("event %d: got %+v (Data %q), want %+v (Data %q)", i, d.ev, d.ev.Data, w, w.Data)
		}
	}
}

// testControl: control orders travel in their own field, so a client event
// whose name looks like an order (the old "_kick" convention) stays a
// client event, and an order keeps its Control and never gains a Name.
func testControl(t *testing.T, b bus.Bus) {
	r := newRecorder()
	subscribe(t, b, appA, "alice", r.handle)
	publish(t, b, appA, "alice", bus.Event{Name: "_kick", Data: []byte(`{}`)})
	publish(t, b, appA, "alice", bus.Event{Control: "kick", Data: []byte(`{"Reason":"x"}`)})
	publish(t, b, appA, "alice", event("end"))
	got := r.waitFor(t, "end")
	if len(got) != 3 {
		t.Fatalf("received %q, want 3 deliveries", names(got))
	}
	if ev := got[0].ev; ev.Name != "_kick" || ev.Control != "" {
		t.Errorf("client event named _kick arrived as Name %q Control %q, want a client event", ev.Name, ev.Control)
	}
	if ev := got[1].ev; ev.Control != "kick" || ev.Name != "" || string(ev.Data) != `{"Reason":"x"}` {
		t.Errorf("control order arrived as Name %q Control %q Data %s", ev.Name, ev.Control, ev.Data)
	}
}

// trickyUsers are UserIDs that a bus mapping users to subjects or keys
// must not confuse with each other.
var trickyUsers = []string{"alice", "bob", "alice.bob", "alice.*", "alice.>", ">", "*", "a b", "用户", "alice_bob", "ALICE"}

func testIsolation(t *testing.T, b bus.Bus) {
	type target struct {
		app  uint64
		user string
	}
	recs := map[target]*recorder{}
	for _, app := range []uint64{appA, appB} {
		for _, u := range trickyUsers {
			r := newRecorder()
			subscribe(t, b, app, u, r.handle)
			recs[target{app, u}] = r
		}
	}
	name := func(tg target) string { return fmt.Sprintf("to-%d-%s", tg.app, tg.user) }
	for tg := range recs {
		publish(t, b, tg.app, tg.user, event(name(tg)))
	}
	for tg := range recs {
		publish(t, b, tg.app, tg.user, event("end"))
	}
	for tg, r := range recs {
		got := r.waitFor(t, "end")
		assertNames(t, fmt.Sprintf("(%d, %q)", tg.app, tg.user), got, name(tg), "end")
	}
}

func testNoSubscribers(t *testing.T, b bus.Bus) {
	publish(t, b, appA, "nobody", event("lost"))
	r := newRecorder()
	subscribe(t, b, appA, "nobody", r.handle)
	publish(t, b, appA, "nobody", event("found"))
	assertNames(t, "late subscriber", r.waitFor(t, "found"), "found")
}

func testOrder(t *testing.T, b bus.Bus) {
	r := newRecorder()
	subscribe(t, b, appA, "alice", r.handle)
	const n = 200
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("e%03d", i)
		publish(t, b, appA, "alice", event(want[i]))
	}
	assertNames(t, "alice", r.waitCount(t, n), want...)
}

func testUnsubscribe(t *testing.T, b bus.Bus) {
	gone, stays := newRecorder(), newRecorder()
	sub := subscribe(t, b, appA, "alice", gone.handle)
	subscribe(t, b, appA, "alice", stays.handle)
	publish(t, b, appA, "alice", event("before"))
	gone.waitFor(t, "before")

	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	publish(t, b, appA, "alice", event("after"))
	publish(t, b, appA, "alice", event("marker"))
	assertNames(t, "remaining subscription", stays.waitFor(t, "marker"), "before", "after", "marker")
	assertNames(t, "unsubscribed subscription", gone.snapshot(), "before")

	// The user can be subscribed again.
	again := newRecorder()
	subscribe(t, b, appA, "alice", again.handle)
	publish(t, b, appA, "alice", event("again"))
	assertNames(t, "new subscription", again.waitFor(t, "again"), "again")
}

func testHandlerUsesBus(t *testing.T, b bus.Bus) {
	// A handler that unsubscribes itself and publishes to another user, as
	// a gateway closing its last session of a user might.
	relayed := newRecorder()
	subscribe(t, b, appA, "bob", relayed.handle)
	var (
		once sync.Once
		sub  bus.Subscription
		mu   sync.Mutex
	)
	handler := func(_ uint64, _ string, ev bus.Event) {
		once.Do(func() {
			mu.Lock()
			s := sub
			mu.Unlock()
			if err := s.Unsubscribe(); err != nil {
				t.Errorf("Unsubscribe from a handler: %v", err)
			}
			if err := b.PublishUser(context.Background(), appA, "bob", event("relayed-"+ev.Name)); err != nil {
				t.Errorf("PublishUser from a handler: %v", err)
			}
		})
	}
	mu.Lock()
	sub = subscribe(t, b, appA, "alice", handler)
	mu.Unlock()
	publish(t, b, appA, "alice", event("ping"))
	assertNames(t, "bob", relayed.waitFor(t, "relayed-ping"), "relayed-ping")
}

func testConcurrent(t *testing.T, b bus.Bus) {
	const (
		users      = 4
		publishers = 4
		perUser    = 50
		churners   = 4
	)
	user := func(i int) string { return fmt.Sprintf("user%d", i) }
	stable := make([]*recorder, users)
	for i := range stable {
		stable[i] = newRecorder()
		subscribe(t, b, appA, user(i), stable[i].handle)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var churn sync.WaitGroup
	for c := range churners {
		churn.Go(func() { subscribeChurn(ctx, t, b, func(i int) string { return user((c + i) % users) }) })
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := range perUser {
				for u := range users {
					ev := event(fmt.Sprintf("p%d-%d", p, i))
					if err := b.PublishUser(context.Background(), appA, user(u), ev); err != nil {
						t.Errorf("PublishUser: %v", err)
						return
					}
				}
			}
		})
	}
	pubs.Wait()
	cancel()
	churn.Wait()
	for u, r := range stable {
		got := r.waitCount(t, publishers*perUser)
		if len(got) != publishers*perUser {
			t.Errorf("%s received %d events, want %d", user(u), len(got), publishers*perUser)
		}
		seen := map[string]bool{}
		for _, d := range got {
			if seen[d.ev.Name] {
				t.Errorf("%s received %q twice", user(u), d.ev.Name)
			}
			seen[d.ev.Name] = true
		}
	}
}

// subscribeChurn subscribes and unsubscribes user(i), i = 0, 1, ...,
// until ctx ends.
func subscribeChurn(ctx context.Context, t *testing.T, b bus.Bus, user func(int) string) {
	for i := 0; ctx.Err() == nil; i++ {
		sub, err := b.SubscribeUser(appA, user(i), func(uint64, string, bus.Event) {})
		if err != nil {
			t.Errorf("SubscribeUser: %v", err)
			return
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Errorf("Unsubscribe: %v", err)
			return
		}
	}
}

func testClose(t *testing.T, b bus.Bus) {
	r := newRecorder()
	sub := subscribe(t, b, appA, "alice", r.handle)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.PublishUser(context.Background(), appA, "alice", event("x")); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("PublishUser after Close: %v, want bus.ErrClosed", err)
	}
	if _, err := b.SubscribeUser(appA, "bob", r.handle); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("SubscribeUser after Close: %v, want bus.ErrClosed", err)
	}
	if err := sub.Unsubscribe(); err != nil && !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Unsubscribe after Close: %v, want nil or bus.ErrClosed", err)
	}
	if err := b.Close(); err != nil && !errors.Is(err, bus.ErrClosed) {
		t.Errorf("second Close: %v, want nil or bus.ErrClosed", err)
	}
	if got := r.snapshot(); len(got) != 0 {
		t.Errorf("closed bus delivered %q", names(got))
	}
}
