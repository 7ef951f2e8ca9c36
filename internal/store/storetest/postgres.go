package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the environment variable holding the URL of a
// PostgreSQL database tests may use, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. The role needs
// the CREATE privilege on the database.
const PostgresEnv = "PARLEY_TEST_POSTGRES"

// PostgresURL returns the URL of a fresh, empty PostgreSQL schema for this
// test (dropped at cleanup), or skips the test with a clear message when
// PARLEY_TEST_POSTGRES is unset. The schema has a random name, so parallel
// tests and parallel CI runs on one database never collide; the URL selects
// it with the search_path runtime parameter, so everything created through
// the URL lands in that schema.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run them", PostgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", PostgresEnv, base)
	}
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("random schema name: %v", err)
	}
	schema := "parley_test_" + hex.EncodeToString(suffix[:]) // [a-z0-9_]: needs no quoting

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := execPostgres(ctx, base, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema on %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := execPostgres(ctx, base, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// execPostgres runs one statement on its own connection.
func execPostgres(ctx context.Context, dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}
