// Package account owns the accounts of each app and their profiles:
// importing, deleting and checking accounts, revoking sign-ins (kick), the
// standard and custom profile tags with their types and limits (as the
// reference's account and profile commands define them), and presence:
// the Presence port of signed-in sessions, the multi-login policy applied
// at each login (Logins), and online status; and each account's global
// mute (SetNoSpeaking), which the send pipeline asks through CheckSpeaking.
//
// Other domains ask it about accounts through interfaces of their own,
// never the store: whether UserIDs are accounts (Exists, for the message
// pipeline and conversations), making admin identifiers accounts
// (EnsureAccounts) and whether a revoked sign-in may sign in again
// (CheckSignIn), for the tenant package's authentication.
//
// Every method validates its whole input before it writes anything and
// reports bad input as an *im.Error carrying the reference code of the
// command's service: 70xxx for accounts, 40xxx for profiles. Batch methods
// reject the whole call only for call-level problems (no items, too many
// items) and report per-item problems in their results. Any other error is
// an internal failure of the store or the app settings, wrapped with
// context.
package account

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// Clock returns the current time.
type Clock func() time.Time

// AppSettings is what the account service needs to know of an app's
// settings; the tenant package implements it and internal/app wires it.
type AppSettings interface {
	// CustomProfileTags returns the custom profile keys declared for the app
	// (the <key> of Tag_Profile_Custom_<key>).
	CustomProfileTags(ctx context.Context, sdkAppID uint64) ([]string, error)
}

// Store is the storage the service needs.
type Store interface {
	store.Accounts
	store.SignIns
	store.Profiles
}

// Config wires a Service. The zero value of every optional field means its
// default.
type Config struct {
	// Store persists accounts and profiles. Required.
	Store Store
	// Settings tells which custom profile tags each app declares. Nil means
	// no app declares any, so every Tag_Profile_Custom_ tag is unknown.
	Settings AppSettings
	// Sessions closes live sessions: Kick and DeleteAccounts close the
	// user's. Nil means kick and delete only revoke UserSigs.
	Sessions Sessions
	// Presence tells OnlineStatus who is signed in, on every node; give
	// the same Presence to the Logins the gateway reports to. Nil means a
	// LocalPresence of its own, to which nothing reports: everyone is
	// offline.
	Presence Presence
	// Clock stamps kicks and deletions. Nil means time.Now.
	Clock Clock
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
}

// Service manages accounts and profiles. It is safe for concurrent use; all
// state lives in the store.
type Service struct {
	store    Store
	settings AppSettings
	sessions Sessions
	presence Presence
	now      Clock
	log      *slog.Logger
}

// New returns a Service. It panics if cfg.Store is nil: that is a wiring
// bug, not a runtime condition.
func New(cfg Config) *Service {
	if cfg.Store == nil {
		panic("account: Config.Store is nil")
	}
	s := &Service{store: cfg.Store, settings: cfg.Settings, sessions: cfg.Sessions, presence: cfg.Presence, now: cfg.Clock, log: cfg.Logger}
	if s.presence == nil {
		s.presence = NewLocalPresence()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}
