package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/usersig"
	"github.com/parley-im/parley/pkg/client"
)

// deleteAccount deletes one account over REST and checks its result item.
func deleteAccount(t *testing.T, s *server, user string) {
	t.Helper()
	out := mustOK(t, s.rest("im_open_login_svc/account_delete", map[string]any{"DeleteItem": []map[string]any{{"UserID": user}}}))
	items, _ := out["ResultItem"].([]any)
	if len(items) != 1 || fmt.Sprint(items[0].(map[string]any)["ResultCode"]) != "0" {
		t.Fatalf("account_delete %s: %v", user, out)
	}
}

// signIn dials with o and returns the login's error (nil: signed in; the
// client is then closed).
func signIn(o client.Options, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := client.Dial(ctx, url, o)
	if err == nil {
		_ = c.Close()
	}
	return err
}

// TestRevocationSurvivesDeleteAndReimport: a UserSig issued before a kick
// stays refused (70052) after kick -> account_delete -> account_import,
// and one issued before a deletion alone stays refused after the
// re-import too; a UserSig issued after them signs in. The login goes
// through the same Authenticate as every REST call.
func TestRevocationSurvivesDeleteAndReimport(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "carol", "dave")
		staleCarol := dialOptions(t, "carol", "iOS")
		staleDave := dialOptions(t, "dave", "iOS")
		if err := signIn(staleCarol, wsURL(s.base)); err != nil {
			t.Fatalf("sign-in before the kick: %v", err)
		}

		mustOK(t, s.rest("im_open_login_svc/kick", map[string]any{"UserID": "carol"}))
		wantCode(t, "UserSig issued before the kick, after the kick", signIn(staleCarol, wsURL(s.base)), 70052)
		deleteAccount(t, s, "carol")
		deleteAccount(t, s, "dave")
		importUsers(t, s, "carol", "dave")
		wantCode(t, "UserSig issued before the kick, after delete and re-import", signIn(staleCarol, wsURL(s.base)), 70052)
		wantCode(t, "UserSig issued before the delete, after re-import", signIn(staleDave, wsURL(s.base)), 70052)

		// A UserSig carries seconds: one stamped a later second is newer
		// than every revocation above.
		for _, user := range []string{"carol", "dave"} {
			fresh := dialOptions(t, user, "iOS")
			var err error
			if fresh.UserSig, err = usersig.Gen(testAppID, testKey, user, 600, time.Now().Add(2*time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := signIn(fresh, wsURL(s.base)); err != nil {
				t.Errorf("%s: UserSig issued after the re-import: %v", user, err)
			}
		}
	})
}

// TestDeleteClosesSessions: deleting an account closes each of its open
// sessions with kicked {Reason: account_deleted} and status 4007; the
// client stops, its commands are no longer served, its UserSig cannot sign
// in again, and other users' sessions are untouched.
func TestDeleteClosesSessions(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		phone, browser := dial(t, s.base, "alice", "iOS"), dial(t, s.base, "alice", "Web")
		inboxes := []*inbox{watch(phone), watch(browser)}
		bob := dial(t, s.base, "bob", "Web")
		send(t, phone, "bob", "before the delete")
		if _, err := phone.History(context.Background(), "bob", client.HistoryOptions{}); err != nil {
			t.Fatalf("history before the delete: %v", err)
		}
		stale := dialOptions(t, "alice", "iOS")

		deleteAccount(t, s, "alice")
		for i, c := range []*client.Client{phone, browser} {
			evs := inboxes[i].wait(t, "kicked", func(evs []client.Event) bool { return len(decoded[*client.Kicked](t, evs)) > 0 })
			if k := decoded[*client.Kicked](t, evs)[0]; k.Reason != "account_deleted" {
				t.Errorf("session %d: kicked %+v, want Reason account_deleted", i, k)
			}
			select {
			case <-c.Done():
			case <-time.After(waitLimit):
				t.Fatalf("session %d still open after the delete", i)
			}
			var d *client.DisconnectError
			if !errors.As(c.Err(), &d) || d.Code != 4007 || d.Reason != "account_deleted" {
				t.Errorf("session %d ended with %v, want close 4007 account_deleted", i, c.Err())
			}
			if _, err := c.History(context.Background(), "bob", client.HistoryOptions{}); err == nil {
				t.Errorf("session %d: history still served after the delete", i)
			}
		}
		wantCode(t, "login with a UserSig issued before the delete", signIn(stale, wsURL(s.base)), 70052)
		if err := bob.Call(context.Background(), "ping", nil, nil); err != nil {
			t.Errorf("bob's session was affected: %v", err)
		}
	})
}
