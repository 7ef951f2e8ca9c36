package gateway_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/pkg/client"
	"github.com/parley-im/parley/pkg/protocol"
)

func TestMultiLoginPolicies(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	cases := []struct {
		name string
		app  uint64
		// kicked maps the platform of an older session (signed in on iOS,
		// then on Android, then a newer iOS) to the platform whose login
		// closed it.
		kicked map[string]string
	}{
		{name: "OnePerPlatform", app: appDefault, kicked: map[string]string{"iOS": "iOS"}},
		{name: "SinglePlatform", app: appSingle, kicked: map[string]string{"iOS": "Android", "Android": "iOS"}},
		{name: "Unlimited", app: appUnlimited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			older := map[string]*client.Client{
				"iOS":     e.dial(options(t, c.app, "alice", "iOS")),
				"Android": e.dial(options(t, c.app, "alice", "Android")),
			}
			newer := e.dial(options(t, c.app, "alice", "iOS"))
			for platform, cl := range older {
				by, ok := c.kicked[platform]
				if !ok {
					continue
				}
				ev := nextEvent(t, cl)
				var data struct{ Reason, Platform string }
				_ = json.Unmarshal(ev.Data, &data)
				if ev.Name != protocol.EventKicked || data.Reason != protocol.ReasonLoginElsewhere || data.Platform != by {
					t.Errorf("older %s session got %s %s, want kicked login_elsewhere from %s", platform, ev.Name, ev.Data, by)
				}
				assertDisconnect(t, waitDone(t, cl), 4002, protocol.ReasonLoginElsewhere)
			}
			// The survivors, the new session included, still work.
			survivors := []*client.Client{newer}
			for platform, cl := range older {
				if _, ok := c.kicked[platform]; !ok {
					survivors = append(survivors, cl)
				}
			}
			for _, cl := range survivors {
				if err := cl.Call(context.Background(), "ping", nil, nil); err != nil {
					t.Errorf("surviving session: ping: %v", err)
				}
			}
			want := map[string]string{"OnePerPlatform": "Android,iOS", "SinglePlatform": "iOS", "Unlimited": "Android,iOS"}[c.name]
			if got := strings.Join(e.gw.Online(c.app, []string{"alice"})["alice"], ","); got != want {
				t.Errorf("Online = %s, want %s", got, want)
			}
		})
	}
}

func TestBusDeliveryExceptAndOnly(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	a := e.dial(options(t, appUnlimited, "alice", "iOS"))
	b := e.dial(options(t, appUnlimited, "alice", "Android"))
	c := e.dial(options(t, appUnlimited, "alice", "Web"))
	bob := e.dial(options(t, appUnlimited, "bob", "Web"))
	publish := func(ev bus.Event) {
		t.Helper()
		if err := e.bus.PublishUser(context.Background(), appUnlimited, "alice", ev); err != nil {
			t.Fatal(err)
		}
	}
	publish(bus.Event{Name: "message", Data: []byte(`{"n":1}`), ExceptSession: a.Session().SessionID})
	publish(bus.Event{Name: "message", Data: []byte(`{"n":2}`), OnlySession: b.Session().SessionID})
	publish(bus.Event{Name: "message", Data: []byte(`{"n":3}`)})
	want := map[*client.Client]string{a: `{"n":3}`, b: `{"n":1},{"n":2},{"n":3}`, c: `{"n":1},{"n":3}`}
	for cl, w := range want {
		var got []string
		for len(got) < strings.Count(w, "{") {
			ev := nextEvent(t, cl)
			if ev.Name != "message" {
				t.Fatalf("event %q, want message", ev.Name)
			}
			got = append(got, string(ev.Data))
		}
		if strings.Join(got, ",") != w {
			t.Errorf("%s received %s, want %s", cl.Session().SessionID, strings.Join(got, ","), w)
		}
	}
	// Nothing for another user, and control orders, even unknown ones,
	// never reach clients.
	if err := e.bus.PublishUser(context.Background(), appUnlimited, "bob", bus.Event{Control: "unknown", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := e.bus.PublishUser(context.Background(), appUnlimited, "bob", bus.Event{Name: "marker"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, bob); ev.Name != "marker" || string(ev.Data) != "{}" {
		t.Errorf("bob received %s %s, want only the marker with {}", ev.Name, ev.Data)
	}
}

func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{SendQueue: 8})
	e.ln.setSendBuffer(4096) // the kernel soon stops taking bytes for the client
	r := e.raw()
	r.login(appDefault, "slow", "Web")
	fast := e.dial(options(t, appDefault, "fast", "Web"))

	// The slow client reads nothing. Every publish must return without
	// waiting for it, and the session must end as a slow consumer.
	data := []byte(`{"pad":"` + strings.Repeat("x", 8<<10) + `"}`)
	for i := range 400 {
		if err := e.bus.PublishUser(context.Background(), appDefault, "slow", bus.Event{Name: "message", Data: data}); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	eventually(t, "slow consumer dropped", func() bool { return len(e.gw.Online(appDefault, []string{"slow"})) == 0 })
	// Other users are not affected.
	if err := fast.Call(context.Background(), "ping", nil, nil); err != nil {
		t.Fatalf("other session: %v", err)
	}
	// Reading now, the slow client gets what was in flight, then the reason.
	var kicked frame
	for {
		f := r.next()
		if f.Event == protocol.EventKicked {
			kicked = f
			break
		}
		if f.Event != "message" {
			t.Fatalf("got %v %s %d %s before the kicked event", f.op, f.Event, f.status, f.reason)
		}
	}
	if !strings.Contains(string(kicked.Data), `"Reason":"slow_consumer"`) {
		t.Errorf("kicked data %s, want Reason slow_consumer", kicked.Data)
	}
	r.expectClose(4005, protocol.ReasonSlowConsumer)
	assertCounter(t, e, "parley_gateway_slow_consumer_closes_total", 1)
}

// TestKicksTravelAsControl: kicks travel in the bus event's Control field,
// apart from client events: an event named like the old "_kick" control
// convention, carrying what an old kick order carried, is delivered to the
// client as an ordinary event and closes nothing, while a kick, published
// as a control order, closes the session without the client ever seeing
// the order itself.
func TestKicksTravelAsControl(t *testing.T) {
	t.Parallel()
	cb := &recordingBus{Bus: local.New()}
	t.Cleanup(func() { _ = cb.Close() })
	e := start(t, gateway.Config{Bus: cb})
	alice := e.dial(options(t, appDefault, "alice", "iOS"))
	old := bus.Event{Name: "_kick", Data: []byte(`{"Policy":"All","LoginAt":9000000000000000000,"Reason":"kicked_by_admin"}`)}
	if err := cb.PublishUser(context.Background(), appDefault, "alice", old); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, alice); ev.Name != "_kick" {
		t.Fatalf("got %s, want the _kick event delivered as a client event", ev.Name)
	}
	if err := alice.Call(context.Background(), "ping", nil, nil); err != nil {
		t.Fatalf("the _kick client event closed the session: %v", err)
	}
	if err := e.gw.Kick(context.Background(), appDefault, "alice"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, alice); ev.Name != protocol.EventKicked {
		t.Errorf("got %s %s, want kicked", ev.Name, ev.Data)
	}
	assertDisconnect(t, waitDone(t, alice), 4003, protocol.ReasonKickedByAdmin)
	var kicks []bus.Event
	for _, ev := range cb.published() {
		if ev.Control != "" {
			kicks = append(kicks, ev)
		}
	}
	if len(kicks) != 1 || kicks[0].Control != "kick" || kicks[0].Name != "" {
		t.Errorf("control orders published: %+v, want one kick with no event name", kicks)
	}
}

// recordingBus remembers every event published through it.
type recordingBus struct {
	bus.Bus
	mu  sync.Mutex
	evs []bus.Event
}

func (b *recordingBus) PublishUser(ctx context.Context, app uint64, user string, ev bus.Event) error {
	b.mu.Lock()
	b.evs = append(b.evs, ev)
	b.mu.Unlock()
	return b.Bus.PublishUser(ctx, app, user, ev)
}

func (b *recordingBus) published() []bus.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.evs)
}

// TestAdminKick: the kicks the app's backend causes (REST kick, account
// deletion) close every session of the user with their own reason and
// code, and leave other users alone.
func TestAdminKick(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		kick   func(g *gateway.Gateway, app uint64, user string) error
		reason string
		code   int
	}{
		{"kick", func(g *gateway.Gateway, app uint64, user string) error {
			return g.Kick(context.Background(), app, user)
		}, protocol.ReasonKickedByAdmin, 4003},
		{"account deleted", func(g *gateway.Gateway, app uint64, user string) error {
			return g.CloseDeleted(context.Background(), app, user)
		}, protocol.ReasonAccountDeleted, 4007},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, gateway.Config{})
			ios := e.dial(options(t, appDefault, "alice", "iOS"))
			web := e.dial(options(t, appDefault, "alice", "Web"))
			bob := e.dial(options(t, appDefault, "bob", "Web"))
			if err := tc.kick(e.gw, appDefault, "alice"); err != nil {
				t.Fatalf("kick: %v", err)
			}
			for _, cl := range []*client.Client{ios, web} {
				if ev := nextEvent(t, cl); ev.Name != protocol.EventKicked || !strings.Contains(string(ev.Data), `"Reason":"`+tc.reason+`"`) {
					t.Errorf("got %s %s, want kicked %s", ev.Name, ev.Data, tc.reason)
				}
				assertDisconnect(t, waitDone(t, cl), tc.code, tc.reason)
			}
			if err := bob.Call(context.Background(), "ping", nil, nil); err != nil {
				t.Errorf("another user was affected: %v", err)
			}
			// Signing in again afterwards works as far as the gateway is
			// concerned (the UserSig check is the authenticator's).
			e.dial(options(t, appDefault, "alice", "iOS"))
			assertCounter(t, e, "parley_gateway_kicked_total", 2)
		})
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	e := start(t, gateway.Config{})
	var clients []*client.Client
	for _, p := range []string{"iOS", "Android", "Web"} {
		clients = append(clients, e.dial(options(t, appUnlimited, "alice", p)))
	}
	r := e.raw() // not signed in yet
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, cl := range clients {
		assertDisconnect(t, waitDone(t, cl), 1001, protocol.ReasonShutdown)
	}
	r.expectClose(1001, protocol.ReasonShutdown)
	if got := e.gw.Online(appUnlimited, []string{"alice"}); len(got) != 0 {
		t.Errorf("Online after shutdown = %v", got)
	}
	_, err := client.Dial(ctx, e.url, options(t, appUnlimited, "alice", "iOS"))
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("Dial after shutdown: %v, want a 503", err)
	}
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	assertCounter(t, e, "parley_gateway_connections", 0)
}

func assertCounter(t *testing.T, e *env, name string, want float64) {
	t.Helper()
	families, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			got += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// countingBus counts the subscriptions a gateway holds.
type countingBus struct {
	bus.Bus
	mu   sync.Mutex
	subs map[string]int // user -> live subscriptions
}

func (b *countingBus) SubscribeUser(app uint64, user string, h bus.Handler) (bus.Subscription, error) {
	sub, err := b.Bus.SubscribeUser(app, user, h)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.subs[user]++
	b.mu.Unlock()
	return &countedSub{Subscription: sub, b: b, user: user}, nil
}

func (b *countingBus) live(user string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subs[user]
}

type countedSub struct {
	bus.Subscription
	b    *countingBus
	user string
	once sync.Once
}

func (s *countedSub) Unsubscribe() error {
	s.once.Do(func() {
		s.b.mu.Lock()
		s.b.subs[s.user]--
		s.b.mu.Unlock()
	})
	return s.Subscription.Unsubscribe()
}

func TestOneSubscriptionPerUser(t *testing.T) {
	t.Parallel()
	cb := &countingBus{Bus: local.New(), subs: map[string]int{}}
	t.Cleanup(func() { _ = cb.Close() })
	e := start(t, gateway.Config{Bus: cb})
	first := e.dial(options(t, appUnlimited, "alice", "iOS"))
	second := e.dial(options(t, appUnlimited, "alice", "Web"))
	if n := cb.live("alice"); n != 1 {
		t.Fatalf("%d subscriptions for two sessions of one user, want 1", n)
	}
	_ = first.Close()
	eventually(t, "first session gone", func() bool { return len(e.gw.Online(appUnlimited, []string{"alice"})["alice"]) == 1 })
	if n := cb.live("alice"); n != 1 {
		t.Fatalf("%d subscriptions with one session left, want 1", n)
	}
	if err := cb.PublishUser(context.Background(), appUnlimited, "alice", bus.Event{Name: "still"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, second); ev.Name != "still" {
		t.Errorf("remaining session got %q", ev.Name)
	}
	_ = second.Close()
	eventually(t, "unsubscribed after the last session", func() bool { return cb.live("alice") == 0 })
}
