package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/im"
)

// Bootstrap pins the app a server starts with (PARLEY_SDKAPPID,
// PARLEY_SECRET_KEY, PARLEY_ADMIN). Zero fields mean "choose for me".
type Bootstrap struct {
	SDKAppID  uint64
	SecretKey string
	Admins    []string
}

// EnsureBootstrap makes sure the server has an app to serve. With a pinned
// SDKAppID, the app is created if missing; if present, its key must equal a
// pinned key (ErrKeyMismatch otherwise, never a silent overwrite) and pinned
// admins replace the stored list. Without one, an app is created only when
// the store has none. created reports whether an app was created now.
func (s *Service) EnsureBootstrap(ctx context.Context, b Bootstrap) (app App, created bool, err error) {
	if b.SDKAppID == 0 {
		apps, err := s.List(ctx)
		if err != nil {
			return App{}, false, err
		}
		if len(apps) > 0 {
			return apps[0], false, nil
		}
		app, err := s.Create(ctx, 0, b.SecretKey, b.Admins)
		return app, err == nil, err
	}
	app, err = s.Get(ctx, b.SDKAppID)
	if code, _ := im.CodeOf(err); code == im.CodeAppNotFound {
		app, err = s.Create(ctx, b.SDKAppID, b.SecretKey, b.Admins)
		return app, err == nil, err
	}
	if err != nil {
		return App{}, false, err
	}
	if b.SecretKey != "" && b.SecretKey != app.SecretKey {
		return App{}, false, fmt.Errorf("app %d: %w (PARLEY_SECRET_KEY differs from the stored key)", b.SDKAppID, ErrKeyMismatch)
	}
	if len(b.Admins) > 0 && !slices.Equal(b.Admins, app.Settings.Admins) {
		patch, _ := json.Marshal(map[string]any{"Admins": b.Admins, "MaxAdmins": max(app.Settings.MaxAdmins, len(b.Admins))})
		st, err := s.UpdateSettings(ctx, b.SDKAppID, patch)
		if err != nil {
			return App{}, false, fmt.Errorf("app %d: pinned admins: %w", b.SDKAppID, err)
		}
		app.Settings = st
	}
	return app, false, nil
}
