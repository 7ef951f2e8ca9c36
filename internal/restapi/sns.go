package restapi

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/internal/friend"
	"github.com/parley-im/parley/internal/im"
)

// The reference's sns commands (the relationship chain). Bad bodies are
// 30001; every rule lives in the friend service, which answers the
// per-item codes. Enumerated fields take the reference's strings.

// snsRoutes are the sns commands, served when a friend service is wired.
func (s *Server) snsRoutes() map[string]handlerFunc {
	return map[string]handlerFunc{
		"sns/friend_add":        s.friendAdd,
		"sns/friend_import":     s.friendImport,
		"sns/friend_update":     s.friendUpdate,
		"sns/friend_delete":     s.friendDelete,
		"sns/friend_delete_all": s.friendDeleteAll,
		"sns/friend_check":      s.friendCheck,
		"sns/friend_get":        s.friendGet,
		"sns/friend_get_list":   s.friendGetList,
		"sns/black_list_add":    s.blackListAdd,
		"sns/black_list_delete": s.blackListDelete,
		"sns/black_list_get":    s.blackListGet,
		"sns/black_list_check":  s.blackListCheck,
		"sns/group_add":         s.snsGroupAdd,
		"sns/group_delete":      s.snsGroupDelete,
		"sns/group_get":         s.snsGroupGet,
	}
}

// snsResult is one ResultItem of an sns command.
type snsResult struct {
	ToAccount  string `json:"To_Account"`
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo"`
}

// snsResults is the answer of the commands with per-item results.
type snsResults struct {
	ResultItem  []snsResult `json:"ResultItem"`
	FailAccount []string    `json:"Fail_Account"`
}

// results translates the service's item results; Fail_Account lists the
// items that failed (a pending request, 30539, did not).
func results(rs []friend.ItemResult) snsResults {
	out := snsResults{ResultItem: make([]snsResult, len(rs)), FailAccount: []string{}}
	for i, r := range rs {
		out.ResultItem[i] = snsResult{ToAccount: r.UserID, ResultCode: r.Code, ResultInfo: r.Info}
		if r.Code != 0 && r.Code != im.CodeSNSNeedsConfirm {
			out.FailAccount = append(out.FailAccount, r.UserID)
		}
	}
	return out
}

type friendAddRequest struct {
	FromAccount   string `json:"From_Account"`
	AddFriendItem []struct {
		ToAccount  string `json:"To_Account"`
		AddSource  string `json:"AddSource"`
		Remark     string `json:"Remark"`
		GroupName  string `json:"GroupName"`
		AddWording string `json:"AddWording"`
	} `json:"AddFriendItem"`
	AddType       string `json:"AddType"`
	ForceAddFlags int    `json:"ForceAddFlags"`
}

func (s *Server) friendAdd(ctx context.Context, call Call, body []byte) (any, error) {
	var req friendAddRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	both, err := friend.AddBoth.Parse(req.AddType)
	if err != nil {
		return nil, err
	}
	add := friend.AddRequest{From: req.FromAccount, Both: both, Force: req.ForceAddFlags == 1}
	for _, it := range req.AddFriendItem {
		add.Items = append(add.Items, friend.AddItem{UserID: it.ToAccount, AddSource: it.AddSource,
			Remark: it.Remark, Group: it.GroupName, Wording: it.AddWording})
	}
	rs, err := s.friends.Add(ctx, call.SDKAppID, add)
	if err != nil {
		return nil, err
	}
	return results(rs), nil
}

// snsTag is one {Tag, Value} of the sns commands.
type snsTag struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

func toFields(tags []snsTag) []friend.Field {
	out := make([]friend.Field, len(tags))
	for i, t := range tags {
		out[i] = friend.Field{Tag: t.Tag, Value: t.Value}
	}
	return out
}

func fromFields(fields []friend.Field) []snsTag {
	out := make([]snsTag, len(fields))
	for i, f := range fields {
		out[i] = snsTag{Tag: f.Tag, Value: f.Value}
	}
	return out
}

type friendImportRequest struct {
	FromAccount   string `json:"From_Account"`
	AddFriendItem []struct {
		ToAccount  string   `json:"To_Account"`
		AddSource  string   `json:"AddSource"`
		Remark     string   `json:"Remark"`
		RemarkTime int64    `json:"RemarkTime"`
		GroupName  []string `json:"GroupName"`
		AddWording string   `json:"AddWording"`
		AddTime    int64    `json:"AddTime"`
		CustomItem []snsTag `json:"CustomItem"`
	} `json:"AddFriendItem"`
}

func (s *Server) friendImport(ctx context.Context, call Call, body []byte) (any, error) {
	var req friendImportRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	items := make([]friend.ImportItem, len(req.AddFriendItem))
	for i, it := range req.AddFriendItem {
		items[i] = friend.ImportItem{UserID: it.ToAccount, AddSource: it.AddSource, Remark: it.Remark,
			RemarkTime: it.RemarkTime, Groups: it.GroupName, Wording: it.AddWording, AddTime: it.AddTime,
			Custom: toFields(it.CustomItem)}
	}
	rs, err := s.friends.Import(ctx, call.SDKAppID, req.FromAccount, items)
	if err != nil {
		return nil, err
	}
	return results(rs), nil
}

type friendUpdateRequest struct {
	FromAccount string `json:"From_Account"`
	UpdateItem  []struct {
		ToAccount string   `json:"To_Account"`
		SnsItem   []snsTag `json:"SnsItem"`
	} `json:"UpdateItem"`
}

func (s *Server) friendUpdate(ctx context.Context, call Call, body []byte) (any, error) {
	var req friendUpdateRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	items := make([]friend.UpdateItem, len(req.UpdateItem))
	for i, it := range req.UpdateItem {
		items[i] = friend.UpdateItem{UserID: it.ToAccount, Fields: toFields(it.SnsItem)}
	}
	rs, err := s.friends.Update(ctx, call.SDKAppID, req.FromAccount, items)
	if err != nil {
		return nil, err
	}
	return results(rs), nil
}

// snsUsersRequest is the shape of the commands that name a list of users.
type snsUsersRequest struct {
	FromAccount string   `json:"From_Account"`
	ToAccount   []string `json:"To_Account"`
	DeleteType  string   `json:"DeleteType"`
	CheckType   string   `json:"CheckType"`
	TagList     []string `json:"TagList"`
}

func (s *Server) decodeUsers(body []byte) (snsUsersRequest, error) {
	var req snsUsersRequest
	err := decodeBody(body, &req, im.CodeSNSBadParams)
	return req, err
}

func (s *Server) friendDelete(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	both, err := friend.DeleteBoth.Parse(req.DeleteType)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.Delete(ctx, call.SDKAppID, req.FromAccount, req.ToAccount, both)
	if err != nil {
		return nil, err
	}
	return struct {
		ResultItem []snsResult `json:"ResultItem"`
	}{results(rs).ResultItem}, nil
}

func (s *Server) friendDeleteAll(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	both, err := friend.DeleteAllBoth.Parse(req.DeleteType)
	if err != nil {
		return nil, err
	}
	return nil, s.friends.DeleteAll(ctx, call.SDKAppID, req.FromAccount, both)
}

// snsCheckItem is one answer of friend_check and black_list_check.
type snsCheckItem struct {
	ToAccount  string `json:"To_Account"`
	Relation   string `json:"Relation"`
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo"`
}

// checks translates check results and their failed UserIDs.
func checks(rs []friend.CheckResult) ([]snsCheckItem, []string) {
	items := make([]snsCheckItem, len(rs))
	failed := []string{}
	for i, r := range rs {
		items[i] = snsCheckItem{ToAccount: r.UserID, Relation: r.Relation, ResultCode: r.Code, ResultInfo: r.Info}
		if r.Code != 0 {
			failed = append(failed, r.UserID)
		}
	}
	return items, failed
}

func (s *Server) friendCheck(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	both, err := friend.CheckBoth.Parse(req.CheckType)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.Check(ctx, call.SDKAppID, req.FromAccount, req.ToAccount, both)
	if err != nil {
		return nil, err
	}
	items, failed := checks(rs)
	return struct {
		InfoItem    []snsCheckItem `json:"InfoItem"`
		FailAccount []string       `json:"Fail_Account"`
	}{items, failed}, nil
}

type friendGetRequest struct {
	FromAccount      string `json:"From_Account"`
	StartIndex       int    `json:"StartIndex"`
	StandardSequence int64  `json:"StandardSequence"`
	CustomSequence   int64  `json:"CustomSequence"`
}

type userDataItem struct {
	ToAccount string   `json:"To_Account"`
	ValueItem []snsTag `json:"ValueItem"`
}

type friendGetResponse struct {
	UserDataItem     []userDataItem `json:"UserDataItem"`
	StandardSequence int64          `json:"StandardSequence"`
	CustomSequence   int64          `json:"CustomSequence"`
	FriendNum        int            `json:"FriendNum"`
	CompleteFlag     int            `json:"CompleteFlag"`
	NextStartIndex   int            `json:"NextStartIndex"`
}

func (s *Server) friendGet(ctx context.Context, call Call, body []byte) (any, error) {
	var req friendGetRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	p, err := s.friends.Get(ctx, call.SDKAppID, req.FromAccount, req.StartIndex)
	if err != nil {
		return nil, err
	}
	resp := friendGetResponse{UserDataItem: make([]userDataItem, len(p.Friends)), StandardSequence: p.Sequence,
		CustomSequence: p.Sequence, FriendNum: p.Total, NextStartIndex: p.Next}
	if p.Complete {
		resp.CompleteFlag = 1
	}
	for i, e := range p.Friends {
		resp.UserDataItem[i] = userDataItem{ToAccount: e.UserID, ValueItem: fromFields(e.Fields)}
	}
	return resp, nil
}

type friendListItem struct {
	ToAccount      string   `json:"To_Account"`
	SnsProfileItem []snsTag `json:"SnsProfileItem"`
	ResultCode     int      `json:"ResultCode"`
	ResultInfo     string   `json:"ResultInfo"`
}

func (s *Server) friendGetList(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.GetList(ctx, call.SDKAppID, req.FromAccount, req.ToAccount, req.TagList)
	if err != nil {
		return nil, err
	}
	items := make([]friendListItem, len(rs))
	failed := []string{}
	for i, r := range rs {
		items[i] = friendListItem{ToAccount: r.UserID, SnsProfileItem: fromFields(r.Fields), ResultCode: r.Code, ResultInfo: r.Info}
		if r.Code != 0 {
			failed = append(failed, r.UserID)
		}
	}
	return struct {
		InfoItem    []friendListItem `json:"InfoItem"`
		FailAccount []string         `json:"Fail_Account"`
	}{items, failed}, nil
}

func (s *Server) blackListAdd(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.Block(ctx, call.SDKAppID, req.FromAccount, req.ToAccount)
	if err != nil {
		return nil, err
	}
	return results(rs), nil
}

func (s *Server) blackListDelete(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.Unblock(ctx, call.SDKAppID, req.FromAccount, req.ToAccount)
	if err != nil {
		return nil, err
	}
	return results(rs), nil
}

type blackListGetRequest struct {
	FromAccount  string `json:"From_Account"`
	StartIndex   int    `json:"StartIndex"`
	MaxLimited   int    `json:"MaxLimited"`
	LastSequence int64  `json:"LastSequence"`
}

type blackListItem struct {
	ToAccount         string `json:"To_Account"`
	AddBlackTimeStamp int64  `json:"AddBlackTimeStamp"`
}

// blackListGetResponse carries the sequence under both the reference's
// misspelled name and the correct one, as clients read either.
type blackListGetResponse struct {
	BlackListItem    []blackListItem `json:"BlackListItem"`
	StartIndex       int             `json:"StartIndex"`
	CurruentSequence int64           `json:"CurruentSequence"`
	CurrentSequence  int64           `json:"CurrentSequence"`
}

func (s *Server) blackListGet(ctx context.Context, call Call, body []byte) (any, error) {
	var req blackListGetRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	p, err := s.friends.GetBlacklist(ctx, call.SDKAppID, req.FromAccount, req.StartIndex, req.MaxLimited)
	if err != nil {
		return nil, err
	}
	resp := blackListGetResponse{BlackListItem: make([]blackListItem, len(p.Entries)), StartIndex: p.Next,
		CurruentSequence: p.Sequence, CurrentSequence: p.Sequence}
	for i, e := range p.Entries {
		resp.BlackListItem[i] = blackListItem{ToAccount: e.UserID, AddBlackTimeStamp: e.AddedAt}
	}
	return resp, nil
}

func (s *Server) blackListCheck(ctx context.Context, call Call, body []byte) (any, error) {
	req, err := s.decodeUsers(body)
	if err != nil {
		return nil, err
	}
	both, err := friend.BlacklistCheckBoth.Parse(req.CheckType)
	if err != nil {
		return nil, err
	}
	rs, err := s.friends.CheckBlacklist(ctx, call.SDKAppID, req.FromAccount, req.ToAccount, both)
	if err != nil {
		return nil, err
	}
	items, failed := checks(rs)
	return struct {
		BlackListCheckItem []snsCheckItem `json:"BlackListCheckItem"`
		FailAccount        []string       `json:"Fail_Account"`
	}{items, failed}, nil
}

type snsGroupRequest struct {
	FromAccount  string   `json:"From_Account"`
	GroupName    []string `json:"GroupName"`
	ToAccount    []string `json:"To_Account"`
	NeedFriend   string   `json:"NeedFriend"`
	LastSequence int64    `json:"LastSequence"`
}

func (s *Server) snsGroupAdd(ctx context.Context, call Call, body []byte) (any, error) {
	var req snsGroupRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	rs, seq, err := s.friends.AddLists(ctx, call.SDKAppID, req.FromAccount, req.GroupName, req.ToAccount)
	if err != nil {
		return nil, err
	}
	r := results(rs)
	return struct {
		snsResults
		CurrentSequence int64 `json:"CurrentSequence"`
	}{r, seq}, nil
}

func (s *Server) snsGroupDelete(ctx context.Context, call Call, body []byte) (any, error) {
	var req snsGroupRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	seq, err := s.friends.DeleteLists(ctx, call.SDKAppID, req.FromAccount, req.GroupName)
	if err != nil {
		return nil, err
	}
	return struct {
		CurrentSequence int64 `json:"CurrentSequence"`
	}{seq}, nil
}

type snsGroupItem struct {
	GroupName    string   `json:"GroupName"`
	FriendNumber int      `json:"FriendNumber"`
	ToAccount    []string `json:"To_Account,omitempty"`
}

func (s *Server) snsGroupGet(ctx context.Context, call Call, body []byte) (any, error) {
	var req snsGroupRequest
	if err := decodeBody(body, &req, im.CodeSNSBadParams); err != nil {
		return nil, err
	}
	needFriends, err := friend.NeedFriends.Parse(req.NeedFriend)
	if err != nil {
		return nil, err
	}
	lists, seq, err := s.friends.Lists(ctx, call.SDKAppID, req.FromAccount, req.GroupName)
	if err != nil {
		return nil, err
	}
	items := make([]snsGroupItem, len(lists))
	for i, l := range lists {
		items[i] = snsGroupItem{GroupName: l.Name, FriendNumber: len(l.Members)}
		if needFriends {
			items[i].ToAccount = l.Members
		}
	}
	return struct {
		ResultItem      []snsGroupItem `json:"ResultItem"`
		CurrentSequence int64          `json:"CurrentSequence"`
	}{items, seq}, nil
}
