package friend

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
)

// Authorize decides whether from may send a C2C message to conv's peer
// (it is the message pipeline's Permissions): refused with 20007 when the
// peer has from in their blacklist (the blocker may still message the
// user they block); under the app's FriendsOnly policy, refused with 20009
// when neither has the other as a friend, 20010 when the peer lacks from,
// 20011 when from lacks the peer. Other conversation kinds are not its
// concern. Admin sends never reach it.
func (s *Service) Authorize(ctx context.Context, sdkAppID uint64, from string, conv im.ConvID) error {
	if conv.Kind != im.ConvC2C {
		return nil
	}
	peer := conv.ID
	blocked, err := s.store.BlacklistRelations(ctx, sdkAppID, peer, []string{from})
	if err != nil {
		return internal("check the blacklist", sdkAppID, peer, err)
	}
	if blocked[from].AHasB {
		return im.Errorf(im.CodeC2CBlocked, "%q has blocked the sender", peer)
	}
	if s.settings == nil {
		return nil
	}
	friendsOnly, err := s.settings.FriendsOnlyC2C(ctx, sdkAppID)
	if err != nil {
		return fmt.Errorf("friend: C2C policy of app %d: %w", sdkAppID, err)
	}
	if !friendsOnly {
		return nil
	}
	rels, err := s.store.FriendRelations(ctx, sdkAppID, from, []string{peer})
	if err != nil {
		return internal("check friends", sdkAppID, from, err)
	}
	switch r := rels[peer]; {
	case !r.AHasB && !r.BHasA:
		return im.Errorf(im.CodeC2CNotFriends, "only friends may message each other in this app")
	case !r.BHasA:
		return im.Errorf(im.CodeC2CNotInPeerFriends, "the sender is not in %q's friend list", peer)
	case !r.AHasB:
		return im.Errorf(im.CodeC2CPeerNotInFriends, "%q is not in the sender's friend list", peer)
	}
	return nil
}
