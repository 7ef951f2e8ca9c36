package app_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parley-im/parley/internal/app"
)

// TestPipelinedSendsKeepTheirOrder: a client that sends 100 messages
// without waiting, then a ping, gets the answers in request order, with
// MsgSeqs in the order sent, and the recipient gets the messages in that
// order too, each once.
func TestPipelinedSendsKeepTheirOrder(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		bob := dial(t, s.base, "bob", "iOS")
		inbox := watch(bob)
		r := dialRaw(t, s.base)
		login := fmt.Sprintf(`{"id":1,"cmd":"login","data":{"SDKAppID":%d,"UserID":"alice","UserSig":%q,"Platform":"Web","ProtocolVersion":1}}`,
			testAppID, sig(t, "alice"))
		if a := r.exchange(ws.OpText, []byte(login)); a.Code != 0 {
			t.Fatalf("login: %+v", a)
		}
		const n = 100
		_ = r.conn.SetDeadline(time.Now().Add(waitLimit))
		for i := range n {
			req := fmt.Appendf(nil, `{"id":%d,"cmd":"send_c2c","data":{"To_Account":"bob","MsgRandom":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"%d"}}]}}`,
				100+i, i+1, i)
			if err := wsutil.WriteClientMessage(r.conn, ws.OpText, req); err != nil {
				t.Fatal(err)
			}
		}
		if err := wsutil.WriteClientMessage(r.conn, ws.OpText, []byte(`{"id":999,"cmd":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		var lastSeq uint64
		for i := 0; i <= n; i++ {
			var a answer
			for a.ID == 0 { // skip events
				frame, err := wsutil.ReadServerText(r.conn)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				_ = json.Unmarshal(frame, &a)
			}
			if i == n {
				if a.ID != 999 || a.Code != 0 {
					t.Fatalf("after the sends: %+v, want the ping's answer", a)
				}
				break
			}
			var res struct{ MsgSeq uint64 }
			if a.ID != uint64(100+i) || a.Code != 0 || json.Unmarshal(a.Data, &res) != nil || res.MsgSeq != lastSeq+1 {
				t.Fatalf("answer %d: %+v, want id %d, OK, MsgSeq %d", i, a, 100+i, lastSeq+1)
			}
			lastSeq = res.MsgSeq
		}
		got := inbox.messages(t, "bob's messages", n)
		for i, m := range got {
			text := string(m.MsgBody[0].MsgContent)
			if m.MsgSeq != uint64(i+1) || text != `{"Text":"`+strconv.Itoa(i)+`"}` {
				t.Fatalf("bob's message %d: seq %d %s, want seq %d text %d", i, m.MsgSeq, text, i+1, i)
			}
		}
	})
}
