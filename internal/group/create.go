package group

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// CreateRequest is a group to create (create_group).
type CreateRequest struct {
	// Type by its current or old name. Required.
	Type string
	// GroupID is a custom ID; empty to have one generated.
	GroupID string
	// Owner is the owner's UserID, added as the first member; empty for a
	// group without an owner (an app admin's).
	Owner        string
	Name         string // required
	Introduction string
	Notification string
	FaceURL      string
	// MaxMemberCount bounds the members; 0 means the type's maximum.
	// Live rooms keep no member list and ignore it.
	MaxMemberCount int
	// ApplyJoinOption and InviteJoinOption; empty for the type's default.
	ApplyJoinOption  string
	InviteJoinOption string
	// Members are the initial members besides the owner, at most
	// MaxInitialMembers; a repeated UserID, or the owner, counts once.
	Members []InitialMember
}

// InitialMember is a member named at creation.
type InitialMember struct {
	UserID string
	// Role is Admin or Member; empty means Member.
	Role string
}

// maxIDAttempts bounds the tries for a free generated ID.
const maxIDAttempts = 5

// CreateGroup creates a group with its owner and initial members and
// returns its ID. Refusals: 10004 for a bad type, field, option, role or
// member count; 10015 for a custom ID that breaks the rules; 10007 for
// initial members of a live room; 10014 when the members pass
// MaxMemberCount; 10019 when a member is not an account; 10021 when the
// custom ID is taken (10025 when the owner asked is the group's owner).
func (s *Service) CreateGroup(ctx context.Context, sdkAppID uint64, req CreateRequest) (string, error) {
	t, ok := ParseType(req.Type)
	if !ok {
		return "", im.Errorf(im.CodeGroupBadParams, "Type %q is not a group type (Work, Public, Meeting, Community, AVChatRoom, or the old Private, ChatRoom)", req.Type)
	}
	r := rules[t]
	if req.GroupID != "" {
		if err := checkCustomID(t, req.GroupID); err != nil {
			return "", err
		}
	}
	if err := checkProfile(req); err != nil {
		return "", err
	}
	g := store.Group{
		Type: t.String(), Name: req.Name, Introduction: req.Introduction, Notification: req.Notification,
		FaceURL: req.FaceURL, Owner: req.Owner, MaxMembers: r.maxMembers,
		ApplyJoinOption: r.applyJoin, InviteJoinOption: r.inviteJoin, CreatedAt: s.now().Unix(),
	}
	if t != TypeAVChatRoom && req.MaxMemberCount != 0 {
		if req.MaxMemberCount < 0 || req.MaxMemberCount > r.maxMembers {
			return "", im.Errorf(im.CodeGroupBadParams, "MaxMemberCount %d is outside 1..%d for a %s group", req.MaxMemberCount, r.maxMembers, t)
		}
		g.MaxMembers = req.MaxMemberCount
	}
	if req.ApplyJoinOption != "" {
		if !slices.Contains([]string{FreeAccess, NeedPermission, DisableApply}, req.ApplyJoinOption) {
			return "", im.Errorf(im.CodeGroupBadParams, "ApplyJoinOption %q is not FreeAccess, NeedPermission or DisableApply", req.ApplyJoinOption)
		}
		g.ApplyJoinOption = req.ApplyJoinOption
	}
	if req.InviteJoinOption != "" {
		if !slices.Contains([]string{FreeAccess, NeedPermission, DisableInvite}, req.InviteJoinOption) {
			return "", im.Errorf(im.CodeGroupBadParams, "InviteJoinOption %q is not FreeAccess, NeedPermission or DisableInvite", req.InviteJoinOption)
		}
		g.InviteJoinOption = req.InviteJoinOption
	}
	members, err := s.initialMembers(ctx, sdkAppID, t, g, req)
	if err != nil {
		return "", err
	}
	return s.save(ctx, sdkAppID, t, g, req.GroupID, members)
}

// checkProfile applies the profile fields' limits.
func checkProfile(req CreateRequest) error {
	if req.Name == "" {
		return im.Errorf(im.CodeGroupBadParams, "Name is required")
	}
	for _, f := range []struct {
		name  string
		value string
		max   int
	}{
		{"Name", req.Name, MaxNameBytes},
		{"Introduction", req.Introduction, MaxIntroductionBytes},
		{"Notification", req.Notification, MaxNotificationBytes},
		{"FaceUrl", req.FaceURL, MaxFaceURLBytes},
	} {
		if len(f.value) > f.max {
			return im.Errorf(im.CodeGroupBadParams, "%s is %d bytes, at most %d", f.name, len(f.value), f.max)
		}
	}
	return nil
}

// initialMembers checks the owner and members a create names and returns
// the member rows to store, the owner first.
func (s *Service) initialMembers(ctx context.Context, sdkAppID uint64, t Type, g store.Group, req CreateRequest) ([]store.GroupMember, error) {
	r := rules[t]
	if len(req.Members) > 0 && !r.initialMembers {
		return nil, im.Errorf(im.CodeGroupNoPermission, "a %s group takes no initial members", t)
	}
	if len(req.Members) > MaxInitialMembers {
		return nil, im.Errorf(im.CodeGroupBadParams, "MemberList has %d members, at most %d", len(req.Members), MaxInitialMembers)
	}
	now := g.CreatedAt
	var (
		rows []store.GroupMember
		ids  []string
		seen = map[string]bool{}
	)
	if req.Owner != "" {
		rows = append(rows, store.GroupMember{UserID: req.Owner, Role: store.GroupRoleOwner, JoinTime: now})
		ids = append(ids, req.Owner)
		seen[req.Owner] = true
	}
	for _, m := range req.Members {
		if m.UserID == "" {
			return nil, im.Errorf(im.CodeGroupBadParams, "a member's Member_Account is empty")
		}
		role := store.GroupRoleMember
		switch m.Role {
		case "", RoleMember:
		case RoleAdmin:
			if !r.admins {
				return nil, im.Errorf(im.CodeGroupBadParams, "a %s group has no admins", t)
			}
			role = store.GroupRoleAdmin
		default:
			return nil, im.Errorf(im.CodeGroupBadParams, "member %q: Role %q is not Admin or Member", m.UserID, m.Role)
		}
		if seen[m.UserID] {
			continue
		}
		seen[m.UserID] = true
		rows = append(rows, store.GroupMember{UserID: m.UserID, Role: role, JoinTime: now})
		ids = append(ids, m.UserID)
	}
	if g.MaxMembers > 0 && len(rows) > g.MaxMembers {
		return nil, im.Errorf(im.CodeGroupFull, "%d members do not fit in MaxMemberCount %d", len(rows), g.MaxMembers)
	}
	if len(ids) == 0 {
		return rows, nil
	}
	found, err := s.accounts.Exists(ctx, sdkAppID, ids)
	if err != nil {
		return nil, fmt.Errorf("group: check %d accounts: %w", len(ids), err)
	}
	for _, id := range ids {
		if !found[id] {
			return nil, im.Errorf(im.CodeGroupNoAccount, "%q is not an account", id)
		}
	}
	return rows, nil
}

// save stores the group under its custom ID, or under a generated one,
// generating again while the generated ID is taken.
func (s *Service) save(ctx context.Context, sdkAppID uint64, t Type, g store.Group, customID string, members []store.GroupMember) (string, error) {
	for range maxIDAttempts {
		g.GroupID = customID
		if g.GroupID == "" {
			id, err := generateID(t, s.random)
			if err != nil {
				return "", err
			}
			g.GroupID = id
		}
		err := s.store.CreateGroup(ctx, sdkAppID, g, members)
		switch {
		case err == nil:
			return g.GroupID, nil
		case errors.Is(err, store.ErrNotFound):
			// An account was deleted since it was checked.
			return "", im.Errorf(im.CodeGroupNoAccount, "a member is no longer an account")
		case !errors.Is(err, store.ErrConflict):
			return "", fmt.Errorf("group: create %q: %w", g.GroupID, err)
		case customID != "":
			return "", s.takenID(ctx, sdkAppID, g)
		}
	}
	return "", fmt.Errorf("group: no free generated ID of type %s after %d attempts", t, maxIDAttempts)
}

// takenID is the refusal of a custom ID in use: 10025 when the group
// using it has the owner the create asked for, 10021 otherwise.
func (s *Service) takenID(ctx context.Context, sdkAppID uint64, g store.Group) error {
	old, err := s.store.GetGroup(ctx, sdkAppID, g.GroupID)
	if err == nil && g.Owner != "" && old.Owner == g.Owner {
		return im.Errorf(im.CodeGroupIDOwned, "group %q already exists and is yours", g.GroupID)
	}
	return im.Errorf(im.CodeGroupIDTaken, "group ID %q is already in use", g.GroupID)
}
