package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// queryer runs read queries: the read pool as readQuery hands it out, or a
// transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxReadStatements bounds the read statements kept prepared: query texts
// vary with the length of IN lists, and the hot ones (one or two accounts
// per message sent) are met first.
const maxReadStatements = 256

// readStmts runs the read pool's queries through prepared statements kept
// for the Store's life (SQLite only). modernc's SQLite spends about as long
// compiling a small query as running it: before this, parsing the two
// account reads of every message sent took 13 % of the server's CPU in a
// `parley bench c2c` run. A *sql.Stmt prepares itself on each pooled
// connection it runs on, once. Safe for concurrent use; a nil *readStmts
// runs queries on db as they are (PostgreSQL: pgx caches per connection).
type readStmts struct {
	db    *sql.DB
	mu    sync.Mutex // guards stmts and full
	stmts map[string]*sql.Stmt
	full  bool
}

var _ queryer = (*readStmts)(nil)

func newReadStmts(db *sql.DB) *readStmts {
	return &readStmts{db: db, stmts: make(map[string]*sql.Stmt)}
}

// stmt returns the prepared statement for q, preparing it if there is room,
// or nil to run q unprepared.
func (r *readStmts) stmt(ctx context.Context, q string) *sql.Stmt {
	r.mu.Lock()
	st, ok := r.stmts[q]
	full := r.full
	r.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := r.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.stmts[q]; ok { // prepared meanwhile by another caller
		st.Close()
		return prev
	}
	if r.full = len(r.stmts) >= maxReadStatements; r.full {
		st.Close()
		return nil
	}
	r.stmts[q] = st
	return st
}

// QueryContext runs q through its prepared statement.
func (r *readStmts) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := r.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.db.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q through its prepared statement.
func (r *readStmts) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := r.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, q, args...)
}

// close closes the prepared statements; the Store calls it once no query
// runs.
func (r *readStmts) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for q, st := range r.stmts {
		st.Close()
		delete(r.stmts, q)
	}
	r.full = true
}
