package gateway

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/pkg/protocol"
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
	g.HandlePipelined(protocol.CmdSendC2C, h.sendC2C)
	g.Handle(protocol.CmdSync, h.sync)
	g.Handle(protocol.CmdC2CHistory, h.history)
	g.Handle(protocol.CmdConversations, h.conversations)
	g.HandlePipelined(protocol.CmdMarkRead, h.markRead)
	g.Handle(protocol.CmdMarkAllRead, h.markAllRead)
	g.Handle(protocol.CmdTotalUnread, h.totalUnread)
	g.Handle(protocol.CmdDeleteConversation, h.deleteConversation)
	g.Handle(protocol.CmdRevoke, h.revoke)
	g.Handle(protocol.CmdModify, h.modify)
}

// messaging holds the services the messaging commands call.
type messaging struct {
	msgs  *message.Service
	convs *conversation.Service
}

// decodeData decodes a command's data into v; absent data leaves v zero.
// See im.DecodeJSON for the codes.
func decodeData(data json.RawMessage, v any, code int) error { return im.DecodeJSON(data, v, code) }

// sendC2CRequest is the lenient form of protocol.SendC2CRequest: its
// addressing and body, kept raw so that a field of the wrong type gets its
// own code; the options are read from the whole data by
// im.ParseSendOptions.
type sendC2CRequest struct {
	To      json.RawMessage `json:"To_Account"`
	MsgBody json.RawMessage `json:"MsgBody"`
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
	if notice := QueuedNotice(ctx); notice != nil {
		ctx = message.WithQueuedNotice(ctx, notice)
	}
	res, err := h.msgs.SendC2C(ctx, message.SendRequest{
		SDKAppID: s.SDKAppID(), From: s.UserID(), To: to, Body: body, Options: opts, Session: s.ID(),
		Turn: Turn(ctx),
	})
	if err != nil {
		return nil, err
	}
	return protocol.SendC2CAnswer{MsgSeq: res.MsgSeq, MsgTime: res.MsgTime, MsgKey: res.MsgKey}, nil
}

// syncRequest is the lenient form of protocol.SyncRequest: it reads After
// as a number literal, so that a position beyond uint64 is refused like
// one beyond im.MaxSeq (90010, quoting it) rather than as a JSON error.
type syncRequest struct {
	After json.Number `json:"After"`
	Limit int         `json:"Limit"`
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
	return protocol.SyncAnswer[message.Message]{Entries: page.Entries, Head: page.Head, Next: page.Next, Complete: page.Complete}, nil
}

// historyRequest is the lenient form of protocol.HistoryRequest.
type historyRequest struct {
	Peer       string      `json:"Peer"`
	Count      int         `json:"Count"`
	LastMsgKey string      `json:"LastMsgKey"`
	BeforeSeq  json.Number `json:"BeforeSeq"` // as syncRequest.After
	MinTime    int64       `json:"MinTime"`
	MaxTime    int64       `json:"MaxTime"`
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
	return protocol.HistoryAnswer[message.Message]{Messages: page.Messages, Complete: page.Complete}, nil
}

func toConversationItem(c conversation.Conversation) protocol.Conversation {
	item := protocol.Conversation{
		Type: protocol.ConvC2C, Peer: c.Conv.ID, LastSeq: c.LastSeq, LastTime: c.LastTime,
		ReadSeq: c.ReadSeq, Unread: c.Unread, UpdatedAt: c.UpdatedAt,
	}
	if c.Conv.Kind == im.ConvGroup {
		item.Type, item.Peer, item.GroupID = protocol.ConvGroup, "", c.Conv.ID
	}
	return item
}

// convOf reads the conversation a request names: Type 1 (or absent) with
// Peer, Type 2 with GroupID. The service validates the ID.
func convOf(typ int, peer, groupID string) (im.ConvID, error) {
	switch typ {
	case 0, protocol.ConvC2C:
		return im.C2C(peer), nil
	case protocol.ConvGroup:
		return im.Group(groupID), nil
	}
	return im.ConvID{}, im.Errorf(im.CodeInvalidParameter, "Type %d: want %d (C2C) or %d (group)", typ, protocol.ConvC2C, protocol.ConvGroup)
}

// conversations answers a page of the user's recent contacts, with the
// cursor of recentcontact/get_list (TimeStamp, StartIndex).
func (h *messaging) conversations(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.ConversationsRequest
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
	out := protocol.ConversationsAnswer{
		Conversations: make([]protocol.Conversation, len(page.Conversations)),
		TimeStamp:     page.Next.UpdatedAt, StartIndex: page.Next.Index, Complete: page.Complete,
	}
	for i, c := range page.Conversations {
		out.Conversations[i] = toConversationItem(c)
	}
	return out, nil
}

// markRead marks the conversation (Peer, or a group) read up to UpToSeq
// (0: all); a C2C peer's devices get a read receipt, the user's other
// devices unread_changed.
func (h *messaging) markRead(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.MarkReadRequest
	if err := decodeData(data, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	id, err := convOf(req.Type, req.Peer, req.GroupID)
	if err != nil {
		return nil, err
	}
	if notice := QueuedNotice(ctx); notice != nil {
		ctx = conversation.WithQueuedNotice(ctx, notice)
	}
	conv, err := h.convs.MarkRead(ctx, conversation.ReadRequest{
		SDKAppID: s.SDKAppID(), Owner: s.UserID(), Conv: id, UpToSeq: req.UpToSeq, Session: s.ID(),
		Turn: Turn(ctx),
	})
	if err != nil {
		return nil, err
	}
	return toConversationItem(conv), nil
}

// markAllRead marks every conversation of the user read.
func (h *messaging) markAllRead(ctx context.Context, s *Session, _ json.RawMessage) (any, error) {
	total, err := h.convs.MarkAllRead(ctx, s.SDKAppID(), s.UserID(), s.ID())
	if err != nil {
		return nil, err
	}
	return protocol.TotalUnreadAnswer{TotalUnread: total}, nil
}

// totalUnread answers the user's unread messages over all conversations.
func (h *messaging) totalUnread(ctx context.Context, s *Session, _ json.RawMessage) (any, error) {
	total, err := h.convs.TotalUnread(ctx, s.SDKAppID(), s.UserID())
	if err != nil {
		return nil, err
	}
	return protocol.TotalUnreadAnswer{TotalUnread: total}, nil
}

// deleteConversation removes the conversation (Peer, or a group) from the
// user's list, optionally clearing the user's history of it.
func (h *messaging) deleteConversation(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.DeleteConversationRequest
	if err := decodeData(data, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	id, err := convOf(req.Type, req.Peer, req.GroupID)
	if err != nil {
		return nil, err
	}
	return nil, h.convs.Delete(ctx, conversation.DeleteRequest{
		SDKAppID: s.SDKAppID(), Owner: s.UserID(), Conv: id, ClearHistory: req.ClearHistory, Session: s.ID(),
	})
}

// msgRef names one message the user sent to Peer: the lenient form of
// protocol.RevokeRequest and protocol.ModifyRequest, with MsgBody kept raw
// for im.ParseMsgBody's codes.
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
