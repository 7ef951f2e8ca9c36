package friend

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/pkg/protocol"
)

// Events tell devices what a write changed, so that a client's copy of
// its friends, requests and blacklist stays current without polling.
// Every device of a user hears of it, the one whose command caused it
// included: the service does not know sessions, and every event is
// idempotent for a client (it names the entry and its new state). They
// are published after the write commits and, like all delivery, at most
// once; a client that reconnects reloads and compares the sequences
// (StandardSequence, CurrentSequence).
//
// Both users hear of a request between them and of an entry of either's
// friend list; only the owner hears of their friends' tags and of their
// blacklist, which are private (a blocked user learns only that the
// friendship ended).

// publish encodes v once and delivers it to each of users, logging
// failures: delivery is fire-and-forget.
func (s *Service) publish(ctx context.Context, sdkAppID uint64, name string, v any, users ...string) {
	if s.bus == nil {
		return
	}
	data, encErr := json.Marshal(v)
	for _, u := range users {
		err := encErr
		if err == nil {
			err = s.bus.PublishUser(ctx, sdkAppID, u, bus.Event{Name: name, Data: data})
		}
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "friend: publish failed", slog.Uint64("sdkappid", sdkAppID),
				slog.String("user", u), slog.String("event", name), slog.Any("err", err))
		}
	}
}

// requestAdded tells both users of a pending request from from to to.
func (s *Service) requestAdded(ctx context.Context, sdkAppID uint64, r protocol.FriendRequest) {
	s.publish(ctx, sdkAppID, protocol.EventFriendRequestAdded, r, r.From, r.To)
}

// requestDeleted tells both users that the request from from to to is no
// longer pending.
func (s *Service) requestDeleted(ctx context.Context, sdkAppID uint64, from, to string) {
	s.publish(ctx, sdkAppID, protocol.EventFriendRequestDeleted, protocol.FriendRequest{From: from, To: to}, from, to)
}

// requestsRead tells target, and not the requesters, that target read
// the requests made up to upTo: what a user has read is their own
// business.
func (s *Service) requestsRead(ctx context.Context, sdkAppID uint64, target string, upTo int64) {
	s.publish(ctx, sdkAppID, protocol.EventFriendRequestRead, protocol.FriendRequestRead{To: target, UpTo: upTo}, target)
}

// friendAdded tells both users that friend is now in owner's list.
func (s *Service) friendAdded(ctx context.Context, sdkAppID uint64, owner, friend string) {
	s.publish(ctx, sdkAppID, protocol.EventFriendAdded, protocol.FriendRelation{From: owner, To: friend}, owner, friend)
}

// friendDeleted tells both users that friend left owner's list.
func (s *Service) friendDeleted(ctx context.Context, sdkAppID uint64, owner, friend string) {
	s.publish(ctx, sdkAppID, protocol.EventFriendDeleted, protocol.FriendRelation{From: owner, To: friend}, owner, friend)
}

// infoChanged tells owner which tags of friend were set.
func (s *Service) infoChanged(ctx context.Context, sdkAppID uint64, owner, friend string, set []Field) {
	tags := make([]protocol.FriendTag, len(set))
	for i, f := range set {
		tags[i] = protocol.FriendTag{Tag: f.Tag, Value: f.Value}
	}
	s.publish(ctx, sdkAppID, protocol.EventFriendInfoChanged, protocol.FriendInfoChanged{From: owner, To: friend, ValueItem: tags}, owner)
}

// blacklistChanged tells owner that peer entered (or left) the blacklist.
func (s *Service) blacklistChanged(ctx context.Context, sdkAppID uint64, owner, peer string, added bool) {
	name := protocol.EventBlacklistDeleted
	if added {
		name = protocol.EventBlacklistAdded
	}
	s.publish(ctx, sdkAppID, name, protocol.FriendRelation{From: owner, To: peer}, owner)
}
