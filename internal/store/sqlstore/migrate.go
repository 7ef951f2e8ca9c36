package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer version of Parley than this binary.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this binary supports")

// migrationFiles are the forward-only migrations, named NNNN_description.sql
// and numbered from 1 without gaps. Each is a text/template rendered with the
// dialect's ddlNames. A released migration is never edited; change the
// schema by adding the next file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one parsed migration file.
type migration struct {
	version int
	name    string
	text    string
}

// loadMigrations reads and orders the embedded migrations.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v < 1 || path.Ext(e.Name()) != ".sql" {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), text: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// render fills in the dialect's type names.
func (m migration) render(d dialect) (string, error) {
	t, err := template.New(m.name).Option("missingkey=error").Parse(m.text)
	if err != nil {
		return "", fmt.Errorf("migration %s: %w", m.name, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d.ddl); err != nil {
		return "", fmt.Errorf("migration %s: %w", m.name, err)
	}
	return b.String(), nil
}

// migrate brings the schema up to the newest embedded version in one
// transaction and returns that version. It fails with ErrSchemaTooNew when
// the database is ahead of the binary.
func migrate(ctx context.Context, db *sql.DB, d dialect, log *slog.Logger) (version int, err error) {
	ms, err := loadMigrations()
	if err != nil {
		return 0, err
	}
	latest := len(ms)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return 0, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return 0, err
	}
	if current > latest {
		return 0, fmt.Errorf("%w: database is at version %d, this binary knows up to %d; upgrade Parley", ErrSchemaTooNew, current, latest)
	}
	for _, m := range ms[current:] {
		if err := apply(ctx, tx, d, m); err != nil {
			return 0, err
		}
		log.Info("applied migration", "backend", d.name, "version", m.version, "name", m.name)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: commit: %w", err)
	}
	return latest, nil
}

// schemaVersion creates schema_migrations if needed and returns the highest
// applied version (0 for an empty database).
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	const ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT NOT NULL PRIMARY KEY,
		applied_at BIGINT NOT NULL
	)`
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return 0, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("migrate: read schema version: %w", err)
	}
	return v, nil
}

func apply(ctx context.Context, tx *sql.Tx, d dialect, m migration) error {
	text, err := m.render(d)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, text); err != nil {
		return fmt.Errorf("migrate: apply %s: %w", m.name, err)
	}
	const record = `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`
	if _, err := tx.ExecContext(ctx, record, m.version, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("migrate: record %s: %w", m.name, err)
	}
	return nil
}
