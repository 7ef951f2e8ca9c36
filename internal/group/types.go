package group

import "github.com/parley-im/parley/internal/store"

// Type is one of the five group types.
type Type uint8

// The group types, under their current names.
const (
	TypeWork Type = iota + 1
	TypePublic
	TypeMeeting
	TypeCommunity
	TypeAVChatRoom
)

// typeNames maps every accepted name, old and new, to its type.
var typeNames = map[string]Type{
	"Work": TypeWork, "Private": TypeWork,
	"Public":  TypePublic,
	"Meeting": TypeMeeting, "ChatRoom": TypeMeeting,
	"Community":  TypeCommunity,
	"AVChatRoom": TypeAVChatRoom,
}

// ParseType reads a type by its current or its old name (Private for
// Work, ChatRoom for Meeting).
func ParseType(name string) (Type, bool) {
	t, ok := typeNames[name]
	return t, ok
}

// String is the type's current name, the one the store keeps and answers
// give.
func (t Type) String() string {
	switch t {
	case TypeWork:
		return "Work"
	case TypePublic:
		return "Public"
	case TypeMeeting:
		return "Meeting"
	case TypeCommunity:
		return "Community"
	case TypeAVChatRoom:
		return "AVChatRoom"
	}
	return "Unknown"
}

// Join options. ApplyJoinOption says how a user who asks to join gets in;
// InviteJoinOption how an invited user does.
const (
	FreeAccess     = "FreeAccess"
	NeedPermission = "NeedPermission"
	DisableApply   = "DisableApply"
	DisableInvite  = "DisableInvite"
)

// typeRules are what a type allows and its defaults.
type typeRules struct {
	// maxMembers is the most members a group of the type may be created
	// for, and its MaxMemberCount when the request gives none; 0 means
	// unbounded (live rooms store no member list).
	maxMembers int
	// admins says whether members may be made admins.
	admins bool
	// initialMembers says whether create may name members.
	initialMembers bool
	// applyJoin and inviteJoin are the defaults of the join options.
	applyJoin, inviteJoin string
}

// rules per type. Work groups cannot be applied to and members invite
// freely; Public groups are applied to with approval and members do not
// invite; Meeting and Community groups are joined freely, and Community
// members invite; live rooms are joined freely and keep no member list.
var rules = map[Type]typeRules{
	TypeWork:       {maxMembers: 200, applyJoin: DisableApply, inviteJoin: FreeAccess, initialMembers: true},
	TypePublic:     {maxMembers: 2000, admins: true, applyJoin: NeedPermission, inviteJoin: DisableInvite, initialMembers: true},
	TypeMeeting:    {maxMembers: 10000, admins: true, applyJoin: FreeAccess, inviteJoin: DisableInvite, initialMembers: true},
	TypeCommunity:  {maxMembers: 100000, admins: true, applyJoin: FreeAccess, inviteJoin: FreeAccess, initialMembers: true},
	TypeAVChatRoom: {maxMembers: 0, applyJoin: FreeAccess, inviteJoin: DisableInvite},
}

// Role names.
const (
	RoleOwner  = "Owner"
	RoleAdmin  = "Admin"
	RoleMember = "Member"
)

// ParseRole reads a role by name.
func ParseRole(name string) (store.GroupRole, bool) {
	switch name {
	case RoleOwner:
		return store.GroupRoleOwner, true
	case RoleAdmin:
		return store.GroupRoleAdmin, true
	case RoleMember:
		return store.GroupRoleMember, true
	}
	return 0, false
}

// RoleName is the name of a role.
func RoleName(r store.GroupRole) string {
	switch r {
	case store.GroupRoleOwner:
		return RoleOwner
	case store.GroupRoleAdmin:
		return RoleAdmin
	}
	return RoleMember
}

// Limits of group fields, in UTF-8 bytes, and of create.
const (
	MaxNameBytes         = 30
	MaxIntroductionBytes = 240
	MaxNotificationBytes = 300
	MaxFaceURLBytes      = 100
	MaxGroupIDBytes      = 48
	// MaxInitialMembers bounds the members a create names (the owner
	// apart).
	MaxInitialMembers = 100
)
