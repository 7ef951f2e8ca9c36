package protocol

import "encoding/json"

// The relationship-chain commands: friends, friend requests, friend lists
// and the blacklist of the signed-in user. Peers are named To_Account, as
// in the reference's sns REST commands, and so are the items' result
// fields.
const (
	// CmdFriendAdd adds a friend or sends a friend request
	// (FriendAddRequest, answered FriendResult: ResultCode 0 added, 30539
	// a request is pending).
	CmdFriendAdd = "friend_add"
	// CmdFriendRequests lists pending requests (FriendRequestsRequest,
	// answered FriendRequestsAnswer).
	CmdFriendRequests = "friend_requests"
	// CmdFriendRequestsRead marks pending requests to the user read
	// (FriendRequestsReadRequest, answered {}).
	CmdFriendRequestsRead = "friend_requests_read"
	// CmdFriendAccept accepts a request (FriendAnswerRequest, answered {}).
	CmdFriendAccept = "friend_accept"
	// CmdFriendRefuse refuses a request (FriendAnswerRequest, answered {}).
	CmdFriendRefuse = "friend_refuse"
	// CmdFriendDelete removes friends (FriendDeleteRequest, answered
	// FriendResults).
	CmdFriendDelete = "friend_delete"
	// CmdFriendGet reads a page of the friend list (FriendGetRequest,
	// answered FriendGetAnswer).
	CmdFriendGet = "friend_get"
	// CmdFriendGetInfo reads tags of some friends (FriendGetInfoRequest,
	// answered FriendGetInfoAnswer).
	CmdFriendGetInfo = "friend_get_info"
	// CmdFriendUpdate sets tags of a friend, such as the remark
	// (FriendUpdateRequest, answered {}).
	CmdFriendUpdate = "friend_update"
	// CmdFriendCheck answers relations (FriendCheckRequest, answered
	// FriendCheckAnswer).
	CmdFriendCheck = "friend_check"
	// CmdFriendListAdd creates friend lists and puts friends in them
	// (FriendListAddRequest, answered FriendListAddAnswer).
	CmdFriendListAdd = "friend_list_add"
	// CmdFriendListDelete deletes friend lists (FriendListNames, answered
	// FriendListDeleteAnswer).
	CmdFriendListDelete = "friend_list_delete"
	// CmdFriendListGet reads friend lists (FriendListNames, answered
	// FriendListGetAnswer).
	CmdFriendListGet = "friend_list_get"
	// CmdBlacklistAdd blocks users (FriendPeers, answered FriendResults).
	CmdBlacklistAdd = "blacklist_add"
	// CmdBlacklistDelete unblocks users (FriendPeers, answered
	// FriendResults).
	CmdBlacklistDelete = "blacklist_delete"
	// CmdBlacklistGet reads a page of the blacklist (BlacklistGetRequest,
	// answered BlacklistGetAnswer).
	CmdBlacklistGet = "blacklist_get"
)

// Events of the relationship chain.
const (
	// EventFriendRequestAdded tells both users' devices of a new pending
	// request (FriendRequest).
	EventFriendRequestAdded = "friend_request_added"
	// EventFriendRequestDeleted tells both users' devices that a pending
	// request was accepted or refused (FriendRequest, From_Account and
	// To_Account only).
	EventFriendRequestDeleted = "friend_request_deleted"
	// EventFriendRequestRead tells the target's devices, not the
	// requesters', that requests to them were marked read
	// (FriendRequestRead).
	EventFriendRequestRead = "friend_request_read"
	// EventFriendAdded tells both users' devices that To_Account is now in
	// From_Account's friend list (FriendRelation).
	EventFriendAdded = "friend_added"
	// EventFriendDeleted tells both users' devices that To_Account left
	// From_Account's friend list (FriendRelation).
	EventFriendDeleted = "friend_deleted"
	// EventFriendInfoChanged tells the owner's devices that tags of a
	// friend changed (FriendInfoChanged).
	EventFriendInfoChanged = "friend_info_changed"
	// EventBlacklistAdded tells the owner's devices that To_Account was
	// blocked (FriendRelation).
	EventBlacklistAdded = "blacklist_added"
	// EventBlacklistDeleted tells the owner's devices that To_Account was
	// unblocked (FriendRelation).
	EventBlacklistDeleted = "blacklist_deleted"
)

// Values of the relationship-chain commands, the reference's.
const (
	AddTypeBoth      = "Add_Type_Both"
	AddTypeSingle    = "Add_Type_Single"
	DeleteTypeBoth   = "Delete_Type_Both"
	DeleteTypeSingle = "Delete_Type_Single"
	CheckTypeBoth    = "CheckResult_Type_Both"
	CheckTypeSingle  = "CheckResult_Type_Single"
	PendencyComeIn   = "Pendency_Type_ComeIn"
	PendencySendOut  = "Pendency_Type_SendOut"
)

// FriendAddRequest is the data of friend_add. AddSource
// (AddSource_Type_<letters>) is required; AddType is AddTypeBoth (the
// default) or AddTypeSingle.
type FriendAddRequest struct {
	To         string `json:"To_Account"`
	AddSource  string `json:"AddSource"`
	AddWording string `json:"AddWording,omitempty"`
	Remark     string `json:"Remark,omitempty"`
	GroupName  string `json:"GroupName,omitempty"`
	AddType    string `json:"AddType,omitempty"`
}

// FriendResult is one peer's outcome: ResultCode 0, or a reference code
// with ResultInfo saying why.
type FriendResult struct {
	To         string `json:"To_Account"`
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo,omitempty"`
}

// FriendResults answers a command naming several peers, one item each in
// request order.
type FriendResults struct {
	ResultItem []FriendResult `json:"ResultItem"`
}

// FriendPeers names peers: the data of friend_delete's, blacklist_add's
// and blacklist_delete's.
type FriendPeers struct {
	To []string `json:"To_Account"`
}

// FriendRequestsRequest is the data of friend_requests: PendencyType is
// PendencyComeIn (requests to the user, the default) or PendencySendOut.
type FriendRequestsRequest struct {
	PendencyType string `json:"PendencyType,omitempty"`
}

// FriendRequest is a pending friend request, newest first in
// FriendRequestsAnswer; AddTime is Unix seconds. Read is set only in the
// target's listing, once the target marked it read.
type FriendRequest struct {
	From       string `json:"From_Account"`
	To         string `json:"To_Account"`
	AddSource  string `json:"AddSource,omitempty"`
	AddWording string `json:"AddWording,omitempty"`
	AddTime    int64  `json:"AddTime,omitempty"`
	Read       bool   `json:"Read,omitempty"`
}

// FriendRequestsAnswer is the answer to friend_requests; UnreadCount is
// how many of Requests are unread (always 0 for PendencySendOut).
type FriendRequestsAnswer struct {
	Requests    []FriendRequest `json:"Requests"`
	UnreadCount int             `json:"UnreadCount"`
}

// FriendRequestsReadRequest is the data of friend_requests_read: UpTo
// (Unix seconds, the AddTime of the newest request the client showed)
// marks only the requests made by then; 0 marks every pending request.
type FriendRequestsReadRequest struct {
	UpTo int64 `json:"UpTo,omitempty"`
}

// FriendRequestRead is the data of friend_request_read: the requests to
// To_Account made up to UpTo (0: all of them) are read.
type FriendRequestRead struct {
	To   string `json:"To_Account"`
	UpTo int64  `json:"UpTo,omitempty"`
}

// FriendAnswerRequest is the data of friend_accept and friend_refuse:
// the requester; AddBack (friend_accept) puts the requester in the user's
// list too.
type FriendAnswerRequest struct {
	To      string `json:"To_Account"`
	AddBack bool   `json:"AddBack,omitempty"`
}

// FriendDeleteRequest is the data of friend_delete: DeleteType is
// DeleteTypeBoth (the default) or DeleteTypeSingle.
type FriendDeleteRequest struct {
	To         []string `json:"To_Account"`
	DeleteType string   `json:"DeleteType,omitempty"`
}

// FriendTag is one friend tag and its value.
type FriendTag struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

// FriendGetRequest is the data of friend_get.
type FriendGetRequest struct {
	StartIndex int `json:"StartIndex"`
}

// FriendEntry is one friend with tags.
type FriendEntry struct {
	To        string      `json:"To_Account"`
	ValueItem []FriendTag `json:"ValueItem"`
}

// FriendGetAnswer is a page of the friend list, in the order friends
// were added.
type FriendGetAnswer struct {
	UserDataItem     []FriendEntry `json:"UserDataItem"`
	StandardSequence int64         `json:"StandardSequence"`
	FriendNum        int           `json:"FriendNum"`
	NextStartIndex   int           `json:"NextStartIndex"`
	CompleteFlag     int           `json:"CompleteFlag"`
}

// FriendGetInfoRequest is the data of friend_get_info; an empty TagList
// asks for every standard friend tag.
type FriendGetInfoRequest struct {
	To      []string `json:"To_Account"`
	TagList []string `json:"TagList,omitempty"`
}

// FriendInfo is one answer of friend_get_info.
type FriendInfo struct {
	To         string      `json:"To_Account"`
	ResultCode int         `json:"ResultCode"`
	ResultInfo string      `json:"ResultInfo,omitempty"`
	ValueItem  []FriendTag `json:"ValueItem"`
}

// FriendGetInfoAnswer is the answer to friend_get_info.
type FriendGetInfoAnswer struct {
	InfoItem []FriendInfo `json:"InfoItem"`
}

// FriendUpdateRequest is the data of friend_update.
type FriendUpdateRequest struct {
	To        string      `json:"To_Account"`
	ValueItem []FriendTag `json:"ValueItem"`
}

// FriendCheckRequest is the data of friend_check: CheckType is
// CheckTypeBoth (the default) or CheckTypeSingle.
type FriendCheckRequest struct {
	To        []string `json:"To_Account"`
	CheckType string   `json:"CheckType,omitempty"`
}

// FriendCheck is one answer of friend_check.
type FriendCheck struct {
	To         string `json:"To_Account"`
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo,omitempty"`
	Relation   string `json:"Relation"`
}

// FriendCheckAnswer is the answer to friend_check.
type FriendCheckAnswer struct {
	InfoItem []FriendCheck `json:"InfoItem"`
}

// FriendListAddRequest is the data of friend_list_add.
type FriendListAddRequest struct {
	GroupName []string `json:"GroupName"`
	To        []string `json:"To_Account,omitempty"`
}

// FriendListAddAnswer is the answer to friend_list_add: one item per
// member.
type FriendListAddAnswer struct {
	ResultItem      []FriendResult `json:"ResultItem"`
	CurrentSequence int64          `json:"CurrentSequence"`
}

// FriendListNames is the data of friend_list_delete and friend_list_get
// (empty in friend_list_get: every list).
type FriendListNames struct {
	GroupName []string `json:"GroupName,omitempty"`
}

// FriendListDeleteAnswer is the answer to friend_list_delete.
type FriendListDeleteAnswer struct {
	CurrentSequence int64 `json:"CurrentSequence"`
}

// FriendList is one friend list with its members.
type FriendList struct {
	GroupName    string   `json:"GroupName"`
	FriendNumber int      `json:"FriendNumber"`
	To           []string `json:"To_Account"`
}

// FriendListGetAnswer is the answer to friend_list_get.
type FriendListGetAnswer struct {
	ResultItem      []FriendList `json:"ResultItem"`
	CurrentSequence int64        `json:"CurrentSequence"`
}

// BlacklistGetRequest is the data of blacklist_get: MaxLimited 1..1000
// (0: 100).
type BlacklistGetRequest struct {
	StartIndex int `json:"StartIndex"`
	MaxLimited int `json:"MaxLimited,omitempty"`
}

// BlacklistEntry is one blocked user; AddBlackTimeStamp is Unix seconds.
type BlacklistEntry struct {
	To                string `json:"To_Account"`
	AddBlackTimeStamp int64  `json:"AddBlackTimeStamp"`
}

// BlacklistGetAnswer is a page of the blacklist, oldest first;
// StartIndex is the next page's, 0 after the last.
type BlacklistGetAnswer struct {
	BlackListItem   []BlacklistEntry `json:"BlackListItem"`
	StartIndex      int              `json:"StartIndex"`
	CurrentSequence int64            `json:"CurrentSequence"`
}

// FriendRelation is the data of friend_added, friend_deleted,
// blacklist_added and blacklist_deleted: the entry To_Account of
// From_Account's friend list (or blacklist).
type FriendRelation struct {
	From string `json:"From_Account"`
	To   string `json:"To_Account"`
}

// FriendInfoChanged is the data of friend_info_changed: the tags of
// To_Account in From_Account's list that were set.
type FriendInfoChanged struct {
	From      string      `json:"From_Account"`
	To        string      `json:"To_Account"`
	ValueItem []FriendTag `json:"ValueItem"`
}
