package message

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
)

// calls records, in order, what the pipeline asked of the fake target and
// the hooks: each name is the step that asked.
type calls struct {
	mu  sync.Mutex
	got []string
}

func (c *calls) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, name)
}

func (c *calls) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.got
	c.got = nil
	return out
}

// fakeTarget is a conversation kind that stores nothing: it records the
// pipeline's questions and answers them as scripted.
type fakeTarget struct {
	log *calls
	// rejectAuthorize, duplicateAtDedup, duplicateAtStore script outcomes.
	rejectAuthorize  error
	duplicateAtDedup bool
	duplicateAtStore bool
	// races is how many revision updates lose a race before one wins.
	races int
}

func (f *fakeTarget) validate(context.Context, *pass) error {
	f.log.add("validate")
	return nil
}

func (f *fakeTarget) authorize(context.Context, *pass) error {
	f.log.add("authorize")
	return f.rejectAuthorize
}

func (f *fakeTarget) recent(_ context.Context, _ *pass, o *outgoing) (Message, bool, error) {
	f.log.add("dedup")
	if f.duplicateAtDedup {
		first := o.msg
		first.Seq = 1
		return first, true, nil
	}
	return Message{}, false, nil
}

func (f *fakeTarget) append(_ context.Context, p *pass) error {
	f.log.add("store")
	for i := range p.out {
		if o := &p.out[i]; o.live() {
			o.msg.Seq, o.duplicate = uint64(i+1), f.duplicateAtStore
		}
	}
	return nil
}

func (f *fakeTarget) recipients(_ *pass, o *outgoing) []recipient {
	return []recipient{{user: o.msg.To}}
}

func (f *fakeTarget) find(_ context.Context, r *revision) (Message, uint64, error) {
	f.log.add("find")
	return Message{From: r.from, To: r.conv.ID, Seq: 1, Body: hi}, 1, nil
}

func (f *fakeTarget) update(context.Context, uint64, *Message, uint64) error {
	f.log.add("update")
	if f.races > 0 {
		f.races--
		return errChanged
	}
	return nil
}

func (f *fakeTarget) watchers(m *Message, _ string) []recipient {
	return []recipient{{user: m.From}, {user: m.To}}
}

// fakeHooks records every hook call and plays scripted verdicts.
type fakeHooks struct {
	log         *calls
	beforeSend  Verdict
	admit       Verdict
	admitReject error
}

func (h *fakeHooks) BeforeSend(context.Context, uint64, im.ConvID, *Message) (Verdict, error) {
	h.log.add("before-send")
	return h.beforeSend, nil
}

func (h *fakeHooks) Admit(context.Context, uint64, im.ConvID, im.MsgPriority) (Verdict, error) {
	h.log.add("admit")
	return h.admit, h.admitReject
}

func (h *fakeHooks) Push(context.Context, uint64, im.ConvID, Message) { h.log.add("push") }

func (h *fakeHooks) AfterSend(context.Context, uint64, im.ConvID, Message) { h.log.add("after-send") }

// deliveries records each publish as the deliver step.
type deliveries struct{ log *calls }

func (d deliveries) PublishUser(context.Context, uint64, string, bus.Event) error {
	d.log.add("deliver")
	return nil
}

func (deliveries) SubscribeUser(uint64, string, bus.Handler) (bus.Subscription, error) {
	return nil, errors.New("no subscriptions")
}

func (deliveries) Close() error { return nil }

// untouchedStore panics on any call: with the fake target, the pipeline
// itself must never reach the store.
type untouchedStore struct{ Store }

// untouchedAccounts panics on any call, like untouchedStore.
type untouchedAccounts struct{ Accounts }

// newFakeService returns a service whose C2C target is fake and whose every
// hook is configured and recorded in log.
func newFakeService(log *calls, target *fakeTarget, hooks *fakeHooks) *Service {
	s := New(Config{
		Store: untouchedStore{}, Accounts: untouchedAccounts{}, Bus: deliveries{log}, BeforeSend: hooks, Admission: hooks, Pusher: hooks, AfterSend: hooks,
	})
	s.targets[im.ConvC2C] = target
	return s
}

var (
	hi         = im.MsgBody{im.NewElement(im.TextElem{Text: "hi"})}
	stored     = im.SendOptions{MsgRandom: 1, MsgLifeTime: im.MaxMsgLifeTime}
	onlineOnly = im.SendOptions{MsgRandom: 1, MsgLifeTime: im.MaxMsgLifeTime, OnlineOnly: true}
)

// entryPoint calls one of the service's entry points, with turn as its
// Turn where it has one.
type entryPoint func(s *Service, turn func()) error

func userSend(o im.SendOptions) entryPoint {
	return func(s *Service, turn func()) error {
		_, err := s.SendC2C(context.Background(), SendRequest{SDKAppID: 1, From: "alice", To: "bob", Body: hi, Options: o, Turn: turn})
		return err
	}
}

func adminSend(s *Service, turn func()) error {
	_, err := s.SendC2C(context.Background(), SendRequest{SDKAppID: 1, From: "alice", To: "bob", Body: hi, Options: stored, ByAdmin: true, Turn: turn})
	return err
}

func batchSend(s *Service, _ func()) error {
	_, err := s.BatchSendC2C(context.Background(), BatchRequest{SDKAppID: 1, From: "alice", To: []string{"bob"}, Body: hi, Options: stored})
	return err
}

func importMode(mode ImportMode) entryPoint {
	return func(s *Service, _ func()) error {
		_, err := s.ImportC2C(context.Background(), ImportRequest{SDKAppID: 1, From: "alice", To: "bob", Body: hi, Random: 1, TimeStamp: 1_700_000_000, Mode: mode})
		return err
	}
}

// TestEntryPointsRunTheirDeclaredSteps drives a fake target, with every
// hook configured, through each entry point: each runs exactly its route's
// steps, in pipeline order, and a user's send takes its turn after the
// store step and before delivery.
func TestEntryPointsRunTheirDeclaredSteps(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		route *route
		call  entryPoint
		want  string
	}{
		{"user send", &routeUserSend, userSend(stored),
			"validate authorize dedup before-send admit store turn deliver push after-send"},
		{"admin send", &routeAdminSend, adminSend,
			"validate dedup before-send admit store turn deliver push after-send"},
		{"batch send", &routeBatchSend, batchSend,
			"validate admit store deliver push"},
		{"import history (2)", &routeImportHistory, importMode(ImportHistory),
			"validate store"},
		{"import real-time (1)", &routeImportRealtime, importMode(ImportRealtime),
			"validate store deliver"},
		{"import real-time with push (5)", &routeImportRealtimePush, importMode(ImportRealtimePush),
			"validate store deliver push"},
	}
	tested := map[*route]bool{}
	for _, c := range cases {
		tested[c.route] = true
		log := &calls{}
		s := newFakeService(log, &fakeTarget{log: log}, &fakeHooks{log: log})
		var traced []string
		turn := func() { log.add("turn") }
		if err := c.call(s, turn); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := strings.Join(log.take(), " ")
		if got != c.want {
			t.Errorf("%s ran\n  %s\nwant\n  %s", c.name, got, c.want)
		}
		// What ran is what the route declares: nothing more, nothing less.
		for _, st := range c.route.steps {
			traced = append(traced, st.String())
		}
		if ran := strings.ReplaceAll(got, " turn", ""); ran != strings.Join(traced, " ") {
			t.Errorf("%s ran %q, its route declares %q", c.name, ran, traced)
		}
	}
	for _, r := range routes {
		if !tested[r] {
			t.Errorf("route %q has no case", r.name)
		}
	}
}

// TestRoutesAreInPipelineOrder: every route lists its steps once each, in
// pipeline order, and validates and stores.
func TestRoutesAreInPipelineOrder(t *testing.T) {
	t.Parallel()
	for _, r := range routes {
		if !slices.IsSorted(r.steps) || len(slices.Compact(slices.Clone(r.steps))) != len(r.steps) {
			t.Errorf("route %q: steps %v out of order or repeated", r.name, r.steps)
		}
		if !slices.Contains(r.steps, stepValidate) || !slices.Contains(r.steps, stepStore) {
			t.Errorf("route %q: steps %v lack validate or store", r.name, r.steps)
		}
	}
}

// TestPipelineStopsWhereTheOutcomeIsDecided: a user's send ends at the
// step that decides its outcome, and runs no step after it; Turn is taken
// only once something may be delivered.
func TestPipelineStopsWhereTheOutcomeIsDecided(t *testing.T) {
	t.Parallel()
	denied := im.Errorf(im.CodeC2CBlocked, "blocked")
	shed := im.Errorf(im.CodeMsgFormat, "over budget")
	cases := []struct {
		name   string
		target fakeTarget
		hooks  fakeHooks
		opts   im.SendOptions
		want   string
		err    error
	}{
		{"denied", fakeTarget{rejectAuthorize: denied}, fakeHooks{}, stored, "validate authorize", denied},
		{"duplicate found before the webhook", fakeTarget{duplicateAtDedup: true}, fakeHooks{}, stored, "validate authorize dedup", nil},
		{"dropped by the webhook", fakeTarget{}, fakeHooks{beforeSend: Drop}, stored, "validate authorize dedup before-send", nil},
		{"shed by admission", fakeTarget{}, fakeHooks{admit: Drop}, stored, "validate authorize dedup before-send admit", nil},
		{"rejected by admission", fakeTarget{}, fakeHooks{admitReject: shed}, stored, "validate authorize dedup before-send admit", shed},
		{"duplicate found by the store", fakeTarget{duplicateAtStore: true}, fakeHooks{}, stored, "validate authorize dedup before-send admit store turn", nil},
		{"online-only", fakeTarget{}, fakeHooks{}, onlineOnly, "validate authorize before-send admit turn deliver after-send", nil},
	}
	for _, c := range cases {
		log := &calls{}
		c.target.log, c.hooks.log = log, log
		s := newFakeService(log, &c.target, &c.hooks)
		err := userSend(c.opts)(s, func() { log.add("turn") })
		if !errors.Is(err, c.err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		}
		if got := strings.Join(log.take(), " "); got != c.want {
			t.Errorf("%s ran\n  %s\nwant\n  %s", c.name, got, c.want)
		}
	}
}

// TestRevisionsTakeTheSameShape: recall and modify ask the target to find
// the message (validate, authorize), update it (store; read again after a
// lost race) and announce it to its watchers (deliver).
func TestRevisionsTakeTheSameShape(t *testing.T) {
	t.Parallel()
	ccd := "x"
	recall := func(s *Service) error {
		return s.Recall(context.Background(), RecallRequest{SDKAppID: 1, From: "alice", To: "bob", MsgKey: "1_0_0", ByAdmin: true})
	}
	modify := func(s *Service) error {
		_, err := s.Modify(context.Background(), ModifyRequest{SDKAppID: 1, From: "alice", To: "bob", MsgKey: "1_0_0", CloudCustomData: &ccd})
		return err
	}
	cases := []struct {
		name  string
		call  func(*Service) error
		races int
		want  string
	}{
		{"recall", recall, 0, "find update deliver deliver"},
		{"modify", modify, 0, "find update deliver deliver"},
		{"recall after a lost race", recall, 1, "find update find update deliver deliver"},
		{"modify after a lost race", modify, 1, "find update find update deliver deliver"},
	}
	for _, c := range cases {
		log := &calls{}
		s := newFakeService(log, &fakeTarget{log: log, races: c.races}, &fakeHooks{log: log})
		if err := c.call(s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(log.take(), " "); got != c.want {
			t.Errorf("%s ran\n  %s\nwant\n  %s", c.name, got, c.want)
		}
	}
}
