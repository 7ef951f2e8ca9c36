package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// settingsTTL bounds how stale a node's cached copy of an app may be when
// another node changes it; the node that makes a change sees it at once.
const settingsTTL = 2 * time.Second

// maxMissingApps bounds the cache of SDKAppIDs found missing, which a
// flood of calls naming random SDKAppIDs would otherwise grow without end.
const maxMissingApps = 10000

// Registry is a node's view of the apps: it reads them from the store and
// keeps each for at most settingsTTL, so a change made on another node is
// seen within that time (the node that makes a change sees it at once:
// Service writes through its Registry). It needs nothing but the store,
// so services that read settings (the account service's custom profile
// tags) can be built on it before the Service, which needs them. It is
// safe for concurrent use.
type Registry struct {
	store store.Apps
	now   func() time.Time

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

// NewRegistry returns a Registry over st; a nil clock means time.Now.
func NewRegistry(st store.Apps, clock func() time.Time) *Registry {
	if clock == nil {
		clock = time.Now
	}
	return &Registry{store: st, now: clock, cache: map[uint64]cachedApp{}, missing: map[uint64]time.Time{}}
}

// Get returns an app, from a cache that is at most settingsTTL stale; an
// SDKAppID found missing is remembered as missing for as long.
// A missing app is an *im.Error with code 70020.
func (r *Registry) Get(ctx context.Context, sdkAppID uint64) (App, error) {
	now := r.now()
	r.mu.Lock()
	c, ok := r.cache[sdkAppID]
	missingAt, missing := r.missing[sdkAppID]
	r.mu.Unlock()
	if ok && now.Sub(c.fetched) < settingsTTL {
		return c.app, nil
	}
	if missing && now.Sub(missingAt) < settingsTTL {
		return App{}, appNotFound(sdkAppID)
	}
	rec, err := r.store.GetApp(ctx, sdkAppID)
	if errors.Is(err, store.ErrNotFound) {
		r.rememberMissing(sdkAppID, now)
		return App{}, appNotFound(sdkAppID)
	}
	if err != nil {
		return App{}, fmt.Errorf("app %d: %w", sdkAppID, err)
	}
	app, err := fromRecord(rec)
	if err != nil {
		return App{}, err
	}
	r.remember(app)
	return app, nil
}

func appNotFound(sdkAppID uint64) error {
	return im.Errorf(im.CodeAppNotFound, "SDKAppID %d not found", sdkAppID)
}

// rememberMissing records that the store had no app sdkAppID at now.
func (r *Registry) rememberMissing(sdkAppID uint64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.missing) >= maxMissingApps {
		for id, at := range r.missing {
			if now.Sub(at) >= settingsTTL {
				delete(r.missing, id)
			}
		}
		if len(r.missing) >= maxMissingApps {
			clear(r.missing)
		}
	}
	r.missing[sdkAppID] = now
}

// List returns every app.
func (r *Registry) List(ctx context.Context) ([]App, error) {
	recs, err := r.store.ListApps(ctx)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	apps := make([]App, 0, len(recs))
	for _, rec := range recs {
		a, err := fromRecord(rec)
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

func (r *Registry) remember(app App) {
	r.mu.Lock()
	r.cache[app.SDKAppID] = cachedApp{app: app, fetched: r.now()}
	delete(r.missing, app.SDKAppID)
	r.mu.Unlock()
}

// Settings returns the app's settings.
func (r *Registry) Settings(ctx context.Context, sdkAppID uint64) (Settings, error) {
	app, err := r.Get(ctx, sdkAppID)
	return app.Settings.clone(), err
}

// CustomProfileTags returns the app's declared custom profile keys.
func (r *Registry) CustomProfileTags(ctx context.Context, sdkAppID uint64) ([]string, error) {
	st, err := r.Settings(ctx, sdkAppID)
	return st.CustomProfileTags, err
}

// CustomFriendTags returns the app's declared custom friend keys.
func (r *Registry) CustomFriendTags(ctx context.Context, sdkAppID uint64) ([]string, error) {
	st, err := r.Settings(ctx, sdkAppID)
	return st.CustomFriendTags, err
}

// FriendsOnlyC2C reports whether the app's C2CPermission is FriendsOnly.
func (r *Registry) FriendsOnlyC2C(ctx context.Context, sdkAppID uint64) (bool, error) {
	app, err := r.Get(ctx, sdkAppID)
	return app.Settings.C2CPermission == FriendsOnly, err
}

// IsAdmin reports whether identifier is an admin of the app.
func (r *Registry) IsAdmin(app App, identifier string) bool {
	return slices.Contains(app.Settings.Admins, identifier)
}
