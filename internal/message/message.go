package message

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
)

// FlagRecalled is the MsgFlagBits bit of a recalled message. The reference
// flags recalled messages in admin_getroammsg's MsgFlagBits without
// publishing the bit values; Parley uses bit 0 and defines no other bit, so
// MsgFlagBits is 0 for every message that was not recalled.
const FlagRecalled = protocol.FlagRecalled

// Message is one C2C message as every client-facing surface shows it: the
// message event, Sync pages, History pages and the message_modified event
// all carry this one JSON shape, protocol.Message (see MarshalJSON), so a
// client parses one thing.
type Message struct {
	// SyncSeq is the message's position in the receiving user's sync
	// stream (live events and Sync pages); 0 elsewhere.
	SyncSeq uint64
	From    string
	To      string
	// Seq is the message's number in its conversation, assigned by the
	// store; 0 for a message that was not stored (online-only, dropped).
	Seq    uint64
	Random uint32
	// Time is the server's send time in Unix milliseconds (for importmsg:
	// the imported MsgTimeStamp).
	Time            int64
	Body            im.MsgBody
	CloudCustomData string
	// Nick and FaceURL are the sender's profile when the message was sent.
	Nick    string
	FaceURL string
	// Recalled and Modified reflect recall and modify; a recalled
	// message's Body is empty and its CloudCustomData cleared.
	Recalled bool
	Modified bool
	// Revision marks a Sync entry that re-announces a message delivered
	// before at its own SyncSeq, because it was recalled or modified since
	// (IsRevision 1): the client applies the new state to (peer, MsgSeq)
	// instead of adding a message.
	Revision bool
	// OnlineOnly marks a message that was delivered live and not stored.
	OnlineOnly      bool
	NeedReadReceipt bool
	// ClientTime is the caller's MsgTimeStamp in Unix seconds (0: none).
	ClientTime int64
	// ClientSeq is the message's MsgSeq as the REST API shows it: the
	// caller's, or a random 32-bit value (not unique, not delivered to
	// clients, whose MsgSeq is Seq).
	ClientSeq uint64
	// PushInfo is the sender's OfflinePushInfo, kept for offline push and
	// never delivered to clients.
	PushInfo *im.OfflinePushInfo
	// WithMuteNotifications is SendMsgControl WithMuteNotifications: offline
	// push honours the recipient's do-not-disturb. Set only on a message
	// just sent (for the push hook); not stored.
	WithMuteNotifications bool
	// SenderSync is false for a message sent with SyncOtherMachine 2: it
	// is not in the sender's sync stream and hidden from the sender's
	// history.
	SenderSync bool
}

// TimeSeconds returns the message time in Unix seconds (MsgTime).
func (m *Message) TimeSeconds() int64 { return m.Time / 1000 }

// Key returns the MsgKey, "{MsgSeq}_{MsgRandom}_{MsgTime}".
func (m *Message) Key() string { return im.FormatMsgKey(m.Seq, m.Random, m.TimeSeconds()) }

// MarshalJSON encodes the client shape, protocol.Message:
//
//	{"SyncSeq":7,"From_Account":"alice","To_Account":"bob","MsgSeq":3,
//	 "MsgRandom":42,"MsgTime":1700000000,"MsgKey":"3_42_1700000000",
//	 "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}],
//	 "CloudCustomData":"","Nick":"Alice","FaceUrl":"https://...",
//	 "MsgFlagBits":0,"IsModified":1,"OnlineOnlyFlag":1,
//	 "IsNeedReadReceipt":1,"MsgClientTime":1699999999}
//
// SyncSeq, Nick, FaceUrl, IsModified, IsRevision (Sync entries only),
// OnlineOnlyFlag, IsNeedReadReceipt and MsgClientTime are left out when
// zero. MsgTime is in seconds; MsgFlagBits
// has FlagRecalled set for a recalled message.
func (m Message) MarshalJSON() ([]byte, error) {
	return m.AppendJSON(nil)
}

// AppendJSON appends the encoding of MarshalJSON to dst.
func (m *Message) AppendJSON(dst []byte) ([]byte, error) {
	w := protocol.Message[im.MsgBody]{
		SyncSeq: m.SyncSeq, From: m.From, To: m.To, MsgSeq: m.Seq, MsgRandom: m.Random,
		MsgTime: m.TimeSeconds(), MsgKey: m.Key(), MsgBody: m.Body, CloudCustomData: m.CloudCustomData,
		Nick: m.Nick, FaceURL: m.FaceURL, IsModified: bit(m.Modified), IsRevision: bit(m.Revision), OnlineOnlyFlag: bit(m.OnlineOnly),
		IsNeedReadReceipt: bit(m.NeedReadReceipt), MsgClientTime: m.ClientTime,
	}
	if w.MsgBody == nil {
		w.MsgBody = im.MsgBody{}
	}
	if m.Recalled {
		w.MsgFlagBits = FlagRecalled
	}
	return appendJSON(dst, w)
}

// appendJSON appends v's encoding without HTML escaping (so message text
// keeps its bytes) and without the encoder's trailing newline.
func appendJSON(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("message: encode: %w", err)
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil
}

// withSyncSeq returns the encoding of a message whose shared encoding
// (SyncSeq 0, so left out) is shared, stamped with syncSeq: the expensive
// part of an event is encoded once and each participant's copy only gains
// its own SyncSeq.
func withSyncSeq(shared []byte, syncSeq uint64) []byte {
	if syncSeq == 0 || len(shared) < 2 {
		return shared
	}
	out := make([]byte, 0, len(shared)+32)
	out = append(out, `{"SyncSeq":`...)
	out = strconv.AppendUint(out, syncSeq, 10)
	out = append(out, ',')
	return append(out, shared[1:]...)
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storedDoc is the JSON document kept in store.C2CMessage.Doc: everything
// about a message that is not one of the store's own columns. Only this
// package reads it.
type storedDoc struct {
	MsgBody         im.MsgBody          `json:"MsgBody"`
	CloudCustomData string              `json:"CloudCustomData,omitempty"`
	OfflinePushInfo *im.OfflinePushInfo `json:"OfflinePushInfo,omitempty"`
	Nick            string              `json:"Nick,omitempty"`
	FaceURL         string              `json:"FaceUrl,omitempty"`
	ClientTime      int64               `json:"MsgClientTime,omitempty"`
	NeedReadReceipt bool                `json:"NeedReadReceipt,omitempty"`
}

// toStored returns the store record of m (Seq is left for the store).
func (m *Message) toStored() (store.C2CMessage, error) {
	doc, err := m.encodeDoc()
	if err != nil {
		return store.C2CMessage{}, err
	}
	return store.C2CMessage{
		From: m.From, To: m.To, Seq: m.Seq, Random: m.Random, Time: m.Time,
		ClientSeq: m.ClientSeq, Doc: doc, State: m.state(), SenderSync: m.SenderSync,
	}, nil
}

func (m *Message) encodeDoc() ([]byte, error) {
	body := m.Body
	if body == nil {
		body = im.MsgBody{}
	}
	return appendJSON(nil, storedDoc{
		MsgBody: body, CloudCustomData: m.CloudCustomData, OfflinePushInfo: m.PushInfo,
		Nick: m.Nick, FaceURL: m.FaceURL, ClientTime: m.ClientTime, NeedReadReceipt: m.NeedReadReceipt,
	})
}

func (m *Message) state() int {
	switch {
	case m.Recalled:
		return store.StateRecalled
	case m.Modified:
		return store.StateModified
	}
	return store.StateNormal
}

// fromStored decodes a store record; syncSeq is the viewer's sync position
// (0 outside sync).
func fromStored(r store.C2CMessage, syncSeq uint64) (Message, error) {
	var d storedDoc
	if err := json.Unmarshal(r.Doc, &d); err != nil {
		return Message{}, fmt.Errorf("message: stored message %d of %s->%s: %w", r.Seq, r.From, r.To, err)
	}
	return Message{
		SyncSeq: syncSeq, From: r.From, To: r.To, Seq: r.Seq, Random: r.Random, Time: r.Time,
		Body: d.MsgBody, CloudCustomData: d.CloudCustomData, Nick: d.Nick, FaceURL: d.FaceURL,
		Recalled: r.State == store.StateRecalled, Modified: r.State == store.StateModified,
		NeedReadReceipt: d.NeedReadReceipt, ClientTime: d.ClientTime, ClientSeq: r.ClientSeq,
		PushInfo: d.OfflinePushInfo, SenderSync: r.SenderSync,
	}, nil
}
