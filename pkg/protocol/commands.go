package protocol

import "encoding/json"

// Built-in commands: signing in and out and the application-level ping.
// The gateway answers them itself.
const (
	// CmdLogin signs the session in (LoginRequest, answered LoginAnswer);
	// it must be the first command.
	CmdLogin = "login"
	// CmdPing is answered PingAnswer.
	CmdPing = "ping"
	// CmdLogout is answered {} before the server closes the session with
	// ReasonLogout.
	CmdLogout = "logout"
)

// The C2C messaging commands.
const (
	// CmdSendC2C sends a message (SendC2CRequest, answered SendC2CAnswer).
	CmdSendC2C = "send_c2c"
	// CmdSync reads a page of the user's sync stream (SyncRequest,
	// answered SyncAnswer).
	CmdSync = "sync"
	// CmdC2CHistory reads a page of the history with a peer
	// (HistoryRequest, answered HistoryAnswer).
	CmdC2CHistory = "c2c_history"
	// CmdConversations reads a page of recent contacts
	// (ConversationsRequest, answered ConversationsAnswer).
	CmdConversations = "conversations"
	// CmdMarkRead moves a conversation's read position (MarkReadRequest,
	// answered with the Conversation).
	CmdMarkRead = "mark_read"
	// CmdMarkAllRead marks every conversation read (no data, answered
	// TotalUnreadAnswer).
	CmdMarkAllRead = "mark_all_read"
	// CmdTotalUnread is answered TotalUnreadAnswer.
	CmdTotalUnread = "total_unread"
	// CmdDeleteConversation removes a conversation from the list
	// (DeleteConversationRequest, answered {}).
	CmdDeleteConversation = "delete_conversation"
	// CmdRevoke recalls a message the user sent (RevokeRequest, answered {}).
	CmdRevoke = "revoke"
	// CmdModify changes a message the user sent (ModifyRequest, answered
	// with the Message as now stored).
	CmdModify = "modify"
)

// LoginRequest is the data of login.
type LoginRequest struct {
	SDKAppID uint64 `json:"SDKAppID"`
	UserID   string `json:"UserID"`
	UserSig  string `json:"UserSig"`
	// Platform is one of Platforms.
	Platform string `json:"Platform"`
	// ProtocolVersion is the highest version the client speaks, at least 1.
	ProtocolVersion int `json:"ProtocolVersion"`
}

// LoginAnswer is the answer to a successful login.
type LoginAnswer struct {
	// SessionID names the session: 32 hex characters, unique across
	// servers and restarts.
	SessionID string `json:"SessionID"`
	// ServerTime is the server's clock, Unix milliseconds.
	ServerTime int64 `json:"ServerTime"`
	// SigExpiresAt is when the UserSig expires, Unix seconds.
	SigExpiresAt int64 `json:"SigExpiresAt"`
	// ProtocolVersion is the version both sides use from now on.
	ProtocolVersion int `json:"ProtocolVersion"`
	// MaxFrameBytes is the largest message the server accepts from the
	// client.
	MaxFrameBytes int64 `json:"MaxFrameBytes"`
}

// PingAnswer is the answer to ping: the server's clock, Unix milliseconds.
type PingAnswer struct {
	ServerTime int64 `json:"ServerTime"`
}

// SendC2CRequest is the data of send_c2c: REST sendmsg's fields without
// From_Account (the sender is the signed-in user).
type SendC2CRequest struct {
	To                string          `json:"To_Account"`
	MsgBody           []Element       `json:"MsgBody"`
	MsgRandom         uint32          `json:"MsgRandom"`
	CloudCustomData   string          `json:"CloudCustomData,omitempty"`
	OfflinePushInfo   json.RawMessage `json:"OfflinePushInfo,omitempty"`
	MsgPriority       string          `json:"MsgPriority,omitempty"`
	SendMsgControl    []string        `json:"SendMsgControl,omitempty"`
	OnlineOnlyFlag    int             `json:"OnlineOnlyFlag,omitempty"`
	IsNeedReadReceipt int             `json:"IsNeedReadReceipt,omitempty"`
	// MsgLifeTime is in seconds.
	MsgLifeTime      int64 `json:"MsgLifeTime,omitempty"`
	SyncOtherMachine int   `json:"SyncOtherMachine,omitempty"`
}

// SendC2CAnswer is the answer to send_c2c, once the message is stored.
// MsgTime is in Unix seconds.
type SendC2CAnswer struct {
	MsgSeq  uint64 `json:"MsgSeq"`
	MsgTime int64  `json:"MsgTime"`
	MsgKey  string `json:"MsgKey"`
}

// SyncRequest is the data of sync: the page after sync position After, of
// at most Limit entries (1..1000, 0: 100).
type SyncRequest struct {
	After uint64 `json:"After"`
	Limit int    `json:"Limit"`
}

// SyncAnswer is a page of the sync stream. M is the message type: Message
// to read one, json.RawMessage to keep entries undecoded, or the server's
// own type that encodes as a Message. Continue with After = Next until
// Complete.
type SyncAnswer[M any] struct {
	Entries  []M    `json:"Entries"`
	Head     uint64 `json:"Head"`
	Next     uint64 `json:"Next"`
	Complete bool   `json:"Complete"`
}

// HistoryRequest is the data of c2c_history: messages with Peer older than
// LastMsgKey (or MsgSeq BeforeSeq; the key wins), within MinTime..MaxTime
// (Unix seconds, inclusive; 0: unbounded), at most Count of them.
type HistoryRequest struct {
	Peer       string `json:"Peer"`
	Count      int    `json:"Count,omitempty"`
	LastMsgKey string `json:"LastMsgKey,omitempty"`
	BeforeSeq  uint64 `json:"BeforeSeq,omitempty"`
	MinTime    int64  `json:"MinTime,omitempty"`
	MaxTime    int64  `json:"MaxTime,omitempty"`
}

// HistoryAnswer is a page of history, newest first; M is as for
// SyncAnswer.
type HistoryAnswer[M any] struct {
	Messages []M `json:"Messages"`
	// Complete: nothing older matches.
	Complete bool `json:"Complete"`
}

// ConversationsRequest is the data of conversations: the page at cursor
// (TimeStamp, StartIndex), both 0 for the first page.
type ConversationsRequest struct {
	TimeStamp    int64 `json:"TimeStamp"`
	StartIndex   int   `json:"StartIndex"`
	Limit        int   `json:"Limit,omitempty"`
	IncludeEmpty bool  `json:"IncludeEmpty,omitempty"`
}

// ConversationsAnswer is a page of recent contacts, most recently updated
// first; TimeStamp and StartIndex are the next page's cursor.
type ConversationsAnswer struct {
	Conversations []Conversation `json:"Conversations"`
	TimeStamp     int64          `json:"TimeStamp"`
	StartIndex    int            `json:"StartIndex"`
	Complete      bool           `json:"Complete"`
}

// Conversation types: the Type field that names a conversation's kind
// (the numbers of the REST API's recentcontact Type). A conversation of
// Type ConvC2C is named by Peer, one of Type ConvGroup by GroupID. In
// requests Type may be left out for ConvC2C.
const (
	ConvC2C   = 1
	ConvGroup = 2
)

// Conversation is one entry of the recent contacts, and the answer to
// mark_read: Type, and Peer (C2C) or GroupID (group). LastTime is in Unix
// seconds, UpdatedAt in Unix milliseconds.
type Conversation struct {
	Type      int    `json:"Type"`
	Peer      string `json:"Peer,omitempty"`
	GroupID   string `json:"GroupID,omitempty"`
	LastSeq   uint64 `json:"LastSeq"`
	LastTime  int64  `json:"LastTime"`
	ReadSeq   uint64 `json:"ReadSeq"`
	Unread    int    `json:"Unread"`
	UpdatedAt int64  `json:"UpdatedAt"`
}

// MarkReadRequest is the data of mark_read: read up to MsgSeq UpToSeq
// (0: everything) the conversation with Peer, or with Type ConvGroup the
// group GroupID.
type MarkReadRequest struct {
	Type    int    `json:"Type,omitempty"`
	Peer    string `json:"Peer,omitempty"`
	GroupID string `json:"GroupID,omitempty"`
	UpToSeq uint64 `json:"UpToSeq,omitempty"`
}

// TotalUnreadAnswer is the answer to mark_all_read and total_unread.
type TotalUnreadAnswer struct {
	TotalUnread int `json:"TotalUnread"`
}

// DeleteConversationRequest is the data of delete_conversation: the
// conversation with Peer, or with Type ConvGroup the group GroupID.
type DeleteConversationRequest struct {
	Type         int    `json:"Type,omitempty"`
	Peer         string `json:"Peer,omitempty"`
	GroupID      string `json:"GroupID,omitempty"`
	ClearHistory bool   `json:"ClearHistory,omitempty"`
}

// RevokeRequest is the data of revoke: a message the user sent to Peer.
type RevokeRequest struct {
	Peer   string `json:"Peer"`
	MsgKey string `json:"MsgKey"`
}

// ModifyRequest is the data of modify: a message the user sent to Peer,
// and its new body and/or CloudCustomData (at least one).
type ModifyRequest struct {
	Peer            string    `json:"Peer"`
	MsgKey          string    `json:"MsgKey"`
	MsgBody         []Element `json:"MsgBody,omitempty"`
	CloudCustomData *string   `json:"CloudCustomData,omitempty"`
}
