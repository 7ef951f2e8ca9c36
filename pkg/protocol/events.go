package protocol

// Events the server pushes. Clients must ignore events they do not know.
const (
	// EventKicked (Kicked) precedes a close the client did not ask for.
	EventKicked = "kicked"
	// EventSigExpired (SigExpired) precedes the close at UserSig expiry.
	EventSigExpired = "sig_expired"

	// EventMessage carries a new message (Message, with the receiving
	// user's SyncSeq when the message is stored).
	EventMessage = "message"
	// EventMessageRevoked tells both participants' devices that a message
	// was recalled (MessageRevoked).
	EventMessageRevoked = "message_revoked"
	// EventMessageModified carries a modified message as now stored
	// (Message, without SyncSeq).
	EventMessageModified = "message_modified"

	// EventReadReceipt goes to the peer's devices when the user reads the
	// peer's messages further (ReadReceipt).
	EventReadReceipt = "read_receipt"
	// EventUnreadChanged goes to the user's other devices when a
	// conversation's unread count changes by the user's action
	// (UnreadChanged).
	EventUnreadChanged = "unread_changed"
	// EventConversationDeleted goes to the user's other devices when a
	// conversation is deleted (ConversationDeleted).
	EventConversationDeleted = "conversation_deleted"
)

// Kicked is the data of kicked: the close reason that follows, and for
// ReasonLoginElsewhere the platform of the login that caused it.
type Kicked struct {
	Reason   string `json:"Reason"`
	Platform string `json:"Platform,omitempty"`
}

// SigExpired is the data of sig_expired: when the UserSig expired, Unix
// seconds.
type SigExpired struct {
	SigExpiresAt int64 `json:"SigExpiresAt"`
}

// MessageRevoked is the data of message_revoked: which message of which
// conversation was recalled; ByAdmin is 1 for a recall by REST
// admin_msgwithdraw. MsgTime is in Unix seconds.
type MessageRevoked struct {
	From      string `json:"From_Account"`
	To        string `json:"To_Account"`
	MsgSeq    uint64 `json:"MsgSeq"`
	MsgRandom uint32 `json:"MsgRandom"`
	MsgTime   int64  `json:"MsgTime"`
	MsgKey    string `json:"MsgKey"`
	ByAdmin   int    `json:"ByAdmin,omitempty"`
}

// ReadReceipt is the data of read_receipt, seen from the receiving side:
// Peer, the reader, has read every message up to ReadSeq of the
// conversation with the receiver.
//
//	{"Peer":"bob","ReadSeq":12}
type ReadReceipt struct {
	Peer    string `json:"Peer"`
	ReadSeq uint64 `json:"ReadSeq"`
}

// UnreadChanged is the data of unread_changed:
//
//	{"TotalUnread":3,"Type":1,"Peer":"bob","Unread":0,"ReadSeq":12}
//
// The conversation is named as in Conversation (Type, Peer or GroupID).
// After mark_all_read, which names none, they are left out and Unread and
// ReadSeq are 0.
type UnreadChanged struct {
	TotalUnread int    `json:"TotalUnread"`
	Type        int    `json:"Type,omitempty"`
	Peer        string `json:"Peer,omitempty"`
	GroupID     string `json:"GroupID,omitempty"`
	Unread      int    `json:"Unread"`
	ReadSeq     uint64 `json:"ReadSeq"`
}

// ConversationDeleted is the data of conversation_deleted, naming the
// conversation as in Conversation; ClearRamble is 1 when the user's
// history of it was cleared too.
//
//	{"Type":1,"Peer":"bob","ClearRamble":1}
type ConversationDeleted struct {
	Type        int    `json:"Type"`
	Peer        string `json:"Peer,omitempty"`
	GroupID     string `json:"GroupID,omitempty"`
	ClearRamble int    `json:"ClearRamble,omitempty"`
}
