// Package friend owns the relationship chain of each app: friends (one-way
// and two-way) with their fields, the named friend lists friends are
// sorted into, pending friend requests, blacklists, and the rule every
// user's C2C send is authorised by (Authorize, the message pipeline's
// Permissions).
//
// A friend request follows the target's Tag_Profile_IM_AllowType, read
// from the account service through Accounts: AllowAny adds at once,
// NeedConfirm records a pending request (result 30539) the target accepts
// or refuses, DenyAny refuses (30516). A sender whose
// Tag_Profile_IM_AdminForbidType is SendOut may not send requests (30009).
// A blacklist in either direction refuses every add (30515, 30525), and
// blacklisting ends the friendship both ways. An admin's forced add
// (ForceAddFlags) skips AllowType and AdminForbidType, never a blacklist.
//
// Every write is one store transaction that checks the blacklists and
// limits it depends on (store.Friends), so concurrent writes of both users
// cannot leave friends who block each other or a list past its limit.
// Errors are *im.Error with the relationship chain's codes (30xxx,
// 31xxx); batch methods answer per-item codes and reject the whole call
// only for call-level problems (30001, 30003 for the caller's account).
package friend

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Limits of the relationship chain.
const (
	// MaxFriends is the size of one user's friend list.
	MaxFriends = 3000
	// MaxLists is how many friend lists one user may have.
	MaxLists = 32
	// MaxBlacklist is the size of one user's blacklist.
	MaxBlacklist = 1000
	// MaxPendingRequests is how many pending requests one user may have
	// waiting for an answer.
	MaxPendingRequests = 1000
	// MaxAddBatch bounds the items of one add, import or update call.
	MaxAddBatch = 100
	// MaxBatch bounds the UserIDs of one delete, check or blacklist call.
	MaxBatch = 1000
	// FriendPageSize is how many friends one Get page holds.
	FriendPageSize = 100
)

// defaultLimits is what every store write checks (Service.limits).
var defaultLimits = store.FriendLimits{Friends: MaxFriends, Lists: MaxLists, Blacklist: MaxBlacklist, Requests: MaxPendingRequests}

// Profile tags the service reads of the account service.
const (
	TagAllowType       = "Tag_Profile_IM_AllowType"
	TagAdminForbidType = "Tag_Profile_IM_AdminForbidType"

	AllowAny      = "AllowType_Type_AllowAny"
	AllowConfirm  = "AllowType_Type_NeedConfirm"
	AllowDeny     = "AllowType_Type_DenyAny"
	ForbidSendOut = "AdminForbid_Type_SendOut"
)

// Accounts is what the service needs of the account service (which
// internal/app passes in): whether UserIDs are accounts, and their profile
// values.
type Accounts interface {
	// Exists reports, for each of userIDs, whether it is an account.
	Exists(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error)
	// ProfileValues returns the tags' raw JSON values of the existing
	// accounts among userIDs (initial values for tags never set);
	// accounts that do not exist are absent.
	ProfileValues(ctx context.Context, sdkAppID uint64, userIDs, tags []string) (map[string]map[string]json.RawMessage, error)
}

// Settings is what the service needs of an app's settings (the tenant
// service).
type Settings interface {
	// FriendsOnlyC2C reports whether the app's C2CPermission is
	// FriendsOnly: users may message only their friends.
	FriendsOnlyC2C(ctx context.Context, sdkAppID uint64) (bool, error)
	// CustomFriendTags returns the app's declared custom friend keys (the
	// <key> of Tag_SNS_Custom_<key>); no other custom tag may be written.
	CustomFriendTags(ctx context.Context, sdkAppID uint64) ([]string, error)
}

// Config wires a Service.
type Config struct {
	// Store persists relationships. Required.
	Store store.Friends
	// Accounts answers which UserIDs are accounts and their AllowType.
	// Required.
	Accounts Accounts
	// Settings tells Authorize each app's C2C policy and the writes which
	// custom friend tags the app declares. Nil means every app allows
	// strangers and declares no custom friend tag.
	Settings Settings
	// Bus tells both users' devices of requests, friends added and
	// deleted, and the owner's devices of friend info and blacklist
	// changes (events.go). Nil: no events.
	Bus bus.Bus
	// Clock stamps add times. Nil means time.Now.
	Clock func() time.Time
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
}

// Service manages relationships. It is safe for concurrent use; all state
// lives in the store.
type Service struct {
	store    store.Friends
	accounts Accounts
	settings Settings
	bus      bus.Bus
	now      func() time.Time
	log      *slog.Logger
	// limits are defaultLimits; tests lower them.
	limits store.FriendLimits
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, accounts: cfg.Accounts, settings: cfg.Settings, bus: cfg.Bus, now: cfg.Clock, log: cfg.Logger, limits: defaultLimits}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// ItemResult is the outcome of one item of a batch call: Code 0 on
// success (or 30539, a pending request made), a reference code otherwise.
type ItemResult struct {
	UserID string
	Code   int
	Info   string
}

// outcomeCodes translates the store's outcomes into reference codes.
var outcomeCodes = map[store.FriendOutcome]struct {
	code int
	info string
}{
	store.FriendDone:           {0, ""},
	store.FriendRequested:      {im.CodeSNSNeedsConfirm, "the peer must confirm: a friend request was sent"},
	store.FriendExists:         {im.CodeSNSBadParams, "already friends"},
	store.FriendMissing:        {im.CodeSNSNotFriends, "not friends"},
	store.FriendOwnLimit:       {im.CodeSNSFriendLimit, fmt.Sprintf("the friend list is full (%d)", MaxFriends)},
	store.FriendPeerLimit:      {im.CodeSNSPeerFriendLimit, fmt.Sprintf("the peer's friend list is full (%d)", MaxFriends)},
	store.FriendListLimit:      {im.CodeSNSListLimit, fmt.Sprintf("at most %d friend lists", MaxLists)},
	store.FriendRequestLimit:   {im.CodeSNSRequestLimit, fmt.Sprintf("the peer has %d pending requests", MaxPendingRequests)},
	store.FriendBlocking:       {im.CodeSNSPeerBlocked, "the peer is in your blacklist"},
	store.FriendBlockedBy:      {im.CodeSNSBlockedByPeer, "you are in the peer's blacklist"},
	store.FriendBlacklistLimit: {im.CodeSNSBlacklistLimit, fmt.Sprintf("the blacklist is full (%d)", MaxBlacklist)},
}

// result is the ItemResult of a store outcome.
func result(userID string, o store.FriendOutcome) ItemResult {
	c := outcomeCodes[o]
	return ItemResult{UserID: userID, Code: c.code, Info: c.info}
}

// failed is an ItemResult carrying e's code.
func failed(userID string, e *im.Error) ItemResult {
	return ItemResult{UserID: userID, Code: e.Code, Info: e.Info}
}

// checkCaller checks the account a call acts for: 30001 when missing or
// invalid, 30003 when it is not an account.
func (s *Service) checkCaller(ctx context.Context, sdkAppID uint64, userID string) error {
	if userID == "" {
		return im.Errorf(im.CodeSNSBadParams, "From_Account missing")
	}
	if err := im.CheckUserID(userID); err != nil {
		return im.Errorf(im.CodeSNSBadParams, "From_Account %q: %v", userID, err)
	}
	ok, err := s.accounts.Exists(ctx, sdkAppID, []string{userID})
	if err != nil {
		return fmt.Errorf("friend: check account %q in app %d: %w", userID, sdkAppID, err)
	}
	if !ok[userID] {
		return im.Errorf(im.CodeSNSAccountNotFound, "account %q does not exist", userID)
	}
	return nil
}

// checkBatch checks the size of a call's list.
func checkBatch(what string, n, max int) error {
	switch {
	case n == 0:
		return im.Errorf(im.CodeSNSBadParams, "no %s given", what)
	case n > max:
		return im.Errorf(im.CodeSNSBadParams, "%d %s given, at most %d per call", n, what, max)
	}
	return nil
}

// peerResults checks the peers a batch call names: each must be a valid
// UserID other than owner that is an account. It returns an ItemResult
// per peer, whose Code is 0 for the peers to act on.
func (s *Service) peerResults(ctx context.Context, sdkAppID uint64, owner string, peers []string) ([]ItemResult, error) {
	out := make([]ItemResult, len(peers))
	ok, err := s.accounts.Exists(ctx, sdkAppID, peers)
	if err != nil {
		return nil, fmt.Errorf("friend: check %d accounts in app %d: %w", len(peers), sdkAppID, err)
	}
	for i, p := range peers {
		out[i] = ItemResult{UserID: p}
		switch {
		case im.CheckUserID(p) != nil:
			out[i] = failed(p, im.Errorf(im.CodeSNSBadParams, "invalid UserID %q", p))
		case p == owner:
			out[i] = failed(p, im.Errorf(im.CodeSNSBadParams, "a user cannot be their own friend"))
		case !ok[p]:
			out[i] = failed(p, im.Errorf(im.CodeSNSAccountNotFound, "account %q does not exist", p))
		}
	}
	return out, nil
}

// internal wraps a store failure with context.
func internal(op string, sdkAppID uint64, owner string, err error) error {
	return fmt.Errorf("friend: %s for %q in app %d: %w", op, owner, sdkAppID, err)
}
