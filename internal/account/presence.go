package account

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/parley-im/parley/internal/im"
)

// MaxPresenceQuery bounds one online-status query (reference: 500 users).
const MaxPresenceQuery = 500

// Session is one signed-in client session, as presence knows it.
type Session struct {
	// ID is the session's ID, unique across nodes and restarts.
	ID string
	// Platform the client announced at login (iOS, Android, Web, Windows,
	// Mac, iPad, Linux).
	Platform string
	// LoginAt orders the sessions of a user: a login displaces only
	// sessions signed in before it (ties broken by ID).
	LoginAt time.Time
}

// Presence is the port that knows which sessions every user has signed in,
// on every node: the gateway reports sessions up and down through Logins,
// and OnlineStatus and the multi-login policy read it. LocalPresence serves
// one node; with several nodes a shared implementation (a NATS KV bucket,
// docs/decisions/0007-presence.md) replaces it. Implementations are safe
// for concurrent use. Presence is best effort, like delivery: a session of
// a node that died may be reported for a while, never forever.
type Presence interface {
	// Up records a signed-in session of the user; recording a session ID
	// again replaces what was recorded.
	Up(ctx context.Context, sdkAppID uint64, userID string, s Session) error
	// Down forgets a session; forgetting an unknown one is not an error.
	Down(ctx context.Context, sdkAppID uint64, userID, sessionID string) error
	// Sessions returns the recorded sessions of each of userIDs that has
	// any, in no particular order; users without sessions are left out.
	Sessions(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string][]Session, error)
}

// UserPresence is whether an account is signed in, and where.
type UserPresence struct {
	UserID string
	// Platforms of the account's live sessions, each once, sorted (iOS,
	// Android, Web, Windows, Mac, iPad, Linux); empty when offline.
	Platforms []string
}

// OnlineStatus answers who of userIDs is online, for query_online_status
// and querystate, from the Presence port (so on every node alike):
// presence for each existing account in request order (repeats answered
// once), and a per-item error for the others (70107 missing, 70402
// invalid UserID). Codes: 70402 no accounts, 70206 more than
// MaxPresenceQuery distinct accounts.
func (s *Service) OnlineStatus(ctx context.Context, sdkAppID uint64, userIDs []string) ([]UserPresence, []ItemResult, error) {
	ids := unique(userIDs)
	switch {
	case len(ids) == 0:
		return nil, nil, im.Errorf(im.CodeInvalidParameter, "no accounts given")
	case len(ids) > MaxPresenceQuery:
		return nil, nil, im.Errorf(im.CodeBatchSize, "%d accounts, at most %d per call", len(ids), MaxPresenceQuery)
	}
	var existing []string
	var failed []ItemResult
	for chunk := range slices.Chunk(ids, MaxBatch) {
		statuses, err := s.CheckAccounts(ctx, sdkAppID, chunk)
		if err != nil {
			return nil, nil, fmt.Errorf("account: online status: %w", err)
		}
		for _, st := range statuses {
			switch {
			case st.Code != 0:
				failed = append(failed, st.ItemResult)
			case !st.Imported:
				failed = append(failed, ItemResult{UserID: st.UserID, Code: im.CodeAccountNotFound, Info: "account does not exist"})
			default:
				existing = append(existing, st.UserID)
			}
		}
	}
	sessions := map[string][]Session{}
	if len(existing) > 0 {
		var err error
		if sessions, err = s.presence.Sessions(ctx, sdkAppID, existing); err != nil {
			return nil, nil, fmt.Errorf("account: online status of app %d: %w", sdkAppID, err)
		}
	}
	out := make([]UserPresence, len(existing))
	for i, id := range existing {
		out[i] = UserPresence{UserID: id, Platforms: platformsOf(sessions[id])}
	}
	return out, failed, nil
}

// platformsOf returns the platforms of sessions, each once, sorted.
func platformsOf(sessions []Session) []string {
	platforms := make([]string, 0, len(sessions))
	for _, s := range sessions {
		if !slices.Contains(platforms, s.Platform) {
			platforms = append(platforms, s.Platform)
		}
	}
	slices.Sort(platforms)
	return platforms
}
