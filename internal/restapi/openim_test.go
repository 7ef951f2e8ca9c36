package restapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/restapi"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/tenant"
)

// newMessagingAPI starts a REST server with the message and conversation
// services over a store on b and the in-process bus, all on a settable
// clock (api.clock), and imports the given accounts.
func newMessagingAPI(t *testing.T, b storetest.Backend, users ...string) *accountsAPI {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, b)
	lb := local.New()
	t.Cleanup(func() { _ = lb.Close() })
	clk := newClock()
	apps := tenant.NewRegistry(st, clk.Now)
	accounts := account.New(account.Config{Store: st, Settings: apps, Clock: clk.Now})
	tenants := tenant.New(tenant.Config{Store: st, Accounts: accounts, Registry: apps, Clock: clk.Now})
	app, err := tenants.Create(ctx, 0, "", nil)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	if _, err := tenants.UpdateSettings(ctx, app.SDKAppID, []byte(`{"RestRateLimit":100000}`)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(restapi.New(restapi.Config{
		Tenants:       tenants,
		Accounts:      accounts,
		Messages:      message.New(message.Config{Store: st, Accounts: accounts, Bus: lb, Clock: clk.Now}),
		Conversations: conversation.New(conversation.Config{Store: st, Accounts: accounts, Bus: lb}),
		Clock:         clk.Now,
	}))
	t.Cleanup(srv.Close)
	api := &accountsAPI{url: srv.URL, app: app, tenants: tenants, store: st, clock: clk}
	api.sig = api.userSig(t, tenant.DefaultAdmin, time.Now())
	for _, u := range users {
		api.mustOK(t, "im_open_login_svc/account_import", fmt.Sprintf(`{"UserID":%q,"Nick":"Nick %s"}`, u, u))
	}
	return api
}

// mustOK calls a command and fails unless it succeeded.
func (a *accountsAPI) mustOK(t *testing.T, command, body string) map[string]any {
	t.Helper()
	got := a.call(t, command, body)
	if got["ErrorCode"] != json.Number("0") {
		t.Fatalf("%s %s: %v %v", command, body, got["ErrorCode"], got["ErrorInfo"])
	}
	return got
}

func textBody(s string) string {
	return fmt.Sprintf(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":%q}}]`, s)
}

func TestSendMsgRoundTripsThroughGetRoamMsg(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		sent := api.mustOK(t, "openim/sendmsg", `{"SyncOtherMachine":1,"From_Account":"alice","To_Account":"bob","MsgRandom":1287657,"MsgSeq":93847,`+
			`"MsgTimeStamp":1557387418,"MsgBody":`+textBody("hi, beauty")+`,"CloudCustomData":"your cloud custom data"}`)
		msgTime, _ := sent["MsgTime"].(json.Number).Int64()
		key := fmt.Sprintf("1_1287657_%d", msgTime)
		if sent["MsgKey"] != key || sent["MsgId"] != key || msgTime < time.Now().Unix()-60 {
			t.Fatalf("sendmsg answer %v", sent)
		}
		checkFieldSet(t, "sendmsg answer", sent, "MsgTime", "MsgKey", "MsgId")
		// New field names, then the old ones.
		for _, names := range [][2]string{{"Operator_Account", "Peer_Account"}, {"From_Account", "To_Account"}} {
			got := api.mustOK(t, "openim/admin_getroammsg", fmt.Sprintf(`{%q:"bob",%q:"alice","MaxCnt":100,"MinTime":%d,"MaxTime":%d}`,
				names[0], names[1], msgTime-10, msgTime+10))
			checkAnswer(t, restCase{name: "admin_getroammsg " + names[0], fields: map[string]string{
				"Complete": "1", "MsgCnt": "1", "LastMsgTime": fmt.Sprint(msgTime), "LastMsgKey": fmt.Sprintf("%q", key),
				"MsgList": fmt.Sprintf(`[{"From_Account":"alice","To_Account":"bob","MsgSeq":93847,"MsgRandom":1287657,"MsgTimeStamp":%d,`+
					`"MsgClientTime":1557387418,"MsgFlagBits":0,"IsPeerRead":0,"MsgKey":%q,`+
					`"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi, beauty"}}],"CloudCustomData":"your cloud custom data"}]`, msgTime, key),
			}}, got)
		}
		// Without From_Account the admin sends as itself; without MsgSeq the
		// message gets a 32-bit one.
		api.mustOK(t, "openim/sendmsg", `{"To_Account":"bob","MsgRandom":5,"MsgBody":`+textBody("from the admin")+`}`)
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"bob","Peer_Account":"administrator","MaxCnt":10,"MinTime":0,"MaxTime":0}`)
		if got["MsgCnt"] != json.Number("1") {
			t.Fatalf("admin's message: %v", got)
		}
		if _, err := strconv.ParseUint(string(got["MsgList"].([]any)[0].(map[string]any)["MsgSeq"].(json.Number)), 10, 32); err != nil {
			t.Errorf("MsgSeq of a send without one: %v", err)
		}
	})
}

// TestMsgSeqZeroAndBeyond: MsgSeq 0 is a value like any other; beyond
// 2^32-1 or negative it is refused (90010) and nothing is stored.
func TestMsgSeqZeroAndBeyond(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		send := `{"From_Account":"alice","To_Account":"bob","MsgRandom":%d,"MsgSeq":%s,"MsgBody":` + textBody("x") + `}`
		api.run(t, []restCase{
			{name: "MsgSeq 2^32", command: "openim/sendmsg", body: fmt.Sprintf(send, 1, "4294967296"), code: 90010},
			{name: "MsgSeq -1", command: "openim/sendmsg", body: fmt.Sprintf(send, 2, "-1"), code: 90010},
			{name: "MsgSeq 2^32 in a batch", command: "openim/batchsendmsg", code: 90010,
				body: `{"From_Account":"alice","To_Account":["bob"],"MsgRandom":3,"MsgSeq":4294967296,"MsgBody":` + textBody("x") + `}`},
			{name: "MsgSeq 0", command: "openim/sendmsg", body: fmt.Sprintf(send, 4, "0")},
		})
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":10}`)
		checkAnswer(t, restCase{name: "history", fields: map[string]string{"MsgCnt": "1"}}, got)
		if seq := got["MsgList"].([]any)[0].(map[string]any)["MsgSeq"]; seq != json.Number("0") {
			t.Errorf("MsgSeq 0 read back as %v", seq)
		}
	})
}

// checkFieldSet fails unless the answer's fields are exactly the
// envelope's and want.
func checkFieldSet(t *testing.T, what string, got map[string]any, want ...string) {
	t.Helper()
	var names []string
	for name := range got {
		names = append(names, name)
	}
	want = append(want, "ActionStatus", "ErrorCode", "ErrorInfo", "ErrorDisplay")
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("%s has fields %v, want %v", what, names, want)
	}
}

func TestSendMsgErrors(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		body := textBody("x")
		cmd := "openim/sendmsg"
		api.run(t, []restCase{
			{name: "not JSON", command: cmd, body: `{"To_Account":`, code: 60003},
			{name: "To_Account missing", command: cmd, body: `{"From_Account":"alice","MsgRandom":1,"MsgBody":` + body + `}`, code: 90003},
			{name: "To_Account a number", command: cmd, body: `{"To_Account":5,"MsgRandom":1,"MsgBody":` + body + `}`, code: 90003},
			{name: "From_Account a number", command: cmd, body: `{"From_Account":5,"To_Account":"bob","MsgRandom":1,"MsgBody":` + body + `}`, code: 90008},
			{name: "MsgRandom missing", command: cmd, body: `{"To_Account":"bob","MsgBody":` + body + `}`, code: 90005},
			{name: "MsgRandom a string", command: cmd, body: `{"To_Account":"bob","MsgRandom":"1","MsgBody":` + body + `}`, code: 90005},
			{name: "MsgBody missing", command: cmd, body: `{"To_Account":"bob","MsgRandom":1}`, code: 90002},
			{name: "MsgBody an object", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgBody":{}}`, code: 90007},
			{name: "unknown MsgType", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgBody":[{"MsgType":"TIMNope","MsgContent":{}}]}`, code: 90010},
			{name: "body over 8 KB", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgBody":` + textBody(strings.Repeat("x", 8200)) + `}`, code: 80002},
			{name: "MsgLifeTime a string", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgLifeTime":"1","MsgBody":` + body + `}`, code: 90044},
			{name: "MsgLifeTime over 7 days", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgLifeTime":604801,"MsgBody":` + body + `}`, code: 90026},
			{name: "SyncOtherMachine 3", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"SyncOtherMachine":3,"MsgBody":` + body + `}`, code: 90031},
			{name: "MsgSeq a string", command: cmd, body: `{"To_Account":"bob","MsgRandom":1,"MsgSeq":"1","MsgBody":` + body + `}`, code: 90010},
			{name: "recipient unknown", command: cmd, body: `{"To_Account":"ghost","MsgRandom":1,"MsgBody":` + body + `}`, code: 90012},
			{name: "sender unknown", command: cmd, body: `{"From_Account":"ghost","To_Account":"bob","MsgRandom":1,"MsgBody":` + body + `}`, code: 20003},
		})
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"bob","Peer_Account":"administrator","MaxCnt":10}`)
		if got["MsgCnt"] != json.Number("0") {
			t.Errorf("rejected sends were stored: %v", got)
		}
	})
}

func TestSendMsgDedupReturnsFirstResult(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		req := `{"From_Account":"alice","To_Account":"bob","MsgRandom":77,"MsgBody":` + textBody("once") + `}`
		first := api.mustOK(t, "openim/sendmsg", req)
		api.clock.Advance(1100 * time.Millisecond) // a new second: a new send would get a new MsgTime
		again := api.mustOK(t, "openim/sendmsg", req)
		if again["MsgKey"] != first["MsgKey"] || again["MsgTime"] != first["MsgTime"] || again["MsgId"] != first["MsgId"] {
			t.Errorf("retry answered %v, want the first answer %v", again, first)
		}
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":10}`)
		if got["MsgCnt"] != json.Number("1") {
			t.Errorf("%v messages stored, want 1", got["MsgCnt"])
		}
	})
}

func TestBatchSendMsg(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "u1", "u2")
		many := make([]string, 501)
		for i := range many {
			many[i] = fmt.Sprintf("%q", fmt.Sprint("u", i))
		}
		body := textBody("to all")
		api.run(t, []restCase{
			{name: "501 recipients", command: "openim/batchsendmsg", code: 90011,
				body: `{"From_Account":"alice","To_Account":[` + strings.Join(many, ",") + `],"MsgRandom":1,"MsgBody":` + body + `}`},
			{name: "To_Account a string", command: "openim/batchsendmsg", code: 90003,
				body: `{"From_Account":"alice","To_Account":"u1","MsgRandom":1,"MsgBody":` + body + `}`},
			{name: "some recipients unknown", command: "openim/batchsendmsg",
				body:   `{"From_Account":"alice","To_Account":["u1","ghost","u2"],"MsgRandom":2,"MsgSeq":4242,"MsgBody":` + body + `}`,
				fields: map[string]string{"ErrorList": `[{"To_Account":"ghost","ErrorCode":90012}]`}, absent: []string{"MsgTime", "MsgSeq"}},
			{name: "all recipients unknown", command: "openim/batchsendmsg", code: 90012,
				body:   `{"From_Account":"alice","To_Account":["g1","g2"],"MsgRandom":3,"MsgBody":` + body + `}`,
				fields: map[string]string{"ErrorList": `[{"To_Account":"g1","ErrorCode":90012},{"To_Account":"g2","ErrorCode":90012}]`}},
		})
		for _, u := range []string{"u1", "u2"} {
			got := api.mustOK(t, "openim/admin_getroammsg", fmt.Sprintf(`{"Operator_Account":%q,"Peer_Account":"alice","MaxCnt":10}`, u))
			if got["MsgCnt"] != json.Number("1") {
				t.Fatalf("%s got %v messages", u, got["MsgCnt"])
			}
			if seq := got["MsgList"].([]any)[0].(map[string]any)["MsgSeq"]; seq != json.Number("4242") {
				t.Errorf("%s's copy has MsgSeq %v, want 4242", u, seq)
			}
		}
	})
}

func TestRecallAndModifyShowInHistory(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		// Increasing MsgSeqs keep the two in sending order within one second.
		k1 := api.mustOK(t, "openim/sendmsg", `{"From_Account":"alice","To_Account":"bob","MsgRandom":1,"MsgSeq":1,"MsgBody":`+textBody("bad")+`}`)["MsgKey"].(string)
		k2 := api.mustOK(t, "openim/sendmsg", `{"From_Account":"alice","To_Account":"bob","MsgRandom":2,"MsgSeq":2,"MsgBody":`+textBody("typo")+`,"CloudCustomData":"c"}`)["MsgKey"].(string)
		ref := func(from, to, key string) string {
			return fmt.Sprintf(`{"From_Account":%q,"To_Account":%q,"MsgKey":%q`, from, to, key)
		}
		api.run(t, []restCase{
			{name: "withdraw", command: "openim/admin_msgwithdraw", body: ref("alice", "bob", k1) + "}"},
			{name: "withdraw again", command: "openim/admin_msgwithdraw", body: ref("alice", "bob", k1) + "}", code: 20023},
			{name: "withdraw unknown", command: "openim/admin_msgwithdraw", body: ref("alice", "bob", "99_1_1") + "}", code: 20022},
			{name: "withdraw bad key", command: "openim/admin_msgwithdraw", body: ref("alice", "bob", "nope") + "}", code: 90054},
			{name: "withdraw no key", command: "openim/admin_msgwithdraw", body: `{"From_Account":"alice","To_Account":"bob"}`, code: 90054},
			{name: "modify", command: "openim/modify_c2c_msg", body: ref("alice", "bob", k2) + `,"MsgBody":` + textBody("fixed") + "}"},
			{name: "modify nothing", command: "openim/modify_c2c_msg", body: ref("alice", "bob", k2) + "}", code: 90010},
			{name: "modify recalled", command: "openim/modify_c2c_msg", body: ref("alice", "bob", k1) + `,"CloudCustomData":"x"}`, code: 20023},
		})
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"bob","Peer_Account":"alice","MaxCnt":10}`)
		list := got["MsgList"].([]any)
		newest, oldest := list[0].(map[string]any), list[1].(map[string]any)
		if b, _ := json.Marshal(newest["MsgBody"]); string(b) != `[{"MsgContent":{"Text":"fixed"},"MsgType":"TIMTextElem"}]` || newest["CloudCustomData"] != "c" || newest["MsgFlagBits"] != json.Number("0") {
			t.Errorf("modified message %v", newest)
		}
		if b, _ := json.Marshal(oldest["MsgBody"]); string(b) != `[]` || oldest["MsgFlagBits"] != json.Number("1") || oldest["MsgKey"] != k1 {
			t.Errorf("recalled message %v", oldest)
		}
	})
}

func TestImportMsg(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		req := func(mode, from, to string, extra string) string {
			return fmt.Sprintf(`{"SyncFromOldSystem":%s,"From_Account":%q,"To_Account":%q,"MsgSeq":3,"MsgRandom":4,"MsgTimeStamp":1600000000,"MsgBody":%s%s}`,
				mode, from, to, textBody("imported"), extra)
		}
		api.run(t, []restCase{
			{name: "import", command: "openim/importmsg", body: req("2", "alice", "bob", "")},
			{name: "re-import swapped", command: "openim/importmsg", body: req("2", "bob", "alice", "")},
			{name: "mode 3", command: "openim/importmsg", body: req("3", "alice", "bob", ""), code: 90010},
			{name: "no From_Account", command: "openim/importmsg", body: req("2", "", "bob", ""), code: 90008},
			{name: "no MsgTimeStamp", command: "openim/importmsg", code: 90006,
				body: `{"SyncFromOldSystem":2,"From_Account":"alice","To_Account":"bob","MsgRandom":4,"MsgBody":` + textBody("x") + `}`},
		})
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"bob","Peer_Account":"alice","MaxCnt":10}`)
		list := got["MsgList"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["MsgTimeStamp"] != json.Number("1600000000") {
			t.Errorf("imported history %v", list)
		}
		unread := api.mustOK(t, "openim/get_c2c_unread_msg_num", `{"To_Account":"bob"}`)
		if unread["AllC2CUnreadMsgNum"] != json.Number("0") {
			t.Errorf("history import counted as unread: %v", unread)
		}
	})
}

func TestUnreadAndSetMsgRead(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob", "carol")
		for i := range 3 {
			api.mustOK(t, "openim/sendmsg", fmt.Sprintf(`{"From_Account":"alice","To_Account":"bob","MsgRandom":%d,"MsgBody":%s}`, i, textBody("x")))
		}
		api.mustOK(t, "openim/sendmsg", `{"From_Account":"carol","To_Account":"bob","MsgRandom":9,"MsgBody":`+textBody("y")+`}`)
		api.run(t, []restCase{
			{name: "unread", command: "openim/get_c2c_unread_msg_num", body: `{"To_Account":"bob","Peer_Account":["alice","ghost"]}`, fields: map[string]string{
				"AllC2CUnreadMsgNum":  "4",
				"C2CUnreadMsgNumList": `[{"Peer_Account":"alice","C2CUnreadMsgNum":3}]`,
				"ErrorList":           `[{"Peer_Account":"ghost","ErrorCode":70107}]`,
			}},
			{name: "total only", command: "openim/get_c2c_unread_msg_num", body: `{"To_Account":"bob"}`,
				fields: map[string]string{"AllC2CUnreadMsgNum": "4"}, absent: []string{"C2CUnreadMsgNumList", "ErrorList"}},
			{name: "unread of nobody", command: "openim/get_c2c_unread_msg_num", body: `{"To_Account":"ghost"}`, code: 70107},
			{name: "set read", command: "openim/admin_set_msg_read", body: `{"Report_Account":"bob","Peer_Account":"alice"}`},
			{name: "set read unknown", command: "openim/admin_set_msg_read", body: `{"Report_Account":"bob","Peer_Account":"ghost"}`, code: 70107},
			{name: "unread after", command: "openim/get_c2c_unread_msg_num", body: `{"To_Account":"bob","Peer_Account":["alice","carol"]}`, fields: map[string]string{
				"AllC2CUnreadMsgNum":  "1",
				"C2CUnreadMsgNumList": `[{"Peer_Account":"alice","C2CUnreadMsgNum":0},{"Peer_Account":"carol","C2CUnreadMsgNum":1}]`,
			}},
		})
		got := api.mustOK(t, "openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":1}`)
		if m := got["MsgList"].([]any)[0].(map[string]any); m["IsPeerRead"] != json.Number("1") || got["Complete"] != json.Number("0") {
			t.Errorf("IsPeerRead/Complete: %v", got)
		}
	})
}

// TestGetRoamMsgPagesAt13KB: admin_getroammsg pages at about 13 KB of
// messages, as the reference does; following LastMsgKey until Complete
// returns every message once, newest first. Positions and times beyond
// what can be stored are refused quoting the value.
func TestGetRoamMsgPagesAt13KB(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newMessagingAPI(t, b, "alice", "bob")
		const n = 9
		for i := range n {
			api.mustOK(t, "openim/sendmsg", fmt.Sprintf(`{"From_Account":"alice","To_Account":"bob","MsgRandom":%d,"MsgSeq":%d,"MsgBody":%s}`,
				i+1, i+1, textBody(strings.Repeat("z", 5000))))
		}
		var seqs []string
		key, pages := "", 0
		for ; pages < 2*n; pages++ {
			got := api.mustOK(t, "openim/admin_getroammsg", fmt.Sprintf(`{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":100,"LastMsgKey":%q}`, key))
			list := got["MsgList"].([]any)
			if len(list) == 0 || len(list) > 2 {
				t.Fatalf("page %d holds %d messages of 5 KB, want 1 or 2 (13 KiB)", pages, len(list))
			}
			for _, m := range list {
				seqs = append(seqs, string(m.(map[string]any)["MsgSeq"].(json.Number)))
			}
			key = got["LastMsgKey"].(string)
			if got["Complete"] == json.Number("1") {
				break
			}
		}
		if want := []string{"9", "8", "7", "6", "5", "4", "3", "2", "1"}; !slices.Equal(seqs, want) {
			t.Errorf("MsgSeqs over %d pages %v, want %v", pages+1, seqs, want)
		}

		for _, c := range []struct{ name, command, body, raw string }{
			{"roam key beyond int64", "openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":5,"LastMsgKey":"9223372036854775808_1_1"}`, "9223372036854775808_1_1"},
			{"roam MaxTime beyond ms", "openim/admin_getroammsg", `{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":5,"MaxTime":9223372036854775807}`, "9223372036854775807"},
			{"set read time beyond ms", "openim/admin_set_msg_read", `{"Report_Account":"bob","Peer_Account":"alice","MsgReadTime":9223372036854776}`, "9223372036854776"},
			{"withdraw key beyond int64", "openim/admin_msgwithdraw", `{"From_Account":"alice","To_Account":"bob","MsgKey":"18446744073709551615_1_1"}`, "18446744073709551615_1_1"},
		} {
			got := api.call(t, c.command, c.body)
			if got["ErrorCode"] == json.Number("0") || !strings.Contains(fmt.Sprint(got["ErrorInfo"]), c.raw) {
				t.Errorf("%s: %v %v, want a refusal quoting %s", c.name, got["ErrorCode"], got["ErrorInfo"], c.raw)
			}
		}
	})
}
