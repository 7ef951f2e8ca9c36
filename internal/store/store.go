// Package store declares Parley's storage ports: one small, domain-shaped
// interface per aggregate. Implementations live in sub-packages (sqlstore) and
// must pass the contract suite in storetest. Every method takes a
// context.Context and returns only the errors documented here (possibly
// wrapped with context); driver errors never leak.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every implementation returns (wrapped with %w) instead of driver errors.
var (
	// ErrNotFound: the addressed app, account or row does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a row with the same key already exists, or (for the
	// conditional updates that say so) the row changed since the caller
	// read it.
	ErrConflict = errors.New("store: already exists or changed")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
)

// Store is everything a backend provides; services take the narrow port they need.
type Store interface {
	Apps
	Accounts
	SignIns
	Profiles
	Messages
	Conversations
	Friends
	Groups
	// Ping reports whether the backend is reachable (used by /readyz).
	Ping(ctx context.Context) error
	// Close waits for calls in flight to finish and releases the backend;
	// later calls return ErrClosed. Closing twice is harmless.
	Close() error
}

// App is one tenant: an SDKAppID, its secret key and its settings document.
// SDKAppIDs must fit in an int64 (the reference's are 32-bit).
type App struct {
	SDKAppID  uint64
	SecretKey string
	// Config is the app's settings as a JSON document owned by the tenant
	// package; the store keeps it opaque.
	Config    []byte
	CreatedAt time.Time
	// Revision is raised by every SetAppConfig; a new app has revision 0.
	// CreateApp ignores it.
	Revision int64
}

// Apps stores tenants.
type Apps interface {
	// CreateApp stores a new app; ErrConflict if its SDKAppID exists.
	CreateApp(ctx context.Context, app App) error
	// GetApp returns one app; ErrNotFound if missing.
	GetApp(ctx context.Context, sdkAppID uint64) (App, error)
	// ListApps returns every app ordered by SDKAppID.
	ListApps(ctx context.Context) ([]App, error)
	// SetAppConfig replaces the app's settings document if the app's
	// revision is still revision (the one the caller read with GetApp) and
	// returns the new revision; ErrConflict, writing nothing, if another
	// write came first; ErrNotFound if the app is missing.
	SetAppConfig(ctx context.Context, sdkAppID uint64, config []byte, revision int64) (int64, error)
}

// Account is a user of an app.
type Account struct {
	UserID    string
	CreatedAt time.Time
}

// ProfileItem is one profile tag of a user. Value is the tag's JSON encoding
// (a JSON string or a JSON number); the account package owns its meaning.
type ProfileItem struct {
	Tag   string
	Value []byte
}

// NewAccount is an account to import with the profile items to write with it.
type NewAccount struct {
	UserID  string
	Profile []ProfileItem
}

// Accounts stores the accounts of each app.
type Accounts interface {
	// ImportAccounts creates every missing account and writes the given
	// profile items (overwriting those tags on existing accounts), all in one
	// transaction. created[i] reports whether accounts[i]'s UserID did not
	// exist before the call (so every position of a repeated new UserID
	// reports true); a repeated UserID's items apply in input order, per tag.
	// The app itself is not checked: callers pass known SDKAppIDs.
	ImportAccounts(ctx context.Context, sdkAppID uint64, accounts []NewAccount) (created []bool, err error)
	// DeleteAccounts deletes accounts with everything they own (profile, ...)
	// in one transaction. existed[i] reports whether userIDs[i] existed.
	// When revokeAt > 0 the same transaction revokes the sign-ins of every
	// deleted account at revokeAt, as RevokeSignIns does; the revocation
	// outlives the account.
	DeleteAccounts(ctx context.Context, sdkAppID uint64, userIDs []string, revokeAt int64) (existed []bool, err error)
	// GetAccounts returns the accounts among userIDs that exist, by UserID.
	GetAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]Account, error)
}

// SignIns stores sign-in revocations (kicks): per app and UserID, the Unix
// second at or before which the user's UserSigs were issued are refused.
// They are kept apart from the account, so deleting and re-importing an
// account does not undo them, and are never dropped: a UserSig's lifetime
// is whatever its signer chose, possibly unbounded, so no moment comes
// when a revoked signature is sure to have expired.
type SignIns interface {
	// RevokeSignIns raises the user's revocation to at (Unix seconds); an
	// earlier at leaves a later revocation unchanged. ErrNotFound, and
	// nothing recorded, if the account does not exist.
	RevokeSignIns(ctx context.Context, sdkAppID uint64, userID string, at int64) error
	// SignInsRevokedAt returns the user's revocation second, 0 if the
	// user's sign-ins were never revoked. It answers whether or not the
	// account exists now.
	SignInsRevokedAt(ctx context.Context, sdkAppID uint64, userID string) (int64, error)
}

// Profiles stores the profile tags of accounts.
type Profiles interface {
	// SetProfile upserts the items atomically; ErrNotFound if the account
	// does not exist.
	SetProfile(ctx context.Context, sdkAppID uint64, userID string, items []ProfileItem) error
	// GetProfiles returns, for every existing account among userIDs, its
	// items whose tag is in tags (all tags when tags is empty), ordered by
	// tag. Accounts that do not exist are absent from the map; existing
	// accounts with no matching items map to an empty (non-nil) slice.
	// The slices are the caller's; the Value bytes may be shared with the
	// store's cache and must not be modified.
	GetProfiles(ctx context.Context, sdkAppID uint64, userIDs []string, tags []string) (map[string][]ProfileItem, error)
}
