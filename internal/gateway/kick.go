package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/pkg/protocol"
)

// controlKick is the bus control order (bus.Event.Control) that carries a
// kickOrder to every gateway holding a session of the user.
const controlKick = "kick"

// kickOrder asks every node to close some sessions of a user. It travels
// as the Data of a controlKick order, never as a client event.
type kickOrder struct {
	// Sessions, when not empty, are the only sessions closed: those a new
	// login displaces, as account.Logins named them.
	Sessions []string `json:"Sessions,omitempty"`
	// Before (UnixNano), when Sessions is empty: every session signed in
	// before it closes, so a session that signs in after an admin kick
	// was ordered is spared.
	Before int64 `json:"Before,omitempty"`
	// Reason is the Reason of the kicked event.
	Reason string `json:"Reason"`
	// Platform of the login that displaced the sessions; the kicked
	// event tells it.
	Platform string `json:"Platform,omitempty"`
}

// applies reports whether the order closes s.
func (o kickOrder) applies(s *Session) bool {
	if !s.active() {
		return false
	}
	if len(o.Sessions) > 0 {
		return slices.Contains(o.Sessions, s.id)
	}
	return s.loginAt < o.Before
}

var _ account.Sessions = (*Kicker)(nil)

// Kicker closes sessions on every node: it publishes kick orders on the bus
// as control orders, and every gateway holding one of the user's sessions
// carries them out. It needs only the bus, so the account service can be
// given one before the gateway that reports logins to it exists. It is
// safe for concurrent use.
type Kicker struct {
	bus bus.Bus
	now func() time.Time
	log *slog.Logger
}

// NewKicker returns a Kicker publishing on b. clock stamps admin kicks and
// must be the gateways' clock (nil: time.Now); log (nil: discarded)
// receives publish failures.
func NewKicker(b bus.Bus, clock func() time.Time, log *slog.Logger) *Kicker {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Kicker{bus: b, now: clock, log: log}
}

// Kick closes every session of the user on every node, after a kicked
// event with Reason kicked_by_admin; sessions that sign in after the call
// are not affected. It is what the REST kick command calls after revoking
// the user's UserSigs.
func (k *Kicker) Kick(ctx context.Context, sdkAppID uint64, userID string) error {
	return k.publish(ctx, sdkAppID, userID, kickOrder{Before: k.now().UnixNano(), Reason: protocol.ReasonKickedByAdmin})
}

// CloseDeleted closes every session of the user on every node, after a
// kicked event with Reason account_deleted (status 4007); sessions that
// sign in after the call are not affected. It is what deleting an account
// calls after the deletion (which also revoked the user's UserSigs) is
// stored.
func (k *Kicker) CloseDeleted(ctx context.Context, sdkAppID uint64, userID string) error {
	return k.publish(ctx, sdkAppID, userID, kickOrder{Before: k.now().UnixNano(), Reason: protocol.ReasonAccountDeleted})
}

// displace closes the given sessions of the user, wherever they are, with
// Reason login_elsewhere: a login on platform displaced them.
func (k *Kicker) displace(ctx context.Context, sdkAppID uint64, userID string, sessions []string, platform string) error {
	return k.publish(ctx, sdkAppID, userID, kickOrder{Sessions: sessions, Reason: protocol.ReasonLoginElsewhere, Platform: platform})
}

// publish sends a kick order for the user to every node.
func (k *Kicker) publish(ctx context.Context, sdkAppID uint64, userID string, order kickOrder) error {
	data, err := json.Marshal(order)
	if err != nil {
		return fmt.Errorf("gateway: encode kick order: %w", err)
	}
	if err := k.bus.PublishUser(ctx, sdkAppID, userID, bus.Event{Control: controlKick, Data: data}); err != nil {
		k.log.Warn("gateway: publish kick", "sdkappid", sdkAppID, "user", userID, "err", err)
		return fmt.Errorf("gateway: kick user %q of app %d: %w", userID, sdkAppID, err)
	}
	return nil
}

// Kick is Kicker.Kick through the gateway's own Kicker.
func (g *Gateway) Kick(ctx context.Context, sdkAppID uint64, userID string) error {
	return g.kicker.Kick(ctx, sdkAppID, userID)
}

// CloseDeleted is Kicker.CloseDeleted through the gateway's own Kicker.
func (g *Gateway) CloseDeleted(ctx context.Context, sdkAppID uint64, userID string) error {
	return g.kicker.CloseDeleted(ctx, sdkAppID, userID)
}

// signIn reports the new session s to the Logins port and closes, on
// every node, the older sessions the app's multi-login policy says it
// displaces; the gateway applies no policy of its own. A failing port is
// logged and the login goes on: a presence store briefly out of reach
// costs a stale online status or a second session, never a refused login.
func (g *Gateway) signIn(ctx context.Context, s *Session, policy string) {
	displaced, err := g.logins.SignIn(ctx, s.sdkAppID, s.userID, account.Session{
		ID: s.id, Platform: s.platform, LoginAt: time.Unix(0, s.loginAt),
	}, policy)
	if err != nil {
		g.log.Warn("gateway: report login", "session", s.id, "sdkappid", s.sdkAppID, "user", s.userID, "err", err)
		return
	}
	if len(displaced) > 0 {
		_ = g.kicker.displace(ctx, s.sdkAppID, s.userID, displaced, s.platform) // logged
	}
}

// signOut reports the end of a signed-in session to the Logins port.
func (g *Gateway) signOut(s *Session) {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.CommandTimeout)
	defer cancel()
	if err := g.logins.SignOut(ctx, s.sdkAppID, s.userID, s.id); err != nil {
		g.log.Warn("gateway: report logout", "session", s.id, "sdkappid", s.sdkAppID, "user", s.userID, "err", err)
	}
}
