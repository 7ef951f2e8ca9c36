package store

import "context"

// Friend is one entry of a user's friend list: the friend and the fields
// the owner keeps about them. Times are Unix seconds, as the reference's
// Tag_SNS_IM_AddTime and Tag_SNS_IM_RemarkTime are.
type Friend struct {
	UserID string
	// Groups are the owner's friend lists the friend is in, ordered by name.
	Groups     []string
	Remark     string
	RemarkTime int64
	AddSource  string
	AddWording string
	AddTime    int64
	// Custom holds the Tag_SNS_Custom_ values, ordered by tag; values are
	// raw JSON owned by the friend package.
	Custom []ProfileItem
}

// FriendAddMode says what FriendAdd asks for.
type FriendAddMode uint8

// Modes of FriendAdd.
const (
	// AddOneWay puts the peer in the owner's list.
	AddOneWay FriendAddMode = iota
	// AddBothWays also puts the owner in the peer's list (with Reverse).
	AddBothWays
	// AddRequest records a pending request from the owner to the peer
	// instead of adding (the peer's AllowType is NeedConfirm).
	AddRequest
	// AddImport puts the peer in the owner's list, overwriting the fields
	// of an existing entry (friend_import).
	AddImport
)

// FriendAdd is one item of AddFriends: Friend goes into the owner's list;
// with AddBothWays, Reverse (whose UserID is the owner) goes into the
// peer's. A request keeps Friend's fields (wording, source, remark, the
// first group) until the peer answers it.
type FriendAdd struct {
	Mode    FriendAddMode
	Friend  Friend
	Reverse Friend
}

// FriendOutcome is the result of one item of a relationship write.
type FriendOutcome uint8

// Outcomes. Each but the first two is a refusal that wrote nothing for
// its item.
const (
	// FriendDone: the item was applied.
	FriendDone FriendOutcome = iota
	// FriendRequested: a pending request was recorded (or refreshed).
	FriendRequested
	// FriendExists: nothing to add, the friendship already exists (in
	// every direction the item asked for).
	FriendExists
	// FriendMissing: the item names a friend, request or blacklist entry
	// that does not exist.
	FriendMissing
	// FriendOwnLimit: the owner's friend list is full.
	FriendOwnLimit
	// FriendPeerLimit: the peer's friend list is full.
	FriendPeerLimit
	// FriendListLimit: the owner's friend lists are at their limit.
	FriendListLimit
	// FriendRequestLimit: the peer has too many pending requests.
	FriendRequestLimit
	// FriendBlocking: the owner has the peer in their blacklist.
	FriendBlocking
	// FriendBlockedBy: the peer has the owner in their blacklist.
	FriendBlockedBy
	// FriendBlacklistLimit: the owner's blacklist is full.
	FriendBlacklistLimit
)

// FriendLimits are the per-user bounds a write checks in its transaction.
type FriendLimits struct {
	Friends   int // entries in one friend list
	Lists     int // friend lists of one user
	Blacklist int // entries in one blacklist
	Requests  int // pending requests to one user
}

// FriendUpdate changes fields of one friend entry; nil fields are kept.
type FriendUpdate struct {
	UserID     string
	Remark     *string
	RemarkTime int64 // stamped when Remark is set
	AddSource  *string
	AddWording *string
	AddTime    *int64
	// Groups, when non-nil, replaces the friend's lists (creating missing
	// ones within the list limit).
	Groups []string
	// Custom upserts Tag_SNS_Custom_ values; an empty (zero-length) Value
	// removes the tag.
	Custom []ProfileItem
}

// Relation is how two users are related: whether A (the owner asking) has
// B in their list, and whether B has A.
type Relation struct {
	AHasB, BHasA bool
}

// FriendRequest is a pending friend request.
type FriendRequest struct {
	From, To   string
	AddSource  string
	AddWording string
	Remark     string
	Group      string
	// CreatedAt is when it was made (or last refreshed), Unix seconds.
	CreatedAt int64
	// Read says the target marked it read (MarkFriendRequestsRead) since
	// it was made or last refreshed.
	Read bool
}

// BlacklistEntry is one user in a blacklist.
type BlacklistEntry struct {
	UserID  string
	AddedAt int64 // Unix seconds
}

// FriendList is one of a user's named friend lists.
type FriendList struct {
	Name    string
	Members []string // ordered
}

// Friends stores relationships: friend lists (one entry per direction of
// a friendship), the named lists friends are sorted into, pending friend
// requests and blacklists. Every write is one transaction that holds every
// user it touches, so its checks (blacklist, limits, existence) and its
// changes are one atomic step even when both sides write at once.
//
// Every write raises a per-user sequence of each user it involves, whether
// or not it changed their data: the reference's StandardSequence and
// CurrentSequence, which tell a client its copy may be stale (a raise
// without a change costs the client one needless reload, never a missed
// change).
// Users must be accounts; a write naming one that is not may fail with
// ErrNotFound.
type Friends interface {
	// AddFriends applies adds from owner in order, in one transaction,
	// returning one outcome per item. Refusals, in order of precedence:
	// FriendBlocking, FriendBlockedBy, then FriendExists (a request to a
	// friend, or an add with nothing left to add), then the limits.
	// Adding removes pending requests between the two users in the
	// directions it fulfils.
	AddFriends(ctx context.Context, sdkAppID uint64, owner string, adds []FriendAdd, limits FriendLimits) ([]FriendOutcome, error)
	// UpdateFriends changes entries of owner's list: FriendMissing for a
	// UserID that is not owner's friend, FriendListLimit when new lists
	// would pass limits.Lists.
	UpdateFriends(ctx context.Context, sdkAppID uint64, owner string, updates []FriendUpdate, limits FriendLimits) ([]FriendOutcome, error)
	// DeleteFriends removes peers from owner's list (and, with both, owner
	// from each peer's list): FriendMissing when owner's entry did not
	// exist (the peer's is still removed with both).
	DeleteFriends(ctx context.Context, sdkAppID uint64, owner string, peers []string, both bool) ([]FriendOutcome, error)
	// DeleteAllFriends empties owner's list (and with both, removes owner
	// from every former friend's list).
	DeleteAllFriends(ctx context.Context, sdkAppID uint64, owner string, both bool) error
	// GetFriends returns owner's friends among peers (every friend when
	// peers is nil), ordered by AddTime then UserID, with owner's sequence.
	GetFriends(ctx context.Context, sdkAppID uint64, owner string, peers []string) ([]Friend, int64, error)
	// FriendRelations reads, in one snapshot, the relation of owner with
	// each of peers, keyed by peer.
	FriendRelations(ctx context.Context, sdkAppID uint64, owner string, peers []string) (map[string]Relation, error)

	// FriendRequests returns the pending requests to user (incoming) or
	// from user (outgoing), newest first.
	FriendRequests(ctx context.Context, sdkAppID uint64, user string, incoming bool) ([]FriendRequest, error)
	// AnswerFriendRequest settles the pending request from requester to
	// target: accept puts target in requester's list with the request's
	// fields and, with addBack, requester in target's (reverse holds the
	// fields of that entry); refusing only deletes the request. Outcomes:
	// FriendMissing (no such request), the limits, FriendBlocking /
	// FriendBlockedBy (a blacklist between them appeared since).
	AnswerFriendRequest(ctx context.Context, sdkAppID uint64, target, requester string, accept, addBack bool, reverse Friend, limits FriendLimits) (FriendOutcome, error)
	// MarkFriendRequestsRead marks the unread pending requests to target
	// made (or last refreshed) at or before upTo (Unix seconds; 0: all of
	// them) read, and returns how many it marked. A request refreshed
	// after upTo stays unread.
	MarkFriendRequestsRead(ctx context.Context, sdkAppID uint64, target string, upTo int64) (int, error)

	// AddToBlacklist puts peers in owner's blacklist at addedAt (Unix
	// seconds), removing the friendship between them in both directions
	// and pending requests either way: FriendExists when already there,
	// FriendBlacklistLimit when full.
	AddToBlacklist(ctx context.Context, sdkAppID uint64, owner string, peers []string, addedAt int64, limits FriendLimits) ([]FriendOutcome, error)
	// RemoveFromBlacklist takes peers out of owner's blacklist:
	// FriendMissing when not there.
	RemoveFromBlacklist(ctx context.Context, sdkAppID uint64, owner string, peers []string) ([]FriendOutcome, error)
	// Blacklist returns owner's blacklist, ordered by AddedAt then UserID,
	// with owner's sequence.
	Blacklist(ctx context.Context, sdkAppID uint64, owner string) ([]BlacklistEntry, int64, error)
	// BlacklistRelations reads, in one snapshot, whether owner blocks each
	// of peers (AHasB) and whether each blocks owner (BHasA).
	BlacklistRelations(ctx context.Context, sdkAppID uint64, owner string, peers []string) (map[string]Relation, error)

	// AddFriendLists creates owner's lists of names that do not exist
	// (FriendExists for one that does; FriendListLimit for every name,
	// and nothing written, when the new ones would pass the limit) and puts each of members that is owner's friend into every list of
	// names. It returns one outcome per name and owner's sequence.
	AddFriendLists(ctx context.Context, sdkAppID uint64, owner string, names, members []string, limits FriendLimits) ([]FriendOutcome, int64, error)
	// DeleteFriendLists deletes owner's lists of names (FriendMissing for
	// one that does not exist) and returns owner's sequence.
	DeleteFriendLists(ctx context.Context, sdkAppID uint64, owner string, names []string) ([]FriendOutcome, int64, error)
	// FriendLists returns owner's lists ordered by name, with their
	// members, and owner's sequence.
	FriendLists(ctx context.Context, sdkAppID uint64, owner string) ([]FriendList, int64, error)
}
