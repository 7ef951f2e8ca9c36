package friend

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
)

// harness is a friend service over a real store, with fake accounts (their
// AllowType and AdminForbidType set by the test) and a fake C2C policy.
type harness struct {
	store    *sqlstore.Store
	svc      *Service
	accounts *fakeAccounts
	policy   *fakePolicy
	bus      *recordingBus
	app      uint64
}

// eachBackend runs test on every backend with a harness of its own.
func eachBackend(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
		if err != nil {
			t.Fatalf("open %s store: %v", b, err)
		}
		t.Cleanup(func() { _ = st.Close() })
		h := &harness{store: st, accounts: &fakeAccounts{st: st, profiles: map[string]map[string]string{}}, policy: &fakePolicy{}, bus: &recordingBus{}}
		h.svc = New(Config{Store: st, Accounts: h.accounts, Settings: h.policy, Bus: h.bus,
			Clock: func() time.Time { return time.Unix(1_700_000_000, 0) }})
		h.app = 1_400_000_000 + rand.Uint64N(1_000_000_000)
		if err := st.CreateApp(t.Context(), store.App{SDKAppID: h.app, SecretKey: "k", Config: []byte("{}"), CreatedAt: time.Now()}); err != nil {
			t.Fatalf("create app: %v", err)
		}
		test(t, h)
	})
}

// users imports accounts.
func (h *harness) users(t *testing.T, ids ...string) {
	t.Helper()
	accts := make([]store.NewAccount, len(ids))
	for i, id := range ids {
		accts[i] = store.NewAccount{UserID: id}
	}
	if _, err := h.store.ImportAccounts(t.Context(), h.app, accts); err != nil {
		t.Fatalf("import: %v", err)
	}
}

// fakeAccounts answers Exists from the store and profile values from the
// test's map (a tag never set answers its initial value).
type fakeAccounts struct {
	st       *sqlstore.Store
	mu       sync.Mutex
	profiles map[string]map[string]string
}

func (f *fakeAccounts) set(user, tag, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.profiles[user] == nil {
		f.profiles[user] = map[string]string{}
	}
	f.profiles[user][tag] = value
}

func (f *fakeAccounts) Exists(ctx context.Context, app uint64, ids []string) (map[string]bool, error) {
	got, err := f.st.GetAccounts(ctx, app, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		_, out[id] = got[id]
	}
	return out, nil
}

var initial = map[string]string{TagAllowType: AllowConfirm, TagAdminForbidType: "AdminForbid_Type_None"}

func (f *fakeAccounts) ProfileValues(ctx context.Context, app uint64, ids, tags []string) (map[string]map[string]json.RawMessage, error) {
	exists, err := f.Exists(ctx, app, ids)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]map[string]json.RawMessage{}
	for _, id := range ids {
		if !exists[id] {
			continue
		}
		out[id] = map[string]json.RawMessage{}
		for _, tag := range tags {
			v, ok := f.profiles[id][tag]
			if !ok {
				v = initial[tag]
			}
			out[id][tag] = mustJSON(v)
		}
	}
	return out, nil
}

// fakePolicy is the app's C2C policy and declared custom friend keys
// (none until a test declares some).
type fakePolicy struct {
	friendsOnly atomic.Bool
	mu          sync.Mutex
	customKeys  []string
}

func (p *fakePolicy) FriendsOnlyC2C(context.Context, uint64) (bool, error) {
	return p.friendsOnly.Load(), nil
}

func (p *fakePolicy) CustomFriendTags(context.Context, uint64) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.customKeys, nil
}

// declare sets the app's declared custom friend keys.
func (p *fakePolicy) declare(keys ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.customKeys = keys
}

// codes returns the Code of each result.
func codes(rs []ItemResult) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// mustCode fails unless err carries code.
func mustCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	got, ok := im.CodeOf(err)
	if !ok || got != code {
		t.Errorf("%s: error %v, want code %d", what, err, code)
	}
}

// relation reads a's relation with b.
func (h *harness) relation(t *testing.T, a, b string) store.Relation {
	t.Helper()
	rels, err := h.store.FriendRelations(t.Context(), h.app, a, []string{b})
	if err != nil {
		t.Fatal(err)
	}
	return rels[b]
}

func name(parts ...any) string { return fmt.Sprint(parts...) }
