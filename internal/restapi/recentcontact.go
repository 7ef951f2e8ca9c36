package restapi

import (
	"context"
	"errors"

	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
)

// The reference's recentcontact commands. Codes are the
// service's 50xxx: 50001 an account that does not exist, 50002 bad
// parameters.

// Conversation types and codes of recentcontact.
const (
	sessionTypeC2C   = 1
	sessionTypeGroup = 2

	codeRecentContactNoAccount = 50001
	codeRecentContactBadParams = 50002
)

// recentContactError re-codes the conversation service's account and
// parameter codes to recentcontact's.
func recentContactError(err error) error {
	var e *im.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Code {
	case im.CodeAccountNotFound:
		return im.Errorf(codeRecentContactNoAccount, "%s", e.Info)
	case im.CodeInvalidParameter:
		return im.Errorf(codeRecentContactBadParams, "%s", e.Info)
	}
	return err
}

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

type sessionItem struct {
	Type    int    `json:"Type"`
	To      string `json:"To_Account"`
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
	if err := decodeBody(body, &req, codeRecentContactBadParams); err != nil {
		return nil, err
	}
	if req.TimeStamp < 0 || req.StartIndex < 0 {
		return nil, im.Errorf(codeRecentContactBadParams, "TimeStamp and StartIndex must not be negative")
	}
	page, err := s.conversations.List(ctx, conversation.ListRequest{
		SDKAppID: call.SDKAppID, Owner: req.From,
		Cursor:       conversation.Cursor{UpdatedAt: req.TimeStamp, Index: req.StartIndex},
		IncludeEmpty: req.AssistFlags&assistReturnEmpty != 0,
	})
	if err != nil {
		return nil, recentContactError(err)
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
		resp.SessionItem[i] = sessionItem{Type: sessionTypeC2C, To: c.Peer, MsgTime: c.LastTime}
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

// recentContactDelete answers delete. Group conversations (Type 2) do not
// exist yet and are refused with 50002.
func (s *Server) recentContactDelete(ctx context.Context, call Call, body []byte) (any, error) {
	var req recentContactDeleteRequest
	if err := decodeBody(body, &req, codeRecentContactBadParams); err != nil {
		return nil, err
	}
	switch {
	case req.Type == sessionTypeGroup:
		return nil, im.Errorf(codeRecentContactBadParams, "group conversations are not supported yet (ToGroupid %.40q)", req.ToGroupID)
	case req.Type != sessionTypeC2C:
		return nil, im.Errorf(codeRecentContactBadParams, "Type %d: want 1 (C2C) or 2 (group)", req.Type)
	case req.ClearRamble != 0 && req.ClearRamble != 1:
		return nil, im.Errorf(codeRecentContactBadParams, "ClearRamble %d: want 0 or 1", req.ClearRamble)
	}
	err := s.conversations.Delete(ctx, conversation.DeleteRequest{
		SDKAppID: call.SDKAppID, Owner: req.From, Peer: req.To, ClearHistory: req.ClearRamble == 1,
	})
	return nil, recentContactError(err)
}
