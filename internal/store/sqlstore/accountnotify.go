package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// The account cache on PostgreSQL (decision 0009). Several nodes write
// accounts and profiles in one database, so a node may keep them in memory
// only as long as it hears of every write: each such write transaction
// sends a NOTIFY on accountsChannel naming the accounts it changed
// (notifyAccounts; PostgreSQL delivers it at commit, and only if it
// commits), and every node's accountListener LISTENs on its own connection
// and drops what the notifications name from its cache.
//
// How stale can a node be? A write committed on another node is visible
// in this node's cache until its notification arrives: the delivery delay,
// milliseconds. A reader that read the old row before the commit cannot
// put it back after the invalidation (the cache's generations, see
// accountcache.go). The cache is used only while the listener is known to
// be listening: it starts disabled, is enabled (and emptied) once LISTEN
// succeeded, and is disabled (and emptied) as soon as the listening
// connection fails, or when it stops answering: when no notification came
// for listenerPingInterval the listener pings, and a ping that fails or
// does not answer within listenerPingTimeout closes the connection. Missed
// notifications can therefore never leave a stale entry behind: the worst
// case is a connection dead without an error, stale for at most
// listenerPingInterval + listenerPingTimeout.
//
// Sign-in revocations are not cached on PostgreSQL: they are read once per
// login or REST call, not per message, and a revocation must hold at once
// on every node.

// accountsChannel is the NOTIFY channel of account and profile writes.
const accountsChannel = "parley_accounts"

const (
	// listenerPingInterval and listenerPingTimeout bound how long a silent
	// listening connection goes unnoticed (see above).
	listenerPingInterval = 5 * time.Second
	listenerPingTimeout  = 2 * time.Second
	// listenerRetryDelay is the wait between attempts to listen again.
	listenerRetryDelay = time.Second
	// maxNotifyPayload keeps each notification under PostgreSQL's 8,000
	// byte payload limit.
	maxNotifyPayload = 7000
)

// accountNotice is a notification's payload: an app and user IDs.
type accountNotice struct {
	App   uint64   `json:"a"`
	Users []string `json:"u"`
}

// notifyPayloads splits ids into notifications of at most maxNotifyPayload
// bytes (an ID longer than that gets one of its own; PostgreSQL then
// refuses the transaction rather than lose the invalidation).
func notifyPayloads(app uint64, ids []string) []string {
	var out []string
	n := accountNotice{App: app}
	size := 0
	flush := func() {
		if len(n.Users) > 0 {
			b, _ := json.Marshal(n)
			out = append(out, string(b))
		}
		n.Users, size = nil, 0
	}
	for _, id := range ids {
		if size+len(id)+8 > maxNotifyPayload-40 {
			flush()
		}
		n.Users = append(n.Users, id)
		size += len(id) + 8 // quotes, comma, escapes of a few characters
	}
	flush()
	return out
}

// notifyAccounts tells the other nodes, when tx commits, that the accounts
// of ids changed. Every transaction writing accounts or profile items
// calls it (SQLite: no other node, nothing to do).
func (s *Store) notifyAccounts(ctx context.Context, tx *sql.Tx, app uint64, ids []string) error {
	if s.accountListener == nil || len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) p`,
		accountsChannel, notifyPayloads(app, ids))
	return err
}

// accountListener keeps a node's account cache coherent with the other
// nodes' writes (see the file comment). It owns one goroutine, ended by
// stop.
type accountListener struct {
	url   string
	cache *accountCache
	// blocks is emptied by every notification: account deletions and
	// blacklist writes both notify (blockcache.go).
	blocks *blockCache
	log    *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	// pid is the listening connection's backend process id, 0 while not
	// listening (tests end that backend to cut the connection).
	pid atomic.Uint32
}

// startAccountListener starts listening for cache's sake.
func startAccountListener(url string, cache *accountCache, blocks *blockCache, log *slog.Logger) *accountListener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &accountListener{url: url, cache: cache, blocks: blocks, log: log, cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// stop ends the listener and waits for it; nil-safe, idempotent.
func (l *accountListener) stop() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
}

func (l *accountListener) run(ctx context.Context) {
	defer close(l.done)
	for failures := 0; ; failures++ {
		listened, err := l.listen(ctx)
		l.cache.setEnabled(false)
		l.blocks.setEnabled(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			failures = 0
		}
		// Once per outage, then once a minute while PostgreSQL stays away.
		if failures%60 == 0 {
			l.log.Warn("account cache off: no notification connection; retrying every second", "error", err)
		}
		select {
		case <-time.After(listenerRetryDelay):
		case <-ctx.Done():
			return
		}
	}
}

// listen connects, listens and applies notifications until the
// connection fails or ctx ends, and reports whether it got to listen. The
// cache is on only in between.
func (l *accountListener) listen(ctx context.Context) (listened bool, err error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return false, err
	}
	// A wait that times out must leave the connection usable: set a
	// deadline rather than send PostgreSQL a cancel request.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+accountsChannel); err != nil {
		return false, err
	}
	l.cache.setEnabled(true)
	l.blocks.setEnabled(true)
	l.pid.Store(conn.PgConn().PID())
	defer l.pid.Store(0)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenerPingInterval)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.apply(n.Payload)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case wctx.Err() != nil:
			pctx, cancel := context.WithTimeout(ctx, listenerPingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}

// apply drops the accounts a notification names; one it cannot read
// empties the cache.
func (l *accountListener) apply(payload string) {
	l.blocks.invalidate()
	var n accountNotice
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		l.log.Warn("account cache: unreadable notification; emptying the cache", "error", err)
		l.cache.clear()
		return
	}
	l.cache.invalidate(n.App, n.Users)
}
