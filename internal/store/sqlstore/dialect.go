package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds everything that differs between SQLite and PostgreSQL,
// but for PostgreSQL's append pipeline (append_postgres.go) and account
// notifications (accountnotify.go). Every other query of the package is
// shared: both engines accept $N
// placeholders (modernc binds $N to the N-th argument), ON CONFLICT upserts,
// RETURNING, and BIGINT columns; times are stored as Unix milliseconds.

// dialect describes one backend.
type dialect struct {
	// name is "sqlite" or "postgres"; it appears in logs and errors.
	name string
	// ddl holds the type names and table options the migration templates
	// use (see migrate.go).
	ddl ddlNames
	// migrationLock is run first in the migration transaction so that
	// several nodes starting at once apply migrations one at a time; empty
	// when the write transaction alone serialises them.
	migrationLock string
	// lockRows ends a SELECT whose rows a write transaction is about to
	// update, locking them in the SELECT's order (PostgreSQL: FOR UPDATE);
	// empty where the single writer makes it unnecessary.
	lockRows string
	// anonymousParams: multi-row statements bind "?" parameters in order
	// instead of "$N" (see dialect.tuples).
	anonymousParams bool
	// cacheAppendStatements: the batcher keeps its statements prepared
	// (see batchTx).
	cacheAppendStatements bool
	// pipelineAppends: a C2C append batch is one pipelined round trip
	// (append_postgres.go).
	pipelineAppends bool
	// journal: one writer goroutine owns the database, so C2C appends are
	// acknowledged once journaled, sequence counters live in its memory,
	// and every write goes through it (writer.go, journal.go).
	journal bool
}

// ddlNames are the template fields of the migration files.
type ddlNames struct {
	// Bytes is the type of opaque byte columns (JSON documents, values).
	Bytes string
	// Key is the type of text key columns; it must compare bytewise so
	// that "ordered by" means the same on both backends.
	Key string
	// KeyedTable ends CREATE TABLE statements of tables with a composite
	// primary key.
	KeyedTable string
	// Serial is an integer primary key column kept in key order at the end
	// of its table (SQLite: the rowid itself, no second b-tree).
	Serial string
}

var (
	sqliteDialect = dialect{
		name: "sqlite",
		ddl:  ddlNames{Bytes: "BLOB", Key: "TEXT", KeyedTable: " WITHOUT ROWID", Serial: "INTEGER PRIMARY KEY"},
		// SQLite finds a "$N" parameter by a linear search of the
		// statement's parameter names, when parsing and again when modernc
		// binds each argument: quadratic in the parameters, tens of
		// milliseconds for a batch of messages.
		anonymousParams:       true,
		cacheAppendStatements: true,
		journal:               true,
	}
	postgresDialect = dialect{
		name: "postgres",
		ddl:  ddlNames{Bytes: "BYTEA", Key: `TEXT COLLATE "C"`, Serial: "BIGINT PRIMARY KEY"},
		// One lock per schema, so independent schemas (tests) do not wait
		// for each other.
		migrationLock:   `SELECT pg_advisory_xact_lock(1886548073, hashtext(coalesce(current_schema(), '')))`,
		lockRows:        ` FOR UPDATE`,
		pipelineAppends: true,
	}
)

// tuples returns n parenthesised rows of len(cols) parameters each for a
// VALUES list, numbered from first; a non-empty cols[i] casts that column
// to the named type (PostgreSQL needs it to type parameters outside an
// INSERT). Arguments must follow in the rows' order: on SQLite the
// parameters are anonymous ("?"), so no number may be reused or skipped.
func (d dialect) tuples(first, n int, cols ...string) string {
	var b strings.Builder
	k := first
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, typ := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			p := "?"
			if !d.anonymousParams {
				p = "$" + strconv.Itoa(k)
			}
			k++
			if typ != "" {
				p = "CAST(" + p + " AS " + typ + ")"
			}
			b.WriteString(p)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// IsPostgresURL reports whether a store URL selects PostgreSQL
// ("postgres://..." or "postgresql://..."); any other URL is a SQLite
// file. It is the one place that rule is written: configuration checks
// and Open both ask it.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// postgresMaxOpenConns bounds one node's share of the server's connections.
const postgresMaxOpenConns = 20

// openPostgres opens one pool that serves reads and writes.
func openPostgres(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(postgresMaxOpenConns)
	// Keep every connection: with fewer idle slots than open connections,
	// a burst closes the extra ones as they come back and opens new ones
	// (a new PostgreSQL backend process each) for the next burst; under
	// parley bench c2c that churn held durable sends to ~550 msgs/s.
	db.SetMaxIdleConns(postgresMaxOpenConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteBusyTimeoutMillis is how long a connection waits for a lock held by
// another connection (or process) before failing with SQLITE_BUSY.
const sqliteBusyTimeoutMillis = 5000

// sqliteCheckpointPages is the WAL size, in pages (4 KiB), at which the
// committing writer checkpoints: 64 MiB of log at most, replayed on the
// next open after a crash.
const sqliteCheckpointPages = 16000

// openSQLite creates the database file with mode 0600 if needed (SQLite gives
// its -wal and -shm files the mode of the database file) and opens the single
// write connection and the read-only pool.
func openSQLite(ctx context.Context, path, synchronous string) (write, read *sql.DB, err error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, nil, fmt.Errorf("SQLite URL must be a file path, got %q", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if err := f.Close(); err != nil {
		return nil, nil, err
	}

	write, err = openSQLitePool(ctx, sqliteDSN(abs,
		"_txlock=immediate", // take the write lock at BEGIN, not at the first write
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous("+synchronous+")",
		"_pragma=foreign_keys(1)",
		// A batch touches pages all over the indexes; keep them cached
		// (64 MiB) rather than re-read them for the next batch.
		"_pragma=cache_size(-65536)",
		// Multi-row statements inside a transaction keep a statement
		// journal; in a temporary file it costs a write(2) per page (about
		// 12 % of the writer's time in BenchmarkAppendC2C).
		"_pragma=temp_store(MEMORY)",
		// Checkpoints stay automatic, in the commit that fills the WAL past
		// sqliteCheckpointPages; a page that many commits rewrite is copied
		// back once per checkpoint, so fewer, larger checkpoints write less
		// (parley bench c2c: 1,000 pages 4.3-4.6 k msgs/s, 4,000 pages
		// 4.8-4.9 k, 16,000 pages 5.4-5.5 k, 64,000 pages 5.0 k). A background
		// PASSIVE checkpointer was tried instead: it never caught up with a
		// writer committing every millisecond, so the WAL, and the cost of
		// every page lookup in it, grew without bound.
		fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", sqliteCheckpointPages),
		// After a checkpoint the WAL restarts from its beginning; a file
		// that grew past this (readers held old frames) is cut back to it.
		fmt.Sprintf("_pragma=journal_size_limit(%d)", sqliteCheckpointPages*4096),
	))
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read, err = openSQLitePool(ctx, sqliteDSN(abs,
		"_pragma=foreign_keys(1)",
		"_pragma=query_only(1)",
	))
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return write, read, nil
}

// sqliteDSN builds a modernc DSN: a file: URI (so '?' and '#' in the path
// are escaped) with busy_timeout first, then params.
func sqliteDSN(path string, params ...string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(filepath.ToSlash(path))
	q := append([]string{fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeoutMillis)}, params...)
	return "file:" + escaped + "?" + strings.Join(q, "&")
}

// openSQLitePool opens a pool and its first connection. Switching a new
// database to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY
// at once (without its busy handler) while another process opening the
// same file holds a lock, so connecting is retried for up to the busy
// timeout.
func openSQLitePool(ctx context.Context, dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(sqliteBusyTimeoutMillis * time.Millisecond)
	for {
		err = db.PingContext(ctx)
		if err == nil {
			return db, nil
		}
		var le *sqlite.Error
		if !errors.As(err, &le) || le.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			db.Close()
			return nil, err
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		}
	}
}

// normalizeSynchronous validates Config.SQLiteSynchronous.
func normalizeSynchronous(s string) (string, error) {
	switch strings.ToUpper(s) {
	case "", "FULL":
		return "FULL", nil
	case "NORMAL":
		return "NORMAL", nil
	}
	return "", fmt.Errorf("SQLiteSynchronous must be FULL or NORMAL, got %q", s)
}

// isUniqueViolation reports whether err is a duplicate-key error of either
// driver.
func isUniqueViolation(err error) bool {
	var le *sqlite.Error
	if errors.As(err, &le) {
		return le.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || le.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" // unique_violation
}

// isForeignKeyViolation reports whether err says a referenced row (an
// account, for profile items) does not exist.
func isForeignKeyViolation(err error) bool {
	var le *sqlite.Error
	if errors.As(err, &le) {
		return le.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503" // foreign_key_violation
}

// redactURL drops the password from a PostgreSQL URL for logs and errors.
func redactURL(u string) string {
	if !IsPostgresURL(u) {
		return u
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return "postgres://(unparseable)"
	}
	return parsed.Redacted()
}
