package account

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
)

// Logins is where the client door reports the sessions it signs in and
// out: it keeps the Presence port up to date and applies the app's
// multi-login policy to every new login. It needs no store, so a gateway
// can have one of its own in tests; internal/app gives it the Presence the
// account Service reads. It is safe for concurrent use.
type Logins struct {
	presence Presence
}

// NewLogins returns Logins that report to p. It panics if p is nil: that is
// a wiring bug, not a runtime condition.
func NewLogins(p Presence) *Logins {
	if p == nil {
		panic("account: NewLogins needs a Presence")
	}
	return &Logins{presence: p}
}

// SignIn records the user's new session s and returns the IDs of the older
// sessions, on any node, that policy (one of im.SinglePlatform,
// im.OnePerPlatform, im.Unlimited; anything else reads as the default,
// OnePerPlatform) says s displaces; the caller closes them.
//
// s is recorded before the others are read, so of two logins racing on
// two nodes the later one sees the earlier and displaces it, while the
// earlier one never displaces the later (only older sessions are).
func (l *Logins) SignIn(ctx context.Context, sdkAppID uint64, userID string, s Session, policy string) ([]string, error) {
	if err := l.presence.Up(ctx, sdkAppID, userID, s); err != nil {
		return nil, fmt.Errorf("account: sign in session %s of %q in app %d: %w", s.ID, userID, sdkAppID, err)
	}
	if policy == im.Unlimited {
		return nil, nil
	}
	sessions, err := l.presence.Sessions(ctx, sdkAppID, []string{userID})
	if err != nil {
		return nil, fmt.Errorf("account: sessions of %q in app %d: %w", userID, sdkAppID, err)
	}
	return Displaced(policy, s, sessions[userID]), nil
}

// SignOut forgets the user's session: it has ended (logout, close, kick,
// lost connection).
func (l *Logins) SignOut(ctx context.Context, sdkAppID uint64, userID, sessionID string) error {
	if err := l.presence.Down(ctx, sdkAppID, userID, sessionID); err != nil {
		return fmt.Errorf("account: sign out session %s of %q in app %d: %w", sessionID, userID, sdkAppID, err)
	}
	return nil
}

// Displaced is the multi-login rule: the IDs of the sessions among others
// that a new login displaces under policy. Only sessions signed in before
// login are displaced (ties broken by ID), so a late-arriving older login
// never displaces a newer one. SinglePlatform displaces every older
// session, OnePerPlatform (and any unknown policy) the older sessions of
// the login's platform, Unlimited none.
func Displaced(policy string, login Session, others []Session) []string {
	if policy == im.Unlimited {
		return nil
	}
	var out []string
	for _, o := range others {
		if o.ID == login.ID || !olderThan(o, login) {
			continue
		}
		if policy == im.SinglePlatform || o.Platform == login.Platform {
			out = append(out, o.ID)
		}
	}
	return out
}

// olderThan reports whether a signed in before b.
func olderThan(a, b Session) bool {
	if a.LoginAt.Equal(b.LoginAt) {
		return a.ID < b.ID
	}
	return a.LoginAt.Before(b.LoginAt)
}
