package tenant

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// countingApps is a store with no apps that counts GetApp calls.
type countingApps struct {
	Store // nil: only GetApp is called
	gets  int
}

// untouchedAccounts panics on any call: looking apps up asks nothing of
// accounts.
type untouchedAccounts struct{ Accounts }

func (c *countingApps) GetApp(context.Context, uint64) (store.App, error) {
	c.gets++
	return store.App{}, store.ErrNotFound
}

func TestUnknownAppIsRememberedBriefly(t *testing.T) {
	t.Parallel()
	st := &countingApps{}
	now := time.Unix(1700000000, 0)
	s := New(Config{Store: st, Accounts: untouchedAccounts{}, Clock: func() time.Time { return now }})
	ctx := context.Background()
	for range 100 {
		_, err := s.Get(ctx, 42)
		if e := (*im.Error)(nil); !errors.As(err, &e) || e.Code != im.CodeAppNotFound {
			t.Fatalf("Get(unknown) = %v, want 70020", err)
		}
	}
	if st.gets != 1 {
		t.Fatalf("100 lookups of an unknown SDKAppID read the store %d times, want 1", st.gets)
	}
	now = now.Add(settingsTTL)
	if _, err := s.Get(ctx, 42); err == nil || st.gets != 2 {
		t.Fatalf("after the TTL: err %v, %d store reads; want 70020 from a second read", err, st.gets)
	}
}

func TestMissingAppCacheIsBounded(t *testing.T) {
	t.Parallel()
	st := &countingApps{}
	s := New(Config{Store: st, Accounts: untouchedAccounts{}})
	for id := range uint64(3 * maxMissingApps) {
		_, _ = s.Get(context.Background(), id+1)
	}
	if n := len(s.missing); n > maxMissingApps {
		t.Fatalf("%d missing SDKAppIDs remembered, want at most %d", n, maxMissingApps)
	}
}
