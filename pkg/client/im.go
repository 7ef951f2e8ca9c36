package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file is the typed API of the messaging commands (docs/protocol.md,
// "Messaging commands"): sending, sync, history, conversations, read
// positions, recall and modify, and the decoding of their events. The
// structs here carry the protocol's JSON names; they are the SDK's own, so
// that the SDK depends on nothing of the server's.

// Events of the messaging commands, and the client's own sync_complete.
const (
	EventMessage             = "message"
	EventMessageRevoked      = "message_revoked"
	EventMessageModified     = "message_modified"
	EventReadReceipt         = "read_receipt"
	EventUnreadChanged       = "unread_changed"
	EventConversationDeleted = "conversation_deleted"
	EventKicked              = "kicked"
	EventSigExpired          = "sig_expired"
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
type Element struct {
	MsgType    string          `json:"MsgType"`
	MsgContent json.RawMessage `json:"MsgContent"`
}

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
// message_modified events, Sync and History. MsgTime is in Unix seconds.
type Message struct {
	// SyncSeq is the message's position in this user's sync stream (live
	// events and Sync); 0 in History and for online-only messages.
	SyncSeq         uint64    `json:"SyncSeq,omitempty"`
	From            string    `json:"From_Account"`
	To              string    `json:"To_Account"`
	MsgSeq          uint64    `json:"MsgSeq"`
	MsgRandom       uint32    `json:"MsgRandom"`
	MsgTime         int64     `json:"MsgTime"`
	MsgKey          string    `json:"MsgKey"`
	MsgBody         []Element `json:"MsgBody"`
	CloudCustomData string    `json:"CloudCustomData"`
	Nick            string    `json:"Nick,omitempty"`
	FaceURL         string    `json:"FaceUrl,omitempty"`
	MsgFlagBits     int       `json:"MsgFlagBits"`
	IsModified      int       `json:"IsModified,omitempty"`
	// IsRevision is 1 on a Sync result that re-announces a message
	// delivered before (or sent from here) because it was recalled or
	// modified since: apply its state to (peer, MsgSeq) rather than add a
	// message.
	IsRevision        int   `json:"IsRevision,omitempty"`
	OnlineOnlyFlag    int   `json:"OnlineOnlyFlag,omitempty"`
	IsNeedReadReceipt int   `json:"IsNeedReadReceipt,omitempty"`
	MsgClientTime     int64 `json:"MsgClientTime,omitempty"`
}

// Recalled reports whether the message was recalled (MsgFlagBits bit 0);
// its body is then empty.
func (m *Message) Recalled() bool { return m.MsgFlagBits&1 != 0 }

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
type MessageRevoked struct {
	From      string `json:"From_Account"`
	To        string `json:"To_Account"`
	MsgSeq    uint64 `json:"MsgSeq"`
	MsgRandom uint32 `json:"MsgRandom"`
	MsgTime   int64  `json:"MsgTime"`
	MsgKey    string `json:"MsgKey"`
	ByAdmin   int    `json:"ByAdmin,omitempty"`
}

// ReadReceipt is the payload of read_receipt: Peer has read this user's
// messages up to ReadSeq.
type ReadReceipt struct {
	Peer    string `json:"Peer"`
	ReadSeq uint64 `json:"ReadSeq"`
}

// UnreadChanged is the payload of unread_changed (Peer is empty after
// mark_all_read).
type UnreadChanged struct {
	TotalUnread int    `json:"TotalUnread"`
	Peer        string `json:"Peer,omitempty"`
	Unread      int    `json:"Unread"`
	ReadSeq     uint64 `json:"ReadSeq"`
}

// ConversationDeleted is the payload of conversation_deleted.
type ConversationDeleted struct {
	Peer        string `json:"Peer"`
	ClearRamble int    `json:"ClearRamble,omitempty"`
}

// Kicked is the payload of kicked.
type Kicked struct {
	Reason   string `json:"Reason"`
	Platform string `json:"Platform,omitempty"`
}

// SigExpired is the payload of sig_expired.
type SigExpired struct {
	SigExpiresAt int64 `json:"SigExpiresAt"`
}

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
// *Kicked, *SigExpired, *SyncComplete or *Error (EventError). An event
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
		return nil, nil
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

// SendResult is the server's acknowledgement of a send: the message is
// durable. MsgRandom is the Random that was used.
type SendResult struct {
	MsgSeq    uint64 `json:"MsgSeq"`
	MsgTime   int64  `json:"MsgTime"`
	MsgKey    string `json:"MsgKey"`
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

type sendRequest struct {
	To                string          `json:"To_Account"`
	MsgBody           []Element       `json:"MsgBody"`
	MsgRandom         uint32          `json:"MsgRandom"`
	CloudCustomData   string          `json:"CloudCustomData,omitempty"`
	OfflinePushInfo   json.RawMessage `json:"OfflinePushInfo,omitempty"`
	MsgPriority       string          `json:"MsgPriority,omitempty"`
	SendMsgControl    []string        `json:"SendMsgControl,omitempty"`
	OnlineOnlyFlag    int             `json:"OnlineOnlyFlag,omitempty"`
	IsNeedReadReceipt int             `json:"IsNeedReadReceipt,omitempty"`
	MsgLifeTime       int64           `json:"MsgLifeTime,omitempty"`
	SyncOtherMachine  int             `json:"SyncOtherMachine,omitempty"`
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
	req := sendRequest{
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
		err = c.Call(ctx, "send_c2c", req, &res)
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

// HistoryPage is a page of history, newest first.
type HistoryPage struct {
	Messages []Message `json:"Messages"`
	// Complete: nothing older matches.
	Complete bool `json:"Complete"`
}

// History returns a page of this user's history with peer, newest first.
// Recalled messages are included, flagged (Recalled), without content.
func (c *Client) History(ctx context.Context, peer string, opts HistoryOptions) (HistoryPage, error) {
	req := struct {
		Peer       string `json:"Peer"`
		Count      int    `json:"Count,omitempty"`
		LastMsgKey string `json:"LastMsgKey,omitempty"`
		BeforeSeq  uint64 `json:"BeforeSeq,omitempty"`
		MinTime    int64  `json:"MinTime,omitempty"`
		MaxTime    int64  `json:"MaxTime,omitempty"`
	}{peer, opts.Count, opts.LastMsgKey, opts.BeforeSeq, opts.MinTime, opts.MaxTime}
	var page HistoryPage
	err := c.Call(ctx, "c2c_history", req, &page)
	return page, err
}

// Conversation is one entry of the user's recent contacts. LastTime is in
// Unix seconds, UpdatedAt in Unix milliseconds.
type Conversation struct {
	Peer      string `json:"Peer"`
	LastSeq   uint64 `json:"LastSeq"`
	LastTime  int64  `json:"LastTime"`
	ReadSeq   uint64 `json:"ReadSeq"`
	Unread    int    `json:"Unread"`
	UpdatedAt int64  `json:"UpdatedAt"`
}

// ConversationCursor is a position in the recent-contacts list; the zero
// value is the first page.
type ConversationCursor struct {
	TimeStamp  int64 `json:"TimeStamp"`
	StartIndex int   `json:"StartIndex"`
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
	req := struct {
		ConversationCursor
		Limit int `json:"Limit,omitempty"`
	}{cursor, limit}
	var ans struct {
		Conversations []Conversation `json:"Conversations"`
		ConversationCursor
		Complete bool `json:"Complete"`
	}
	if err := c.Call(ctx, "conversations", req, &ans); err != nil {
		return ConversationPage{}, err
	}
	return ConversationPage{Conversations: ans.Conversations, Next: ans.ConversationCursor, Complete: ans.Complete}, nil
}

// MarkRead marks the conversation with peer read up to MsgSeq upToSeq (0:
// everything) and returns it as it now is. The peer's devices get a
// read_receipt, this user's other devices unread_changed.
func (c *Client) MarkRead(ctx context.Context, peer string, upToSeq uint64) (Conversation, error) {
	req := struct {
		Peer    string `json:"Peer"`
		UpToSeq uint64 `json:"UpToSeq,omitempty"`
	}{peer, upToSeq}
	var conv Conversation
	err := c.Call(ctx, "mark_read", req, &conv)
	return conv, err
}

// MarkAllRead marks every conversation read and returns the total unread
// left (0 unless NoLastMsg messages arrived meanwhile).
func (c *Client) MarkAllRead(ctx context.Context) (int, error) {
	return c.unreadCall(ctx, "mark_all_read")
}

// TotalUnread returns the user's unread messages over all conversations.
func (c *Client) TotalUnread(ctx context.Context) (int, error) {
	return c.unreadCall(ctx, "total_unread")
}

func (c *Client) unreadCall(ctx context.Context, cmd string) (int, error) {
	var ans struct {
		TotalUnread int `json:"TotalUnread"`
	}
	err := c.Call(ctx, cmd, nil, &ans)
	return ans.TotalUnread, err
}

// DeleteConversation removes the conversation with peer from the list;
// clearHistory also clears this user's history of it.
func (c *Client) DeleteConversation(ctx context.Context, peer string, clearHistory bool) error {
	req := struct {
		Peer         string `json:"Peer"`
		ClearHistory bool   `json:"ClearHistory,omitempty"`
	}{peer, clearHistory}
	return c.Call(ctx, "delete_conversation", req, nil)
}

// Revoke recalls a message this user sent to peer (within the app's
// recall window, 2 minutes by default; later is an *Error 20016).
func (c *Client) Revoke(ctx context.Context, peer, msgKey string) error {
	req := struct {
		Peer   string `json:"Peer"`
		MsgKey string `json:"MsgKey"`
	}{peer, msgKey}
	if err := c.Call(ctx, "revoke", req, nil); err != nil {
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
	req := struct {
		Peer            string    `json:"Peer"`
		MsgKey          string    `json:"MsgKey"`
		MsgBody         []Element `json:"MsgBody,omitempty"`
		CloudCustomData *string   `json:"CloudCustomData,omitempty"`
	}{peer, msgKey, body, cloudCustomData}
	var m Message
	if err := c.Call(ctx, "modify", req, &m); err != nil {
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

// Sync returns the messages to or from this user that were stored after
// the client's sync position and that the client has not delivered yet
// (through Events or an earlier Sync), oldest first, and moves the
// position to the end of the stream. It reads page after page until the
// server says the page is complete. The first Sync of a client starts at
// the beginning (SetSyncSeq sets a saved position), which gives a new
// device the offline cache: per conversation at most the latest 100
// unseen messages; older ones stay reachable with History.
//
// Once the client has a position, it also resynchronises by itself after
// each reconnect, delivering what it missed through Events as message
// events followed by a sync_complete event, before OnReconnect runs.
// Messages are identified by (peer, MsgSeq): none is delivered twice.
//
// A message recalled or modified since it was delivered (or while it was
// in flight) comes back as a revision: Sync returns it with IsRevision 1
// and its new state (Recalled, IsModified); the resync after a reconnect
// delivers it as a message_revoked or message_modified event instead. The
// client remembers the last state it reported of each message (the
// latest 65536), so a revision that a live event or an earlier sync
// already reported is not reported again.
func (c *Client) Sync(ctx context.Context) ([]Message, error) {
	entries, _, err := c.syncAll(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(entries))
	for i, e := range entries {
		out[i] = e.msg
	}
	return out, nil
}

// SyncSeq returns the client's sync position: where the next Sync starts.
func (c *Client) SyncSeq() uint64 {
	c.stream.mu.Lock()
	defer c.stream.mu.Unlock()
	return c.stream.pos
}

// SetSyncSeq sets the sync position, e.g. one saved by an earlier run of
// the application (SyncSeq), so that Sync and the resync after a
// reconnect start there.
func (c *Client) SetSyncSeq(seq uint64) {
	c.stream.mu.Lock()
	defer c.stream.mu.Unlock()
	c.stream.pos, c.stream.positioned = seq, true
	clear(c.stream.seen)
}

// syncPageSize is the Limit of each sync page the client asks for.
const syncPageSize = 500

// syncEntry is a message of a sync page, with the event that delivers it
// (name, data): a message event, or for a revision message_revoked or
// message_modified.
type syncEntry struct {
	msg  Message
	name string
	raw  json.RawMessage
}

// asRevision turns an entry into the event reporting its new state.
func (e syncEntry) asRevision() syncEntry {
	e.msg.IsRevision = 1
	if !e.msg.Recalled() {
		e.name = EventMessageModified
		return e
	}
	m := e.msg
	// A struct of strings and numbers always marshals.
	e.raw, _ = json.Marshal(MessageRevoked{
		From: m.From, To: m.To, MsgSeq: m.MsgSeq, MsgRandom: m.MsgRandom, MsgTime: m.MsgTime, MsgKey: m.MsgKey,
	})
	e.name = EventMessageRevoked
	return e
}

// syncAll reads the sync stream from the position to its end and commits
// the new position; it returns the entries not delivered before and the
// head reached.
func (c *Client) syncAll(ctx context.Context) ([]syncEntry, uint64, error) {
	c.stream.run.Lock()
	defer c.stream.run.Unlock()
	after := c.SyncSeq()
	var entries []syncEntry
	for {
		var page struct {
			Entries  []json.RawMessage `json:"Entries"`
			Next     uint64            `json:"Next"`
			Complete bool              `json:"Complete"`
		}
		req := struct {
			After uint64 `json:"After"`
			Limit int    `json:"Limit"`
		}{after, syncPageSize}
		if err := c.Call(ctx, "sync", req, &page); err != nil {
			return nil, 0, err
		}
		for _, raw := range page.Entries {
			e := syncEntry{name: EventMessage, raw: raw}
			if err := json.Unmarshal(raw, &e.msg); err != nil {
				return nil, 0, fmt.Errorf("client: decode sync entry: %w", err)
			}
			entries = append(entries, e)
		}
		if !page.Complete && page.Next <= after {
			return nil, 0, fmt.Errorf("client: sync page after %d did not advance", after)
		}
		after = page.Next
		if page.Complete {
			return c.stream.commit(c.opts.UserID, entries, after), after, nil
		}
	}
}

// resync runs after a reconnect when the client has a sync position: it
// syncs and delivers the new messages, then sync_complete, through
// Events. A failure is reported to OnDisconnect; the next reconnect (or
// Sync) tries again from the same position.
func (c *Client) resync() {
	if !c.stream.hasPosition() {
		return
	}
	entries, head, err := c.syncAll(c.ctx)
	if err != nil {
		if f := c.opts.OnDisconnect; f != nil && c.ctx.Err() == nil {
			f(fmt.Errorf("client: resync: %w", err))
		}
		return
	}
	for _, e := range entries {
		if !c.push(Event{Name: e.name, Data: e.raw}) {
			return
		}
	}
	done, _ := json.Marshal(SyncComplete{Head: head, Count: len(entries)})
	c.push(Event{Name: EventSyncComplete, Data: done})
}

// push hands the application an event the client made, waiting for room;
// it reports false when the client was closed meanwhile.
func (c *Client) push(ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// deliver hands a server event to the application without blocking. A
// message event the client delivered already (live or through Sync) is
// dropped, and so is a revision it reported already.
func (c *Client) deliver(ev Event) error {
	switch ev.Name {
	case EventMessage:
	case EventMessageRevoked, EventMessageModified:
		return c.deliverRevision(ev)
	default:
		return c.offer(ev)
	}
	var head struct {
		SyncSeq uint64 `json:"SyncSeq"`
		From    string `json:"From_Account"`
		To      string `json:"To_Account"`
		MsgSeq  uint64 `json:"MsgSeq"`
	}
	if json.Unmarshal(ev.Data, &head) != nil || head.MsgSeq == 0 || head.SyncSeq == 0 {
		return c.offer(ev) // online-only: nothing to deduplicate by
	}
	m := Message{From: head.From, To: head.To}
	id := msgID{peer: m.Peer(c.opts.UserID), seq: head.MsgSeq}
	return c.stream.deliverOnce(id, head.SyncSeq, func() error { return c.offer(ev) })
}

// deliverRevision hands a live message_revoked or message_modified event
// to the application unless a sync reported that state already.
func (c *Client) deliverRevision(ev Event) error {
	var m Message // message_revoked has the identifying fields too
	if json.Unmarshal(ev.Data, &m) != nil || m.MsgSeq == 0 {
		return c.offer(ev)
	}
	mark := markRecalled
	if ev.Name == EventMessageModified {
		m.MsgFlagBits, m.IsModified = 0, 1
		mark = revisionMark(&m)
	}
	id := msgID{peer: m.Peer(c.opts.UserID), seq: m.MsgSeq}
	return c.stream.reviseOnce(id, mark, func() error { return c.offer(ev) })
}

// offer queues an event for the application, or fails when Events is full.
func (c *Client) offer(ev Event) error {
	select {
	case c.events <- ev:
		return nil
	default:
		return errOverflow
	}
}

// msgID identifies a stored message from one user's side.
type msgID struct {
	peer string
	seq  uint64
}

// maxSeen bounds the messages a client remembers past its sync position.
const maxSeen = 1 << 16

// syncState is a client's position in its user's sync stream and the
// messages it delivered beyond it. Lock order: run, then mu.
type syncState struct {
	run sync.Mutex // serialises sync runs

	mu         sync.Mutex
	positioned bool   // a Sync completed or SetSyncSeq was called
	pos        uint64 // where the next sync starts
	// seen holds the messages delivered (or sent by this client) that a
	// sync from pos may return again, with their SyncSeq (0: sent here,
	// SyncSeq unknown).
	seen map[msgID]uint64
	// revised holds the last revision reported of recalled or modified
	// messages (revisionMark), at most maxSeen of them.
	revised map[msgID]string
}

// markRecalled is the revisionMark of every recalled message.
const markRecalled = "recalled"

// revisionMark identifies a message's state for revision dedup: "" for an
// unchanged message, markRecalled, or the modified content.
func revisionMark(m *Message) string {
	switch {
	case m.Recalled():
		return markRecalled
	case m.IsModified == 0:
		return ""
	}
	body, _ := json.Marshal(m.MsgBody) // raw JSON elements always marshal
	return "modified\x00" + string(body) + "\x00" + m.CloudCustomData
}

// reviseOnce runs deliver for a live revision unless it was reported
// already, and remembers it when deliver succeeds.
func (st *syncState) reviseOnce(id msgID, mark string, deliver func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.revised[id] == mark {
		return nil
	}
	if err := deliver(); err != nil {
		return err
	}
	st.rememberRevision(id, mark)
	return nil
}

// noteRevision remembers a revision this client made (Revoke, Modify), so
// that no sync reports it back.
func (st *syncState) noteRevision(id msgID, mark string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rememberRevision(id, mark)
}

// rememberRevision records a message's last reported state, dropping an
// arbitrary half of revised when it grows past maxSeen (a revision of a
// forgotten message may then be reported again).
func (st *syncState) rememberRevision(id msgID, mark string) {
	if st.revised == nil {
		st.revised = map[msgID]string{}
	}
	st.revised[id] = mark
	if len(st.revised) <= maxSeen {
		return
	}
	n := 0
	for k := range st.revised {
		if n++; n > maxSeen/2 {
			break
		}
		delete(st.revised, k)
	}
	st.revised[id] = mark
}

func (st *syncState) hasPosition() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.positioned
}

// deliverOnce runs deliver for a live message unless it was delivered
// already or lies at or before the position (a sync returned it), and
// remembers it when deliver succeeds.
func (st *syncState) deliverOnce(id msgID, syncSeq uint64, deliver func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.seen[id]; dup || st.positioned && syncSeq <= st.pos {
		return nil
	}
	if err := deliver(); err != nil {
		return err
	}
	st.remember(id, syncSeq)
	return nil
}

// noteSent remembers a message this client sent, so that no sync returns it.
func (st *syncState) noteSent(id msgID) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.remember(id, 0)
}

// remember adds a message to seen, halving seen when it grows past
// maxSeen (oldest first), so a client that never syncs stays bounded.
func (st *syncState) remember(id msgID, syncSeq uint64) {
	if st.seen == nil {
		st.seen = map[msgID]uint64{}
	}
	st.seen[id] = syncSeq
	if len(st.seen) <= maxSeen {
		return
	}
	seqs := make([]uint64, 0, len(st.seen))
	for _, s := range st.seen {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	cut := seqs[len(seqs)/2]
	for k, s := range st.seen {
		if s <= cut {
			delete(st.seen, k)
		}
	}
}

// commit moves the position to pos after a sync and returns what to
// deliver: the messages not delivered before, and revisions not reported
// before (a revision entry, or the entry of a message delivered before
// that shows a new state); what lies at or before pos is forgotten from
// seen, since no later sync returns it.
func (st *syncState) commit(me string, entries []syncEntry, pos uint64) []syncEntry {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := entries[:0]
	known := map[msgID]bool{} // delivered before or earlier in this sync
	for _, e := range entries {
		id := msgID{peer: e.msg.Peer(me), seq: e.msg.MsgSeq}
		if _, ok := st.seen[id]; ok {
			delete(st.seen, id)
			known[id] = true
		}
		mark := revisionMark(&e.msg)
		if e.msg.IsRevision == 0 && !known[id] {
			known[id] = true
			if mark != "" {
				st.rememberRevision(id, mark)
			}
			out = append(out, e)
			continue
		}
		if mark == "" || st.revised[id] == mark {
			continue
		}
		st.rememberRevision(id, mark)
		out = append(out, e.asRevision())
	}
	for k, s := range st.seen {
		if s > 0 && s <= pos {
			delete(st.seen, k)
		}
	}
	st.pos, st.positioned = pos, true
	return out
}
