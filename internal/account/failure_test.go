package account_test

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// TestStoreFailureIsInternal checks that a failing store surfaces as a
// wrapped internal error, never as a reference code the caller would
// blame itself for.
func TestStoreFailureIsInternal(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "u")
		if err := h.store.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		nick := []account.ProfileItem{{Tag: account.TagNick, Value: []byte(`"n"`)}}
		calls := map[string]func() error{
			"ImportAccount": func() error { return h.svc.ImportAccount(ctx, app, account.NewAccount{UserID: "v"}) },
			"ImportAccounts": func() error {
				_, err := h.svc.ImportAccounts(ctx, app, []account.NewAccount{{UserID: "v"}})
				return err
			},
			"DeleteAccounts": func() error { _, err := h.svc.DeleteAccounts(ctx, app, []string{"u"}); return err },
			"CheckAccounts":  func() error { _, err := h.svc.CheckAccounts(ctx, app, []string{"u"}); return err },
			"Kick":           func() error { return h.svc.Kick(ctx, app, "u") },
			"SetPortrait":    func() error { return h.svc.SetPortrait(ctx, app, "u", nick) },
			"GetPortrait": func() error {
				_, _, err := h.svc.GetPortrait(ctx, app, []string{"u"}, []string{account.TagNick})
				return err
			},
		}
		for name, call := range calls {
			err := call()
			if !errors.Is(err, store.ErrClosed) {
				t.Errorf("%s: error = %v, want it to wrap store.ErrClosed", name, err)
			}
			if code, ok := im.CodeOf(err); ok {
				t.Errorf("%s: internal failure carries reference code %d", name, code)
			}
		}
	})
}

func TestNewWithoutSettings(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t, "Test")
		h.importUsers(t, app, "u")
		svc := account.New(account.Config{Store: h.store})
		err := svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: "Tag_Profile_Custom_Test", Value: []byte(`"x"`)}})
		wantCode(t, err, im.CodeProfileTagNotFound)
		wantCode(t, svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: account.TagNick, Value: []byte(`"x"`)}}), 0)
		wantCode(t, svc.Kick(ctx, app, "u"), 0)
		if h.revokedAt(t, app, "u") == 0 {
			t.Error("kick with the default clock recorded no revocation")
		}
		if _, err := svc.DeleteAccounts(ctx, app, []string{"u"}); err != nil {
			t.Errorf("DeleteAccounts without Sessions: %v", err)
		}
	})
}
