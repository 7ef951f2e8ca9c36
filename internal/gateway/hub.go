package gateway

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/parley-im/parley/internal/bus"
)

// hub is the node's registry of signed-in sessions by user. The node holds
// one bus subscription per user with at least one session here: taken with
// the first session, dropped with the last. Bus events reach the user's
// sessions through deliver.
//
// Lock order: hubShard.mu, then Session.mu. The bus calls deliver with no
// lock of its own held, and the hub calls the bus (subscribe, unsubscribe)
// under a shard lock, so the bus must never call a handler while holding a
// lock that SubscribeUser or Unsubscribe takes (bustest checks this).
type hub struct {
	gw     *Gateway
	seed   maphash.Seed
	shards [hubShards]hubShard
}

const hubShards = 64

type userKey struct {
	sdkAppID uint64
	userID   string
}

type hubShard struct {
	mu    sync.RWMutex
	users map[userKey]*userSessions
}

type userSessions struct {
	sessions []*Session
	sub      bus.Subscription
}

func (h *hub) init(gw *Gateway) {
	h.gw = gw
	h.seed = maphash.MakeSeed()
	for i := range h.shards {
		h.shards[i].users = map[userKey]*userSessions{}
	}
}

func (h *hub) shard(k userKey) *hubShard {
	return &h.shards[maphash.Comparable(h.seed, k)%hubShards]
}

// register adds a signed-in session, subscribing to the user's events if
// it is the user's first on this node. then runs under the shard lock, so
// nothing delivered to the user can be queued before what then queues.
func (h *hub) register(s *Session, then func()) error {
	k := userKey{s.sdkAppID, s.userID}
	sh := h.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u := sh.users[k]
	if u == nil {
		sub, err := h.gw.bus.SubscribeUser(k.sdkAppID, k.userID, h.deliver)
		if err != nil {
			return fmt.Errorf("subscribe to user %q of app %d: %w", k.userID, k.sdkAppID, err)
		}
		u = &userSessions{sub: sub}
		sh.users[k] = u
	}
	u.sessions = append(u.sessions, s)
	then()
	return nil
}

// unregister removes a session, unsubscribing after the user's last.
func (h *hub) unregister(s *Session) {
	k := userKey{s.sdkAppID, s.userID}
	sh := h.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u := sh.users[k]
	if u == nil {
		return
	}
	i := slices.Index(u.sessions, s)
	if i < 0 {
		return
	}
	u.sessions = slices.Delete(u.sessions, i, i+1)
	if len(u.sessions) > 0 {
		return
	}
	delete(sh.users, k)
	if err := u.sub.Unsubscribe(); err != nil {
		h.gw.log.Warn("gateway: unsubscribe", "sdkappid", k.sdkAppID, "user", k.userID, "err", err)
	}
}

// deliver is the bus handler of every user this node holds: it queues the
// event, encoded once, on each of the user's sessions it is meant for.
func (h *hub) deliver(sdkAppID uint64, userID string, ev bus.Event) {
	if ev.Control != "" {
		h.control(sdkAppID, userID, ev)
		return
	}
	k := userKey{sdkAppID, userID}
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	u := sh.users[k]
	if u == nil {
		return
	}
	var frame []byte
	queued := 0
	for _, s := range u.sessions {
		if ev.OnlySession != "" && s.id != ev.OnlySession || s.id == ev.ExceptSession {
			continue
		}
		if frame == nil {
			frame = EncodeEvent(ev.Name, ev.Data)
		}
		if s.enqueue(frame) {
			queued++
		}
	}
	if queued > 0 {
		h.gw.metrics.events.named(ev.Name).Add(float64(queued))
	}
}

// control carries out a control order (bus.Event.Control).
func (h *hub) control(sdkAppID uint64, userID string, ev bus.Event) {
	if ev.Control != controlKick {
		h.gw.log.Warn("gateway: unknown control order", "control", ev.Control)
		return
	}
	var order kickOrder
	if err := json.Unmarshal(ev.Data, &order); err != nil {
		h.gw.log.Warn("gateway: bad kick order", "err", err)
		return
	}
	k := userKey{sdkAppID, userID}
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if u := sh.users[k]; u != nil {
		for _, s := range u.sessions {
			if s.id != ev.ExceptSession && order.applies(s) {
				s.kick(order.Reason, order.Platform, false)
			}
		}
	}
}

// online returns the platforms of the user's signed-in sessions here.
func (h *hub) online(k userKey) []string {
	sh := h.shard(k)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	u := sh.users[k]
	if u == nil {
		return nil
	}
	var platforms []string
	for _, s := range u.sessions {
		if s.active() && !slices.Contains(platforms, s.platform) {
			platforms = append(platforms, s.platform)
		}
	}
	slices.Sort(platforms)
	return platforms
}
