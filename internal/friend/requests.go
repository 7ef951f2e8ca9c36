package friend

import (
	"context"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Requests returns the pending friend requests to user (incoming) or from
// user, newest first. Whether a request was read is the target's own
// business: requests from user never carry it.
func (s *Service) Requests(ctx context.Context, sdkAppID uint64, user string, incoming bool) ([]store.FriendRequest, error) {
	if err := s.checkCaller(ctx, sdkAppID, user); err != nil {
		return nil, err
	}
	reqs, err := s.store.FriendRequests(ctx, sdkAppID, user, incoming)
	if err != nil {
		return nil, internal("get friend requests", sdkAppID, user, err)
	}
	if reqs == nil {
		reqs = []store.FriendRequest{}
	}
	if !incoming {
		for i := range reqs {
			reqs[i].Read = false
		}
	}
	return reqs, nil
}

// Unread counts the requests of reqs not yet read.
func Unread(reqs []store.FriendRequest) int {
	n := 0
	for _, r := range reqs {
		if !r.Read {
			n++
		}
	}
	return n
}

// MarkRequestsRead marks the pending requests to user made (or last
// refreshed) at or before upTo (Unix seconds; 0: all of them) read, and
// tells user's devices when it marked any. A request its requester
// refreshes afterwards is unread again. Codes: 30001 a negative upTo or
// bad UserID, 30003 user is not an account.
func (s *Service) MarkRequestsRead(ctx context.Context, sdkAppID uint64, user string, upTo int64) error {
	if err := s.checkCaller(ctx, sdkAppID, user); err != nil {
		return err
	}
	if upTo < 0 {
		return badParam("UpTo %d: want a Unix time, or 0 for every request", upTo)
	}
	n, err := s.store.MarkFriendRequestsRead(ctx, sdkAppID, user, upTo)
	if err != nil {
		return internal("mark friend requests read", sdkAppID, user, err)
	}
	if n > 0 {
		s.requestsRead(ctx, sdkAppID, user, upTo)
	}
	return nil
}

// Answer settles the pending request from requester to target. Accepting
// puts target in requester's list with the request's remark, source,
// wording and list; with addBack (agree and add) requester also goes into
// target's. Refusing deletes the request. Codes: 30614 no such request,
// 30010 target's list full, 30014 requester's list full, 30515 / 30525 a
// blacklist between them appeared since; 30001 / 30003 for bad UserIDs.
func (s *Service) Answer(ctx context.Context, sdkAppID uint64, target, requester string, accept, addBack bool) error {
	if err := s.checkCaller(ctx, sdkAppID, target); err != nil {
		return err
	}
	if err := im.CheckUserID(requester); err != nil {
		return badParam("invalid UserID %q", requester)
	}
	// Seam: the before-response webhook (Sns.CallbackPrevFriendResponse)
	// will be asked here, and may refuse the answer.
	now := s.now().Unix()
	reverse := store.Friend{AddSource: "AddSource_Type_Request", AddTime: now}
	o, err := s.store.AnswerFriendRequest(ctx, sdkAppID, target, requester, accept, addBack, reverse, s.limits)
	if err != nil {
		return internal("answer a friend request", sdkAppID, target, err)
	}
	switch o {
	case store.FriendDone:
		s.requestDeleted(ctx, sdkAppID, requester, target)
		if accept {
			s.friendAdded(ctx, sdkAppID, requester, target)
			if addBack {
				s.friendAdded(ctx, sdkAppID, target, requester)
			}
		}
		return nil
	case store.FriendMissing:
		return im.Errorf(im.CodeSNSRequestNotFound, "no pending request from %q", requester)
	}
	r := result(requester, o)
	return im.Errorf(r.Code, "%s", r.Info)
}
