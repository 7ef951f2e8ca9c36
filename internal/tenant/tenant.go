// Package tenant keeps the apps a Parley server hosts: their SDKAppIDs,
// secret keys, admin identifiers and settings, and it authenticates a caller's
// UserSig against them. Every other package is keyed by the SDKAppID it
// hands out.
//
// Reads of apps and settings go through a Registry, which needs only the
// store; the Service, which creates apps, changes settings and
// authenticates, also needs the account service (Accounts): admins are
// accounts, and sign-in revocations are the account service's to apply.
package tenant

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// SDKAppID range of apps Parley creates; any uint32-sized ID may be pinned.
const (
	MinGeneratedSDKAppID = 1400000000
	MaxGeneratedSDKAppID = 1499999999
)

// Errors of the tenant package.
var (
	// ErrKeyMismatch: a pinned bootstrap app exists with another secret key.
	ErrKeyMismatch = errors.New("tenant: app exists with a different secret key")
)

// Store is what the tenant package needs of storage: the apps.
type Store interface {
	store.Apps
}

// Accounts is what the tenant package needs of the account service, which
// implements it and internal/app wires it: admin identifiers are accounts
// too (so that apps can send as them), and a UserSig is refused after its
// user's sign-ins were revoked.
type Accounts interface {
	// EnsureAccounts imports those of userIDs that are not accounts yet,
	// leaving existing accounts and their profiles alone.
	EnsureAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) error
	// CheckSignIn returns an *im.Error (70052) when userID's sign-ins were
	// revoked at or after issuedAt (Unix seconds), nil when a UserSig
	// issued then may sign in.
	CheckSignIn(ctx context.Context, sdkAppID uint64, userID string, issuedAt int64) error
}

// App is one hosted app.
type App struct {
	SDKAppID  uint64
	SecretKey string
	Settings  Settings
	CreatedAt time.Time
}

// Config wires a Service.
type Config struct {
	// Store persists the apps. Required.
	Store Store
	// Accounts imports admin identifiers as accounts and applies sign-in
	// revocations. Required.
	Accounts Accounts
	// Registry is the node's cache of the apps, shared with whoever else
	// reads settings from it (the account service takes it before this
	// Service exists, because this Service needs the account service).
	// Nil: a Registry of its own over Store, with Clock.
	Registry *Registry
	Clock    func() time.Time // nil: time.Now
	Logger   *slog.Logger
}

// Service manages apps: it creates them, changes their settings and
// authenticates their callers; reads of apps and settings are its
// Registry's. It is safe for concurrent use.
type Service struct {
	*Registry
	store    Store
	accounts Accounts
	now      func() time.Time
	log      *slog.Logger
}

// New returns a Service. It panics if cfg.Store or cfg.Accounts is nil:
// that is a wiring bug, not a runtime condition.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Accounts == nil {
		panic("tenant: Config.Store and Config.Accounts are required")
	}
	s := &Service{Registry: cfg.Registry, store: cfg.Store, accounts: cfg.Accounts, now: cfg.Clock, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.Registry == nil {
		s.Registry = NewRegistry(cfg.Store, s.now)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// NewSecretKey returns a random 64-hex-character secret key.
func NewSecretKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Create stores a new app. sdkAppID 0 picks a free random ID in the
// generated range; key "" generates one; no admins means DefaultAdmin.
func (s *Service) Create(ctx context.Context, sdkAppID uint64, key string, admins []string) (App, error) {
	var err error
	if key == "" {
		if key, err = NewSecretKey(); err != nil {
			return App{}, err
		}
	}
	if err := CheckSecretKey(key); err != nil {
		return App{}, err
	}
	settings := DefaultSettings(admins...)
	if len(settings.Admins) > settings.MaxAdmins {
		settings.MaxAdmins = min(len(settings.Admins), MaxAdminsCeiling)
	}
	if err := settings.Validate(); err != nil {
		return App{}, err
	}
	doc, err := json.Marshal(settings)
	if err != nil {
		return App{}, fmt.Errorf("encode settings: %w", err)
	}
	for attempt := 0; ; attempt++ {
		id := sdkAppID
		if id == 0 {
			n, err := rand.Int(rand.Reader, big.NewInt(MaxGeneratedSDKAppID-MinGeneratedSDKAppID+1))
			if err != nil {
				return App{}, fmt.Errorf("pick sdkappid: %w", err)
			}
			id = MinGeneratedSDKAppID + n.Uint64()
		}
		rec := store.App{SDKAppID: id, SecretKey: key, Config: doc, CreatedAt: s.now()}
		err := s.store.CreateApp(ctx, rec)
		if errors.Is(err, store.ErrConflict) && sdkAppID == 0 && attempt < 10 {
			continue
		}
		if err != nil {
			return App{}, fmt.Errorf("create app %d: %w", id, err)
		}
		app := App{SDKAppID: id, SecretKey: key, Settings: settings, CreatedAt: rec.CreatedAt}
		s.remember(app)
		return app, s.ensureAdmins(ctx, id, settings.Admins)
	}
}

// Bounds of an app's secret key, in characters (bytes).
const (
	MinSecretKeyLen = 16
	MaxSecretKeyLen = 256
)

// CheckSecretKey reports whether key may be an app's secret key; it is the
// one copy of the rule, which configuration checks ask too. The error
// never contains the key.
func CheckSecretKey(key string) error {
	if len(key) < MinSecretKeyLen || len(key) > MaxSecretKeyLen {
		return fmt.Errorf("secret key: %d characters, want %d..%d", len(key), MinSecretKeyLen, MaxSecretKeyLen)
	}
	return nil
}

// maxSettingsAttempts bounds how often UpdateSettings applies its patch
// again after losing a race with another settings write; each loss means
// another write succeeded, so reaching it takes that many writes to the
// same app within one update.
const maxSettingsAttempts = 8

// UpdateSettings applies a JSON patch (fields present replace the current
// values), validates the result and persists it. Invalid patches change
// nothing and are an *im.Error (70402).
//
// The write is conditional on the revision the settings were read at: if
// another update (on this node or another) wrote in between, the patch is
// applied again to the new settings, so concurrent updates of different
// fields all take effect, and concurrent updates of one field end with one
// of the values, never a mix of stale fields. A patch that the other
// write made invalid (e.g. more admins than its new MaxAdmins) is refused.
func (s *Service) UpdateSettings(ctx context.Context, sdkAppID uint64, patch []byte) (Settings, error) {
	for attempt := 1; ; attempt++ {
		next, err := s.updateSettingsOnce(ctx, sdkAppID, patch)
		switch {
		case !errors.Is(err, store.ErrConflict):
			return next, err
		case attempt == maxSettingsAttempts:
			return Settings{}, fmt.Errorf("app %d: settings changed under %d attempts to update them: %w", sdkAppID, attempt, err)
		}
	}
}

// updateSettingsOnce is one read-patch-write of UpdateSettings; it returns
// an error wrapping store.ErrConflict when another write came first.
func (s *Service) updateSettingsOnce(ctx context.Context, sdkAppID uint64, patch []byte) (Settings, error) {
	rec, err := s.store.GetApp(ctx, sdkAppID)
	if errors.Is(err, store.ErrNotFound) {
		return Settings{}, appNotFound(sdkAppID)
	}
	if err != nil {
		return Settings{}, fmt.Errorf("app %d: %w", sdkAppID, err)
	}
	app, err := fromRecord(rec)
	if err != nil {
		return Settings{}, err
	}
	next, err := app.Settings.applyPatch(patch)
	if err != nil {
		return Settings{}, err
	}
	if err := next.Validate(); err != nil {
		return Settings{}, err
	}
	doc, err := json.Marshal(next)
	if err != nil {
		return Settings{}, fmt.Errorf("encode settings: %w", err)
	}
	if _, err := s.store.SetAppConfig(ctx, sdkAppID, doc, rec.Revision); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Settings{}, appNotFound(sdkAppID)
		}
		return Settings{}, fmt.Errorf("app %d: save settings: %w", sdkAppID, err)
	}
	app.Settings = next
	s.remember(app)
	if err := s.ensureAdmins(ctx, sdkAppID, next.Admins); err != nil {
		return Settings{}, err
	}
	s.log.InfoContext(ctx, "app settings changed", "sdkappid", sdkAppID)
	return next.clone(), nil
}

// ensureAdmins makes the admin identifiers accounts, through the account
// service, leaving existing ones (and their profiles) alone.
func (s *Service) ensureAdmins(ctx context.Context, sdkAppID uint64, admins []string) error {
	if err := s.accounts.EnsureAccounts(ctx, sdkAppID, admins); err != nil {
		return fmt.Errorf("app %d: admin accounts: %w", sdkAppID, err)
	}
	return nil
}
