package sqlstore

import (
	"context"
	"database/sql"
	"math/bits"
)

// batchTx runs the statements of one append transaction. On SQLite it
// splits multi-row statements into power-of-two row counts and runs them
// through prepared statements cached for the Store's life: compiling a
// statement costs modernc's SQLite about as much as running it, and the
// power-of-two sizes bound the statement texts to a few dozen. On
// PostgreSQL statements run as they are (pgx caches prepared statements
// per connection itself).
type batchTx struct {
	ctx   context.Context
	tx    *sql.Tx
	d     dialect
	cache *stmtCache // nil on PostgreSQL
	// onRows, if set, counts the rows the transaction writes, by table.
	onRows func(table string, n int)
}

// rows reports n rows written to table.
func (b *batchTx) rows(table string, n int) {
	if b.onRows != nil && n > 0 {
		b.onRows(table, n)
	}
}

func (b *batchTx) exec(q string, args ...any) (sql.Result, error) {
	if st := b.cache.lookup(q); st != nil {
		return b.tx.StmtContext(b.ctx, st).ExecContext(b.ctx, args...)
	}
	return b.tx.ExecContext(b.ctx, q, args...)
}

func (b *batchTx) query(q string, args ...any) (*sql.Rows, error) {
	if st := b.cache.lookup(q); st != nil {
		return b.tx.StmtContext(b.ctx, st).QueryContext(b.ctx, args...)
	}
	return b.tx.QueryContext(b.ctx, q, args...)
}

// pieces splits items into the row groups of successive multi-row
// statements of at most maxRows rows: on SQLite power-of-two counts
// (largest first), elsewhere maxRows at a time.
func pieces[T any](b *batchTx, items []T, maxRows int) [][]T {
	var out [][]T
	if b.cache == nil {
		for len(items) > 0 {
			n := min(len(items), maxRows)
			out = append(out, items[:n])
			items = items[n:]
		}
		return out
	}
	top := 1 << (bits.Len(uint(maxRows)) - 1) // largest power of two <= maxRows
	for len(items) > 0 {
		n := min(top, 1<<(bits.Len(uint(len(items)))-1))
		out = append(out, items[:n])
		items = items[n:]
	}
	return out
}

// stmtCache holds the append path's prepared statements on SQLite. Only the
// batcher goroutine uses it. A statement not cached yet runs unprepared and
// is prepared after its transaction: preparing inside it would wait for the
// one write connection the transaction holds.
type stmtCache struct {
	db     *sql.DB
	stmts  map[string]*sql.Stmt
	missed map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt), missed: make(map[string]bool)}
}

// lookup returns the prepared statement for q, or nil (noting q) if there is
// none yet; a nil cache has none.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if st, ok := c.stmts[q]; ok {
		return st
	}
	c.missed[q] = true
	return nil
}

// prepareMissed prepares the statements lookups missed; the batcher calls
// it between transactions. A failure leaves the statement unprepared.
func (c *stmtCache) prepareMissed(ctx context.Context) {
	if c == nil {
		return
	}
	for q := range c.missed {
		if st, err := c.db.PrepareContext(ctx, q); err == nil {
			c.stmts[q] = st
		}
		delete(c.missed, q)
	}
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
