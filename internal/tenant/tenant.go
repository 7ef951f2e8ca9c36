// Package tenant keeps the apps a Parley server hosts: their SDKAppIDs,
// secret keys, admin identifiers and settings, and it authenticates a caller's
// UserSig against them. Every other package is keyed by the SDKAppID it
// hands out.
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
	"slices"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// SDKAppID range of apps Parley creates; any uint32-sized ID may be pinned.
const (
	MinGeneratedSDKAppID = 1400000000
	MaxGeneratedSDKAppID = 1499999999
)

// settingsTTL bounds how stale a node's cached copy of an app may be when
// another node changes it; the node that makes a change sees it at once.
const settingsTTL = 2 * time.Second

// maxMissingApps bounds the cache of SDKAppIDs found missing, which a
// flood of calls naming random SDKAppIDs would otherwise grow without end.
const maxMissingApps = 10000

// Errors of the tenant package.
var (
	// ErrKeyMismatch: a pinned bootstrap app exists with another secret key.
	ErrKeyMismatch = errors.New("tenant: app exists with a different secret key")
)

// Store is what the tenant package needs of storage: the apps, the
// accounts, written for admin identifiers (which are accounts too so that
// apps can send as them), and the sign-in revocations Authenticate reads.
type Store interface {
	store.Apps
	store.Accounts
	store.SignIns
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
	Store  Store
	Clock  func() time.Time // nil: time.Now
	Logger *slog.Logger
}

// Service manages apps. It is safe for concurrent use.
type Service struct {
	store Store
	now   func() time.Time
	log   *slog.Logger

	mu    sync.Mutex
	cache map[uint64]cachedApp
	// missing remembers, for settingsTTL, SDKAppIDs the store did not
	// have, so that calls naming an unknown app cost no store read each.
	missing map[uint64]time.Time
}

type cachedApp struct {
	app     App
	fetched time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, now: cfg.Clock, log: cfg.Logger, cache: map[uint64]cachedApp{}, missing: map[uint64]time.Time{}}
	if s.now == nil {
		s.now = time.Now
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

// Get returns an app, from a cache that is at most settingsTTL stale; an
// SDKAppID found missing is remembered as missing for as long.
// A missing app is an *im.Error with code 70020.
func (s *Service) Get(ctx context.Context, sdkAppID uint64) (App, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[sdkAppID]
	missingAt, missing := s.missing[sdkAppID]
	s.mu.Unlock()
	if ok && now.Sub(c.fetched) < settingsTTL {
		return c.app, nil
	}
	if missing && now.Sub(missingAt) < settingsTTL {
		return App{}, appNotFound(sdkAppID)
	}
	rec, err := s.store.GetApp(ctx, sdkAppID)
	if errors.Is(err, store.ErrNotFound) {
		s.rememberMissing(sdkAppID, now)
		return App{}, appNotFound(sdkAppID)
	}
	if err != nil {
		return App{}, fmt.Errorf("app %d: %w", sdkAppID, err)
	}
	app, err := fromRecord(rec)
	if err != nil {
		return App{}, err
	}
	s.remember(app)
	return app, nil
}

func appNotFound(sdkAppID uint64) error {
	return im.Errorf(im.CodeAppNotFound, "SDKAppID %d not found", sdkAppID)
}

// rememberMissing records that the store had no app sdkAppID at now.
func (s *Service) rememberMissing(sdkAppID uint64, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.missing) >= maxMissingApps {
		for id, at := range s.missing {
			if now.Sub(at) >= settingsTTL {
				delete(s.missing, id)
			}
		}
		if len(s.missing) >= maxMissingApps {
			clear(s.missing)
		}
	}
	s.missing[sdkAppID] = now
}

// List returns every app.
func (s *Service) List(ctx context.Context) ([]App, error) {
	recs, err := s.store.ListApps(ctx)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	apps := make([]App, 0, len(recs))
	for _, r := range recs {
		a, err := fromRecord(r)
		if err != nil {
			return nil, err
		}
		apps = append(apps, a)
	}
	return apps, nil
}

func fromRecord(rec store.App) (App, error) {
	st, err := decodeSettings(rec.Config)
	if err != nil {
		return App{}, fmt.Errorf("app %d: %w", rec.SDKAppID, err)
	}
	return App{SDKAppID: rec.SDKAppID, SecretKey: rec.SecretKey, Settings: st, CreatedAt: rec.CreatedAt}, nil
}

func (s *Service) remember(app App) {
	s.mu.Lock()
	s.cache[app.SDKAppID] = cachedApp{app: app, fetched: s.now()}
	delete(s.missing, app.SDKAppID)
	s.mu.Unlock()
}

// Settings returns the app's settings.
func (s *Service) Settings(ctx context.Context, sdkAppID uint64) (Settings, error) {
	app, err := s.Get(ctx, sdkAppID)
	return app.Settings.clone(), err
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

// CustomProfileTags returns the app's declared custom profile keys.
func (s *Service) CustomProfileTags(ctx context.Context, sdkAppID uint64) ([]string, error) {
	st, err := s.Settings(ctx, sdkAppID)
	return st.CustomProfileTags, err
}

// IsAdmin reports whether identifier is an admin of the app.
func (s *Service) IsAdmin(app App, identifier string) bool {
	return slices.Contains(app.Settings.Admins, identifier)
}

// ensureAdmins imports the admin identifiers that are not accounts yet,
// leaving existing ones (and their profiles) alone.
func (s *Service) ensureAdmins(ctx context.Context, sdkAppID uint64, admins []string) error {
	existing, err := s.store.GetAccounts(ctx, sdkAppID, admins)
	if err != nil {
		return fmt.Errorf("app %d: admin accounts: %w", sdkAppID, err)
	}
	var missing []store.NewAccount
	for _, id := range admins {
		if _, ok := existing[id]; !ok {
			missing = append(missing, store.NewAccount{UserID: id})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := s.store.ImportAccounts(ctx, sdkAppID, missing); err != nil {
		return fmt.Errorf("app %d: admin accounts: %w", sdkAppID, err)
	}
	return nil
}
