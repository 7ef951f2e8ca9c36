package sqlstore

import (
	"slices"
	"sync"

	"github.com/parley-im/parley/internal/store"
)

// accountCache keeps accounts, their whole profiles and sign-in revocations
// in memory: every send reads its sender's and recipient's accounts and the
// sender's nick, which cost about a fifth of the server's CPU in a `parley
// bench c2c` run even with prepared statements, and every REST call and
// login reads the caller's revocation. On SQLite this Store is the only
// writer of the database. On PostgreSQL other nodes write the same rows:
// the cache holds accounts and profiles only while it hears of their
// writes (accountnotify.go), and no revocations.
//
// Coherence. Only existing accounts are cached (an account created by
// another process, such as `parley app create`, is read on first use);
// revocations are cached for any UserID asked about, 0 meaning none.
// Every write of accounts, profile items or revocations, in the Store's
// methods, calls invalidate after its transaction, whatever the outcome. A reader
// takes the generation before it reads the database and fills the cache
// only if no invalidation happened since (fill checks under the same lock
// invalidate takes), so a value read before a write committed cannot land
// in the cache after that write's invalidation.
//
// Size. At most maxCachedAccounts entries in each map; when full, an
// arbitrary entry makes room (Go's map iteration order).
type accountCache struct {
	mu      sync.Mutex
	gen     uint64
	m       map[accountKey]*cachedAccount
	revoked map[accountKey]int64 // Unix seconds; 0: never revoked
	// enabled: lookups may answer from memory (false: every lookup
	// misses, no fill sticks). revocations: revocations are cached.
	enabled, revocations bool
}

// maxCachedAccounts and maxCachedProfileBytes bound the cache: an account
// takes about 150 bytes, plus its profile if that is at most
// maxCachedProfileBytes (tags and values), so about 100 MB at worst; larger
// profiles (many or long custom tags) are read from the database each time.
const (
	maxCachedAccounts     = 100_000
	maxCachedProfileBytes = 1024
)

type accountKey struct {
	app  uint64
	user string
}

type cachedAccount struct {
	acct store.Account
	// profile is every item of the account, ordered by tag; nil until a
	// profile read filled it.
	profile []store.ProfileItem
}

func newAccountCache() *accountCache {
	return &accountCache{m: make(map[accountKey]*cachedAccount), revoked: make(map[accountKey]int64),
		enabled: true, revocations: true}
}

// newSharedAccountCache returns the cache of a node sharing its database:
// off until its listener turns it on, without revocations.
func newSharedAccountCache() *accountCache {
	return &accountCache{m: make(map[accountKey]*cachedAccount), revoked: make(map[accountKey]int64)}
}

// setEnabled empties the cache and turns it on or off.
func (c *accountCache) setEnabled(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emptyLocked()
	c.enabled = on
}

// clear empties the cache.
func (c *accountCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emptyLocked()
}

// emptyLocked forgets everything and makes fills by readers that started
// before it no-ops; the caller holds mu.
func (c *accountCache) emptyLocked() {
	c.gen++
	clear(c.m)
	clear(c.revoked)
}

// generation returns the token a reader passes to its fills.
func (c *accountCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// accounts copies the cached accounts among ids into found and returns the
// ids not cached.
func (c *accountCache) accounts(app uint64, ids []string, found map[string]store.Account) (missing []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled {
		return ids
	}
	for _, id := range ids {
		if e, ok := c.m[accountKey{app, id}]; ok {
			found[id] = e.acct
		} else {
			missing = append(missing, id)
		}
	}
	return missing
}

// fillAccounts caches accounts read while the generation was gen.
func (c *accountCache) fillAccounts(gen, app uint64, accts map[string]store.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.enabled {
		return
	}
	for id, a := range accts {
		if e, ok := c.m[accountKey{app, id}]; ok {
			e.acct = a
			continue
		}
		c.add(accountKey{app, id}, &cachedAccount{acct: a})
	}
}

// profiles puts into out the cached profiles among ids, filtered by tags
// (all when empty), and returns the ids whose profile is not cached.
func (c *accountCache) profiles(app uint64, ids []string, tags map[string]bool, out map[string][]store.ProfileItem) (missing []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled {
		return ids
	}
	for _, id := range ids {
		e, ok := c.m[accountKey{app, id}]
		if !ok || e.profile == nil {
			missing = append(missing, id)
			continue
		}
		out[id] = filterItems(e.profile, tags)
	}
	return missing
}

// fillProfiles caches whole profiles (every tag) read while the generation
// was gen, for accounts already cached (GetAccounts fills those; a send
// reads its accounts before the sender's nick).
func (c *accountCache) fillProfiles(gen, app uint64, profiles map[string][]store.ProfileItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.enabled {
		return
	}
	for id, items := range profiles {
		if e, ok := c.m[accountKey{app, id}]; ok && profileBytes(items) <= maxCachedProfileBytes {
			e.profile = slices.Clone(orEmptyItems(items))
		}
	}
}

// profileBytes is the size of a profile's tags and values.
func profileBytes(items []store.ProfileItem) int {
	n := 0
	for _, it := range items {
		n += len(it.Tag) + len(it.Value)
	}
	return n
}

// add stores e under k, making room if needed; the caller holds mu.
func (c *accountCache) add(k accountKey, e *cachedAccount) {
	if _, ok := c.m[k]; !ok && len(c.m) >= maxCachedAccounts {
		for victim := range c.m {
			delete(c.m, victim)
			break
		}
	}
	c.m[k] = e
}

// revocation returns the cached sign-in revocation of the user, if cached.
func (c *accountCache) revocation(app uint64, id string) (at int64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || !c.revocations {
		return 0, false
	}
	at, ok = c.revoked[accountKey{app, id}]
	return at, ok
}

// fillRevocation caches a revocation read while the generation was gen.
func (c *accountCache) fillRevocation(gen, app uint64, id string, at int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !c.enabled || !c.revocations {
		return
	}
	k := accountKey{app, id}
	if _, ok := c.revoked[k]; !ok && len(c.revoked) >= maxCachedAccounts {
		for victim := range c.revoked {
			delete(c.revoked, victim)
			break
		}
	}
	c.revoked[k] = at
}

// invalidate forgets the accounts and revocations of ids and makes fills by readers that
// started before it no-ops.
func (c *accountCache) invalidate(app uint64, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, id := range ids {
		delete(c.m, accountKey{app, id})
		delete(c.revoked, accountKey{app, id})
	}
}

// filterItems returns a new slice with the items whose tag is in tags (all
// items when tags is nil). Values are shared: callers do not modify them.
func filterItems(items []store.ProfileItem, tags map[string]bool) []store.ProfileItem {
	out := make([]store.ProfileItem, 0, len(items))
	for _, it := range items {
		if tags == nil || tags[it.Tag] {
			out = append(out, it)
		}
	}
	return out
}

func orEmptyItems(items []store.ProfileItem) []store.ProfileItem {
	if items == nil {
		return []store.ProfileItem{}
	}
	return items
}
