// Package local is the in-process bus: the default delivery for a single
// node. PublishUser calls the user's handlers synchronously, in the
// publisher's goroutine, one after another, and returns when they have all
// returned; there is no dispatcher goroutine and no queue. A publisher is
// therefore only as fast as the slowest handler, which is why bus.Handler
// must not block (the gateway's handler enqueues to bounded session queues
// and returns). Handlers are called with no lock of the bus held, so a
// handler may publish, subscribe or unsubscribe.
package local

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/parley-im/parley/internal/bus"
)

var _ bus.Bus = (*Bus)(nil)

// shardCount spreads subscriptions over independent locks so that
// publishers to different users do not contend on one mutex.
const shardCount = 32

// Bus is an in-process bus.Bus. The zero value is not usable; call New.
type Bus struct {
	seed   maphash.Seed
	shards [shardCount]shard
}

type userKey struct {
	sdkAppID uint64
	userID   string
}

type shard struct {
	mu     sync.RWMutex
	closed bool
	users  map[userKey][]*subscription
}

type subscription struct {
	bus     *Bus
	key     userKey
	handler bus.Handler
}

// New returns an empty, open bus.
func New() *Bus {
	b := &Bus{seed: maphash.MakeSeed()}
	for i := range b.shards {
		b.shards[i].users = map[userKey][]*subscription{}
	}
	return b
}

func (b *Bus) shard(k userKey) *shard {
	return &b.shards[maphash.Comparable(b.seed, k)%shardCount]
}

// PublishUser calls every handler subscribed to the user, synchronously,
// with ev unchanged (Data is shared, not copied). A user without
// subscriptions is not an error. ctx is not consulted: delivery never waits.
func (b *Bus) PublishUser(_ context.Context, sdkAppID uint64, userID string, ev bus.Event) error {
	k := userKey{sdkAppID, userID}
	sh := b.shard(k)
	var buf [4]bus.Handler
	handlers := buf[:0]
	sh.mu.RLock()
	if sh.closed {
		sh.mu.RUnlock()
		return bus.ErrClosed
	}
	for _, s := range sh.users[k] {
		handlers = append(handlers, s.handler)
	}
	sh.mu.RUnlock()
	for _, h := range handlers {
		h(sdkAppID, userID, ev)
	}
	return nil
}

// SubscribeUser registers h for the user's events. A publish that started
// before SubscribeUser returned may or may not reach h.
func (b *Bus) SubscribeUser(sdkAppID uint64, userID string, h bus.Handler) (bus.Subscription, error) {
	k := userKey{sdkAppID, userID}
	s := &subscription{bus: b, key: k, handler: h}
	sh := b.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return nil, bus.ErrClosed
	}
	sh.users[k] = append(sh.users[k], s)
	return s, nil
}

// Unsubscribe removes the subscription; later publishes do not reach its
// handler, though a publish already in progress may still call it once. It
// is idempotent and also harmless after Close.
func (s *subscription) Unsubscribe() error {
	sh := s.bus.shard(s.key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	subs := sh.users[s.key]
	i := slices.Index(subs, s)
	if i < 0 {
		return nil
	}
	if len(subs) == 1 {
		delete(sh.users, s.key)
		return nil
	}
	sh.users[s.key] = slices.Delete(subs, i, i+1)
	return nil
}

// Close drops every subscription; later calls to PublishUser and
// SubscribeUser return bus.ErrClosed. Closing twice is harmless.
func (b *Bus) Close() error {
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.Lock()
		sh.closed = true
		clear(sh.users)
		sh.mu.Unlock()
	}
	return nil
}
