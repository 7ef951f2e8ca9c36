package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// hasEvent reports whether evs hold an event of type T for which match
// holds.
func hasEvent[T any](t *testing.T, evs []client.Event, match func(T) bool) bool {
	return slices.ContainsFunc(decoded[T](t, evs), match)
}

// TestFriendRequestOverWebSocket: a friend request to a user who confirms
// requests reaches every device of theirs, accepting it (and adding back)
// makes both users friends on every device, and then, under FriendsOnly,
// the friend's message goes through while a stranger's is refused.
func TestFriendRequestOverWebSocket(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "eve")
		mustOK(t, s.rest("profile/portrait_set", map[string]any{"From_Account": "bob",
			"ProfileItem": []any{map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_NeedConfirm"}}}))
		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"C2CPermission": "FriendsOnly"}))
		ctx := context.Background()
		alice, eve := dial(t, s.base, "alice", "Web"), dial(t, s.base, "eve", "Web")
		bobPhone, bobWeb := dial(t, s.base, "bob", "iOS"), dial(t, s.base, "bob", "Web")
		inboxes := map[string]*inbox{"alice": watch(alice), "bob on iOS": watch(bobPhone), "bob on Web": watch(bobWeb)}

		res, err := alice.AddFriend(ctx, "bob", client.AddFriendOptions{Source: "AddSource_Type_Search", Wording: "hi bob"})
		if err != nil || res.ResultCode != client.ResultNeedsConfirm {
			t.Fatalf("AddFriend: %+v, %v; want ResultCode %d", res, err, client.ResultNeedsConfirm)
		}
		for name, in := range inboxes {
			in.wait(t, "friend_request_added on "+name, func(evs []client.Event) bool {
				return hasEvent(t, evs, func(r *client.FriendRequest) bool {
					return r.From == "alice" && r.To == "bob" && r.AddWording == "hi bob" && r.AddSource == "AddSource_Type_Search"
				})
			})
		}
		reqs, err := bobWeb.FriendRequests(ctx, false)
		if err != nil || len(reqs) != 1 || reqs[0].From != "alice" || reqs[0].AddWording != "hi bob" {
			t.Fatalf("bob's pending requests: %+v, %v", reqs, err)
		}
		_, err = alice.SendC2C(ctx, "bob", []client.Element{client.TextElem("before")}, client.SendOptions{})
		wantCode(t, "a pending request is no friendship", err, 20009)

		if err := bobPhone.AcceptFriend(ctx, "alice", true); err != nil {
			t.Fatalf("AcceptFriend: %v", err)
		}
		for name, in := range inboxes {
			in.wait(t, "both friendships on "+name, func(evs []client.Event) bool {
				added := func(from, to string) func(*client.FriendAdded) bool {
					return func(a *client.FriendAdded) bool { return a.From == from && a.To == to }
				}
				return hasEvent(t, evs, added("alice", "bob")) && hasEvent(t, evs, added("bob", "alice")) &&
					hasEvent(t, evs, func(d *client.FriendRequestDeleted) bool { return d.From == "alice" && d.To == "bob" })
			})
		}
		checks, err := alice.CheckFriends(ctx, []string{"bob"}, false)
		if err != nil || len(checks) != 1 || checks[0].Relation != "CheckResult_Type_BothWay" {
			t.Errorf("alice checks bob: %+v, %v", checks, err)
		}
		page, err := bobWeb.Friends(ctx, 0)
		if err != nil || page.FriendNum != 1 || page.UserDataItem[0].To != "alice" || page.CompleteFlag != 1 {
			t.Errorf("bob's friends: %+v, %v", page, err)
		}
		if reqs, err := bobWeb.FriendRequests(ctx, false); err != nil || len(reqs) != 0 {
			t.Errorf("bob's pending requests after accepting: %+v, %v", reqs, err)
		}

		send(t, alice, "bob", "now we are friends")
		for _, name := range []string{"bob on iOS", "bob on Web"} {
			inboxes[name].messages(t, "the friend's message on "+name, 1)
		}
		_, err = eve.SendC2C(ctx, "bob", []client.Element{client.TextElem("stranger")}, client.SendOptions{})
		wantCode(t, "a stranger under FriendsOnly", err, 20009)
	})
}
