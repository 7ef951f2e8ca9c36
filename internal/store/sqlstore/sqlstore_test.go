package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

func openTest(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open(%s): %v", redactURL(cfg.URL), err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		storetest.Run(t, func(t *testing.T) store.Store {
			return openTest(t, Config{URL: b.URL(t)})
		})
	})
}

// TestShared runs the cases for stores sharing one database: two Stores
// on one PostgreSQL schema act as two nodes. A SQLite database has one
// Store at a time (its writer keeps counters and the journal in memory;
// the app's data-directory lock keeps a second process away), so SQLite
// is not a shared backend.
func TestShared(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b == storetest.SQLite {
			t.Skip("a SQLite database is opened by one Store at a time")
		}
		storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
			url := b.URL(t)
			s1, s2 := openTest(t, Config{URL: url}), openTest(t, Config{URL: url})
			// With their account caches on, so the cases see them.
			awaitListening(t, s1)
			awaitListening(t, s2)
			return s1, s2
		})
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		url := b.URL(t)
		first, err := Open(t.Context(), Config{URL: url})
		if err != nil {
			t.Fatalf("first Open: %v", err)
		}
		if _, err := first.ImportAccounts(t.Context(), 1, []store.NewAccount{{UserID: "kept"}}); err != nil {
			t.Fatalf("ImportAccounts: %v", err)
		}
		if err := first.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}

		s := openTest(t, Config{URL: url})
		if got, err := s.GetAccounts(t.Context(), 1, []string{"kept"}); err != nil || len(got) != 1 {
			t.Errorf("after reopening GetAccounts = %v, %v; want the account", got, err)
		}
		ms, err := loadMigrations()
		if err != nil {
			t.Fatal(err)
		}
		var rows, version int
		if err := s.write.QueryRowContext(t.Context(),
			`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &version); err != nil {
			t.Fatal(err)
		}
		if rows != len(ms) || version != len(ms) {
			t.Errorf("schema_migrations has %d rows up to version %d, want %d", rows, version, len(ms))
		}
	})
}

func TestPostgresSchemaFromURL(t *testing.T) {
	url := storetest.PostgresURL(t)
	s := openTest(t, Config{URL: url})
	var schema string
	var tables int
	err := s.read.QueryRowContext(t.Context(),
		`SELECT current_schema(), (SELECT COUNT(*) FROM information_schema.tables
		  WHERE table_schema = current_schema()
		    AND table_name IN ('apps', 'accounts', 'profile_items', 'schema_migrations'))`).Scan(&schema, &tables)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schema, "parley_test_") || !strings.Contains(url, "search_path="+schema) {
		t.Errorf("current_schema() = %q, want the schema of %s", schema, url)
	}
	if tables != 4 {
		t.Errorf("found %d of 4 tables in schema %s", tables, schema)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		url := b.URL(t)
		s, err := Open(t.Context(), Config{URL: url})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := s.write.ExecContext(t.Context(),
			`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s, err = Open(t.Context(), Config{URL: url})
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded on a database at schema version 9999")
		}
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
			t.Errorf("Open error = %v, want ErrSchemaTooNew naming version 9999", err)
		}
	})
}

func TestConcurrentOpen(t *testing.T) {
	// Nodes starting at once against one fresh database all succeed.
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		url := b.URL(t)
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Go(func() {
				s, err := Open(t.Context(), Config{URL: url})
				if err != nil {
					errs <- err
					return
				}
				errs <- s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func TestDuplicateCreateAppIsConflict(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := openTest(t, Config{URL: b.URL(t)})
		app := store.App{SDKAppID: 1400000001, SecretKey: "k", Config: []byte(`{}`)}
		if err := s.CreateApp(t.Context(), app); err != nil {
			t.Fatal(err)
		}
		err := s.CreateApp(t.Context(), app)
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateApp = %v, want ErrConflict", err)
		}
		var le *sqlite.Error
		var pe *pgconn.PgError
		if errors.As(err, &le) || errors.As(err, &pe) {
			t.Errorf("ErrConflict carries the driver error %T", err)
		}
	})
}

func TestFailTranslatesErrors(t *testing.T) {
	s := &Store{dialect: postgresDialect}
	for _, tc := range []struct {
		err  error
		want error
	}{
		{sql.ErrNoRows, store.ErrNotFound},
		{fmt.Errorf("scan: %w", sql.ErrNoRows), store.ErrNotFound},
		{&pgconn.PgError{Code: "23505"}, store.ErrConflict},
		{&pgconn.PgError{Code: "23503"}, store.ErrNotFound},
		{sql.ErrConnDone, store.ErrClosed},
		{store.ErrNotFound, store.ErrNotFound},
		{context.Canceled, context.Canceled},
	} {
		got := s.fail("op", tc.err)
		if !errors.Is(got, tc.want) || !strings.HasPrefix(got.Error(), "sqlstore: op") {
			t.Errorf("fail(%v) = %v, want %v with context", tc.err, got, tc.want)
		}
	}
	other := &pgconn.PgError{Code: "42P01", Message: "relation does not exist"}
	if got := s.fail("get app 7", other); errors.Is(got, store.ErrNotFound) || !strings.Contains(got.Error(), "get app 7") {
		t.Errorf("fail(undefined table) = %v, want a wrapped non-sentinel error", got)
	}
}

func TestSQLiteFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "parley.db")
	s := openTest(t, Config{URL: path})
	if _, err := s.ImportAccounts(t.Context(), 1, []store.NewAccount{{UserID: "a"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("stat: %v", err)
			continue
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s has mode %v, want no group or other access", filepath.Base(name), mode)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode = %v, want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Dir(path)); err == nil && fi.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestSQLitePragmas(t *testing.T) {
	for _, tc := range []struct {
		synchronous string
		want        int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{
		{"", 2},
		{"FULL", 2},
		{"normal", 1},
	} {
		t.Run("synchronous="+tc.synchronous, func(t *testing.T) {
			s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "p.db"), SQLiteSynchronous: tc.synchronous})
			ctx := t.Context()
			checkPragma(t, s.write, "synchronous", tc.want)
			checkPragma(t, s.write, "foreign_keys", 1)
			checkPragma(t, s.write, "busy_timeout", sqliteBusyTimeoutMillis)
			checkPragma(t, s.write, "query_only", 0)
			checkPragma(t, s.write, "temp_store", 2) // MEMORY
			checkPragma(t, s.write, "cache_size", -65536)
			checkPragma(t, s.write, "wal_autocheckpoint", sqliteCheckpointPages)
			checkPragma(t, s.write, "journal_size_limit", sqliteCheckpointPages*4096)
			checkPragma(t, s.read, "query_only", 1)
			checkPragma(t, s.read, "busy_timeout", sqliteBusyTimeoutMillis)
			var mode string
			if err := s.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q, %v; want wal", mode, err)
			}
			if s.write.Stats().MaxOpenConnections != 1 {
				t.Errorf("write pool allows %d connections, want 1", s.write.Stats().MaxOpenConnections)
			}
			if _, err := s.read.ExecContext(ctx, `DELETE FROM apps`); err == nil {
				t.Error("the read pool accepted a write")
			}
		})
	}
}

func checkPragma(t *testing.T, db *sql.DB, name string, want int) {
	t.Helper()
	var got int
	if err := db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&got); err != nil {
		t.Errorf("PRAGMA %s: %v", name, err)
		return
	}
	if got != want {
		t.Errorf("PRAGMA %s = %d, want %d", name, got, want)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{URL: ""},
		{URL: ":memory:"},
		{URL: filepath.Join(t.TempDir(), "x.db"), SQLiteSynchronous: "OFF"},
	} {
		if s, err := Open(t.Context(), cfg); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded, want an error", cfg)
		}
	}
}

func TestMigrationsRenderForEveryDialect(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for _, d := range []dialect{sqliteDialect, postgresDialect} {
		for _, m := range ms {
			text, err := m.render(d)
			if err != nil {
				t.Errorf("%s for %s: %v", m.name, d.name, err)
			}
			if strings.Contains(text, "{{") {
				t.Errorf("%s for %s still holds a template action", m.name, d.name)
			}
		}
	}
}

func TestSQLitePathNeedsNoEscaping(t *testing.T) {
	// '?', '#' and '%' in the path must not be read as URI syntax.
	path := filepath.Join(t.TempDir(), "odd ?name#%41.db")
	s := openTest(t, Config{URL: path})
	if err := s.CreateApp(t.Context(), store.App{SDKAppID: 1, Config: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %q: %v", path, err)
	}
}
