package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// group builds a group of app1 with room for limit members.
func group(id, owner string, limit int) store.Group {
	return store.Group{
		GroupID: id, Type: "Public", Name: "name " + id, Introduction: "intro", Notification: "notice",
		FaceURL: "https://example.com/f.png", Owner: owner, MaxMembers: limit,
		ApplyJoinOption: "NeedPermission", InviteJoinOption: "DisableInvite", CreatedAt: 1_700_000_000,
	}
}

func member(id string, role store.GroupRole) store.GroupMember {
	return store.GroupMember{UserID: id, Role: role, JoinTime: 1_700_000_000}
}

func mustCreateGroup(t *testing.T, s store.Store, g store.Group, members ...store.GroupMember) {
	t.Helper()
	if err := s.CreateGroup(t.Context(), app1, g, members); err != nil {
		t.Fatalf("CreateGroup(%q): %v", g.GroupID, err)
	}
}

func mustAddMembers(t *testing.T, s store.Store, groupID string, ids ...string) []store.MemberOutcome {
	t.Helper()
	ms := make([]store.GroupMember, len(ids))
	for i, id := range ids {
		ms[i] = member(id, store.GroupRoleMember)
	}
	out, err := s.AddGroupMembers(t.Context(), app1, groupID, ms)
	if err != nil {
		t.Fatalf("AddGroupMembers(%q, %q): %v", groupID, ids, err)
	}
	return out
}

// allMembers pages through a group's members, page at a time.
func allMembers(t *testing.T, s store.Store, groupID string, page int) []string {
	t.Helper()
	ids := []string{}
	after := ""
	for range 1000 {
		ms, err := s.GroupMembers(t.Context(), app1, groupID, after, page)
		if err != nil {
			t.Fatalf("GroupMembers(%q, after %q): %v", groupID, after, err)
		}
		if len(ms) > page {
			t.Fatalf("GroupMembers returned %d members for a page of %d", len(ms), page)
		}
		for _, m := range ms {
			ids = append(ids, m.UserID)
		}
		if len(ms) < page {
			return ids
		}
		after = ms[len(ms)-1].UserID
	}
	t.Fatal("GroupMembers never ended")
	return nil
}

func userGroupIDs(t *testing.T, s store.Store, userID string) []string {
	t.Helper()
	ms, err := s.UserGroups(t.Context(), app1, userID, "", 100)
	if err != nil {
		t.Fatalf("UserGroups(%q): %v", userID, err)
	}
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.GroupID)
	}
	return ids
}

var groupCases = []testCase{
	{"CreateAndGet", func(t *testing.T, s store.Store) {
		users(t, s, "owner", "b")
		g := group("@TGS#1", "owner", 10)
		g.MuteAll = true
		g.Custom = items("level", `"3"`, "color", `"red"`)
		owner := member("owner", store.GroupRoleOwner)
		b := store.GroupMember{UserID: "b", Role: store.GroupRoleAdmin, JoinTime: 5, NameCard: "bee", MsgFlag: 2, MuteUntil: 99,
			Custom: items("rank", `"1"`)}
		mustCreateGroup(t, s, g, owner, b)
		got, err := s.GetGroup(t.Context(), app1, "@TGS#1")
		if err != nil {
			t.Fatalf("GetGroup: %v", err)
		}
		want := g
		want.Custom = items("color", `"red"`, "level", `"3"`)
		want.MemberCount = 2
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GetGroup = %+v, want %+v", got, want)
		}
		ms, err := s.GroupMembers(t.Context(), app1, "@TGS#1", "", 10)
		if err != nil {
			t.Fatalf("GroupMembers: %v", err)
		}
		if fmt.Sprint(ms) != fmt.Sprint([]store.GroupMember{b, owner}) {
			t.Errorf("GroupMembers = %+v, want b then owner with their fields", ms)
		}
		if _, err := s.GetGroup(t.Context(), app1, "@TGS#missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetGroup(missing) = %v, want ErrNotFound", err)
		}
		if _, err := s.GetGroup(t.Context(), app2, "@TGS#1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetGroup in another app = %v, want ErrNotFound", err)
		}
	}},
	{"DuplicateIDConflicts", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b")
		mustCreateGroup(t, s, group("g", "a", 10), member("a", store.GroupRoleOwner))
		err := s.CreateGroup(t.Context(), app1, group("g", "b", 10), []store.GroupMember{member("b", store.GroupRoleOwner)})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second CreateGroup(g) = %v, want ErrConflict", err)
		}
		got, err := s.GetGroup(t.Context(), app1, "g")
		if err != nil || got.Owner != "a" || got.MemberCount != 1 {
			t.Errorf("after the refused create: %+v, %v; want the first group unchanged", got, err)
		}
		if ids := userGroupIDs(t, s, "b"); len(ids) != 0 {
			t.Errorf("b's groups = %q, want none", ids)
		}
		// IDs are per app.
		if _, err := s.ImportAccounts(t.Context(), app2, []store.NewAccount{account("a")}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateGroup(t.Context(), app2, group("g", "a", 10), nil); err != nil {
			t.Errorf("CreateGroup(g) in another app: %v", err)
		}
	}},
	{"CreateRefusesNonAccountsAndOverflow", func(t *testing.T, s store.Store) {
		users(t, s, "a")
		err := s.CreateGroup(t.Context(), app1, group("g", "a", 10), []store.GroupMember{member("a", store.GroupRoleOwner), member("ghost", 0)})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateGroup with a non-account = %v, want ErrNotFound", err)
		}
		if _, err := s.GetGroup(t.Context(), app1, "g"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the refused group was stored: %v", err)
		}
		users(t, s, "b")
		err = s.CreateGroup(t.Context(), app1, group("g", "a", 1), []store.GroupMember{member("a", store.GroupRoleOwner), member("b", 0)})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateGroup over its bound = %v, want ErrConflict", err)
		}
		// A repeated member counts once.
		mustCreateGroup(t, s, group("g", "a", 1), member("a", store.GroupRoleOwner), member("a", 0))
	}},
	{"AddAndRemoveMembers", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c", "d")
		mustCreateGroup(t, s, group("g", "a", 3), member("a", store.GroupRoleOwner))
		got := mustAddMembers(t, s, "g", "b", "a", "ghost", "b", "c", "d")
		want := []store.MemberOutcome{store.MemberAdded, store.MemberExists, store.MemberNoAccount, store.MemberExists, store.MemberAdded, store.MemberGroupFull}
		if !slices.Equal(got, want) {
			t.Errorf("AddGroupMembers outcomes %v, want %v", got, want)
		}
		if ids := allMembers(t, s, "g", 10); !slices.Equal(ids, []string{"a", "b", "c"}) {
			t.Errorf("members %q, want a b c", ids)
		}
		removed, err := s.RemoveGroupMembers(t.Context(), app1, "g", []string{"b", "d", "b"})
		if err != nil {
			t.Fatalf("RemoveGroupMembers: %v", err)
		}
		if !slices.Equal(removed, []bool{true, false, false}) {
			t.Errorf("removed %v, want [true false false]", removed)
		}
		// The freed place can be taken.
		if got := mustAddMembers(t, s, "g", "d"); !slices.Equal(got, []store.MemberOutcome{store.MemberAdded}) {
			t.Errorf("add after remove: %v", got)
		}
		if g, _ := s.GetGroup(t.Context(), app1, "g"); g.MemberCount != 3 {
			t.Errorf("MemberCount = %d, want 3", g.MemberCount)
		}
		if _, err := s.AddGroupMembers(t.Context(), app1, "missing", []store.GroupMember{member("a", 0)}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AddGroupMembers(missing group) = %v, want ErrNotFound", err)
		}
		if _, err := s.RemoveGroupMembers(t.Context(), app1, "missing", []string{"a"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RemoveGroupMembers(missing group) = %v, want ErrNotFound", err)
		}
	}},
	{"UnboundedGroup", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c")
		mustCreateGroup(t, s, group("g", "", 0))
		if got := mustAddMembers(t, s, "g", "a", "b", "c"); !slices.Equal(got, []store.MemberOutcome{0, 0, 0}) {
			t.Errorf("outcomes %v, want all added", got)
		}
	}},
	{"ConcurrentAddsKeepTheBound", func(t *testing.T, s store.Store) {
		const n, limit = 12, 5
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("u%02d", i)
		}
		users(t, s, ids...)
		mustCreateGroup(t, s, group("g", "", limit))
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			added int
		)
		for _, id := range ids {
			wg.Go(func() {
				out, err := s.AddGroupMembers(t.Context(), app1, "g", []store.GroupMember{member(id, 0)})
				if err != nil {
					t.Errorf("AddGroupMembers(%q): %v", id, err)
					return
				}
				if out[0] == store.MemberAdded {
					mu.Lock()
					added++
					mu.Unlock()
				} else if out[0] != store.MemberGroupFull {
					t.Errorf("AddGroupMembers(%q) = %v, want added or full", id, out[0])
				}
			})
		}
		wg.Wait()
		if added != limit {
			t.Errorf("%d adds succeeded, want %d", added, limit)
		}
		if got := allMembers(t, s, "g", 100); len(got) != limit {
			t.Errorf("%d members stored, want %d", len(got), limit)
		}
	}},
	{"MembersPaged", func(t *testing.T, s store.Store) {
		ids := make([]string, 23)
		for i := range ids {
			ids[i] = fmt.Sprintf("m%02d", i)
		}
		users(t, s, ids...)
		mustCreateGroup(t, s, group("g", "", 0))
		mustAddMembers(t, s, "g", ids...)
		for _, page := range []int{1, 5, 23, 50} {
			if got := allMembers(t, s, "g", page); !slices.Equal(got, ids) {
				t.Errorf("pages of %d: %q, want %q", page, got, ids)
			}
		}
		if _, err := s.GroupMembers(t.Context(), app1, "missing", "", 10); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GroupMembers(missing) = %v, want ErrNotFound", err)
		}
	}},
	{"GroupsOfAUser", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b")
		mustCreateGroup(t, s, group("g2", "a", 0), member("a", store.GroupRoleOwner))
		c := group("g1", "b", 0)
		c.Type = "Community"
		mustCreateGroup(t, s, c, member("b", store.GroupRoleOwner), member("a", store.GroupRoleAdmin))
		mustCreateGroup(t, s, group("g3", "b", 0), member("b", store.GroupRoleOwner))
		ms, err := s.UserGroups(t.Context(), app1, "a", "", 10)
		if err != nil {
			t.Fatalf("UserGroups: %v", err)
		}
		if len(ms) != 2 || ms[0].GroupID != "g1" || ms[0].GroupType != "Community" || ms[0].Member.Role != store.GroupRoleAdmin ||
			ms[1].GroupID != "g2" || ms[1].GroupType != "Public" || ms[1].Member.Role != store.GroupRoleOwner {
			t.Errorf("UserGroups(a) = %+v, want g1 (Community, admin) then g2 (Public, owner)", ms)
		}
		page, err := s.UserGroups(t.Context(), app1, "a", "g1", 10)
		if err != nil || len(page) != 1 || page[0].GroupID != "g2" {
			t.Errorf("UserGroups(a, after g1) = %+v, %v; want g2", page, err)
		}
		if ids := userGroupIDs(t, s, "nobody"); len(ids) != 0 {
			t.Errorf("groups of a non-account: %q", ids)
		}
		if _, err := s.RemoveGroupMembers(t.Context(), app1, "g1", []string{"a"}); err != nil {
			t.Fatal(err)
		}
		if ids := userGroupIDs(t, s, "a"); !slices.Equal(ids, []string{"g2"}) {
			t.Errorf("a's groups after leaving g1: %q", ids)
		}
	}},
	{"Destroy", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b")
		mustCreateGroup(t, s, group("g", "a", 0), member("a", store.GroupRoleOwner), member("b", 0))
		if err := s.DestroyGroup(t.Context(), app1, "g"); err != nil {
			t.Fatalf("DestroyGroup: %v", err)
		}
		if _, err := s.GetGroup(t.Context(), app1, "g"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetGroup after destroy = %v", err)
		}
		if ids := userGroupIDs(t, s, "b"); len(ids) != 0 {
			t.Errorf("b's groups after destroy: %q", ids)
		}
		if err := s.DestroyGroup(t.Context(), app1, "g"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DestroyGroup = %v, want ErrNotFound", err)
		}
		// The ID is free again, with no members left over.
		mustCreateGroup(t, s, group("g", "b", 0), member("b", store.GroupRoleOwner))
		if ids := allMembers(t, s, "g", 10); !slices.Equal(ids, []string{"b"}) {
			t.Errorf("members of the new g: %q", ids)
		}
	}},
	{"LeaveWithDeletedAccount", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b")
		mustCreateGroup(t, s, group("g", "a", 0), member("a", store.GroupRoleOwner), member("b", 0))
		if _, err := s.DeleteAccounts(t.Context(), app1, []string{"b"}, 0); err != nil {
			t.Fatal(err)
		}
		if ids := allMembers(t, s, "g", 10); !slices.Equal(ids, []string{"a"}) {
			t.Errorf("members after b's account was deleted: %q", ids)
		}
	}},
}
