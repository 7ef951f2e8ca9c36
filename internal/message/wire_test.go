package message_test

import (
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// TestMessageWireEveryField pins the client shape of a message with every
// field set, in order: clients parse it, so it never changes within a
// protocol version.
func TestMessageWireEveryField(t *testing.T) {
	t.Parallel()
	m := message.Message{
		SyncSeq: 7, From: "alice", To: "bob", Seq: 3, Random: 42, Time: 1767225600123,
		Body:            im.MsgBody{im.NewElement(im.TextElem{Text: "<hi>"})},
		CloudCustomData: "c", Nick: "Alice", FaceURL: "https://f", Recalled: true, Modified: true,
		Revision: true, OnlineOnly: true, NeedReadReceipt: true, ClientTime: 1767225599,
		ClientSeq: 9, SenderSync: true,
	}
	got, err := m.AppendJSON(nil) // what events carry: no HTML escaping
	if err != nil {
		t.Fatal(err)
	}
	want := `{"SyncSeq":7,"From_Account":"alice","To_Account":"bob","MsgSeq":3,"MsgRandom":42,` +
		`"MsgTime":1767225600,"MsgKey":"3_42_1767225600",` +
		`"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"<hi>"}}],` +
		`"CloudCustomData":"c","Nick":"Alice","FaceUrl":"https://f","MsgFlagBits":1,"IsModified":1,` +
		`"IsRevision":1,"OnlineOnlyFlag":1,"IsNeedReadReceipt":1,"MsgClientTime":1767225599}`
	if string(got) != want {
		t.Errorf("encoding\n got %s\nwant %s", got, want)
	}
}
