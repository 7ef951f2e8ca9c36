package account

import (
	"context"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/im"
)

// MaxPresenceQuery bounds one online-status query (reference: 500 users).
const MaxPresenceQuery = 500

// Sessions is what the account service needs of the client door; the
// WebSocket gateway implements it and internal/app wires it.
type Sessions interface {
	// Kick closes every live session of the user, on every node.
	Kick(ctx context.Context, sdkAppID uint64, userID string) error
	// CloseDeleted closes every live session of the user, on every node,
	// telling the client that its account was deleted.
	CloseDeleted(ctx context.Context, sdkAppID uint64, userID string) error
	// Online returns, for each of userIDs signed in, the platforms of its
	// sessions; users without a session are left out. It answers for the
	// sessions this node holds: presence across nodes comes with the NATS bus.
	Online(sdkAppID uint64, userIDs []string) map[string][]string
}

// Presence is whether an account is signed in, and where.
type Presence struct {
	UserID string
	// Platforms of the account's live sessions, each once (iOS, Android,
	// Web, Windows, Mac, iPad, Linux); empty when offline.
	Platforms []string
}

// OnlineStatus answers who of userIDs is online, for query_online_status
// and querystate: presence for each existing account in request order
// (repeats answered once), and a per-item error for the others (70107
// missing, 70402 invalid UserID). Codes: 70402 no accounts, 70206 more
// than MaxPresenceQuery distinct accounts.
func (s *Service) OnlineStatus(ctx context.Context, sdkAppID uint64, userIDs []string) ([]Presence, []ItemResult, error) {
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
	online := map[string][]string{}
	if s.sessions != nil && len(existing) > 0 {
		online = s.sessions.Online(sdkAppID, existing)
	}
	out := make([]Presence, len(existing))
	for i, id := range existing {
		out[i] = Presence{UserID: id, Platforms: unique(online[id])}
	}
	return out, failed, nil
}
