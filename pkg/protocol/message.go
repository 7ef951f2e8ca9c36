package protocol

import "encoding/json"

// FlagRecalled is the MsgFlagBits bit of a recalled message, whose MsgBody
// is then empty. No other bit is defined.
const FlagRecalled = 1

// Element is one element of a message body, in the reference API's
// format: {"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}.
type Element struct {
	MsgType    string          `json:"MsgType"`
	MsgContent json.RawMessage `json:"MsgContent"`
}

// Message is a C2C message as every client-facing surface shows it: the
// data of message and message_modified, the entries of sync and
// c2c_history pages, the answer to modify. Body is the type of MsgBody:
// []Element reads any body; the server uses its own element types, which
// encode as the same array. MsgTime is in Unix seconds; MsgKey is
// "{MsgSeq}_{MsgRandom}_{MsgTime}".
type Message[Body any] struct {
	// SyncSeq is the message's position in the receiving user's sync
	// stream (live events and sync pages); 0, and left out, elsewhere.
	SyncSeq uint64 `json:"SyncSeq,omitempty"`
	From    string `json:"From_Account"`
	To      string `json:"To_Account"`
	// MsgSeq numbers the messages of one conversation from 1; 0 for a
	// message that was not stored (online-only).
	MsgSeq          uint64 `json:"MsgSeq"`
	MsgRandom       uint32 `json:"MsgRandom"`
	MsgTime         int64  `json:"MsgTime"`
	MsgKey          string `json:"MsgKey"`
	MsgBody         Body   `json:"MsgBody"`
	CloudCustomData string `json:"CloudCustomData"`
	// Nick and FaceURL are the sender's profile when the message was sent.
	Nick    string `json:"Nick,omitempty"`
	FaceURL string `json:"FaceUrl,omitempty"`
	// MsgFlagBits has FlagRecalled set for a recalled message.
	MsgFlagBits int `json:"MsgFlagBits"`
	IsModified  int `json:"IsModified,omitempty"`
	// IsRevision is 1 on a sync entry that re-announces a message
	// delivered before because it was recalled or modified since: apply
	// its state to (peer, MsgSeq) rather than add a message.
	IsRevision        int `json:"IsRevision,omitempty"`
	OnlineOnlyFlag    int `json:"OnlineOnlyFlag,omitempty"`
	IsNeedReadReceipt int `json:"IsNeedReadReceipt,omitempty"`
	// MsgClientTime is the sender's MsgTimeStamp, Unix seconds.
	MsgClientTime int64 `json:"MsgClientTime,omitempty"`
}
