// Package sqlstore implements store.Store on SQLite (modernc.org/sqlite) and
// PostgreSQL (pgx through database/sql) with one set of queries. What differs
// between the two lives in dialect.go; the schema lives in embedded,
// versioned migrations applied by Open.
//
// On SQLite every write goes through one dedicated connection and reads use a
// separate read-only pool; on PostgreSQL one pool serves both. In both cases
// every write transaction passes through Store.runTx. C2C appends from
// concurrent callers are committed together by one batcher goroutine per
// Store (group commit, batcher.go).
//
// Times are stored as Unix milliseconds; CreatedAt values come back in UTC
// with millisecond precision.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// Config configures Open. The zero value of every field but URL means its
// default.
type Config struct {
	// URL selects the backend: "postgres://..." or "postgresql://..." is
	// PostgreSQL; anything else is a SQLite file path, created (mode 0600,
	// parent directories 0700) if missing.
	URL string
	// SQLiteSynchronous is "FULL" (default; an acknowledged write survives
	// power loss) or "NORMAL" (survives a process crash only). Ignored on
	// PostgreSQL.
	SQLiteSynchronous string
	// Logger receives migration and lifecycle logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock that stamps CreatedAt of imported accounts; nil
	// means time.Now.
	Now func() time.Time
	// OnAppendBatch, if set, is called by the group-commit goroutine after
	// each committed C2C append transaction with the number of messages
	// it held and how long the transaction took (begin to commit). It runs
	// on the commit path, so it must return quickly (e.g. observe a
	// Prometheus histogram). Failed transactions are not reported.
	OnAppendBatch func(messages int, elapsed time.Duration)
	// OnRowsWritten, if set, is called by the writer with the rows its
	// message transactions write, by table (c2c_journal, c2c_messages,
	// user_sync, conversations, seq_counters). Like OnAppendBatch it must
	// return quickly.
	OnRowsWritten func(table string, rows int)
	// OnMove, if set, is called by the SQLite writer after each committed
	// transaction that moved journaled messages or ran queued write
	// operations, with how many of each and how long it took.
	OnMove func(messages, ops int, elapsed time.Duration)
}

// Store is a store.Store backed by SQLite or PostgreSQL. It is safe for
// concurrent use. Create it with Open.
type Store struct {
	dialect dialect
	// write runs every write transaction; on SQLite it holds exactly one
	// connection. read serves queries; on PostgreSQL it is the same pool.
	write, read *sql.DB
	log         *slog.Logger
	now         func() time.Time
	// onAppendBatch is Config.OnAppendBatch; never nil after Open.
	onAppendBatch func(messages int, elapsed time.Duration)

	mu       sync.Mutex // guards closed and inflight.Add
	closed   bool
	inflight sync.WaitGroup // calls that entered before Close

	// appends feeds the batcher (batcher.go) and ops the writer
	// (writer.go); stopBatcher, closed by Close once no call is in flight,
	// ends it and batcherDone reports its exit.
	appends chan *appendRequest
	ops     chan *writeOp
	// journal is the writer's state of the C2C journal (SQLite,
	// journal.go); journalHead and movedUpTo are the last journal ids
	// acknowledged and moved, movedCh is closed (and replaced) at every
	// move, moveAsked and moveWaiters tell the writer readers wait.
	journal     journalState
	journalHead atomic.Int64
	movedUpTo   atomic.Int64
	moveMu      sync.Mutex
	movedCh     chan struct{}
	moveAsked   chan struct{}
	moveWaiters atomic.Int32
	// pendingOps are claimed write operations waiting for the next move
	// (writer goroutine only).
	pendingOps []*writeOp
	// onRows is Config.OnRowsWritten and onMove Config.OnMove (nil: not
	// observed).
	onRows      func(table string, n int)
	onMove      func(messages, ops int, elapsed time.Duration)
	stopBatcher chan struct{}
	batcherDone chan struct{}
	stats       batchStats
	health      writeHealth
	appendStmts *stmtCache // SQLite only; owned by the batcher
	readStmts   *readStmts // SQLite only
	// accountCache holds accounts and profiles (accountcache.go); on
	// PostgreSQL accountListener keeps it coherent with other nodes'
	// writes (accountnotify.go).
	accountCache *accountCache
	// blocks holds blacklists (blockcache.go).
	blocks          *blockCache
	accountListener *accountListener
	// beforeFill, when set (tests only), runs between a cache miss's
	// database read and the cache fill.
	beforeFill func()
	// beforeBlocksFill, when set (tests only), runs between a blacklist
	// cache miss's read and the cache fill.
	beforeBlocksFill func()
	// holdJournal, when set (tests only), keeps the writer from moving
	// the journal, also when the store closes: what a crash leaves.
	holdJournal bool
	// failAppend, when set (tests only), runs inside every append
	// transaction with its messages; an error aborts the transaction.
	failAppend func(msgs []store.C2CAppend) error
}

var _ store.Store = (*Store)(nil)

// Open connects to the backend cfg.URL selects, applies pending migrations
// and returns a ready store. It fails with ErrSchemaTooNew if the database
// was migrated by a newer Parley.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s := &Store{log: cfg.Logger, now: cfg.Now, onAppendBatch: cfg.OnAppendBatch, onRows: cfg.OnRowsWritten, onMove: cfg.OnMove}
	if s.onAppendBatch == nil {
		s.onAppendBatch = func(int, time.Duration) {}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.connect(ctx, cfg); err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", redactURL(cfg.URL), err)
	}
	version, err := migrate(ctx, s.write, s.dialect, s.log)
	if err == nil && s.dialect.journal {
		err = s.recoverJournal(ctx)
	}
	if err != nil {
		s.closePools()
		return nil, fmt.Errorf("sqlstore: open %s: %w", redactURL(cfg.URL), err)
	}
	s.startBatcher()
	s.log.Info("store opened", "backend", s.dialect.name, "schema_version", version)
	return s, nil
}

func (s *Store) connect(ctx context.Context, cfg Config) error {
	if IsPostgresURL(cfg.URL) {
		s.dialect = postgresDialect
		db, err := openPostgres(ctx, cfg.URL)
		if err != nil {
			return err
		}
		s.write, s.read = db, db
		s.accountCache = newSharedAccountCache()
		s.blocks = newBlockCache(false) // on while the listener listens
		s.accountListener = startAccountListener(cfg.URL, s.accountCache, s.blocks, s.log)
		return nil
	}
	s.dialect = sqliteDialect
	synchronous, err := normalizeSynchronous(cfg.SQLiteSynchronous)
	if err != nil {
		return err
	}
	s.write, s.read, err = openSQLite(ctx, cfg.URL, synchronous)
	if err == nil {
		s.readStmts = newReadStmts(s.read)
		s.accountCache = newAccountCache()
		s.blocks = newBlockCache(true)
	}
	return err
}

// Ping reports whether the backend answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.inflight.Done()
	if err := s.read.PingContext(ctx); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// Close makes new calls fail with store.ErrClosed, waits for calls already
// running (appends queued for the batcher included, so every acknowledged
// write is committed), stops the batcher and closes the connections.
// Calling Close again returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.inflight.Wait()
	s.stopBatcherAndWait()
	if s.readStmts != nil {
		s.readStmts.close()
	}
	if err := s.closePools(); err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

func (s *Store) closePools() error {
	s.accountListener.stop()
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// open reports store.ErrClosed after Close: calls answered from memory
// still fail like the others once the store is closed.
func (s *Store) open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	return nil
}

// enter registers a call so that Close waits for it; the caller must call
// s.inflight.Done when it returns. It fails with store.ErrClosed after Close.
func (s *Store) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.inflight.Add(1)
	return nil
}

// runTx is writeTx for code already covered by a call in flight (the
// batcher): every write transaction of the store runs here.
func (s *Store) runTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	err := s.tryTx(ctx, op, fn)
	s.health.record(err)
	return err
}

func (s *Store) tryTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// readQuery runs fn against the read pool (on SQLite through prepared
// statements, readstmts.go). Reads that need one snapshot across statements
// must use a single statement.
func (s *Store) readQuery(ctx context.Context, op string, fn func(db queryer) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.inflight.Done()
	var db queryer = s.read
	if s.readStmts != nil {
		db = s.readStmts
	}
	if err := fn(db); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// fail is the one place that turns driver errors into store errors:
// duplicate keys become store.ErrConflict, sql.ErrNoRows and foreign-key
// violations store.ErrNotFound, a closed database store.ErrClosed; store sentinels returned by query code
// keep their identity. Everything else (context errors included, still
// visible to errors.Is) is wrapped with op and the backend name.
func (s *Store) fail(op string, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrClosed):
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrConflict)
	case isForeignKeyViolation(err):
		// The row written refers to one deleted concurrently.
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	case errors.Is(err, sql.ErrConnDone):
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrClosed)
	}
	return fmt.Errorf("sqlstore: %s (%s): %w", op, s.dialect.name, err)
}
