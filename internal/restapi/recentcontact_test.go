package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

func TestRecentContact(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "me", "a", "b", "c")
		for i, peer := range []string{"a", "b", "c"} {
			api.mustOK(t, "openim/sendmsg", fmt.Sprintf(`{"From_Account":%q,"To_Account":"me","MsgRandom":%d,"MsgBody":%s}`, peer, i, textBody("x")))
		}
		got := api.mustOK(t, "recentcontact/get_list", `{"From_Account":"me","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}`)
		if got["CompleteFlag"] != json.Number("1") || got["TopTimeStamp"] != json.Number("0") {
			t.Errorf("get_list %v", got)
		}
		items := got["SessionItem"].([]any)
		if len(items) != 3 {
			t.Fatalf("SessionItem %v", items)
		}
		seen := map[string]bool{}
		for _, it := range items {
			m := it.(map[string]any)
			if m["Type"] != json.Number("1") || m["TopFlag"] != json.Number("0") || m["MsgTime"] == json.Number("0") {
				t.Errorf("SessionItem %v", m)
			}
			seen[m["To_Account"].(string)] = true
		}
		if !seen["a"] || !seen["b"] || !seen["c"] {
			t.Errorf("SessionItem peers %v", seen)
		}
		// The returned cursor continues after everything: an empty last page.
		next := api.mustOK(t, "recentcontact/get_list", fmt.Sprintf(`{"From_Account":"me","TimeStamp":%s,"StartIndex":%s}`, got["TimeStamp"], got["StartIndex"]))
		if n := len(next["SessionItem"].([]any)); n != 0 || next["CompleteFlag"] != json.Number("1") {
			t.Errorf("page after the cursor: %v", next)
		}

		api.run(t, []restCase{
			{name: "delete", command: "recentcontact/delete", body: `{"From_Account":"me","Type":1,"To_Account":"a","ClearRamble":1}`},
			{name: "delete lower-case type", command: "recentcontact/delete", body: `{"From_Account":"me","type":1,"To_Account":"b"}`},
			{name: "delete missing group", command: "recentcontact/delete", body: `{"From_Account":"me","Type":2,"ToGroupid":"@TGS#1"}`},
			{name: "delete group without id", command: "recentcontact/delete", body: `{"From_Account":"me","Type":2,"To_Account":"a"}`, code: 50002},
			{name: "delete group of unknown owner", command: "recentcontact/delete", body: `{"From_Account":"ghost","Type":2,"ToGroupid":"@TGS#1"}`, code: 50001},
			{name: "delete bad type", command: "recentcontact/delete", body: `{"From_Account":"me","Type":3,"To_Account":"c"}`, code: 50002},
			{name: "delete unknown owner", command: "recentcontact/delete", body: `{"From_Account":"ghost","Type":1,"To_Account":"c"}`, code: 50001},
			{name: "delete unknown peer", command: "recentcontact/delete", body: `{"From_Account":"me","Type":1,"To_Account":"ghost"}`, code: 50001},
			{name: "delete no owner", command: "recentcontact/delete", body: `{"Type":1,"To_Account":"c"}`, code: 50002},
			{name: "list unknown owner", command: "recentcontact/get_list", body: `{"From_Account":"ghost"}`, code: 50001},
			{name: "list bad field", command: "recentcontact/get_list", body: `{"From_Account":"me","TimeStamp":"x"}`, code: 50002},
			{name: "list after delete", command: "recentcontact/get_list", body: `{"From_Account":"me"}`, fields: map[string]string{
				"CompleteFlag": "1",
			}},
		})
		left := api.mustOK(t, "recentcontact/get_list", `{"From_Account":"me"}`)["SessionItem"].([]any)
		if len(left) != 1 || left[0].(map[string]any)["To_Account"] != "c" {
			t.Errorf("after deleting a and b: %v", left)
		}
		// ClearRamble cleared me's history with a, not a's.
		for _, c := range []struct {
			op, peer string
			want     string
		}{{"me", "a", "0"}, {"a", "me", "1"}, {"me", "b", "1"}} {
			got := api.mustOK(t, "openim/admin_getroammsg", fmt.Sprintf(`{"Operator_Account":%q,"Peer_Account":%q,"MaxCnt":10}`, c.op, c.peer))
			if got["MsgCnt"] != json.Number(c.want) {
				t.Errorf("%s's history with %s: %v messages, want %s", c.op, c.peer, got["MsgCnt"], c.want)
			}
		}
		// Deleting read the conversation: me's unread is c's only.
		unread := api.mustOK(t, "openim/get_c2c_unread_msg_num", `{"To_Account":"me"}`)
		if unread["AllC2CUnreadMsgNum"] != json.Number("1") {
			t.Errorf("unread after deletes: %v", unread)
		}
	})
}

// TestRecentContactGroupConversation: a group conversation (written into
// the store directly: no service creates one yet) is listed with Type 2 and
// GroupId, apart from a C2C conversation whose peer has the same ID, and
// delete with Type 2 removes only it.
func TestRecentContactGroupConversation(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "me", "g1")
		api.mustOK(t, "openim/sendmsg", fmt.Sprintf(`{"From_Account":"g1","To_Account":"me","MsgRandom":1,"MsgBody":%s}`, textBody("x")))
		err := api.store.UpdateConversations(context.Background(), api.app.SDKAppID, []store.ConversationUpdate{
			{Owner: "me", Conv: im.Group("g1"), LastSeq: 1, LastTime: 4_000_000_000_000, MaxSeq: 1, Unread: 1, Newest: 4_000_000_000_000},
		})
		if err != nil {
			t.Fatal(err)
		}
		items := api.mustOK(t, "recentcontact/get_list", `{"From_Account":"me"}`)["SessionItem"].([]any)
		if len(items) != 2 {
			t.Fatalf("SessionItem %v, want the group's and g1's", items)
		}
		group, c2c := items[0].(map[string]any), items[1].(map[string]any)
		if group["Type"] != json.Number("2") || group["GroupId"] != "g1" || group["To_Account"] != nil || group["MsgTime"] != json.Number("4000000000") {
			t.Errorf("group item %v, want Type 2, GroupId g1, MsgTime 4000000000, no To_Account", group)
		}
		if c2c["Type"] != json.Number("1") || c2c["To_Account"] != "g1" || c2c["GroupId"] != nil {
			t.Errorf("C2C item %v, want Type 1, To_Account g1, no GroupId", c2c)
		}
		api.mustOK(t, "recentcontact/delete", `{"From_Account":"me","Type":2,"ToGroupid":"g1"}`)
		items = api.mustOK(t, "recentcontact/get_list", `{"From_Account":"me"}`)["SessionItem"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["To_Account"] != "g1" {
			t.Errorf("after deleting the group's conversation: %v, want only the C2C one", items)
		}
	})
}
