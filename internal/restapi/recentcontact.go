package restapi

import (
	"context"

	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
)

// The reference's recentcontact commands. Their codes are the service's
// 50xxx (50001 an account that does not exist, 50002 bad parameters):
// the conversation service and these handlers return the account
// service's codes, and serviceCodes re-codes them by kind.

// Conversation types of recentcontact: im's conversation kinds.
const (
	sessionTypeC2C   = int(im.ConvC2C)
	sessionTypeGroup = int(im.ConvGroup)
)

type getListRequest struct {
	From          string `json:"From_Account"`
	TimeStamp     int64  `json:"TimeStamp"`
	StartIndex    int    `json:"StartIndex"`
	TopTimeStamp  int64  `json:"TopTimeStamp"`
	TopStartIndex int    `json:"TopStartIndex"`
	AssistFlags   int    `json:"AssistFlags"`
}

type getListResponse struct {
	CompleteFlag  int           `json:"CompleteFlag"`
	TimeStamp     int64         `json:"TimeStamp"`
	StartIndex    int           `json:"StartIndex"`
	TopTimeStamp  int64         `json:"TopTimeStamp"`
	TopStartIndex int           `json:"TopStartIndex"`
	SessionItem   []sessionItem `json:"SessionItem"`
}

// sessionItem names a C2C conversation by To_Account, a group's by
// GroupId.
type sessionItem struct {
	Type    int    `json:"Type"`
	To      string `json:"To_Account,omitempty"`
	GroupID string `json:"GroupId,omitempty"`
	MsgTime int64  `json:"MsgTime"`
	TopFlag int    `json:"TopFlag"`
}

// assistReturnEmpty is AssistFlags bit 1: also list conversations without
// messages.
const assistReturnEmpty = 1 << 1

// recentContactGetList answers get_list. TimeStamp and StartIndex are
// conversation.Cursor (TimeStamp in Unix milliseconds; StartIndex the
// number of conversations with that exact TimeStamp already returned).
// Parley has no pinned conversations yet: TopFlag is 0 and TopTimeStamp and
// TopStartIndex are echoed.
func (s *Server) recentContactGetList(ctx context.Context, call Call, body []byte) (any, error) {
	var req getListRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	if req.TimeStamp < 0 || req.StartIndex < 0 {
		return nil, im.Errorf(im.CodeInvalidParameter, "TimeStamp and StartIndex must not be negative")
	}
	page, err := s.conversations.List(ctx, conversation.ListRequest{
		SDKAppID: call.SDKAppID, Owner: req.From,
		Cursor:       conversation.Cursor{UpdatedAt: req.TimeStamp, Index: req.StartIndex},
		IncludeEmpty: req.AssistFlags&assistReturnEmpty != 0,
	})
	if err != nil {
		return nil, err
	}
	resp := getListResponse{
		TimeStamp: page.Next.UpdatedAt, StartIndex: page.Next.Index,
		TopTimeStamp: req.TopTimeStamp, TopStartIndex: req.TopStartIndex,
		SessionItem: make([]sessionItem, len(page.Conversations)),
	}
	if page.Complete {
		resp.CompleteFlag = 1
	}
	for i, c := range page.Conversations {
		item := sessionItem{Type: int(c.Conv.Kind), MsgTime: c.LastTime}
		if c.Conv.Kind == im.ConvGroup {
			item.GroupID = c.Conv.ID
		} else {
			item.To = c.Conv.ID
		}
		resp.SessionItem[i] = item
	}
	return resp, nil
}

// recentContactDeleteRequest accepts Type and dobyte's lower-case type
// (encoding/json matches field names case-insensitively), and ToGroupid.
type recentContactDeleteRequest struct {
	From        string `json:"From_Account"`
	Type        int    `json:"Type"`
	To          string `json:"To_Account"`
	ToGroupID   string `json:"ToGroupid"`
	ClearRamble int    `json:"ClearRamble"`
}

// recentContactDelete answers delete: Type 1 names the conversation by
// To_Account, Type 2 by ToGroupid. No group conversation exists yet, so
// deleting one changes nothing (a malformed ToGroupid is 50002).
func (s *Server) recentContactDelete(ctx context.Context, call Call, body []byte) (any, error) {
	var req recentContactDeleteRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	var conv im.ConvID
	switch req.Type {
	case sessionTypeC2C:
		conv = im.C2C(req.To)
	case sessionTypeGroup:
		conv = im.Group(req.ToGroupID)
	default:
		return nil, im.Errorf(im.CodeInvalidParameter, "Type %d: want 1 (C2C) or 2 (group)", req.Type)
	}
	if req.ClearRamble != 0 && req.ClearRamble != 1 {
		return nil, im.Errorf(im.CodeInvalidParameter, "ClearRamble %d: want 0 or 1", req.ClearRamble)
	}
	err := s.conversations.Delete(ctx, conversation.DeleteRequest{
		SDKAppID: call.SDKAppID, Owner: req.From, Conv: conv, ClearHistory: req.ClearRamble == 1,
	})
	return nil, err
}
