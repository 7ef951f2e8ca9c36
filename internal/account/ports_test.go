package account_test

import (
	"context"
	"maps"
	"testing"

	"github.com/parley-im/parley/internal/im"
)

// TestExists: the question other domains ask (message, conversation)
// answers true for accounts only, never for a missing or malformed UserID.
func TestExists(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "a", "b")
		got, err := h.svc.Exists(ctx, app, []string{"a", "ghost", "b", "a"})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]bool{"a": true, "b": true}; !maps.Equal(got, want) {
			t.Errorf("Exists = %v, want %v", got, want)
		}
		if got, err := h.svc.Exists(ctx, app, nil); err != nil || len(got) != 0 {
			t.Errorf("Exists(nil) = %v, %v; want an empty map", got, err)
		}
		if got, err := h.svc.Exists(ctx, h.newApp(t), []string{"a"}); err != nil || got["a"] {
			t.Errorf("another app's Exists(a) = %v, %v; want false", got, err)
		}
	})
}

// TestEnsureAccounts: admin bootstrap imports the missing accounts, keeps
// an existing account's profile, and imports nothing when one UserID is
// invalid.
func TestEnsureAccounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "admin")
		h.setProfile(t, app, "admin", "Tag_Profile_IM_Nick", `"Boss"`)

		wantCode(t, h.svc.EnsureAccounts(ctx, app, []string{"admin", "ops", "ops"}), 0)
		assertImported(t, h, app, "admin", "ops")
		if got := portraitValues(t, h, app, "admin", "Tag_Profile_IM_Nick"); got[0] != `"Boss"` {
			t.Errorf("existing admin's nick = %s, want it kept", got[0])
		}

		wantCode(t, h.svc.EnsureAccounts(ctx, app, []string{"late", ""}), im.CodeInvalidParameter)
		if got, _ := h.svc.Exists(ctx, app, []string{"late"}); got["late"] {
			t.Error("an invalid UserID in the list still imported the valid one")
		}
	})
}

// TestCheckSignIn: the one place a revocation is applied refuses a UserSig
// issued at or before the kick (same second included), accepts a later
// one, and keeps refusing after the account is deleted.
func TestCheckSignIn(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "k")
		const kickedAt = 1_700_000_100
		wantCode(t, h.svc.CheckSignIn(ctx, app, "k", kickedAt-1), 0)
		h.now.Store(kickedAt)
		wantCode(t, h.svc.Kick(ctx, app, "k"), 0)
		for _, c := range []struct {
			issuedAt int64
			code     int
		}{
			{kickedAt - 1, im.CodeSigRevoked},
			{kickedAt, im.CodeSigRevoked},
			{kickedAt + 1, 0},
		} {
			wantCode(t, h.svc.CheckSignIn(ctx, app, "k", c.issuedAt), c.code)
		}
		if _, err := h.svc.DeleteAccounts(ctx, app, []string{"k"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, h.svc.CheckSignIn(ctx, app, "k", kickedAt), im.CodeSigRevoked)
		wantCode(t, h.svc.CheckSignIn(ctx, app, "never-kicked", 1), 0)
	})
}
