package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// rawConn is a WebSocket connection driven frame by frame, to send what
// the SDK never would.
type rawConn struct {
	t    *testing.T
	conn net.Conn
}

func dialRaw(t *testing.T, base string) *rawConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, wsURL(base))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawConn{t: t, conn: conn}
}

// answer is a response frame.
type answer struct {
	ID   uint64          `json:"id"`
	Code int             `json:"code"`
	Info string          `json:"info"`
	Data json.RawMessage `json:"data"`
}

// exchange sends one message (a text frame unless op says otherwise) and
// returns the next response, skipping events.
func (r *rawConn) exchange(op ws.OpCode, p []byte) answer {
	r.t.Helper()
	_ = r.conn.SetDeadline(time.Now().Add(waitLimit))
	if err := wsutil.WriteClientMessage(r.conn, op, p); err != nil {
		r.t.Fatalf("write: %v", err)
	}
	for {
		data, _, err := wsutil.ReadServerData(r.conn)
		if err != nil {
			r.t.Fatalf("read the answer to %.60q: %v", p, err)
		}
		var frame struct {
			answer
			Event string `json:"event"`
		}
		if err := json.Unmarshal(data, &frame); err != nil {
			r.t.Fatalf("server frame is not JSON: %s", data)
		}
		if frame.Event == "" {
			return frame.answer
		}
	}
}

// TestBadFramesKeepSessionUsable: malformed frames, unknown commands,
// oversized frames and invalid requests are each answered with an error
// frame carrying the reference code, and the session goes on working.
func TestBadFramesKeepSessionUsable(t *testing.T) {
	t.Parallel()
	s := start(t, app.Config{})
	importUsers(t, s, "alice", "bob")
	r := dialRaw(t, s.base)
	if a := r.exchange(ws.OpText, []byte(`{"id":1,"cmd":"sync"}`)); a.ID != 1 || a.Code != 60004 {
		t.Errorf("command before login: %+v, want 60004", a)
	}
	login := fmt.Sprintf(`{"id":2,"cmd":"login","data":{"SDKAppID":%d,"UserID":"alice","UserSig":%q,"Platform":"Web","ProtocolVersion":1}}`,
		testAppID, sig(t, "alice"))
	if a := r.exchange(ws.OpText, []byte(login)); a.Code != 0 {
		t.Fatalf("login: %+v", a)
	}

	send := func(data string) string { return `{"id":10,"cmd":"send_c2c","data":` + data + `}` }
	text := func(n int) string {
		return `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` + strings.Repeat("x", n) + `"}}]`
	}
	cases := []struct {
		name  string
		op    ws.OpCode
		frame string
		id    uint64
		code  int
	}{
		{"not JSON", ws.OpText, `hello?`, 0, 60003},
		{"JSON array", ws.OpText, `[1,2]`, 0, 60003},
		{"no id", ws.OpText, `{"cmd":"ping"}`, 0, 60008},
		{"id a string", ws.OpText, `{"id":"7","cmd":"ping"}`, 0, 60008},
		{"no cmd", ws.OpText, `{"id":8}`, 8, 60008},
		{"unknown command", ws.OpText, `{"id":9,"cmd":"send_c2c_please"}`, 9, 60009},
		{"binary frame", ws.OpBinary, `{"id":10,"cmd":"ping"}`, 0, 60008},
		{"oversized frame", ws.OpText, `{"id":11,"cmd":"ping","data":{"pad":"` + strings.Repeat("p", 70<<10) + `"}}`, 0, 60008},
		{"data not an object", ws.OpText, send(`[1]`), 10, 90001},
		{"no MsgBody", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1}`), 10, 90002},
		{"empty MsgBody", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":[]}`), 10, 90002},
		{"MsgBody not an array", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":{"MsgType":"TIMTextElem"}}`), 10, 90007},
		{"unknown element", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":[{"MsgType":"TIMBogusElem","MsgContent":{}}]}`), 10, 90010},
		{"element field of the wrong type", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":5}}]}`), 10, 90010},
		{"two custom elements", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":[` +
			`{"MsgType":"TIMCustomElem","MsgContent":{"Data":"a"}},{"MsgType":"TIMCustomElem","MsgContent":{"Data":"b"}}]}`), 10, 90010},
		{"body over 8 KB", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":` + text(9000) + `}`), 10, 80002},
		{"CloudCustomData over 8 KB", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgBody":` + text(1) + `,"CloudCustomData":"` + strings.Repeat("c", 9000) + `"}`), 10, 80002},
		{"no MsgRandom", ws.OpText, send(`{"To_Account":"bob","MsgBody":` + text(1) + `}`), 10, 90005},
		{"MsgLifeTime not a number", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"MsgLifeTime":"x","MsgBody":` + text(1) + `}`), 10, 90044},
		{"SyncOtherMachine 3", ws.OpText, send(`{"To_Account":"bob","MsgRandom":1,"SyncOtherMachine":3,"MsgBody":` + text(1) + `}`), 10, 90031},
		{"no To_Account", ws.OpText, send(`{"MsgRandom":1,"MsgBody":` + text(1) + `}`), 10, 90003},
		{"To_Account not a string", ws.OpText, send(`{"To_Account":["bob"],"MsgRandom":1,"MsgBody":` + text(1) + `}`), 10, 90003},
		{"To_Account not an account", ws.OpText, send(`{"To_Account":"ghost","MsgRandom":1,"MsgBody":` + text(1) + `}`), 10, 90012},
		{"sync After not a number", ws.OpText, `{"id":12,"cmd":"sync","data":{"After":"x"}}`, 12, 90001},
		{"history with a bad key", ws.OpText, `{"id":13,"cmd":"c2c_history","data":{"Peer":"bob","LastMsgKey":"bad"}}`, 13, 90054},
		{"conversations before time", ws.OpText, `{"id":14,"cmd":"conversations","data":{"TimeStamp":-1}}`, 14, 70402},
		{"mark_read of no one", ws.OpText, `{"id":15,"cmd":"mark_read","data":{"Peer":"ghost"}}`, 15, 70107},
		{"revoke a message that does not exist", ws.OpText, `{"id":16,"cmd":"revoke","data":{"Peer":"bob","MsgKey":"1_2_3"}}`, 16, 20022},
		{"modify with nothing to change", ws.OpText, `{"id":17,"cmd":"modify","data":{"Peer":"bob","MsgKey":"1_2_3"}}`, 17, 90010},
	}
	for i, c := range cases {
		a := r.exchange(c.op, []byte(c.frame))
		if a.ID != c.id || a.Code != c.code || a.Info == "" || a.Data != nil {
			t.Errorf("%s: answered %+v, want id %d code %d with info", c.name, a, c.id, c.code)
		}
		ping := uint64(1000 + i)
		if a := r.exchange(ws.OpText, fmt.Appendf(nil, `{"id":%d,"cmd":"ping"}`, ping)); a.ID != ping || a.Code != 0 {
			t.Fatalf("after %s the session is not usable: %+v", c.name, a)
		}
	}
	a := r.exchange(ws.OpText, []byte(send(`{"To_Account":"bob","MsgRandom":1,"From_Account":"bob","MsgBody":`+text(3)+`}`)))
	var res struct{ MsgSeq uint64 }
	if a.Code != 0 || json.Unmarshal(a.Data, &res) != nil || res.MsgSeq != 1 {
		t.Fatalf("a valid send after the bad ones: %+v", a)
	}
	// From_Account is not read: the sender is the signed-in user.
	page := dial(t, s.base, "bob", "iOS")
	hist, err := page.History(context.Background(), "alice", client.HistoryOptions{})
	if err != nil || len(hist.Messages) != 1 || hist.Messages[0].From != "alice" {
		t.Errorf("bob's history with alice: %+v %v", hist.Messages, err)
	}
}

// TestCursorEdgesOverWebSocket: sequence cursors beyond what the store can
// hold are refused with the invalid-parameter code of their command and
// the value the caller sent; a sync position beyond the head is answered
// with Next at the head; an out-of-range option is quoted as sent.
func TestCursorEdgesOverWebSocket(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		r := dialRaw(t, s.base)
		login := fmt.Sprintf(`{"id":1,"cmd":"login","data":{"SDKAppID":%d,"UserID":"alice","UserSig":%q,"Platform":"Web","ProtocolVersion":1}}`,
			testAppID, sig(t, "alice"))
		if a := r.exchange(ws.OpText, []byte(login)); a.Code != 0 {
			t.Fatalf("login: %+v", a)
		}
		for i, c := range []struct {
			cmd, data string
			code      int
			raw       string
		}{
			{"sync", `{"After":9223372036854775808}`, 90010, "9223372036854775808"},
			{"sync", `{"After":18446744073709551616}`, 90010, "18446744073709551616"},
			{"sync", `{"After":-1}`, 90010, "-1"},
			{"c2c_history", `{"Peer":"bob","BeforeSeq":9223372036854775808}`, 90010, "9223372036854775808"},
			{"c2c_history", `{"Peer":"bob","MaxTime":9223372036854775807}`, 90010, "9223372036854775807"},
			{"c2c_history", `{"Peer":"bob","LastMsgKey":"9223372036854775808_1_1"}`, 90054, "9223372036854775808_1_1"},
			{"mark_read", `{"Peer":"bob","UpToSeq":9223372036854775808}`, 70402, "9223372036854775808"},
			{"revoke", `{"Peer":"bob","MsgKey":"9223372036854775808_1_1"}`, 90054, "9223372036854775808_1_1"},
			{"send_c2c", `{"To_Account":"bob","MsgRandom":1,"SyncOtherMachine":7,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 90031, "SyncOtherMachine 7"},
			{"send_c2c", `{"To_Account":"bob","MsgRandom":1,"MsgLifeTime":99999999999999999999,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, 90026, "99999999999999999999"},
		} {
			id := 10 + i
			a := r.exchange(ws.OpText, fmt.Appendf(nil, `{"id":%d,"cmd":%q,"data":%s}`, id, c.cmd, c.data))
			if a.ID != uint64(id) || a.Code != c.code || !strings.Contains(a.Info, c.raw) {
				t.Errorf("%s %s: answered %+v, want code %d quoting %s", c.cmd, c.data, a, c.code, c.raw)
			}
		}
		a := r.exchange(ws.OpText, []byte(`{"id":50,"cmd":"send_c2c","data":{"To_Account":"bob","MsgRandom":2,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}}`))
		if a.Code != 0 {
			t.Fatalf("send: %+v", a)
		}
		var page struct {
			Entries    []json.RawMessage
			Head, Next uint64
			Complete   bool
		}
		a = r.exchange(ws.OpText, []byte(`{"id":51,"cmd":"sync","data":{"After":9223372036854775807}}`))
		if a.Code != 0 || json.Unmarshal(a.Data, &page) != nil || len(page.Entries) != 0 || page.Head != 1 || page.Next != 1 || !page.Complete {
			t.Errorf("sync after MaxInt64 with head 1: %+v, page %+v; want no entries, Next 1, complete", a, page)
		}
	})
}

// TestConversationTypesOverWebSocket: conversations carry Type 1 and Peer;
// mark_read and delete_conversation take Type 2 with a GroupID (none
// exists yet, so nothing changes and the C2C conversation with the same ID
// stays), and refuse an unknown Type or a malformed GroupID with 70402.
func TestConversationTypesOverWebSocket(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		r := dialRaw(t, s.base)
		login := fmt.Sprintf(`{"id":1,"cmd":"login","data":{"SDKAppID":%d,"UserID":"alice","UserSig":%q,"Platform":"Web","ProtocolVersion":1}}`,
			testAppID, sig(t, "alice"))
		if a := r.exchange(ws.OpText, []byte(login)); a.Code != 0 {
			t.Fatalf("login: %+v", a)
		}
		send := `{"id":2,"cmd":"send_c2c","data":{"To_Account":"bob","MsgRandom":1,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}}`
		if a := r.exchange(ws.OpText, []byte(send)); a.Code != 0 {
			t.Fatalf("send: %+v", a)
		}
		for i, c := range []struct {
			cmd, data string
			code      int
			answer    string // a part of the answer's data
		}{
			{"mark_read", `{"Type":2,"GroupID":"bob"}`, 0, `"Type":2,"GroupID":"bob","LastSeq":0`},
			{"mark_read", `{"Type":3,"Peer":"bob"}`, 70402, ""},
			{"mark_read", `{"Type":2,"GroupID":""}`, 70402, ""},
			{"delete_conversation", `{"Type":2,"GroupID":"bob","ClearHistory":true}`, 0, ""},
			{"delete_conversation", `{"Type":2,"GroupID":"tab\tin id"}`, 70402, ""},
			{"mark_read", `{"Type":1,"Peer":"bob"}`, 0, `"Type":1,"Peer":"bob","LastSeq":1`},
			{"conversations", `{}`, 0, `"Conversations":[{"Type":1,"Peer":"bob","LastSeq":1`},
		} {
			id := 10 + i
			a := r.exchange(ws.OpText, fmt.Appendf(nil, `{"id":%d,"cmd":%q,"data":%s}`, id, c.cmd, c.data))
			if a.ID != uint64(id) || a.Code != c.code || !strings.Contains(string(a.Data), c.answer) {
				t.Errorf("%s %s: answered %+v (data %s), want code %d with %s", c.cmd, c.data, a, a.Data, c.code, c.answer)
			}
		}
	})
}
