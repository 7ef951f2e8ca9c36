package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/parley-im/parley/internal/store"
)

// CreateApp stores a new app; store.ErrConflict if its SDKAppID exists.
func (s *Store) CreateApp(ctx context.Context, app store.App) error {
	op := fmt.Sprintf("create app %d", app.SDKAppID)
	if app.SDKAppID > math.MaxInt64 {
		return fmt.Errorf("sqlstore: %s: SDKAppID above %d is not supported", op, int64(math.MaxInt64))
	}
	return s.writeTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO apps (sdkappid, secret_key, config, created_at) VALUES ($1, $2, $3, $4)`,
			appKey(app.SDKAppID), app.SecretKey, orEmpty(app.Config), millis(app.CreatedAt))
		return err
	})
}

// GetApp returns one app; store.ErrNotFound if missing.
func (s *Store) GetApp(ctx context.Context, sdkAppID uint64) (store.App, error) {
	var app store.App
	err := s.readQuery(ctx, fmt.Sprintf("get app %d", sdkAppID), func(db queryer) error {
		row := db.QueryRowContext(ctx,
			`SELECT sdkappid, secret_key, config, created_at, revision FROM apps WHERE sdkappid = $1`,
			appKey(sdkAppID))
		var err error
		app, err = scanApp(row)
		return err
	})
	return app, err
}

// ListApps returns every app ordered by SDKAppID.
func (s *Store) ListApps(ctx context.Context) ([]store.App, error) {
	apps := []store.App{}
	err := s.readQuery(ctx, "list apps", func(db queryer) error {
		rows, err := db.QueryContext(ctx,
			`SELECT sdkappid, secret_key, config, created_at, revision FROM apps ORDER BY sdkappid`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			app, err := scanApp(rows)
			if err != nil {
				return err
			}
			apps = append(apps, app)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return apps, nil
}

// SetAppConfig replaces the app's settings document if its revision is
// still revision and returns the new one; store.ErrConflict if it changed,
// store.ErrNotFound if the app is missing. Two racing writers at one
// revision: on SQLite the single writer orders them, on PostgreSQL the
// second UPDATE waits for the first to commit and then finds the revision
// changed; either way exactly one succeeds.
func (s *Store) SetAppConfig(ctx context.Context, sdkAppID uint64, config []byte, revision int64) (int64, error) {
	next := revision + 1
	err := s.writeTx(ctx, fmt.Sprintf("set config of app %d at revision %d", sdkAppID, revision), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE apps SET config = $2, revision = $4 WHERE sdkappid = $1 AND revision = $3`,
			appKey(sdkAppID), orEmpty(config), revision, next)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM apps WHERE sdkappid = $1`, appKey(sdkAppID)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		return store.ErrConflict
	})
	if err != nil {
		return 0, err
	}
	return next, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanApp(row scanner) (store.App, error) {
	var (
		app       store.App
		id, msecs int64
	)
	if err := row.Scan(&id, &app.SecretKey, &app.Config, &msecs, &app.Revision); err != nil {
		return store.App{}, err
	}
	app.SDKAppID = uint64(id)
	app.CreatedAt = fromMillis(msecs)
	return app, nil
}

// requireRow turns "no row matched" into store.ErrNotFound.
func requireRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
