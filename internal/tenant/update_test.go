package tenant_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/tenant"
)

const testKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"

// eachStore runs test on every backend (storetest.EachBackend), each with
// its own store.
func eachStore(t *testing.T, test func(t *testing.T, st *sqlstore.Store)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
		if err != nil {
			t.Fatalf("open %s store: %v", b, err)
		}
		t.Cleanup(func() { _ = st.Close() })
		test(t, st)
	})
}

// newTenants returns a tenant service over st, as one node has it.
func newTenants(st *sqlstore.Store) *tenant.Service {
	return tenant.New(tenant.Config{Store: st, Accounts: account.New(account.Config{Store: st})})
}

// interleaving is a store whose first settings write first lets another
// update run to completion, so that the write it then makes is at a
// revision that is no longer current.
type interleaving struct {
	*sqlstore.Store
	once    sync.Once
	between func()
}

func (s *interleaving) SetAppConfig(ctx context.Context, sdkAppID uint64, config []byte, revision int64) (int64, error) {
	s.once.Do(s.between)
	return s.Store.SetAppConfig(ctx, sdkAppID, config, revision)
}

// TestUpdateSettingsRetriesOnConflict: an update whose write finds that
// another update (here from a second node's service) came in between
// applies its patch again, so both changes are kept.
func TestUpdateSettingsRetriesOnConflict(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		other := newTenants(st)
		app, err := other.Create(ctx, 0, testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		slow := &interleaving{Store: st, between: func() {
			if _, err := other.UpdateSettings(ctx, app.SDKAppID, []byte(`{"RecallWindowSeconds":300}`)); err != nil {
				t.Errorf("the update in between: %v", err)
			}
		}}
		got, err := tenant.New(tenant.Config{Store: slow, Accounts: account.New(account.Config{Store: st})}).UpdateSettings(ctx, app.SDKAppID, []byte(`{"RestRateLimit":50}`))
		if err != nil {
			t.Fatal(err)
		}
		if got.RestRateLimit != 50 || got.RecallWindowSeconds != 300 {
			t.Errorf("answer: RestRateLimit %d, RecallWindowSeconds %d; want 50 and 300", got.RestRateLimit, got.RecallWindowSeconds)
		}
		stored, err := newTenants(st).Settings(ctx, app.SDKAppID)
		if err != nil || stored.RestRateLimit != 50 || stored.RecallWindowSeconds != 300 {
			t.Errorf("stored: RestRateLimit %d, RecallWindowSeconds %d (%v); want 50 and 300", stored.RestRateLimit, stored.RecallWindowSeconds, err)
		}
	})
}

// TestConcurrentUpdatesOfDifferentFieldsAllApply: updates of different
// fields racing through two services on one store (two nodes) all take
// effect, round after round.
func TestConcurrentUpdatesOfDifferentFieldsAllApply(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		nodes := []*tenant.Service{newTenants(st), newTenants(st)}
		app, err := nodes[0].Create(ctx, 0, testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		const rounds = 10
		for round := range rounds {
			patches := []string{
				fmt.Sprintf(`{"RestRateLimit":%d}`, 100+round),
				fmt.Sprintf(`{"HistoryRetentionDays":%d}`, 10+round),
				fmt.Sprintf(`{"RecallWindowSeconds":%d}`, 200+round),
				fmt.Sprintf(`{"CustomProfileTags":["Tag%c"]}`, 'a'+round),
			}
			var wg sync.WaitGroup
			for i, p := range patches {
				wg.Go(func() {
					if _, err := nodes[i%2].UpdateSettings(ctx, app.SDKAppID, []byte(p)); err != nil {
						t.Errorf("round %d: %s: %v", round, p, err)
					}
				})
			}
			wg.Wait()
			got, err := newTenants(st).Settings(ctx, app.SDKAppID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RestRateLimit != 100+round || got.HistoryRetentionDays != 10+round || got.RecallWindowSeconds != 200+round ||
				len(got.CustomProfileTags) != 1 || got.CustomProfileTags[0] != fmt.Sprintf("Tag%c", 'a'+round) {
				t.Fatalf("round %d: a change was lost: %+v", round, got)
			}
		}
	})
}
