package account

import (
	"context"
	"slices"
	"sync"
)

var _ Presence = (*LocalPresence)(nil)

// LocalPresence is the in-process Presence of a single node: it knows the
// sessions this process reported, so it is exact on one node and blind to
// other nodes. Its methods never fail. The zero value is not usable; call
// NewLocalPresence.
type LocalPresence struct {
	mu    sync.RWMutex
	users map[presenceKey][]Session
}

type presenceKey struct {
	sdkAppID uint64
	userID   string
}

// NewLocalPresence returns a LocalPresence with no sessions.
func NewLocalPresence() *LocalPresence {
	return &LocalPresence{users: map[presenceKey][]Session{}}
}

// Up records the session.
func (p *LocalPresence) Up(_ context.Context, sdkAppID uint64, userID string, s Session) error {
	k := presenceKey{sdkAppID, userID}
	p.mu.Lock()
	defer p.mu.Unlock()
	sessions := p.users[k]
	if i := slices.IndexFunc(sessions, func(o Session) bool { return o.ID == s.ID }); i >= 0 {
		sessions[i] = s
		return nil
	}
	p.users[k] = append(sessions, s)
	return nil
}

// Down forgets the session.
func (p *LocalPresence) Down(_ context.Context, sdkAppID uint64, userID, sessionID string) error {
	k := presenceKey{sdkAppID, userID}
	p.mu.Lock()
	defer p.mu.Unlock()
	sessions := slices.DeleteFunc(p.users[k], func(o Session) bool { return o.ID == sessionID })
	if len(sessions) == 0 {
		delete(p.users, k)
		return nil
	}
	p.users[k] = sessions
	return nil
}

// Sessions returns copies of the recorded sessions.
func (p *LocalPresence) Sessions(_ context.Context, sdkAppID uint64, userIDs []string) (map[string][]Session, error) {
	out := map[string][]Session{}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, u := range userIDs {
		if sessions := p.users[presenceKey{sdkAppID, u}]; len(sessions) > 0 {
			out[u] = slices.Clone(sessions)
		}
	}
	return out, nil
}
