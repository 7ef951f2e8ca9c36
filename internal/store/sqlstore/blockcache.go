package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/parley-im/parley/internal/store"
)

// blockCache keeps each user's blacklist in memory once read: the send
// pipeline asks on every user send whether the recipient blocks the
// sender, and a read per send cost about a third of the C2C throughput on
// SQLite and two fifths on PostgreSQL (measured with parley bench c2c).
// The cache is dropped whole on every write that may change a blacklist
// (blacklisting, unblacklisting, deleting accounts), which are rare next
// to sends. On SQLite the store is the only writer of its file; on
// PostgreSQL those writes also notify the other nodes like account writes
// do (accountnotify.go), and the cache is on only while this node's
// listener listens, exactly like the account cache.
type blockCache struct {
	// gen changes with every invalidation, so that a read that raced a
	// write does not put what it read before the write into the cache.
	gen atomic.Uint64

	// enabled: the cache may be used (SQLite: always; PostgreSQL: while
	// notifications are received).
	enabled atomic.Bool

	mu     sync.Mutex
	owners map[blockOwner]map[string]struct{}
}

type blockOwner struct {
	app   int64
	owner string
}

// maxCachedBlacklists bounds the owners kept; past it the cache starts
// over (each entry holds at most the blacklist limit's worth of IDs).
const maxCachedBlacklists = 100000

func newBlockCache(enabled bool) *blockCache {
	c := &blockCache{owners: map[blockOwner]map[string]struct{}{}}
	c.enabled.Store(enabled)
	return c
}

// on reports whether the cache may answer.
func (c *blockCache) on() bool { return c != nil && c.enabled.Load() }

// setEnabled empties the cache and turns it on or off.
func (c *blockCache) setEnabled(on bool) {
	c.enabled.Store(on)
	c.invalidate()
}

// invalidate forgets everything; a store calls it after each write that
// may change a blacklist.
func (c *blockCache) invalidate() {
	if c == nil {
		return
	}
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.owners)
	c.mu.Unlock()
}

// cachedBlocks reports whether owner's blacklist holds peer, reading owner's
// whole blacklist on a miss.
func (s *Store) cachedBlocks(ctx context.Context, app int64, owner, peer string) (bool, error) {
	c := s.blocks
	k := blockOwner{app, owner}
	c.mu.Lock()
	set, ok := c.owners[k]
	c.mu.Unlock()
	if ok {
		_, b := set[peer]
		return b, nil
	}
	gen := c.gen.Load()
	set = map[string]struct{}{}
	err := s.readQuery(ctx, "read a blacklist", func(db queryer) error {
		rows, err := db.QueryContext(ctx, `SELECT blocked FROM blacklist WHERE sdkappid = $1 AND owner = $2`, app, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			set[id] = struct{}{}
		}
		return rows.Err()
	})
	if err != nil {
		return false, err
	}
	if s.beforeBlocksFill != nil {
		s.beforeBlocksFill()
	}
	c.mu.Lock()
	if c.gen.Load() == gen && c.enabled.Load() {
		if len(c.owners) >= maxCachedBlacklists {
			clear(c.owners)
		}
		c.owners[k] = set
	}
	c.mu.Unlock()
	_, b := set[peer]
	return b, nil
}

// cachedRelation is BlacklistRelations for one peer from the cache: an
// entry only when one of the two blocks the other.
func (s *Store) cachedRelation(ctx context.Context, sdkAppID uint64, owner, peer string) (map[string]store.Relation, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	app := appKey(sdkAppID)
	a, err := s.cachedBlocks(ctx, app, owner, peer)
	if err != nil {
		return nil, err
	}
	b, err := s.cachedBlocks(ctx, app, peer, owner)
	if err != nil {
		return nil, err
	}
	out := map[string]store.Relation{}
	if a || b {
		out[peer] = store.Relation{AHasB: a, BHasA: b}
	}
	return out, nil
}
