package gateway

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/internal/friend"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// RegisterFriends routes the relationship-chain commands to the friend
// service. Call it while wiring, before the gateway serves.
//
// As with RegisterMessaging, the handlers only translate: the session's
// user is always the owner (a client never names it), every rule and
// every event lives in the friend service, and its *im.Error codes are
// the answers' codes. A command naming one peer answers that peer's
// refusal as the frame's code; one naming several answers a result per
// peer.
func RegisterFriends(g *Gateway, f *friend.Service) {
	h := &friends{svc: f}
	g.Handle(protocol.CmdFriendAdd, h.add)
	g.Handle(protocol.CmdFriendRequests, h.requests)
	g.Handle(protocol.CmdFriendRequestsRead, h.requestsRead)
	g.Handle(protocol.CmdFriendAccept, h.accept)
	g.Handle(protocol.CmdFriendRefuse, h.refuse)
	g.Handle(protocol.CmdFriendDelete, h.delete)
	g.Handle(protocol.CmdFriendGet, h.get)
	g.Handle(protocol.CmdFriendGetInfo, h.getInfo)
	g.Handle(protocol.CmdFriendUpdate, h.update)
	g.Handle(protocol.CmdFriendCheck, h.check)
	g.Handle(protocol.CmdFriendListAdd, h.listAdd)
	g.Handle(protocol.CmdFriendListDelete, h.listDelete)
	g.Handle(protocol.CmdFriendListGet, h.listGet)
	g.Handle(protocol.CmdBlacklistAdd, h.block)
	g.Handle(protocol.CmdBlacklistDelete, h.unblock)
	g.Handle(protocol.CmdBlacklistGet, h.blacklist)
}

// friends holds the service the relationship-chain commands call.
type friends struct{ svc *friend.Service }

// standardTags are what friend_get_info answers when no TagList is given.
var standardTags = []string{friend.TagGroup, friend.TagRemark, friend.TagAddSource, friend.TagAddWording, friend.TagAddTime, friend.TagRemarkTime}

// decodeSNS decodes a relationship-chain command's data (30001 when
// malformed).
func decodeSNS(data json.RawMessage, v any) error { return decodeData(data, v, im.CodeSNSBadParams) }

func toResult(r friend.ItemResult) protocol.FriendResult {
	return protocol.FriendResult{To: r.UserID, ResultCode: r.Code, ResultInfo: r.Info}
}

func toResults(rs []friend.ItemResult) protocol.FriendResults {
	out := protocol.FriendResults{ResultItem: make([]protocol.FriendResult, len(rs))}
	for i, r := range rs {
		out.ResultItem[i] = toResult(r)
	}
	return out
}

func toTags(fs []friend.Field) []protocol.FriendTag {
	out := make([]protocol.FriendTag, len(fs))
	for i, f := range fs {
		out[i] = protocol.FriendTag{Tag: f.Tag, Value: f.Value}
	}
	return out
}

// add adds a friend, or sends a request the peer must confirm (answered
// ResultCode 30539); any other refusal is the answer's code.
func (h *friends) add(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendAddRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	both, err := friend.AddBoth.Parse(req.AddType)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.Add(ctx, s.SDKAppID(), friend.AddRequest{From: s.UserID(), Both: both, Items: []friend.AddItem{{
		UserID: req.To, AddSource: req.AddSource, Remark: req.Remark, Group: req.GroupName, Wording: req.AddWording,
	}}})
	if err != nil {
		return nil, err
	}
	if r := res[0]; r.Code != 0 && r.Code != im.CodeSNSNeedsConfirm {
		return nil, im.Errorf(r.Code, "%s", r.Info)
	}
	return toResult(res[0]), nil
}

// requests lists the pending requests to the user (or, SendOut, from
// the user).
func (h *friends) requests(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendRequestsRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	incoming, err := friend.Incoming.Parse(req.PendencyType)
	if err != nil {
		return nil, err
	}
	reqs, err := h.svc.Requests(ctx, s.SDKAppID(), s.UserID(), incoming)
	if err != nil {
		return nil, err
	}
	out := protocol.FriendRequestsAnswer{Requests: make([]protocol.FriendRequest, len(reqs)), UnreadCount: friend.Unread(reqs)}
	if !incoming {
		out.UnreadCount = 0
	}
	for i, r := range reqs {
		out.Requests[i] = protocol.FriendRequest{From: r.From, To: r.To, AddSource: r.AddSource, AddWording: r.AddWording, AddTime: r.CreatedAt, Read: r.Read}
	}
	return out, nil
}

// requestsRead marks the pending requests to the user read, up to UpTo.
func (h *friends) requestsRead(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendRequestsReadRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	return nil, h.svc.MarkRequestsRead(ctx, s.SDKAppID(), s.UserID(), req.UpTo)
}

// accept accepts the pending request from To_Account (and, AddBack, adds
// the requester back).
func (h *friends) accept(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	return h.answer(ctx, s, data, true)
}

// refuse refuses the pending request from To_Account.
func (h *friends) refuse(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	return h.answer(ctx, s, data, false)
}

func (h *friends) answer(ctx context.Context, s *Session, data json.RawMessage, accept bool) (any, error) {
	var req protocol.FriendAnswerRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	return nil, h.svc.Answer(ctx, s.SDKAppID(), s.UserID(), req.To, accept, accept && req.AddBack)
}

// delete removes friends of the user (both ways unless Delete_Type_Single).
func (h *friends) delete(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendDeleteRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	both, err := friend.DeleteBoth.Parse(req.DeleteType)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.Delete(ctx, s.SDKAppID(), s.UserID(), req.To, both)
	if err != nil {
		return nil, err
	}
	return toResults(res), nil
}

// get answers a page of the user's friends with every friend tag.
func (h *friends) get(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendGetRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	p, err := h.svc.Get(ctx, s.SDKAppID(), s.UserID(), req.StartIndex)
	if err != nil {
		return nil, err
	}
	out := protocol.FriendGetAnswer{
		UserDataItem: make([]protocol.FriendEntry, len(p.Friends)), StandardSequence: p.Sequence,
		FriendNum: p.Total, NextStartIndex: p.Next,
	}
	if p.Complete {
		out.CompleteFlag = 1
	}
	for i, e := range p.Friends {
		out.UserDataItem[i] = protocol.FriendEntry{To: e.UserID, ValueItem: toTags(e.Fields)}
	}
	return out, nil
}

// getInfo answers tags (friend and profile tags) of some of the user's
// friends.
func (h *friends) getInfo(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendGetInfoRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	tags := req.TagList
	if len(tags) == 0 {
		tags = standardTags
	}
	res, err := h.svc.GetList(ctx, s.SDKAppID(), s.UserID(), req.To, tags)
	if err != nil {
		return nil, err
	}
	out := protocol.FriendGetInfoAnswer{InfoItem: make([]protocol.FriendInfo, len(res))}
	for i, r := range res {
		out.InfoItem[i] = protocol.FriendInfo{To: r.UserID, ResultCode: r.Code, ResultInfo: r.Info, ValueItem: toTags(r.Fields)}
	}
	return out, nil
}

// update sets tags of one friend (remark, lists, wording, custom tags);
// the friend's refusal is the answer's code.
func (h *friends) update(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendUpdateRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	fields := make([]friend.Field, len(req.ValueItem))
	for i, t := range req.ValueItem {
		fields[i] = friend.Field{Tag: t.Tag, Value: t.Value}
	}
	res, err := h.svc.Update(ctx, s.SDKAppID(), s.UserID(), []friend.UpdateItem{{UserID: req.To, Fields: fields}})
	if err != nil {
		return nil, err
	}
	if r := res[0]; r.Code != 0 {
		return nil, im.Errorf(r.Code, "%s", r.Info)
	}
	return nil, nil
}

// check answers how the user relates to each peer.
func (h *friends) check(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendCheckRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	both, err := friend.CheckBoth.Parse(req.CheckType)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.Check(ctx, s.SDKAppID(), s.UserID(), req.To, both)
	if err != nil {
		return nil, err
	}
	out := protocol.FriendCheckAnswer{InfoItem: make([]protocol.FriendCheck, len(res))}
	for i, r := range res {
		out.InfoItem[i] = protocol.FriendCheck{To: r.UserID, ResultCode: r.Code, ResultInfo: r.Info, Relation: r.Relation}
	}
	return out, nil
}

// listAdd creates friend lists (keeping existing ones) and puts the named
// friends in every one of them.
func (h *friends) listAdd(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendListAddRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	res, seq, err := h.svc.AddLists(ctx, s.SDKAppID(), s.UserID(), req.GroupName, req.To)
	if err != nil {
		return nil, err
	}
	return protocol.FriendListAddAnswer{ResultItem: toResults(res).ResultItem, CurrentSequence: seq}, nil
}

// listDelete deletes friend lists; their members stay friends.
func (h *friends) listDelete(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendListNames
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	seq, err := h.svc.DeleteLists(ctx, s.SDKAppID(), s.UserID(), req.GroupName)
	if err != nil {
		return nil, err
	}
	return protocol.FriendListDeleteAnswer{CurrentSequence: seq}, nil
}

// listGet answers the user's friend lists (those named, or all).
func (h *friends) listGet(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendListNames
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	lists, seq, err := h.svc.Lists(ctx, s.SDKAppID(), s.UserID(), req.GroupName)
	if err != nil {
		return nil, err
	}
	out := protocol.FriendListGetAnswer{ResultItem: make([]protocol.FriendList, len(lists)), CurrentSequence: seq}
	for i, l := range lists {
		members := l.Members
		if members == nil {
			members = []string{}
		}
		out.ResultItem[i] = protocol.FriendList{GroupName: l.Name, FriendNumber: len(members), To: members}
	}
	return out, nil
}

// block puts peers in the user's blacklist.
func (h *friends) block(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendPeers
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	res, err := h.svc.Block(ctx, s.SDKAppID(), s.UserID(), req.To)
	if err != nil {
		return nil, err
	}
	return toResults(res), nil
}

// unblock takes peers out of the user's blacklist.
func (h *friends) unblock(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.FriendPeers
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	res, err := h.svc.Unblock(ctx, s.SDKAppID(), s.UserID(), req.To)
	if err != nil {
		return nil, err
	}
	return toResults(res), nil
}

// defaultBlacklistPage is blacklist_get's page size when MaxLimited is 0.
const defaultBlacklistPage = 100

// blacklist answers a page of the user's blacklist.
func (h *friends) blacklist(ctx context.Context, s *Session, data json.RawMessage) (any, error) {
	var req protocol.BlacklistGetRequest
	if err := decodeSNS(data, &req); err != nil {
		return nil, err
	}
	if req.MaxLimited == 0 {
		req.MaxLimited = defaultBlacklistPage
	}
	p, err := h.svc.GetBlacklist(ctx, s.SDKAppID(), s.UserID(), req.StartIndex, req.MaxLimited)
	if err != nil {
		return nil, err
	}
	out := protocol.BlacklistGetAnswer{BlackListItem: make([]protocol.BlacklistEntry, len(p.Entries)), StartIndex: p.Next, CurrentSequence: p.Sequence}
	for i, e := range p.Entries {
		out.BlackListItem[i] = protocol.BlacklistEntry{To: e.UserID, AddBlackTimeStamp: e.AddedAt}
	}
	return out, nil
}
