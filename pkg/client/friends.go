package client

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/pkg/protocol"
)

// This file is the typed API of the relationship-chain commands
// (docs/protocol.md, "Friend commands"): friends, friend requests, friend
// lists and the blacklist of the signed-in user, and their events.

// Events of the relationship chain.
const (
	EventFriendRequestAdded   = protocol.EventFriendRequestAdded
	EventFriendRequestDeleted = protocol.EventFriendRequestDeleted
	EventFriendRequestRead    = protocol.EventFriendRequestRead
	EventFriendAdded          = protocol.EventFriendAdded
	EventFriendDeleted        = protocol.EventFriendDeleted
	EventFriendInfoChanged    = protocol.EventFriendInfoChanged
	EventBlacklistAdded       = protocol.EventBlacklistAdded
	EventBlacklistDeleted     = protocol.EventBlacklistDeleted
)

// Friend tags a client reads and sets.
const (
	TagFriendGroup   = "Tag_SNS_IM_Group"
	TagFriendRemark  = "Tag_SNS_IM_Remark"
	TagFriendWording = "Tag_SNS_IM_AddWording"
)

// ResultNeedsConfirm is AddFriend's ResultCode when the peer must accept
// the request first.
const ResultNeedsConfirm = 30539

// FriendRequest is a pending friend request, and the payload of
// friend_request_added.
type FriendRequest = protocol.FriendRequest

// FriendRequestDeleted is the payload of friend_request_deleted: the
// request From → To was accepted or refused.
type FriendRequestDeleted struct{ protocol.FriendRequest }

// FriendRequestRead is the payload of friend_request_read: this user
// (To) marked the requests made up to UpTo (0: all) read on some device.
type FriendRequestRead = protocol.FriendRequestRead

// FriendAdded is the payload of friend_added: To is now in From's list.
type FriendAdded struct{ protocol.FriendRelation }

// FriendDeleted is the payload of friend_deleted: To left From's list.
type FriendDeleted struct{ protocol.FriendRelation }

// FriendInfoChanged is the payload of friend_info_changed.
type FriendInfoChanged = protocol.FriendInfoChanged

// BlacklistAdded is the payload of blacklist_added: From blocked To.
type BlacklistAdded struct{ protocol.FriendRelation }

// BlacklistDeleted is the payload of blacklist_deleted: From unblocked To.
type BlacklistDeleted struct{ protocol.FriendRelation }

// decodeFriendEvent returns a new payload for a relationship-chain event,
// nil for any other.
func decodeFriendEvent(name string) any {
	switch name {
	case EventFriendRequestAdded:
		return new(FriendRequest)
	case EventFriendRequestDeleted:
		return new(FriendRequestDeleted)
	case EventFriendRequestRead:
		return new(FriendRequestRead)
	case EventFriendAdded:
		return new(FriendAdded)
	case EventFriendDeleted:
		return new(FriendDeleted)
	case EventFriendInfoChanged:
		return new(FriendInfoChanged)
	case EventBlacklistAdded:
		return new(BlacklistAdded)
	case EventBlacklistDeleted:
		return new(BlacklistDeleted)
	}
	return nil
}

// FriendTag is one friend tag and its JSON value.
type FriendTag = protocol.FriendTag

// FriendResult is one peer's outcome of a command: ResultCode 0 or a
// reference code.
type FriendResult = protocol.FriendResult

// AddFriendOptions are the optional parts of AddFriend.
type AddFriendOptions struct {
	// Source is the AddSource, AddSource_Type_<letters> (required by the
	// server; "" sends AddSource_Type_Client).
	Source  string
	Wording string
	Remark  string
	// Group puts the friend in one of this user's friend lists.
	Group string
	// OneWay adds the peer to this user's list only (Add_Type_Single).
	OneWay bool
}

// AddFriend adds peer as a friend or, when the peer confirms requests,
// sends a request: the result's ResultCode is then ResultNeedsConfirm.
// Any other refusal is an *Error (30515 blocked, 30516 the peer accepts
// no requests, ...).
func (c *Client) AddFriend(ctx context.Context, peer string, opts AddFriendOptions) (FriendResult, error) {
	req := protocol.FriendAddRequest{To: peer, AddSource: opts.Source, AddWording: opts.Wording, Remark: opts.Remark, GroupName: opts.Group}
	if req.AddSource == "" {
		req.AddSource = "AddSource_Type_Client"
	}
	if opts.OneWay {
		req.AddType = protocol.AddTypeSingle
	}
	var res FriendResult
	err := c.Call(ctx, protocol.CmdFriendAdd, req, &res)
	return res, err
}

// FriendRequests returns the pending requests to this user (or, with
// sent, from this user), newest first.
func (c *Client) FriendRequests(ctx context.Context, sent bool) ([]FriendRequest, error) {
	req := protocol.FriendRequestsRequest{PendencyType: protocol.PendencyComeIn}
	if sent {
		req.PendencyType = protocol.PendencySendOut
	}
	var ans protocol.FriendRequestsAnswer
	err := c.Call(ctx, protocol.CmdFriendRequests, req, &ans)
	return ans.Requests, err
}

// MarkFriendRequestsRead marks the pending requests to this user made up
// to upTo (Unix seconds, an AddTime; 0: all of them) read. Every device of
// this user then hears friend_request_read; requesters hear nothing.
func (c *Client) MarkFriendRequestsRead(ctx context.Context, upTo int64) error {
	return c.Call(ctx, protocol.CmdFriendRequestsRead, protocol.FriendRequestsReadRequest{UpTo: upTo}, nil)
}

// AcceptFriend accepts the pending request from requester; addBack also
// adds the requester to this user's list (agree and add).
func (c *Client) AcceptFriend(ctx context.Context, requester string, addBack bool) error {
	return c.Call(ctx, protocol.CmdFriendAccept, protocol.FriendAnswerRequest{To: requester, AddBack: addBack}, nil)
}

// RefuseFriend refuses the pending request from requester.
func (c *Client) RefuseFriend(ctx context.Context, requester string) error {
	return c.Call(ctx, protocol.CmdFriendRefuse, protocol.FriendAnswerRequest{To: requester}, nil)
}

// DeleteFriends removes peers from this user's list and, unless oneWay,
// this user from theirs.
func (c *Client) DeleteFriends(ctx context.Context, peers []string, oneWay bool) ([]FriendResult, error) {
	req := protocol.FriendDeleteRequest{To: peers}
	if oneWay {
		req.DeleteType = protocol.DeleteTypeSingle
	}
	return c.friendResults(ctx, protocol.CmdFriendDelete, req)
}

func (c *Client) friendResults(ctx context.Context, cmd string, req any) ([]FriendResult, error) {
	var ans protocol.FriendResults
	err := c.Call(ctx, cmd, req, &ans)
	return ans.ResultItem, err
}

// FriendPage is a page of the friend list (see protocol.FriendGetAnswer).
type FriendPage = protocol.FriendGetAnswer

// Friends returns the page of this user's friends starting at start (0
// first); continue with NextStartIndex until CompleteFlag is 1.
func (c *Client) Friends(ctx context.Context, start int) (FriendPage, error) {
	var page FriendPage
	err := c.Call(ctx, protocol.CmdFriendGet, protocol.FriendGetRequest{StartIndex: start}, &page)
	return page, err
}

// FriendInfo is one answer of FriendInfo.
type FriendInfo = protocol.FriendInfo

// FriendInfo returns tags of some of this user's friends (every standard
// friend tag when tags is empty; profile tags may be asked too).
func (c *Client) FriendInfo(ctx context.Context, peers, tags []string) ([]FriendInfo, error) {
	var ans protocol.FriendGetInfoAnswer
	err := c.Call(ctx, protocol.CmdFriendGetInfo, protocol.FriendGetInfoRequest{To: peers, TagList: tags}, &ans)
	return ans.InfoItem, err
}

// SetFriendInfo sets tags of the friend peer (Tag_SNS_IM_Remark,
// Tag_SNS_IM_Group, Tag_SNS_IM_AddWording, Tag_SNS_Custom_*).
func (c *Client) SetFriendInfo(ctx context.Context, peer string, tags []FriendTag) error {
	return c.Call(ctx, protocol.CmdFriendUpdate, protocol.FriendUpdateRequest{To: peer, ValueItem: tags}, nil)
}

// SetFriendRemark sets the remark of the friend peer.
func (c *Client) SetFriendRemark(ctx context.Context, peer, remark string) error {
	v, _ := json.Marshal(remark) // a string always marshals
	return c.SetFriendInfo(ctx, peer, []FriendTag{{Tag: TagFriendRemark, Value: v}})
}

// FriendCheck is one answer of CheckFriends.
type FriendCheck = protocol.FriendCheck

// CheckFriends answers how this user relates to each peer: with oneWay
// only whether this user has them (CheckResult_Type_AWithB or
// NoRelation), otherwise the four relations.
func (c *Client) CheckFriends(ctx context.Context, peers []string, oneWay bool) ([]FriendCheck, error) {
	req := protocol.FriendCheckRequest{To: peers}
	if oneWay {
		req.CheckType = protocol.CheckTypeSingle
	}
	var ans protocol.FriendCheckAnswer
	err := c.Call(ctx, protocol.CmdFriendCheck, req, &ans)
	return ans.InfoItem, err
}

// FriendList is one of this user's friend lists.
type FriendList = protocol.FriendList

// AddFriendLists creates the lists names (keeping existing ones) and puts
// the friends members in each; one result per member.
func (c *Client) AddFriendLists(ctx context.Context, names, members []string) ([]FriendResult, error) {
	var ans protocol.FriendListAddAnswer
	err := c.Call(ctx, protocol.CmdFriendListAdd, protocol.FriendListAddRequest{GroupName: names, To: members}, &ans)
	return ans.ResultItem, err
}

// DeleteFriendLists deletes the lists names; their members stay friends.
func (c *Client) DeleteFriendLists(ctx context.Context, names []string) error {
	return c.Call(ctx, protocol.CmdFriendListDelete, protocol.FriendListNames{GroupName: names}, nil)
}

// FriendLists returns this user's friend lists of names (all when empty),
// ordered by name.
func (c *Client) FriendLists(ctx context.Context, names []string) ([]FriendList, error) {
	var ans protocol.FriendListGetAnswer
	err := c.Call(ctx, protocol.CmdFriendListGet, protocol.FriendListNames{GroupName: names}, &ans)
	return ans.ResultItem, err
}

// Block puts peers in this user's blacklist, which ends any friendship
// with them; one result per peer.
func (c *Client) Block(ctx context.Context, peers []string) ([]FriendResult, error) {
	return c.friendResults(ctx, protocol.CmdBlacklistAdd, protocol.FriendPeers{To: peers})
}

// Unblock takes peers out of this user's blacklist.
func (c *Client) Unblock(ctx context.Context, peers []string) ([]FriendResult, error) {
	return c.friendResults(ctx, protocol.CmdBlacklistDelete, protocol.FriendPeers{To: peers})
}

// BlacklistPage is a page of the blacklist (see protocol.BlacklistGetAnswer).
type BlacklistPage = protocol.BlacklistGetAnswer

// Blacklist returns at most max (0: 100) entries of this user's blacklist
// from start, oldest first; StartIndex is the next page's, 0 after the last.
func (c *Client) Blacklist(ctx context.Context, start, max int) (BlacklistPage, error) {
	var page BlacklistPage
	err := c.Call(ctx, protocol.CmdBlacklistGet, protocol.BlacklistGetRequest{StartIndex: start, MaxLimited: max}, &page)
	return page, err
}
