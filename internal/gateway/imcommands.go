package gateway

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// The C2C messaging commands (docs/protocol.md, "Messaging commands").
// RegisterMessaging routes them.
const (
	CmdSendC2C            = "send_c2c"
	CmdSync               = "sync"
	CmdC2CHistory         = "c2c_history"
	CmdConversations      = "conversations"
	CmdMarkRead           = "mark_read"
	CmdMarkAllRead        = "mark_all_read"
	CmdTotalUnread        = "total_unread"
	CmdDeleteConversation = "delete_conversation"
	CmdRevoke             = "revoke"
	CmdModify             = "modify"
)

// RegisterMessaging routes the C2C messaging commands to the message and
// conversation services. Call it while wiring, before the gateway serves.
//
// The handlers only translate: they decode a command's data with the same
// parsers the REST API uses (im.ParseMsgBody, im.ParseSendOptions), call
// the service as the session's user (a client never names the sender),
// pass the session's ID so that the events the command causes reach the
// user's other devices but not this one, and encode the result. Every rule
// lives in the services; their *im.Error codes are the answers' codes.
func RegisterMessaging(g *Gateway, m *message.Service, c *conversation.Service) {
	h := &messaging{msgs: m, convs: c}
	g.Handle(CmdSendC2C, h.sendC2C)
	g.Handle(CmdSync, h.sync)
	g.Handle(CmdC2CHistory, h.history)
	g.Handle(CmdConversations, h.conversations)
	g.Handle(CmdMarkRead, h.markRead)
	g.Handle(CmdMarkAllRead, h.markAllRead)
	g.Handle(CmdTotalUnread, h.totalUnread)
	g.Handle(CmdDeleteConversation, h.deleteConversation)
	g.Handle(CmdRevoke, h.revoke)
	g.Handle(CmdModify, h.modify)
}

// messaging holds the services the messaging commands call.
type messaging struct {
	msgs  *message.Service
	convs *conversation.Service
}

// decodeData decodes a command's data into v; absent data leaves v zero.
// See im.DecodeJSON for the codes.
func decodeData(data json.RawMessage, v any, code int) error { return im.DecodeJSON(data, v, code) }

// sendC2CRequest holds the addressing and body of send_c2c; the options
// are read from the whole data by im.ParseSendOptions.
type sendC2CRequest struct {
	To      json.RawMessage `json:"To_Account"`
	MsgBody json.RawMessage `json:"MsgBody"`
}

type sendC2CAnswer struct {
	MsgSeq  uint64 `json:"MsgSeq"`
	MsgTime int64  `json:"MsgTime"`
	MsgKey  string `json:"MsgKey"`
}

// sendC2C sends a message from the session's user.
func (h *messaging) sendC2C(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req sendC2CRequest
	if err := decodeData(data, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	body, err := im.ParseMsgBody(req.MsgBody, h.msgs.Limits())
	if err != nil {
		return nil, err
	}
	opts, err := im.ParseSendOptions(data, h.msgs.Limits())
	if err != nil {
		return nil, err
	}
	var to string
	if len(req.To) > 0 && string(req.To) != "null" && json.Unmarshal(req.To, &to) != nil {
		return nil, im.Errorf(im.CodeMsgToAccount, "To_Account must be a string")
	}
	res, err := h.msgs.SendC2C(ctx, message.SendRequest{
		SDKAppID: s.SDKAppID(), From: s.UserID(), To: to, Body: body, Options: opts, Session: s.ID(),
	})
	if err != nil {
		return nil, err
	}
	return sendC2CAnswer{MsgSeq: res.MsgSeq, MsgTime: res.MsgTime, MsgKey: res.MsgKey}, nil
}

// syncRequest reads After as a number literal, so that a position beyond
// uint64 is refused like one beyond im.MaxSeq (90010, quoting it) rather
// than as a JSON error.
type syncRequest struct {
	After json.Number `json:"After"`
	Limit int         `json:"Limit"`
}

type syncAnswer struct {
	Entries  []message.Message `json:"Entries"`
	Head     uint64            `json:"Head"`
	Next     uint64            `json:"Next"`
	Complete bool              `json:"Complete"`
}

// sync answers one page of the user's sync stream after After.
func (h *messaging) sync(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req syncRequest
	if err := decodeData(data, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	after, err := im.ParseSeq("After", req.After, im.CodeMsgFormat)
	if err != nil {
		return nil, err
	}
	page, err := h.msgs.Sync(ctx, s.SDKAppID(), s.UserID(), after, req.Limit)
	if err != nil {
		return nil, err
	}
	return syncAnswer{Entries: page.Entries, Head: page.Head, Next: page.Next, Complete: page.Complete}, nil
}

type historyRequest struct {
	Peer       string      `json:"Peer"`
	Count      int         `json:"Count"`
	LastMsgKey string      `json:"LastMsgKey"`
	BeforeSeq  json.Number `json:"BeforeSeq"` // as syncRequest.After
	MinTime    int64       `json:"MinTime"`
	MaxTime    int64       `json:"MaxTime"`
}

type historyAnswer struct {
	Messages []message.Message `json:"Messages"`
	Complete bool              `json:"Complete"`
}

// history answers a page of the user's history with Peer, newest first,
// older than LastMsgKey (or BeforeSeq; LastMsgKey wins).
func (h *messaging) history(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req historyRequest
	if err := decodeData(data, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	before, err := im.ParseSeq("BeforeSeq", req.BeforeSeq, im.CodeMsgFormat)
	if err != nil {
		return nil, err
	}
	if req.LastMsgKey != "" {
		seq, _, _, err := im.ParseMsgKey(req.LastMsgKey)
		if err != nil {
			return nil, err
		}
		if seq == 0 {
			return nil, im.Errorf(im.CodeMsgKeyInvalid, "LastMsgKey %q names no stored message", req.LastMsgKey)
		}
		before = seq
	}
	page, err := h.msgs.History(ctx, message.HistoryRequest{
		SDKAppID: s.SDKAppID(), User: s.UserID(), Peer: req.Peer, BeforeSeq: before,
		MinTime: req.MinTime, MaxTime: req.MaxTime, Count: req.Count,
	})
	if err != nil {
		return nil, err
	}
	if page.Messages == nil {
		page.Messages = []message.Message{}
	}
	return historyAnswer{Messages: page.Messages, Complete: page.Complete}, nil
}

type conversationsRequest struct {
	TimeStamp    int64 `json:"TimeStamp"`
	StartIndex   int   `json:"StartIndex"`
	Limit        int   `json:"Limit"`
	IncludeEmpty bool  `json:"IncludeEmpty"`
}

type conversationsAnswer struct {
	Conversations []conversationItem `json:"Conversations"`
	TimeStamp     int64              `json:"TimeStamp"`
	StartIndex    int                `json:"StartIndex"`
	Complete      bool               `json:"Complete"`
}

// conversationItem is one conversation on the wire.
type conversationItem struct {
	Peer      string `json:"Peer"`
	LastSeq   uint64 `json:"LastSeq"`
	LastTime  int64  `json:"LastTime"`
	ReadSeq   uint64 `json:"ReadSeq"`
	Unread    int    `json:"Unread"`
	UpdatedAt int64  `json:"UpdatedAt"`
}

func toConversationItem(c conversation.Conversation) conversationItem {
	return conversationItem{
		Peer: c.Peer, LastSeq: c.LastSeq, LastTime: c.LastTime,
		ReadSeq: c.ReadSeq, Unread: c.Unread, UpdatedAt: c.UpdatedAt,
	}
}

// conversations answers a page of the user's recent contacts, with the
// cursor of recentcontact/get_list (TimeStamp, StartIndex).
func (h *messaging) conversations(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req conversationsRequest
	if err := decodeData(data, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	if req.TimeStamp < 0 || req.StartIndex < 0 {
		return nil, im.Errorf(im.CodeInvalidParameter, "TimeStamp and StartIndex must not be negative")
	}
	page, err := h.convs.List(ctx, conversation.ListRequest{
		SDKAppID: s.SDKAppID(), Owner: s.UserID(), Limit: req.Limit, IncludeEmpty: req.IncludeEmpty,
		Cursor: conversation.Cursor{UpdatedAt: req.TimeStamp, Index: req.StartIndex},
	})
	if err != nil {
		return nil, err
	}
	out := conversationsAnswer{
		Conversations: make([]conversationItem, len(page.Conversations)),
		TimeStamp:     page.Next.UpdatedAt, StartIndex: page.Next.Index, Complete: page.Complete,
	}
	for i, c := range page.Conversations {
		out.Conversations[i] = toConversationItem(c)
	}
	return out, nil
}

type markReadRequest struct {
	Peer    string `json:"Peer"`
	UpToSeq uint64 `json:"UpToSeq"`
}

// markRead marks the conversation with Peer read up to UpToSeq (0: all);
// the peer's devices get a read receipt, the user's other devices
// unread_changed.
func (h *messaging) markRead(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req markReadRequest
	if err := decodeData(data, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	conv, err := h.convs.MarkRead(ctx, conversation.ReadRequest{
		SDKAppID: s.SDKAppID(), Owner: s.UserID(), Peer: req.Peer, UpToSeq: req.UpToSeq, Session: s.ID(),
	})
	if err != nil {
		return nil, err
	}
	return toConversationItem(conv), nil
}

type totalUnreadAnswer struct {
	TotalUnread int `json:"TotalUnread"`
}

// markAllRead marks every conversation of the user read.
func (h *messaging) markAllRead(ctx context.Context, s *Session, _ json.RawMessage) (any, error) {
	total, err := h.convs.MarkAllRead(ctx, s.SDKAppID(), s.UserID(), s.ID())
	if err != nil {
		return nil, err
	}
	return totalUnreadAnswer{TotalUnread: total}, nil
}

// totalUnread answers the user's unread messages over all conversations.
func (h *messaging) totalUnread(ctx context.Context, s *Session, _ json.RawMessage) (any, error) {
	total, err := h.convs.TotalUnread(ctx, s.SDKAppID(), s.UserID())
	if err != nil {
		return nil, err
	}
	return totalUnreadAnswer{TotalUnread: total}, nil
}

type deleteConversationRequest struct {
	Peer         string `json:"Peer"`
	ClearHistory bool   `json:"ClearHistory"`
}

// deleteConversation removes the conversation with Peer from the user's
// list, optionally clearing the user's history of it.
func (h *messaging) deleteConversation(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req deleteConversationRequest
	if err := decodeData(data, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	return nil, h.convs.Delete(ctx, conversation.DeleteRequest{
		SDKAppID: s.SDKAppID(), Owner: s.UserID(), Peer: req.Peer, ClearHistory: req.ClearHistory, Session: s.ID(),
	})
}

// msgRef names one message the user sent to Peer.
type msgRef struct {
	Peer            string          `json:"Peer"`
	MsgKey          string          `json:"MsgKey"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData *string         `json:"CloudCustomData"`
}

// revoke recalls a message the user sent to Peer, within the app's recall
// window.
func (h *messaging) revoke(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req msgRef
	if err := decodeData(data, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	return nil, h.msgs.Recall(ctx, message.RecallRequest{
		SDKAppID: s.SDKAppID(), From: s.UserID(), To: req.Peer, MsgKey: req.MsgKey, Session: s.ID(),
	})
}

// modify replaces the body and/or CloudCustomData of a message the user
// sent to Peer and answers the message as now stored.
func (h *messaging) modify(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req msgRef
	if err := decodeData(data, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	mod := message.ModifyRequest{
		SDKAppID: s.SDKAppID(), From: s.UserID(), To: req.Peer, MsgKey: req.MsgKey,
		CloudCustomData: req.CloudCustomData, Session: s.ID(),
	}
	if len(req.MsgBody) > 0 && string(req.MsgBody) != "null" {
		body, err := im.ParseMsgBody(req.MsgBody, h.msgs.Limits())
		if err != nil {
			return nil, err
		}
		mod.Body = body
	}
	return h.msgs.Modify(ctx, mod)
}
