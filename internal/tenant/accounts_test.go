package tenant_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/internal/usersig"
)

// recordingAccounts is the account service as the tenant package sees it:
// it records which admins it was asked to import and answers sign-in
// checks from a fixed table.
type recordingAccounts struct {
	mu      sync.Mutex
	ensured [][]string
	checks  map[string]error // by UserID; absent: the sign-in may proceed
}

func (r *recordingAccounts) EnsureAccounts(_ context.Context, _ uint64, userIDs []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ensured = append(r.ensured, slices.Clone(userIDs))
	return nil
}

func (r *recordingAccounts) CheckSignIn(_ context.Context, _ uint64, userID string, _ int64) error {
	return r.checks[userID]
}

// TestAdminsAreImportedThroughAccounts: creating an app and changing its
// admins import them through the account service, not the store.
func TestAdminsAreImportedThroughAccounts(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		accounts := &recordingAccounts{}
		s := tenant.New(tenant.Config{Store: st, Accounts: accounts})
		app, err := s.Create(ctx, 0, testKey, []string{"boss"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateSettings(ctx, app.SDKAppID, []byte(`{"Admins":["boss","ops"]}`)); err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"boss"}, {"boss", "ops"}}
		if !slices.EqualFunc(accounts.ensured, want, slices.Equal) {
			t.Errorf("admins imported %q, want %q", accounts.ensured, want)
		}
	})
}

// TestAuthenticateAsksAccountsAboutRevocation: a valid UserSig is refused
// with the account service's answer, and a failure of that check is an
// internal error, never a sign-in.
func TestAuthenticateAsksAccountsAboutRevocation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		boom := errors.New("store down")
		accounts := &recordingAccounts{checks: map[string]error{
			"kicked": im.Errorf(im.CodeSigRevoked, "revoked"),
			"broken": boom,
		}}
		s := tenant.New(tenant.Config{Store: st, Accounts: accounts})
		app, err := s.Create(ctx, 0, testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			user string
			code int
			err  error
		}{
			{user: "fine"},
			{user: "kicked", code: im.CodeSigRevoked},
			{user: "broken", err: boom},
		} {
			sig, err := usersig.Gen(app.SDKAppID, testKey, c.user, 3600, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Authenticate(ctx, app.SDKAppID, c.user, sig)
			code, _ := im.CodeOf(err)
			switch {
			case c.err != nil && !errors.Is(err, c.err):
				t.Errorf("%s: Authenticate = %v, want it to wrap %v", c.user, err, c.err)
			case c.err == nil && code != c.code:
				t.Errorf("%s: Authenticate = %v, want code %d", c.user, err, c.code)
			case c.code == 0 && c.err == nil && err != nil:
				t.Errorf("%s: Authenticate = %v, want success", c.user, err)
			}
		}
	})
}
