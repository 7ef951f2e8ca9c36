package friend

import (
	"context"

	"github.com/parley-im/parley/internal/store"
)

// MaxBlacklistPage bounds one page of GetBlacklist.
const MaxBlacklistPage = 1000

// Block puts peers in from's blacklist, ending any friendship and pending
// request between them, one ItemResult per UserID: 0, 30001 invalid or
// already blacklisted, 30003 not an account, 30013 the blacklist is full.
func (s *Service) Block(ctx context.Context, sdkAppID uint64, from string, peers []string) ([]ItemResult, error) {
	// Seam: the after-blacklist webhook (Sns.CallbackBlackListAdd) will be
	// told of the users this blocks.
	return s.blacklistWrite(ctx, sdkAppID, from, peers, func(ids []string) ([]store.FriendOutcome, error) {
		// Read ahead what blocking ends, to tell both users of it.
		rels, err := s.store.FriendRelations(ctx, sdkAppID, from, ids)
		if err != nil {
			return nil, err
		}
		pending, err := s.pendingWith(ctx, sdkAppID, from)
		if err != nil {
			return nil, err
		}
		outcomes, err := s.store.AddToBlacklist(ctx, sdkAppID, from, ids, s.now().Unix(), s.limits)
		if err != nil {
			return nil, err
		}
		for k, o := range outcomes {
			if o != store.FriendDone {
				continue
			}
			id := ids[k]
			s.blacklistChanged(ctx, sdkAppID, from, id, true)
			if rels[id].AHasB {
				s.friendDeleted(ctx, sdkAppID, from, id)
			}
			if rels[id].BHasA {
				s.friendDeleted(ctx, sdkAppID, id, from)
			}
			for _, r := range pending[id] {
				s.requestDeleted(ctx, sdkAppID, r.From, r.To)
			}
		}
		return outcomes, nil
	})
}

// pendingWith returns the pending requests to and from user, by the other
// user.
func (s *Service) pendingWith(ctx context.Context, sdkAppID uint64, user string) (map[string][]store.FriendRequest, error) {
	out := map[string][]store.FriendRequest{}
	for _, incoming := range []bool{true, false} {
		reqs, err := s.store.FriendRequests(ctx, sdkAppID, user, incoming)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			other := r.To
			if incoming {
				other = r.From
			}
			out[other] = append(out[other], r)
		}
	}
	return out, nil
}

// Unblock takes peers out of from's blacklist: 0, 31704 when not in it
// (the reference answers the not-friends code), 30001, 30003.
func (s *Service) Unblock(ctx context.Context, sdkAppID uint64, from string, peers []string) ([]ItemResult, error) {
	return s.blacklistWrite(ctx, sdkAppID, from, peers, func(ids []string) ([]store.FriendOutcome, error) {
		outcomes, err := s.store.RemoveFromBlacklist(ctx, sdkAppID, from, ids)
		for k, o := range outcomes {
			if err == nil && o == store.FriendDone {
				s.blacklistChanged(ctx, sdkAppID, from, ids[k], false)
			}
		}
		return outcomes, err
	})
}

func (s *Service) blacklistWrite(ctx context.Context, sdkAppID uint64, from string, peers []string, write func([]string) ([]store.FriendOutcome, error)) ([]ItemResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("UserIDs", len(peers), MaxBatch); err != nil {
		return nil, err
	}
	out, err := s.peerResults(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, err
	}
	var (
		ids []string
		at  []int
	)
	for i, r := range out {
		if r.Code == 0 {
			ids, at = append(ids, r.UserID), append(at, i)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	outcomes, err := write(ids)
	if err != nil {
		return nil, internal("write the blacklist", sdkAppID, from, err)
	}
	for k, o := range outcomes {
		out[at[k]] = result(ids[k], o)
		if o == store.FriendExists {
			out[at[k]].Info = "already in the blacklist"
		}
	}
	return out, nil
}

// BlacklistPage is one page of a blacklist.
type BlacklistPage struct {
	Entries []store.BlacklistEntry
	// Next is the StartIndex of the next page, 0 when this is the last.
	Next     int
	Sequence int64
}

// GetBlacklist returns max entries of from's blacklist from start (0
// first), oldest first. Call-level 30001: max not in 1..MaxBlacklistPage,
// start negative.
func (s *Service) GetBlacklist(ctx context.Context, sdkAppID uint64, from string, start, max int) (BlacklistPage, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return BlacklistPage{}, err
	}
	if start < 0 || max < 1 || max > MaxBlacklistPage {
		return BlacklistPage{}, badParam("StartIndex %d, MaxLimited %d: want StartIndex >= 0 and MaxLimited 1 to %d", start, max, MaxBlacklistPage)
	}
	list, seq, err := s.store.Blacklist(ctx, sdkAppID, from)
	if err != nil {
		return BlacklistPage{}, internal("get the blacklist", sdkAppID, from, err)
	}
	p := BlacklistPage{Sequence: seq, Entries: []store.BlacklistEntry{}}
	end := min(start+max, len(list))
	if start < end {
		p.Entries = append(p.Entries, list[start:end]...)
	}
	if end < len(list) {
		p.Next = end
	}
	return p, nil
}
