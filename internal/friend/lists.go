package friend

import (
	"context"
	"slices"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// AddLists creates from's friend lists of names (existing ones are kept)
// and puts members that are from's friends into every one of them. It
// returns one ItemResult per member (0, or 31704 not a friend, 30001,
// 30003) and from's sequence. Call-level: 30001 no names, a bad name;
// 30011 the new lists would pass MaxLists (nothing is written).
func (s *Service) AddLists(ctx context.Context, sdkAppID uint64, from string, names, members []string) ([]ItemResult, int64, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, 0, err
	}
	if err := checkBatch("friend lists", len(names), MaxLists); err != nil {
		return nil, 0, err
	}
	if e := checkListNames(names); e != nil {
		return nil, 0, e
	}
	if len(members) > MaxFriends {
		return nil, 0, badParam("%d friends given, at most %d", len(members), MaxFriends)
	}
	out, err := s.peerResults(ctx, sdkAppID, from, members)
	if err != nil {
		return nil, 0, err
	}
	rels, err := s.store.FriendRelations(ctx, sdkAppID, from, members)
	if err != nil {
		return nil, 0, internal("check friends", sdkAppID, from, err)
	}
	var ok []string
	for i, r := range out {
		if r.Code != 0 {
			continue
		}
		if !rels[r.UserID].AHasB {
			out[i] = result(r.UserID, store.FriendMissing)
			continue
		}
		ok = append(ok, r.UserID)
	}
	outcomes, seq, err := s.store.AddFriendLists(ctx, sdkAppID, from, names, ok, s.limits)
	if err != nil {
		return nil, 0, internal("add friend lists", sdkAppID, from, err)
	}
	if slices.Contains(outcomes, store.FriendListLimit) {
		return nil, 0, im.Errorf(im.CodeSNSListLimit, "at most %d friend lists", MaxLists)
	}
	return out, seq, nil
}

// DeleteLists deletes from's friend lists of names (the friends stay
// friends; names without a list are passed over) and returns from's
// sequence. Call-level: 30001 no names, a bad name.
func (s *Service) DeleteLists(ctx context.Context, sdkAppID uint64, from string, names []string) (int64, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return 0, err
	}
	if err := checkBatch("friend lists", len(names), MaxLists); err != nil {
		return 0, err
	}
	if e := checkListNames(names); e != nil {
		return 0, e
	}
	_, seq, err := s.store.DeleteFriendLists(ctx, sdkAppID, from, names)
	if err != nil {
		return 0, internal("delete friend lists", sdkAppID, from, err)
	}
	return seq, nil
}

// Lists returns from's friend lists (only those of names unless empty),
// ordered by name, with their members, and from's sequence.
func (s *Service) Lists(ctx context.Context, sdkAppID uint64, from string, names []string) ([]store.FriendList, int64, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, 0, err
	}
	lists, seq, err := s.store.FriendLists(ctx, sdkAppID, from)
	if err != nil {
		return nil, 0, internal("get friend lists", sdkAppID, from, err)
	}
	if len(names) > 0 {
		lists = slices.DeleteFunc(lists, func(l store.FriendList) bool { return !slices.Contains(names, l.Name) })
	}
	if lists == nil {
		lists = []store.FriendList{}
	}
	return lists, seq, nil
}
