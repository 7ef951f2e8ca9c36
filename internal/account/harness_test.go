package account_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
)

// harness is an account service over a real store, with a settable clock
// and app settings.
type harness struct {
	store    *sqlstore.Store
	svc      *account.Service
	settings *fakeSettings
	sessions *fakeSessions
	presence *account.LocalPresence
	now      atomic.Int64 // Unix seconds
}

// eachBackend runs test on every backend (storetest.EachBackend), each
// with its own store and service.
func eachBackend(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		test(t, newHarness(t, b))
	})
}

func newHarness(t *testing.T, b storetest.Backend) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sqlstore.Config{URL: b.URL(t)})
	if err != nil {
		t.Fatalf("open %s store: %v", b, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{store: st, settings: &fakeSettings{keys: map[uint64][]string{}}, sessions: &fakeSessions{}, presence: account.NewLocalPresence()}
	h.now.Store(1_700_000_000)
	h.svc = account.New(account.Config{
		Store:    st,
		Settings: h.settings,
		Sessions: h.sessions,
		Presence: h.presence,
		Clock:    func() time.Time { return time.Unix(h.now.Load(), 0) },
	})
	return h
}

var appCounter atomic.Uint64

// newApp creates an app of its own for one test case, declaring the given
// custom profile keys, so parallel cases never see each other's data even
// on a shared PostgreSQL database.
func (h *harness) newApp(t *testing.T, customKeys ...string) uint64 {
	t.Helper()
	id := 1_400_000_000 + rand.Uint64N(1_000_000_000) + appCounter.Add(1)
	err := h.store.CreateApp(context.Background(), store.App{SDKAppID: id, SecretKey: "test-key", Config: []byte("{}"), CreatedAt: time.Now()})
	if err != nil {
		t.Fatalf("create app %d: %v", id, err)
	}
	h.settings.set(id, customKeys)
	return id
}

// importUsers imports accounts or fails the test.
func (h *harness) importUsers(t *testing.T, app uint64, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := h.svc.ImportAccount(context.Background(), app, account.NewAccount{UserID: id}); err != nil {
			t.Fatalf("import %q: %v", id, err)
		}
	}
}

// revokedAt reads the user's sign-in revocation from the store.
func (h *harness) revokedAt(t *testing.T, app uint64, user string) int64 {
	t.Helper()
	at, err := h.store.SignInsRevokedAt(context.Background(), app, user)
	if err != nil {
		t.Fatalf("SignInsRevokedAt(%q): %v", user, err)
	}
	return at
}

// setProfile sets one tag to a raw JSON value or fails the test.
func (h *harness) setProfile(t *testing.T, app uint64, user, tag, value string) {
	t.Helper()
	items := []account.ProfileItem{{Tag: tag, Value: []byte(value)}}
	if err := h.svc.SetPortrait(context.Background(), app, user, items); err != nil {
		t.Fatalf("set %s of %q: %v", tag, user, err)
	}
}

// snapshot is everything stored for some accounts of an app, read directly
// from the store.
type snapshot struct {
	Accounts map[string]store.Account
	Profiles map[string][]store.ProfileItem
}

func (h *harness) snapshot(t *testing.T, app uint64, users ...string) snapshot {
	t.Helper()
	// Only valid UserIDs can be stored; the service never asks the store
	// about others (PostgreSQL refuses invalid UTF-8 outright).
	users = slices.DeleteFunc(slices.Clone(users), func(id string) bool { return im.CheckUserID(id) != nil })
	if len(users) == 0 {
		return snapshot{}
	}
	ctx := context.Background()
	accounts, err := h.store.GetAccounts(ctx, app, users)
	if err != nil {
		t.Fatalf("get accounts: %v", err)
	}
	profiles, err := h.store.GetProfiles(ctx, app, users, nil)
	if err != nil {
		t.Fatalf("get profiles: %v", err)
	}
	for id, a := range accounts {
		a.CreatedAt = a.CreatedAt.UTC()
		accounts[id] = a
	}
	return snapshot{Accounts: accounts, Profiles: profiles}
}

// assertUnchanged fails when the stored data differs from before.
func (h *harness) assertUnchanged(t *testing.T, app uint64, before snapshot, users ...string) {
	t.Helper()
	if after := h.snapshot(t, app, users...); !reflect.DeepEqual(before, after) {
		t.Errorf("stored data changed by a rejected request:\nbefore %+v\nafter  %+v", before, after)
	}
}

// wantCode fails unless err carries the reference code want (0: no error).
func wantCode(t *testing.T, err error, want int) {
	t.Helper()
	if want == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *im.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *im.Error with code %d", err, want)
	}
	if e.Code != want {
		t.Fatalf("code = %d (%s), want %d", e.Code, e.Info, want)
	}
	if e.Info == "" {
		t.Errorf("code %d without Info", e.Code)
	}
}

// fakeSettings declares custom profile keys per app.
type fakeSettings struct {
	mu   sync.Mutex
	keys map[uint64][]string
	fail error
}

func (f *fakeSettings) set(app uint64, keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[app] = keys
}

func (f *fakeSettings) CustomProfileTags(_ context.Context, app uint64) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return f.keys[app], nil
}

// ids returns n distinct UserIDs with a prefix.
func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return out
}
