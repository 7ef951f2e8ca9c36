package account_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

func session(id, platform string, at int64) account.Session {
	return account.Session{ID: id, Platform: platform, LoginAt: time.Unix(at, 0)}
}

// TestDisplaced is the multi-login rule, policy by policy.
func TestDisplaced(t *testing.T) {
	t.Parallel()
	login := session("new", "iOS", 10)
	others := []account.Session{
		session("old-ios", "iOS", 5),
		session("old-web", "Web", 6),
		session("newer-ios", "iOS", 11), // a login that raced ahead of this one
		session("a-tie", "iOS", 10),     // same instant, lower ID: older
		session("z-tie", "iOS", 10),     // same instant, higher ID: newer
		login,
	}
	for _, c := range []struct {
		policy string
		want   []string
	}{
		{im.OnePerPlatform, []string{"old-ios", "a-tie"}},
		{"", []string{"old-ios", "a-tie"}}, // unknown reads as the default
		{im.SinglePlatform, []string{"old-ios", "old-web", "a-tie"}},
		{im.Unlimited, nil},
	} {
		if got := account.Displaced(c.policy, login, others); !slices.Equal(got, c.want) {
			t.Errorf("%q: displaced %v, want %v", c.policy, got, c.want)
		}
	}
}

func TestLocalPresence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := account.NewLocalPresence()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.Up(ctx, 1, "alice", session("a1", "iOS", 1)))
	must(p.Up(ctx, 1, "alice", session("a2", "Web", 2)))
	must(p.Up(ctx, 1, "alice", session("a2", "Mac", 3))) // recorded again: replaced
	must(p.Up(ctx, 2, "alice", session("other-app", "iOS", 1)))
	must(p.Down(ctx, 1, "alice", "unknown"))
	got, err := p.Sessions(ctx, 1, []string{"alice", "bob"})
	must(err)
	if fmt.Sprint(got) != fmt.Sprint(map[string][]account.Session{"alice": {session("a1", "iOS", 1), session("a2", "Mac", 3)}}) {
		t.Errorf("sessions %v", got)
	}
	must(p.Down(ctx, 1, "alice", "a1"))
	must(p.Down(ctx, 1, "alice", "a2"))
	if got, _ := p.Sessions(ctx, 1, []string{"alice"}); len(got) != 0 {
		t.Errorf("after both went down: %v", got)
	}
	if got, _ := p.Sessions(ctx, 2, []string{"alice"}); len(got["alice"]) != 1 {
		t.Errorf("other app: %v", got)
	}
}

// TestLoginsSignIn: a login is recorded, answered with the sessions its
// policy displaces, and signing out forgets it; presence answers follow.
func TestLoginsSignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := account.NewLocalPresence()
	l := account.NewLogins(p)
	signIn := func(s account.Session, policy string) []string {
		t.Helper()
		ids, err := l.SignIn(ctx, 1, "alice", s, policy)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := signIn(session("s1", "iOS", 1), im.OnePerPlatform); len(got) != 0 {
		t.Errorf("first login displaced %v", got)
	}
	if got := signIn(session("s2", "Web", 2), im.OnePerPlatform); len(got) != 0 {
		t.Errorf("other platform displaced %v", got)
	}
	if got := signIn(session("s3", "iOS", 3), im.OnePerPlatform); !slices.Equal(got, []string{"s1"}) {
		t.Errorf("same platform displaced %v, want [s1]", got)
	}
	if got := signIn(session("s4", "Mac", 4), im.Unlimited); len(got) != 0 {
		t.Errorf("unlimited displaced %v", got)
	}
	if got := signIn(session("s5", "Linux", 5), im.SinglePlatform); len(got) != 4 {
		t.Errorf("single platform displaced %v, want the 4 older sessions", got)
	}
	for _, id := range []string{"s1", "s2", "s3", "s4"} {
		if err := l.SignOut(ctx, 1, "alice", id); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := p.Sessions(ctx, 1, []string{"alice"})
	if len(got["alice"]) != 1 || got["alice"][0].ID != "s5" {
		t.Errorf("after sign-outs: %v", got)
	}
}

// failingPresence fails every call.
type failingPresence struct{ err error }

func (f failingPresence) Up(context.Context, uint64, string, account.Session) error { return f.err }
func (f failingPresence) Down(context.Context, uint64, string, string) error        { return f.err }
func (f failingPresence) Sessions(context.Context, uint64, []string) (map[string][]account.Session, error) {
	return nil, f.err
}

// TestPresenceFailure: a failing Presence port is reported, wrapped, by
// Logins and by OnlineStatus, never as a reference code.
func TestPresenceFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("presence down")
	l := account.NewLogins(failingPresence{boom})
	if _, err := l.SignIn(context.Background(), 1, "alice", session("s", "iOS", 1), im.OnePerPlatform); !errors.Is(err, boom) {
		t.Errorf("SignIn: %v", err)
	}
	if err := l.SignOut(context.Background(), 1, "alice", "s"); !errors.Is(err, boom) {
		t.Errorf("SignOut: %v", err)
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		app := h.newApp(t)
		h.importUsers(t, app, "alice")
		svc := account.New(account.Config{Store: h.store, Presence: failingPresence{boom}})
		_, _, err := svc.OnlineStatus(context.Background(), app, []string{"alice"})
		if !errors.Is(err, boom) {
			t.Errorf("OnlineStatus: %v", err)
		}
		if code, ok := im.CodeOf(err); ok {
			t.Errorf("OnlineStatus failure carries code %d", code)
		}
	})
}
