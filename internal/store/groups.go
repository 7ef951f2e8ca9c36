package store

import "context"

// GroupRole is a member's role in a group.
type GroupRole uint8

// Roles, lowest first.
const (
	GroupRoleMember GroupRole = iota
	GroupRoleAdmin
	GroupRoleOwner
)

// Group is one group's profile. Type, ApplyJoinOption and InviteJoinOption
// are the group package's names; the store keeps them opaque. Times are
// Unix seconds, as the reference's CreateTime is.
type Group struct {
	GroupID      string
	Type         string
	Name         string
	Introduction string
	Notification string
	FaceURL      string
	// Owner is the owner's UserID, empty for a group without one.
	Owner string
	// MaxMembers bounds the stored members; 0 means unbounded.
	MaxMembers       int
	ApplyJoinOption  string
	InviteJoinOption string
	MuteAll          bool
	// Custom holds AppDefinedData values, ordered by key; values are
	// owned by the group package.
	Custom    []ProfileItem
	CreatedAt int64
	// MemberCount is the number of stored members; reads fill it,
	// writes ignore it.
	MemberCount int
}

// GroupMember is one stored member of a group.
type GroupMember struct {
	UserID   string
	Role     GroupRole
	JoinTime int64
	NameCard string
	// MsgFlag is the member's receive option, owned by the group package.
	MsgFlag uint8
	// MuteUntil is the Unix second the member's mute ends, 0 if none.
	MuteUntil int64
	// Custom holds AppMemberDefinedData values, ordered by key.
	Custom []ProfileItem
}

// Membership is one group of a user, with the user's member row.
type Membership struct {
	GroupID   string
	GroupType string
	Member    GroupMember
}

// MemberOutcome is the result of adding one member.
type MemberOutcome uint8

// Outcomes of AddGroupMembers. Each but the first wrote nothing for its
// member.
const (
	// MemberAdded: the member was stored.
	MemberAdded MemberOutcome = iota
	// MemberExists: the user already was a member; the row is unchanged.
	MemberExists
	// MemberNoAccount: the UserID is not an account of the app.
	MemberNoAccount
	// MemberGroupFull: the group holds MaxMembers members.
	MemberGroupFull
)

// Groups stores groups and their members. Group IDs are unique per app.
// Members are keyed both by group and by user, so a group's members and a
// user's groups are each one range of an index, in UserID and GroupID
// order respectively.
type Groups interface {
	// CreateGroup stores g and its initial members in one transaction:
	// ErrConflict if the app has a group with g's ID, ErrNotFound if a
	// member is not an account of the app (nothing is stored then), and
	// ErrConflict too if the members are more than g.MaxMembers (when it is
	// not 0). Repeated UserIDs keep their first entry.
	CreateGroup(ctx context.Context, sdkAppID uint64, g Group, members []GroupMember) error
	// GetGroup returns one group with its member count; ErrNotFound if
	// missing.
	GetGroup(ctx context.Context, sdkAppID uint64, groupID string) (Group, error)
	// AddGroupMembers adds members in order in one transaction, returning
	// one outcome per item; the group's MaxMembers is checked in that
	// transaction, so concurrent adds cannot pass it. ErrNotFound if the
	// group is missing.
	AddGroupMembers(ctx context.Context, sdkAppID uint64, groupID string, members []GroupMember) ([]MemberOutcome, error)
	// RemoveGroupMembers removes members in one transaction; removed[i]
	// reports whether userIDs[i] was a member (a repeated UserID reports
	// true only the first time). ErrNotFound if the group is missing.
	RemoveGroupMembers(ctx context.Context, sdkAppID uint64, groupID string, userIDs []string) (removed []bool, err error)
	// GroupMembers returns up to limit members whose UserID sorts after
	// after (from the first when empty), in UserID order. ErrNotFound if
	// the group is missing.
	GroupMembers(ctx context.Context, sdkAppID uint64, groupID, after string, limit int) ([]GroupMember, error)
	// UserGroups returns up to limit groups of userID whose GroupID sorts
	// after after (from the first when empty), in GroupID order; an
	// unknown user has none.
	UserGroups(ctx context.Context, sdkAppID uint64, userID, after string, limit int) ([]Membership, error)
	// DestroyGroup deletes the group with its members; ErrNotFound if
	// missing. Its ID may be used again afterwards.
	DestroyGroup(ctx context.Context, sdkAppID uint64, groupID string) error
}
