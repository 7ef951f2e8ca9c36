package client_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/pkg/client"
	"github.com/parley-im/parley/pkg/protocol"
)

// TestFriendCommands checks that each typed friend method sends its
// command with the documented data, and reads the answer back.
func TestFriendCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	var (
		mu   sync.Mutex
		sent = map[string]string{}
	)
	answers := map[string]string{
		protocol.CmdFriendAdd:          `{"To_Account":"bob","ResultCode":30539}`,
		protocol.CmdFriendRequests:     `{"Requests":[{"From_Account":"bob","To_Account":"alice","AddSource":"AddSource_Type_Web","AddTime":7,"Read":true}],"UnreadCount":0}`,
		protocol.CmdFriendAccept:       `{}`,
		protocol.CmdFriendRequestsRead: `{}`,
		protocol.CmdFriendRefuse:       `{}`,
		protocol.CmdFriendDelete:       `{"ResultItem":[{"To_Account":"bob","ResultCode":0}]}`,
		protocol.CmdFriendGet:          `{"UserDataItem":[{"To_Account":"bob","ValueItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"B"}]}],"StandardSequence":3,"FriendNum":1,"NextStartIndex":0,"CompleteFlag":1}`,
		protocol.CmdFriendGetInfo:      `{"InfoItem":[{"To_Account":"bob","ResultCode":0,"ValueItem":[]}]}`,
		protocol.CmdFriendUpdate:       `{}`,
		protocol.CmdFriendCheck:        `{"InfoItem":[{"To_Account":"bob","ResultCode":0,"Relation":"CheckResult_Type_AWithB"}]}`,
		protocol.CmdFriendListAdd:      `{"ResultItem":[{"To_Account":"bob","ResultCode":0}],"CurrentSequence":4}`,
		protocol.CmdFriendListDelete:   `{"CurrentSequence":5}`,
		protocol.CmdFriendListGet:      `{"ResultItem":[{"GroupName":"work","FriendNumber":1,"To_Account":["bob"]}],"CurrentSequence":5}`,
		protocol.CmdBlacklistAdd:       `{"ResultItem":[{"To_Account":"bob","ResultCode":0}]}`,
		protocol.CmdBlacklistDelete:    `{"ResultItem":[{"To_Account":"bob","ResultCode":0}]}`,
		protocol.CmdBlacklistGet:       `{"BlackListItem":[{"To_Account":"bob","AddBlackTimeStamp":9}],"StartIndex":0,"CurrentSequence":6}`,
	}
	for cmd, answer := range answers {
		s.gw.Handle(cmd, func(_ context.Context, _ *gateway.Session, data json.RawMessage) (any, error) {
			mu.Lock()
			sent[cmd] = string(data)
			mu.Unlock()
			return json.RawMessage(answer), nil
		})
	}
	c := dial(t, s, opts("alice"))
	ctx := t.Context()
	check := func(what string, err error, cmd, wantSent string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if sent[cmd] != wantSent {
			t.Errorf("%s sent %s %s, want %s", what, cmd, sent[cmd], wantSent)
		}
	}

	res, err := c.AddFriend(ctx, "bob", client.AddFriendOptions{Wording: "hi", OneWay: true})
	check("AddFriend", err, protocol.CmdFriendAdd, `{"To_Account":"bob","AddSource":"AddSource_Type_Client","AddWording":"hi","AddType":"Add_Type_Single"}`)
	if res.ResultCode != client.ResultNeedsConfirm {
		t.Errorf("AddFriend result %+v", res)
	}
	reqs, err := c.FriendRequests(ctx, false)
	check("FriendRequests", err, protocol.CmdFriendRequests, `{"PendencyType":"Pendency_Type_ComeIn"}`)
	if want := []client.FriendRequest{{From: "bob", To: "alice", AddSource: "AddSource_Type_Web", AddTime: 7, Read: true}}; !reflect.DeepEqual(reqs, want) {
		t.Errorf("FriendRequests %+v", reqs)
	}
	check("MarkFriendRequestsRead", c.MarkFriendRequestsRead(ctx, 7), protocol.CmdFriendRequestsRead, `{"UpTo":7}`)
	check("MarkFriendRequestsRead all", c.MarkFriendRequestsRead(ctx, 0), protocol.CmdFriendRequestsRead, `{}`)
	check("AcceptFriend", c.AcceptFriend(ctx, "bob", true), protocol.CmdFriendAccept, `{"To_Account":"bob","AddBack":true}`)
	check("RefuseFriend", c.RefuseFriend(ctx, "bob"), protocol.CmdFriendRefuse, `{"To_Account":"bob"}`)
	results, err := c.DeleteFriends(ctx, []string{"bob"}, false)
	check("DeleteFriends", err, protocol.CmdFriendDelete, `{"To_Account":["bob"]}`)
	if len(results) != 1 || results[0].To != "bob" {
		t.Errorf("DeleteFriends %+v", results)
	}
	page, err := c.Friends(ctx, 0)
	check("Friends", err, protocol.CmdFriendGet, `{"StartIndex":0}`)
	if page.CompleteFlag != 1 || len(page.UserDataItem) != 1 || string(page.UserDataItem[0].ValueItem[0].Value) != `"B"` {
		t.Errorf("Friends %+v", page)
	}
	_, err = c.FriendInfo(ctx, []string{"bob"}, nil)
	check("FriendInfo", err, protocol.CmdFriendGetInfo, `{"To_Account":["bob"]}`)
	check("SetFriendRemark", c.SetFriendRemark(ctx, "bob", "B"), protocol.CmdFriendUpdate,
		`{"To_Account":"bob","ValueItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"B"}]}`)
	checks, err := c.CheckFriends(ctx, []string{"bob"}, true)
	check("CheckFriends", err, protocol.CmdFriendCheck, `{"To_Account":["bob"],"CheckType":"CheckResult_Type_Single"}`)
	if len(checks) != 1 || checks[0].Relation != "CheckResult_Type_AWithB" {
		t.Errorf("CheckFriends %+v", checks)
	}
	_, err = c.AddFriendLists(ctx, []string{"work"}, []string{"bob"})
	check("AddFriendLists", err, protocol.CmdFriendListAdd, `{"GroupName":["work"],"To_Account":["bob"]}`)
	check("DeleteFriendLists", c.DeleteFriendLists(ctx, []string{"work"}), protocol.CmdFriendListDelete, `{"GroupName":["work"]}`)
	lists, err := c.FriendLists(ctx, nil)
	check("FriendLists", err, protocol.CmdFriendListGet, `{}`)
	if want := []client.FriendList{{GroupName: "work", FriendNumber: 1, To: []string{"bob"}}}; !reflect.DeepEqual(lists, want) {
		t.Errorf("FriendLists %+v", lists)
	}
	_, err = c.Block(ctx, []string{"bob"})
	check("Block", err, protocol.CmdBlacklistAdd, `{"To_Account":["bob"]}`)
	_, err = c.Unblock(ctx, []string{"bob"})
	check("Unblock", err, protocol.CmdBlacklistDelete, `{"To_Account":["bob"]}`)
	bl, err := c.Blacklist(ctx, 0, 0)
	check("Blacklist", err, protocol.CmdBlacklistGet, `{"StartIndex":0}`)
	if len(bl.BlackListItem) != 1 || bl.BlackListItem[0].AddBlackTimeStamp != 9 || bl.CurrentSequence != 6 {
		t.Errorf("Blacklist %+v", bl)
	}
}

// TestFriendEventsDecode checks that each relationship-chain event
// decodes to its type.
func TestFriendEventsDecode(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateway.Config{})
	c := dial(t, s, opts("alice"))
	rel := protocol.FriendRelation{From: "alice", To: "bob"}
	events := []struct {
		name, data string
		want       any
	}{
		{client.EventFriendRequestAdded, `{"From_Account":"bob","To_Account":"alice","AddWording":"hi"}`, &client.FriendRequest{From: "bob", To: "alice", AddWording: "hi"}},
		{client.EventFriendRequestDeleted, `{"From_Account":"bob","To_Account":"alice"}`, &client.FriendRequestDeleted{protocol.FriendRequest{From: "bob", To: "alice"}}},
		{client.EventFriendRequestRead, `{"To_Account":"alice","UpTo":7}`, &client.FriendRequestRead{To: "alice", UpTo: 7}},
		{client.EventFriendAdded, `{"From_Account":"alice","To_Account":"bob"}`, &client.FriendAdded{rel}},
		{client.EventFriendDeleted, `{"From_Account":"alice","To_Account":"bob"}`, &client.FriendDeleted{rel}},
		{client.EventFriendInfoChanged, `{"From_Account":"alice","To_Account":"bob","ValueItem":[]}`, &client.FriendInfoChanged{From: "alice", To: "bob", ValueItem: []client.FriendTag{}}},
		{client.EventBlacklistAdded, `{"From_Account":"alice","To_Account":"bob"}`, &client.BlacklistAdded{rel}},
		{client.EventBlacklistDeleted, `{"From_Account":"alice","To_Account":"bob"}`, &client.BlacklistDeleted{rel}},
	}
	for _, e := range events {
		if err := s.bus.PublishUser(t.Context(), appID, "alice", bus.Event{Name: e.name, Data: []byte(e.data)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range events {
		ev := waitFor(t, c.Events(), e.name)
		got, err := ev.Decode()
		if err != nil || ev.Name != e.name || !reflect.DeepEqual(got, e.want) {
			t.Errorf("event %s: decoded %s to %#v, %v; want %#v", e.name, ev.Name, got, err, e.want)
		}
	}
}
