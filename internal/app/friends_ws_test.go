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

// TestFriendCommandsOverWebSocket drives the other friend commands
// through the gateway: refusing, remarks, friend lists, the blacklist and
// deleting, with their answers, codes and the owner's events.
func TestFriendCommandsOverWebSocket(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "carol")
		for _, u := range []string{"bob", "carol"} {
			mustOK(t, s.rest("profile/portrait_set", map[string]any{"From_Account": u,
				"ProfileItem": []any{map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"}}}))
		}
		ctx := context.Background()
		alice, carol := dial(t, s.base, "alice", "Web"), dial(t, s.base, "carol", "Web")
		aliceEvents := watch(dial(t, s.base, "alice", "iOS"))

		if res, err := alice.AddFriend(ctx, "bob", client.AddFriendOptions{Remark: "B", Group: "work"}); err != nil || res.ResultCode != 0 {
			t.Fatalf("AddFriend bob (AllowAny): %+v, %v", res, err)
		}
		_, err := alice.AddFriend(ctx, "bob", client.AddFriendOptions{})
		wantCode(t, "adding a friend again", err, 30001)
		err = carol.RefuseFriend(ctx, "alice")
		wantCode(t, "refusing a request never made", err, 30614)

		if err := alice.SetFriendRemark(ctx, "bob", "Bobby"); err != nil {
			t.Fatalf("SetFriendRemark: %v", err)
		}
		aliceEvents.wait(t, "friend_info_changed", func(evs []client.Event) bool {
			return hasEvent(t, evs, func(c *client.FriendInfoChanged) bool {
				return c.To == "bob" && len(c.ValueItem) == 1 && string(c.ValueItem[0].Value) == `"Bobby"`
			})
		})
		info, err := alice.FriendInfo(ctx, []string{"bob", "carol"}, []string{client.TagFriendRemark})
		if err != nil || len(info) != 2 || string(info[0].ValueItem[0].Value) != `"Bobby"` || info[1].ResultCode != 31704 {
			t.Errorf("FriendInfo: %+v, %v", info, err)
		}
		err = alice.SetFriendRemark(ctx, "carol", "C")
		wantCode(t, "remark of a stranger", err, 31704)

		if _, err := alice.AddFriendLists(ctx, []string{"close"}, []string{"bob"}); err != nil {
			t.Fatalf("AddFriendLists: %v", err)
		}
		lists, err := alice.FriendLists(ctx, nil)
		if err != nil || len(lists) != 2 || lists[0].GroupName != "close" || !slices.Equal(lists[1].To, []string{"bob"}) {
			t.Errorf("FriendLists: %+v, %v", lists, err)
		}
		if err := alice.DeleteFriendLists(ctx, []string{"close"}); err != nil {
			t.Errorf("DeleteFriendLists: %v", err)
		}

		results, err := alice.Block(ctx, []string{"bob", "bob2"})
		if err != nil || len(results) != 2 || results[0].ResultCode != 0 || results[1].ResultCode != 30003 {
			t.Errorf("Block: %+v, %v", results, err)
		}
		aliceEvents.wait(t, "blacklist_added and the friendship's end", func(evs []client.Event) bool {
			return hasEvent(t, evs, func(b *client.BlacklistAdded) bool { return b.To == "bob" }) &&
				hasEvent(t, evs, func(d *client.FriendDeleted) bool { return d.From == "alice" && d.To == "bob" })
		})
		page, err := alice.Blacklist(ctx, 0, 0)
		if err != nil || len(page.BlackListItem) != 1 || page.BlackListItem[0].To != "bob" || page.StartIndex != 0 {
			t.Errorf("Blacklist: %+v, %v", page, err)
		}
		_, err = alice.AddFriend(ctx, "bob", client.AddFriendOptions{})
		wantCode(t, "adding a blocked user", err, 30515)
		if results, err := alice.Unblock(ctx, []string{"bob"}); err != nil || results[0].ResultCode != 0 {
			t.Errorf("Unblock: %+v, %v", results, err)
		}

		if res, err := alice.AddFriend(ctx, "carol", client.AddFriendOptions{}); err != nil || res.ResultCode != 0 {
			t.Fatalf("AddFriend carol: %+v, %v", res, err)
		}
		if results, err := carol.DeleteFriends(ctx, []string{"alice"}, false); err != nil || results[0].ResultCode != 0 {
			t.Errorf("DeleteFriends: %+v, %v", results, err)
		}
		checks, err := alice.CheckFriends(ctx, []string{"carol"}, false)
		if err != nil || checks[0].Relation != "CheckResult_Type_NoRelation" {
			t.Errorf("after a delete both ways: %+v, %v", checks, err)
		}
	})
}

// TestFriendRequestsReadOverWebSocket: bob, on two devices, receives
// requests, marks them read on one device; the other device hears of it,
// the listing on either shows them read, the requester hears nothing and
// a request made again is unread again.
func TestFriendRequestsReadOverWebSocket(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "carol")
		mustOK(t, s.rest("profile/portrait_set", map[string]any{"From_Account": "bob",
			"ProfileItem": []any{map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_NeedConfirm"}}}))
		ctx := context.Background()
		alice, carol := dial(t, s.base, "alice", "Web"), dial(t, s.base, "carol", "Web")
		bobPhone, bobWeb := dial(t, s.base, "bob", "iOS"), dial(t, s.base, "bob", "Web")
		aliceIn, webIn := watch(alice), watch(bobWeb)

		for _, c := range []*client.Client{alice, carol} {
			if res, err := c.AddFriend(ctx, "bob", client.AddFriendOptions{Wording: "hi"}); err != nil || res.ResultCode != client.ResultNeedsConfirm {
				t.Fatalf("AddFriend: %+v, %v", res, err)
			}
		}
		unread := func(c *client.Client, what string, want map[string]bool) {
			t.Helper()
			reqs, err := c.FriendRequests(ctx, false)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got := map[string]bool{}
			for _, r := range reqs {
				got[r.From] = r.Read
			}
			if len(got) != len(want) {
				t.Fatalf("%s: requests %+v, want from %v", what, reqs, want)
			}
			for from, read := range want {
				if got[from] != read {
					t.Errorf("%s: request from %s read %v, want %v", what, from, got[from], read)
				}
			}
		}
		unread(bobWeb, "before", map[string]bool{"alice": false, "carol": false})

		if err := bobPhone.MarkFriendRequestsRead(ctx, 0); err != nil {
			t.Fatalf("MarkFriendRequestsRead: %v", err)
		}
		webIn.wait(t, "friend_request_read on bob's other device", func(evs []client.Event) bool {
			return hasEvent(t, evs, func(r *client.FriendRequestRead) bool { return r.To == "bob" && r.UpTo == 0 })
		})
		unread(bobWeb, "after, on the other device", map[string]bool{"alice": true, "carol": true})
		unread(bobPhone, "after, on the device that read", map[string]bool{"alice": true, "carol": true})
		if sent, err := alice.FriendRequests(ctx, true); err != nil || len(sent) != 1 || sent[0].Read {
			t.Errorf("alice's sent requests: %+v, %v; want one, not marked read", sent, err)
		}

		// The requester is not told: once a later event of bob's reaches
		// alice, no friend_request_read came before it.
		send(t, bobWeb, "alice", "after reading")
		evs := aliceIn.wait(t, "bob's later message", func(evs []client.Event) bool {
			return len(decoded[*client.Message](t, evs)) >= 1
		})
		if hasEvent(t, evs, func(*client.FriendRequestRead) bool { return true }) {
			t.Errorf("the requester heard friend_request_read")
		}

		// Asking again makes alice's request unread again.
		if _, err := alice.AddFriend(ctx, "bob", client.AddFriendOptions{Wording: "hello again"}); err != nil {
			t.Fatal(err)
		}
		unread(bobWeb, "after alice asked again", map[string]bool{"alice": false, "carol": true})
		wantCode(t, "a negative UpTo", bobWeb.MarkFriendRequestsRead(ctx, -1), 30001)
	})
}
