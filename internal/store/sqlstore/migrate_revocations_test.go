package sqlstore

import (
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/internal/usersig"
)

// createSchemaAt builds a new database at url with the embedded migrations
// up to version only, as a Parley released before version+1 left it, and
// runs fill against it in the same transaction.
func createSchemaAt(t *testing.T, url string, version int, fill ...string) {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{}
	if err := old.connect(t.Context(), Config{URL: url}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer old.closePools()
	tx, err := old.write.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := schemaVersion(t.Context(), tx); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:version] {
		if err := apply(t.Context(), tx, old.dialect, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range fill {
		if _, err := tx.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestMigrationKeepsKicks: a kick recorded on the accounts row by schema
// version 3 becomes a revocation of its own, so the UserSig it revoked is
// still refused (70052) after the upgrade, and after the account is
// deleted and imported again.
func TestMigrationKeepsKicks(t *testing.T) {
	const (
		app      = 1400000777
		key      = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
		kickedAt = 1_700_000_000
	)
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		url := b.URL(t)
		createSchemaAt(t, url, 3,
			`INSERT INTO accounts (sdkappid, user_id, created_at, sigs_revoked_at)
			 VALUES (1400000777, 'kicked', 0, 1700000000), (1400000777, 'plain', 0, 0)`)

		s := openTest(t, Config{URL: url})
		ctx := t.Context()
		for id, want := range map[string]int64{"kicked": kickedAt, "plain": 0} {
			if got, err := s.SignInsRevokedAt(ctx, app, id); err != nil || got != want {
				t.Errorf("after migration SignInsRevokedAt(%q) = %d, %v; want %d", id, got, err, want)
			}
		}
		if got, err := s.GetAccounts(ctx, app, []string{"kicked", "plain"}); err != nil || len(got) != 2 {
			t.Fatalf("after migration GetAccounts = %v, %v; want both accounts", got, err)
		}

		now := time.Unix(kickedAt+100, 0)
		tenants := tenant.New(tenant.Config{Store: s, Accounts: account.New(account.Config{Store: s}), Clock: func() time.Time { return now }})
		if _, err := tenants.Create(ctx, app, key, nil); err != nil {
			t.Fatalf("create app: %v", err)
		}
		authenticate := func(issued int64) int {
			t.Helper()
			sig, err := usersig.Gen(app, key, "kicked", 86400, time.Unix(issued, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = tenants.Authenticate(ctx, app, "kicked", sig)
			code, _ := im.CodeOf(err)
			if err != nil && code == 0 {
				t.Fatalf("Authenticate: %v", err)
			}
			return code
		}
		check := func(when string) {
			t.Helper()
			if code := authenticate(kickedAt - 10); code != im.CodeSigRevoked {
				t.Errorf("%s: UserSig issued before the kick got code %d, want %d", when, code, im.CodeSigRevoked)
			}
			if code := authenticate(kickedAt + 1); code != 0 {
				t.Errorf("%s: UserSig issued after the kick got code %d, want 0", when, code)
			}
		}
		check("after migration")
		if _, err := s.DeleteAccounts(ctx, app, []string{"kicked"}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "kicked"}}); err != nil {
			t.Fatal(err)
		}
		check("after delete and re-import")
	})
}
