package account_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

// fakeSessions stands in for the gateway's kicker: who was kicked or
// closed as deleted.
type fakeSessions struct {
	mu      sync.Mutex
	kicked  []string
	deleted []string
	fail    error // returned by CloseDeleted when set
}

func key(app uint64, user string) string { return fmt.Sprintf("%d/%s", app, user) }

func (f *fakeSessions) Kick(_ context.Context, app uint64, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kicked = append(f.kicked, key(app, user))
	return nil
}

func (f *fakeSessions) CloseDeleted(_ context.Context, app uint64, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.deleted = append(f.deleted, key(app, user))
	return nil
}

func (f *fakeSessions) closedAsDeleted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deleted)
}

// signIn reports a session per platform of the user to the harness's
// presence, as the gateway would at login.
func (h *harness) signIn(t *testing.T, app uint64, user string, platforms ...string) {
	t.Helper()
	for i, p := range platforms {
		s := account.Session{ID: fmt.Sprintf("%s-%d", user, i), Platform: p, LoginAt: time.Unix(int64(i), 0)}
		if err := h.presence.Up(context.Background(), app, user, s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOnlineStatus(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "alice", "bob")
		h.signIn(t, app, "alice", "iOS", "Web", "iOS")

		found, failed, err := h.svc.OnlineStatus(ctx, app, []string{"alice", "bob", "nobody", "alice", "bad\x01id"})
		if err != nil {
			t.Fatal(err)
		}
		want := []account.UserPresence{{UserID: "alice", Platforms: []string{"Web", "iOS"}}, {UserID: "bob", Platforms: []string{}}}
		if !reflect.DeepEqual(found, want) {
			t.Errorf("found %+v, want %+v", found, want)
		}
		if len(failed) != 2 || failed[0].UserID != "nobody" || failed[0].Code != im.CodeAccountNotFound || failed[1].Code != im.CodeInvalidParameter {
			t.Errorf("failed %+v, want nobody 70107 and the invalid ID 70402", failed)
		}

		many := make([]string, account.MaxPresenceQuery+1)
		for i := range many {
			many[i] = fmt.Sprintf("u%d", i)
		}
		for name, c := range map[string]struct {
			ids  []string
			code int
		}{"none": {nil, im.CodeInvalidParameter}, "501": {many, im.CodeBatchSize}} {
			if _, _, err := h.svc.OnlineStatus(ctx, app, c.ids); err == nil {
				t.Errorf("%s: no error", name)
			} else if code, _ := im.CodeOf(err); code != c.code {
				t.Errorf("%s: %v, want %d", name, err, c.code)
			}
		}
	})
}

func TestKickClosesSessions(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		app := h.newApp(t)
		h.importUsers(t, app, "carol")
		h.signIn(t, app, "carol", "Android")
		if err := h.svc.Kick(context.Background(), app, "carol"); err != nil {
			t.Fatal(err)
		}
		h.sessions.mu.Lock()
		defer h.sessions.mu.Unlock()
		if !reflect.DeepEqual(h.sessions.kicked, []string{key(app, "carol")}) {
			t.Errorf("sessions kicked: %v", h.sessions.kicked)
		}
	})
}
