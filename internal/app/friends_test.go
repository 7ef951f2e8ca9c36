package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// items returns a list field of an answer.
func items(t *testing.T, out map[string]any, field string) []map[string]any {
	t.Helper()
	raw, ok := out[field].([]any)
	if !ok {
		t.Fatalf("%s missing or not a list: %v", field, out)
	}
	got := make([]map[string]any, len(raw))
	for i, r := range raw {
		got[i] = r.(map[string]any)
	}
	return got
}

// field returns one of items' fields as strings.
func field(list []map[string]any, name string) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = fmt.Sprint(it[name])
	}
	return out
}

// TestSNSRoundTrip drives every sns command over REST with the
// reference's field names, including paging of friend_get and
// black_list_get over more than one page.
func TestSNSRoundTrip(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		peers := make([]string, 105)
		for i := range peers {
			peers[i] = fmt.Sprintf("p%03d", i)
		}
		importUsers(t, s, "alice", "bob", "carol", "dave")
		for chunk := range slices.Chunk(peers, 100) {
			importUsers(t, s, chunk...)
		}
		mustOK(t, s.rest("profile/portrait_set", map[string]any{"From_Account": "bob",
			"ProfileItem": []any{map[string]any{"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"}}}))
		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"CustomFriendTags": []string{"Level"}}))

		add := mustOK(t, s.rest("sns/friend_add", map[string]any{"From_Account": "alice", "AddType": "Add_Type_Both",
			"AddFriendItem": []any{
				map[string]any{"To_Account": "bob", "AddSource": "AddSource_Type_Web", "Remark": "B", "GroupName": "work", "AddWording": "hi"},
				map[string]any{"To_Account": "carol", "AddSource": "AddSource_Type_Web"},
				map[string]any{"To_Account": "ghost", "AddSource": "AddSource_Type_Web"},
			}}))
		if got := field(items(t, add, "ResultItem"), "ResultCode"); !slices.Equal(got, []string{"0", "30539", "30003"}) {
			t.Errorf("friend_add codes %v, want [0 30539 30003]", got)
		}
		if got := fmt.Sprint(add["Fail_Account"]); got != "[ghost]" {
			t.Errorf("friend_add Fail_Account %s", got)
		}

		check := mustOK(t, s.rest("sns/friend_check", map[string]any{"From_Account": "alice", "To_Account": []string{"bob", "carol"}, "CheckType": "CheckResult_Type_Both"}))
		if got := field(items(t, check, "InfoItem"), "Relation"); !slices.Equal(got, []string{"CheckResult_Type_BothWay", "CheckResult_Type_NoRelation"}) {
			t.Errorf("friend_check %v", got)
		}

		imp := make([]any, len(peers))
		for i, p := range peers {
			imp[i] = map[string]any{"To_Account": p, "AddSource": "AddSource_Type_Import", "AddTime": 1000 + i,
				"GroupName": []string{"imported"}, "CustomItem": []any{map[string]any{"Tag": "Tag_SNS_Custom_Level", "Value": "x"}}}
		}
		for chunk := range slices.Chunk(imp, 100) {
			out := mustOK(t, s.rest("sns/friend_import", map[string]any{"From_Account": "dave", "AddFriendItem": chunk}))
			if len(out["Fail_Account"].([]any)) != 0 {
				t.Fatalf("friend_import: %v", out)
			}
		}
		var paged []string
		start := 0
		for page := 0; ; page++ {
			if page > 3 {
				t.Fatal("friend_get: too many pages")
			}
			out := mustOK(t, s.rest("sns/friend_get", map[string]any{"From_Account": "dave", "StartIndex": start}))
			for _, it := range items(t, out, "UserDataItem") {
				paged = append(paged, it["To_Account"].(string))
			}
			if fmt.Sprint(out["FriendNum"]) != "105" {
				t.Errorf("FriendNum %v", out["FriendNum"])
			}
			if fmt.Sprint(out["CompleteFlag"]) != "0" {
				break
			}
			n, _ := out["NextStartIndex"].(json.Number).Int64()
			start = int(n)
		}
		if !slices.Equal(paged, peers) {
			t.Errorf("friend_get paged %d friends, want the %d imported in order", len(paged), len(peers))
		}

		mustOK(t, s.rest("sns/friend_update", map[string]any{"From_Account": "alice", "UpdateItem": []any{
			map[string]any{"To_Account": "bob", "SnsItem": []any{map[string]any{"Tag": "Tag_SNS_IM_Remark", "Value": "Bobby"}}}}}))
		list := mustOK(t, s.rest("sns/friend_get_list", map[string]any{"From_Account": "alice", "To_Account": []string{"bob", "carol"},
			"TagList": []string{"Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_Profile_IM_AllowType"}}))
		info := items(t, list, "InfoItem")
		if b, _ := json.Marshal(info[0]["SnsProfileItem"]); string(b) != `[{"Tag":"Tag_SNS_IM_Remark","Value":"Bobby"},{"Tag":"Tag_SNS_IM_Group","Value":["work"]},{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_AllowAny"}]` {
			t.Errorf("friend_get_list bob: %s", b)
		}
		if fmt.Sprint(info[1]["ResultCode"]) != "31704" {
			t.Errorf("friend_get_list of a non-friend: %v", info[1])
		}

		grp := mustOK(t, s.rest("sns/group_add", map[string]any{"From_Account": "alice", "GroupName": []string{"close"}, "To_Account": []string{"bob"}}))
		if grp["CurrentSequence"] == nil {
			t.Errorf("group_add without CurrentSequence: %v", grp)
		}
		groups := mustOK(t, s.rest("sns/group_get", map[string]any{"From_Account": "alice", "NeedFriend": "Need_Friend_Type_Yes"}))
		if b, _ := json.Marshal(groups["ResultItem"]); string(b) != `[{"FriendNumber":1,"GroupName":"close","To_Account":["bob"]},{"FriendNumber":1,"GroupName":"work","To_Account":["bob"]}]` {
			t.Errorf("group_get: %s", b)
		}
		mustOK(t, s.rest("sns/group_delete", map[string]any{"From_Account": "alice", "GroupName": []string{"close"}}))

		blk := mustOK(t, s.rest("sns/black_list_add", map[string]any{"From_Account": "alice", "To_Account": []string{"bob", "carol", "dave"}}))
		if got := field(items(t, blk, "ResultItem"), "ResultCode"); !slices.Equal(got, []string{"0", "0", "0"}) {
			t.Errorf("black_list_add %v", got)
		}
		var blocked []string
		start = 0
		for page := 0; page < 4; page++ {
			out := mustOK(t, s.rest("sns/black_list_get", map[string]any{"From_Account": "alice", "StartIndex": start, "MaxLimited": 2, "LastSequence": 0}))
			if out["CurruentSequence"] == nil || fmt.Sprint(out["CurruentSequence"]) != fmt.Sprint(out["CurrentSequence"]) {
				t.Errorf("black_list_get sequences: %v / %v", out["CurruentSequence"], out["CurrentSequence"])
			}
			blocked = append(blocked, field(items(t, out, "BlackListItem"), "To_Account")...)
			n, _ := out["StartIndex"].(json.Number).Int64()
			if n == 0 {
				break
			}
			start = int(n)
		}
		if !slices.Equal(blocked, []string{"bob", "carol", "dave"}) {
			t.Errorf("black_list_get pages: %v", blocked)
		}
		bc := mustOK(t, s.rest("sns/black_list_check", map[string]any{"From_Account": "bob", "To_Account": []string{"alice"}, "CheckType": "BlackCheckResult_Type_Both"}))
		if got := field(items(t, bc, "BlackListCheckItem"), "Relation"); !slices.Equal(got, []string{"BlackCheckResult_Type_BWithA"}) {
			t.Errorf("black_list_check %v", got)
		}
		check = mustOK(t, s.rest("sns/friend_check", map[string]any{"From_Account": "alice", "To_Account": []string{"bob"}, "CheckType": "CheckResult_Type_Single"}))
		if got := field(items(t, check, "InfoItem"), "Relation"); !slices.Equal(got, []string{"CheckResult_Type_NoRelation"}) {
			t.Errorf("friend_check after blacklisting %v", got)
		}
		mustOK(t, s.rest("sns/black_list_delete", map[string]any{"From_Account": "alice", "To_Account": []string{"bob"}}))

		del := mustOK(t, s.rest("sns/friend_delete", map[string]any{"From_Account": "dave", "To_Account": []string{"p000", "alice"}, "DeleteType": "Delete_Type_Single"}))
		if got := field(items(t, del, "ResultItem"), "ResultCode"); !slices.Equal(got, []string{"0", "31704"}) {
			t.Errorf("friend_delete %v", got)
		}
		mustOK(t, s.rest("sns/friend_delete_all", map[string]any{"From_Account": "dave"}))
		out := mustOK(t, s.rest("sns/friend_get", map[string]any{"From_Account": "dave", "StartIndex": 0}))
		if fmt.Sprint(out["FriendNum"]) != "0" {
			t.Errorf("after friend_delete_all: FriendNum %v", out["FriendNum"])
		}
		if c := code(t, s.rest("sns/friend_add", map[string]any{"From_Account": "nobody", "AddFriendItem": []any{map[string]any{"To_Account": "bob", "AddSource": "AddSource_Type_Web"}}})); c != 30003 {
			t.Errorf("friend_add from a missing account: %d, want 30003", c)
		}
		if c := code(t, s.rest("sns/friend_add", `{"From_Account": 5}`)); c != 30001 {
			t.Errorf("friend_add with a bad body: %d, want 30001", c)
		}
	})
}

// TestC2CPermission: under FriendsOnly a stranger's message is refused
// with 20009 and a friend's goes through; a blacklisted sender is refused
// with 20007 while the blocker can still send; an admin's sendmsg
// bypasses both.
func TestC2CPermission(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob", "eve", "mallory")
		alice, eve, mallory := dial(t, s.base, "alice", "Web"), dial(t, s.base, "eve", "Web"), dial(t, s.base, "mallory", "Web")
		ctx := context.Background()
		text := []client.Element{client.TextElem("hi")}

		// Strangers may talk by default.
		send(t, eve, "alice", "hello stranger")

		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"C2CPermission": "FriendsOnly"}))
		mustOK(t, s.rest("sns/friend_add", map[string]any{"From_Account": "alice", "ForceAddFlags": 1,
			"AddFriendItem": []any{map[string]any{"To_Account": "bob", "AddSource": "AddSource_Type_Test"}}}))
		mustOK(t, s.rest("sns/friend_add", map[string]any{"From_Account": "mallory", "ForceAddFlags": 1, "AddType": "Add_Type_Single",
			"AddFriendItem": []any{map[string]any{"To_Account": "alice", "AddSource": "AddSource_Type_Test"}}}))

		// The node that changed the settings applies them at once.
		_, err := eve.SendC2C(ctx, "alice", text, client.SendOptions{})
		wantCode(t, "stranger under FriendsOnly", err, 20009)
		send(t, alice, "bob", "to a friend")
		_, err = mallory.SendC2C(ctx, "alice", text, client.SendOptions{})
		wantCode(t, "one-way friend (alice lacks mallory)", err, 20010)
		_, err = alice.SendC2C(ctx, "mallory", text, client.SendOptions{})
		wantCode(t, "one-way friend (alice lacks mallory), from alice", err, 20011)

		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"C2CPermission": "AllowStrangers"}))
		send(t, eve, "alice", "strangers again")
		mustOK(t, s.rest("sns/black_list_add", map[string]any{"From_Account": "alice", "To_Account": []string{"eve"}}))
		_, err = eve.SendC2C(ctx, "alice", text, client.SendOptions{})
		wantCode(t, "blacklisted sender", err, 20007)
		send(t, alice, "eve", "the blocker may still send")

		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"C2CPermission": "FriendsOnly"}))
		for _, from := range []string{"eve", "mallory"} {
			mustOK(t, s.rest("openim/sendmsg", map[string]any{"From_Account": from, "To_Account": "alice", "MsgRandom": 7,
				"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "admin"}}}}))
		}
	})
}
