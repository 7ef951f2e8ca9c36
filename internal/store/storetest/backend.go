package storetest

import (
	"os"
	"path/filepath"
	"testing"
)

// Backend is one store backend a test runs against. Its value names the
// subtest EachBackend runs it as.
type Backend string

// The backends. SQLite always runs; PostgreSQL runs when PostgresEnv is set.
const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// URL returns the URL of a new, empty database on b for t, removed when t
// ends: a file in t.TempDir() on SQLite, a schema of its own on PostgreSQL
// (see PostgresURL, which skips t when PostgresEnv is unset). Each call
// returns a different database.
func (b Backend) URL(t testing.TB) string {
	t.Helper()
	switch b {
	case SQLite:
		return filepath.Join(t.TempDir(), "parley.db")
	case Postgres:
		return PostgresURL(t)
	}
	t.Fatalf("storetest: unknown backend %q", string(b))
	return ""
}

// EachBackend runs body once per backend, as the parallel subtests
// "sqlite" and "postgres" of t, the way every test that touches a store
// should: one body, every backend. When PostgresEnv is unset the
// "postgres" subtest is skipped with the reason, so `go test -v` shows
// which backend did not run instead of leaving it out silently.
//
// The subtests run after t's function returns (they are parallel), so t
// must not release anything body needs with defer; use t.Cleanup.
func EachBackend(t *testing.T, body func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range []Backend{SQLite, Postgres} {
		t.Run(string(b), func(t *testing.T) {
			if b == Postgres && os.Getenv(PostgresEnv) == "" {
				PostgresURL(t) // skips with the explanation
			}
			t.Parallel()
			body(t, b)
		})
	}
}
