package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/parley-im/parley/pkg/protocol"
)

// This file is the typed API of the messaging commands (docs/protocol.md,
// "Messaging commands"): sending, history, conversations, read positions,
// recall and modify, and the decoding of their events; sync.go has sync. The
// wire structs are pkg/protocol's, shared with the server; the SDK depends
// on nothing else of the server's.

// Events of the messaging commands, and the client's own sync_complete.
const (
	EventMessage             = protocol.EventMessage
	EventMessageRevoked      = protocol.EventMessageRevoked
	EventMessageModified     = protocol.EventMessageModified
	EventReadReceipt         = protocol.EventReadReceipt
	EventUnreadChanged       = protocol.EventUnreadChanged
	EventConversationDeleted = protocol.EventConversationDeleted
	EventKicked              = protocol.EventKicked
	EventSigExpired          = protocol.EventSigExpired
	// EventSyncComplete is made by the client, never sent by the server:
	// it follows the messages the client delivered through Events after
	// resynchronising on a new connection.
	EventSyncComplete = "sync_complete"
	// EventError carries an error answer the server could not tie to a
	// request (id 0: a malformed or oversized frame); it decodes to *Error.
	EventError = "error"
)

// Element is one element of a message body, in the reference's format:
// {"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}.
type Element = protocol.Element

// TextElem returns a TIMTextElem.
func TextElem(text string) Element {
	return newElement("TIMTextElem", struct {
		Text string `json:"Text"`
	}{text})
}

// CustomElem returns a TIMCustomElem (at most one per message).
func CustomElem(data, desc, ext string) Element {
	return newElement("TIMCustomElem", struct {
		Data string `json:"Data"`
		Desc string `json:"Desc,omitempty"`
		Ext  string `json:"Ext,omitempty"`
	}{data, desc, ext})
}

func newElement(msgType string, content any) Element {
	b, _ := json.Marshal(content) // structs of strings always marshal
	return Element{MsgType: msgType, MsgContent: b}
}

// Message is a C2C message as the server shows it: in message and
// message_modified events, Sync and History (see protocol.Message for its
// fields). MsgTime is in Unix seconds; SyncSeq is 0 in History and for
// online-only messages.
type Message protocol.Message[[]Element]

// Recalled reports whether the message was recalled (MsgFlagBits bit 0);
// its body is then empty.
func (m *Message) Recalled() bool { return m.MsgFlagBits&protocol.FlagRecalled != 0 }

// Peer returns the other participant of the message's conversation, seen
// by user me.
func (m *Message) Peer(me string) string {
	if m.From == me {
		return m.To
	}
	return m.From
}

// Text returns the texts of the message's TIMTextElem elements, joined.
func (m *Message) Text() string {
	var parts []string
	for _, e := range m.MsgBody {
		var c struct{ Text string }
		if e.MsgType == "TIMTextElem" && json.Unmarshal(e.MsgContent, &c) == nil {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "")
}

// MessageModified is the payload of message_modified: the message as now
// stored (IsModified 1).
type MessageModified struct{ Message }

// MessageRevoked is the payload of message_revoked.
type MessageRevoked = protocol.MessageRevoked

// ReadReceipt is the payload of read_receipt: Peer has read this user's
// messages up to ReadSeq.
type ReadReceipt = protocol.ReadReceipt

// UnreadChanged is the payload of unread_changed (Peer is empty after
// mark_all_read).
type UnreadChanged = protocol.UnreadChanged

// ConversationDeleted is the payload of conversation_deleted.
type ConversationDeleted = protocol.ConversationDeleted

// Kicked is the payload of kicked.
type Kicked = protocol.Kicked

// SigExpired is the payload of sig_expired.
type SigExpired = protocol.SigExpired

// SyncComplete is the payload of the client's sync_complete: Head is the
// sync position reached, Count how many events (message, and
// message_revoked or message_modified for revisions) were delivered
// before it.
type SyncComplete struct {
	Head  uint64 `json:"Head"`
	Count int    `json:"Count"`
}

// Decode returns the event's typed payload: *Message, *MessageRevoked,
// *MessageModified, *ReadReceipt, *UnreadChanged, *ConversationDeleted,
// *Kicked, *SigExpired, *SyncComplete or *Error (EventError), and for
// the relationship chain's events *FriendRequest, *FriendRequestDeleted,
// *FriendAdded, *FriendDeleted, *FriendInfoChanged, *BlacklistAdded or
// *BlacklistDeleted (friends.go). An event
// this SDK does not know decodes to nil and no error: ignore it.
func (e Event) Decode() (any, error) {
	var v any
	switch e.Name {
	case EventMessage:
		v = new(Message)
	case EventMessageModified:
		v = new(MessageModified)
	case EventMessageRevoked:
		v = new(MessageRevoked)
	case EventReadReceipt:
		v = new(ReadReceipt)
	case EventUnreadChanged:
		v = new(UnreadChanged)
	case EventConversationDeleted:
		v = new(ConversationDeleted)
	case EventKicked:
		v = new(Kicked)
	case EventSigExpired:
		v = new(SigExpired)
	case EventSyncComplete:
		v = new(SyncComplete)
	case EventError:
		v = new(Error)
	default:
		if v = decodeFriendEvent(e.Name); v == nil {
			return nil, nil
		}
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return nil, fmt.Errorf("client: decode %s event: %w", e.Name, err)
	}
	return v, nil
}

// SendOptions are the optional parts of a send; the zero value sends a
// stored message with the server's defaults.
type SendOptions struct {
	// Random is the MsgRandom. 0: SendC2C picks one (NewRandom). A send
	// repeated with the same Random to the same peer within 5 minutes is
	// answered with the first send's result and stores nothing, so pass
	// SendResult.MsgRandom again to retry a send safely.
	Random          uint32
	CloudCustomData string
	// OfflinePushInfo is the reference's OfflinePushInfo object.
	OfflinePushInfo json.RawMessage
	// Priority is MsgPriority: High, Normal, Low or Lowest ("": Normal).
	Priority string
	// SendMsgControl holds NoUnread, NoLastMsg, WithMuteNotifications.
	SendMsgControl []string
	// OnlineOnly delivers to online sessions only: not stored, no unread,
	// not deduplicated (so never retried by SendC2C).
	OnlineOnly      bool
	NeedReadReceipt bool
	// LifeTime is how long the message waits for an offline recipient
	// (whole seconds, at most 7 days). 0: the server's default, 7 days.
	LifeTime time.Duration
	// NoSyncToSender is SyncOtherMachine 2: the sender's other devices do
	// not get the message and it is not in the sender's sync stream.
	NoSyncToSender bool
}

// SendResult is the server's acknowledgement of a send (MsgSeq, MsgTime,
// MsgKey): the message is durable. MsgRandom is the Random that was used.
type SendResult struct {
	protocol.SendC2CAnswer
	MsgRandom uint32 `json:"-"`
}

// NewRandom returns a non-zero random MsgRandom.
func NewRandom() uint32 {
	for {
		if r := rand.Uint32(); r != 0 {
			return r
		}
	}
}

// sendAttempts bounds how often SendC2C sends one message when the
// connection drops before the answer.
const sendAttempts = 3

// SendC2C sends body to user to and returns the acknowledgement, which
// comes once the message is stored. When the connection drops before the
// answer, SendC2C sends again with the same Random on the next connection
// (up to three times in all; not for OnlineOnly), which the server answers
// with the first send's result if the first did arrive. On failure the
// result still carries the Random, for a retry later. The user's other
// devices get the message as an event; this client does not, and a later
// Sync does not return it either.
func (c *Client) SendC2C(ctx context.Context, to string, body []Element, opts SendOptions) (SendResult, error) {
	req := protocol.SendC2CRequest{
		To: to, MsgBody: body, MsgRandom: opts.Random, CloudCustomData: opts.CloudCustomData,
		OfflinePushInfo: opts.OfflinePushInfo, MsgPriority: opts.Priority, SendMsgControl: opts.SendMsgControl,
		OnlineOnlyFlag: bit(opts.OnlineOnly), IsNeedReadReceipt: bit(opts.NeedReadReceipt),
		MsgLifeTime: int64(opts.LifeTime / time.Second),
	}
	if req.MsgRandom == 0 {
		req.MsgRandom = NewRandom()
	}
	if opts.NoSyncToSender {
		req.SyncOtherMachine = 2
	}
	var res SendResult
	var err error
	for attempt := 1; ; attempt++ {
		err = c.Call(ctx, protocol.CmdSendC2C, req, &res.SendC2CAnswer)
		if !errors.Is(err, ErrConnectionLost) || opts.OnlineOnly || attempt == sendAttempts {
			break
		}
	}
	res.MsgRandom = req.MsgRandom
	if err == nil && res.MsgSeq > 0 {
		c.stream.noteSent(msgID{peer: to, seq: res.MsgSeq})
	}
	return res, err
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// HistoryOptions select a page of History. The zero value is the newest
// 20 messages.
type HistoryOptions struct {
	// Count is the page size (server default 20, at most 100).
	Count int
	// LastMsgKey (or BeforeSeq) continues after the previous page: only
	// older messages are returned. LastMsgKey wins when both are set.
	LastMsgKey string
	BeforeSeq  uint64
	// MinTime and MaxTime bound MsgTime, Unix seconds, inclusive (0: no bound).
	MinTime, MaxTime int64
}

// HistoryPage is a page of history, newest first (Messages); Complete:
// nothing older matches.
type HistoryPage = protocol.HistoryAnswer[Message]

// History returns a page of this user's history with peer, newest first.
// Recalled messages are included, flagged (Recalled), without content.
func (c *Client) History(ctx context.Context, peer string, opts HistoryOptions) (HistoryPage, error) {
	req := protocol.HistoryRequest{
		Peer: peer, Count: opts.Count, LastMsgKey: opts.LastMsgKey, BeforeSeq: opts.BeforeSeq,
		MinTime: opts.MinTime, MaxTime: opts.MaxTime,
	}
	var page HistoryPage
	err := c.Call(ctx, protocol.CmdC2CHistory, req, &page)
	return page, err
}

// Conversation is one entry of the user's recent contacts. LastTime is in
// Unix seconds, UpdatedAt in Unix milliseconds.
type Conversation = protocol.Conversation

// ConversationCursor is a position in the recent-contacts list; the zero
// value is the first page.
type ConversationCursor struct {
	TimeStamp  int64
	StartIndex int
}

// ConversationPage is a page of recent contacts, most recent first.
type ConversationPage struct {
	Conversations []Conversation
	// Next is the cursor of the next page; Complete says there is none.
	Next     ConversationCursor
	Complete bool
}

// Conversations returns a page of at most limit (server default and
// maximum 100) recent contacts from cursor.
func (c *Client) Conversations(ctx context.Context, cursor ConversationCursor, limit int) (ConversationPage, error) {
	req := protocol.ConversationsRequest{TimeStamp: cursor.TimeStamp, StartIndex: cursor.StartIndex, Limit: limit}
	var ans protocol.ConversationsAnswer
	if err := c.Call(ctx, protocol.CmdConversations, req, &ans); err != nil {
		return ConversationPage{}, err
	}
	return ConversationPage{
		Conversations: ans.Conversations,
		Next:          ConversationCursor{TimeStamp: ans.TimeStamp, StartIndex: ans.StartIndex},
		Complete:      ans.Complete,
	}, nil
}

// MarkRead marks the conversation with peer read up to MsgSeq upToSeq (0:
// everything) and returns it as it now is. The peer's devices get a
// read_receipt, this user's other devices unread_changed.
func (c *Client) MarkRead(ctx context.Context, peer string, upToSeq uint64) (Conversation, error) {
	var conv Conversation
	err := c.Call(ctx, protocol.CmdMarkRead, protocol.MarkReadRequest{Peer: peer, UpToSeq: upToSeq}, &conv)
	return conv, err
}

// MarkAllRead marks every conversation read and returns the total unread
// left (0 unless NoLastMsg messages arrived meanwhile).
func (c *Client) MarkAllRead(ctx context.Context) (int, error) {
	return c.unreadCall(ctx, protocol.CmdMarkAllRead)
}

// TotalUnread returns the user's unread messages over all conversations.
func (c *Client) TotalUnread(ctx context.Context) (int, error) {
	return c.unreadCall(ctx, protocol.CmdTotalUnread)
}

func (c *Client) unreadCall(ctx context.Context, cmd string) (int, error) {
	var ans protocol.TotalUnreadAnswer
	err := c.Call(ctx, cmd, nil, &ans)
	return ans.TotalUnread, err
}

// DeleteConversation removes the conversation with peer from the list;
// clearHistory also clears this user's history of it.
func (c *Client) DeleteConversation(ctx context.Context, peer string, clearHistory bool) error {
	req := protocol.DeleteConversationRequest{Peer: peer, ClearHistory: clearHistory}
	return c.Call(ctx, protocol.CmdDeleteConversation, req, nil)
}

// Revoke recalls a message this user sent to peer (within the app's
// recall window, 2 minutes by default; later is an *Error 20016).
func (c *Client) Revoke(ctx context.Context, peer, msgKey string) error {
	if err := c.Call(ctx, protocol.CmdRevoke, protocol.RevokeRequest{Peer: peer, MsgKey: msgKey}, nil); err != nil {
		return err
	}
	if seq := msgKeySeq(msgKey); seq > 0 {
		c.stream.noteRevision(msgID{peer: peer, seq: seq}, markRecalled)
	}
	return nil
}

// Modify replaces the body (when not nil) and/or the CloudCustomData (when
// not nil) of a message this user sent to peer, and returns the message as
// now stored.
func (c *Client) Modify(ctx context.Context, peer, msgKey string, body []Element, cloudCustomData *string) (Message, error) {
	req := protocol.ModifyRequest{Peer: peer, MsgKey: msgKey, MsgBody: body, CloudCustomData: cloudCustomData}
	var m Message
	if err := c.Call(ctx, protocol.CmdModify, req, &m); err != nil {
		return m, err
	}
	if m.MsgSeq > 0 {
		c.stream.noteRevision(msgID{peer: peer, seq: m.MsgSeq}, revisionMark(&m))
	}
	return m, nil
}

// msgKeySeq returns the MsgSeq of a MsgKey ("{MsgSeq}_{MsgRandom}_{MsgTime}"),
// 0 when there is none.
func msgKeySeq(key string) uint64 {
	head, _, _ := strings.Cut(key, "_")
	seq, err := strconv.ParseUint(head, 10, 64)
	if err != nil {
		return 0
	}
	return seq
}
