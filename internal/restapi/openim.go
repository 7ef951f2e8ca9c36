package restapi

import (
	"context"
	"encoding/json"
	"math"
	"strconv"

	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// The reference's openim commands: C2C messages. Bodies that do
// not decode are 90001; fields with a reference code of their own get it
// (90003 To_Account, 90005 MsgRandom, 90002/90007 MsgBody, ...). The rules
// live in the message and conversation services; these handlers only
// translate.

// stringField reads an optional string field; absent or null is "". Any
// other JSON type is an *im.Error with code.
func stringField(raw json.RawMessage, name string, code int) (string, error) {
	if absentJSON(raw) {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", im.Errorf(code, "%s must be a string", name)
	}
	return v, nil
}

// stringListField reads an array of strings; anything else is code.
func stringListField(raw json.RawMessage, name string, code int) ([]string, error) {
	if absentJSON(raw) {
		return nil, nil
	}
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, im.Errorf(code, "%s must be an array of strings", name)
	}
	return v, nil
}

// uintField reads an optional non-negative integer of at most max; absent
// or null is 0. Anything else is code.
func uintField(raw json.RawMessage, name string, max uint64, code int) (uint64, error) {
	if absentJSON(raw) {
		return 0, nil
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil || v > max {
		return 0, im.Errorf(code, "%s must be an integer in 0..%d, got %.40s", name, max, raw)
	}
	return v, nil
}

// msgSeqField reads the optional MsgSeq of a send: nil when absent or
// null (the service then draws one), else an integer in 0..2^32-1 (90010
// otherwise).
func msgSeqField(raw json.RawMessage) (*uint32, error) {
	if absentJSON(raw) {
		return nil, nil
	}
	v, err := uintField(raw, "MsgSeq", math.MaxUint32, im.CodeMsgFormat)
	seq := uint32(v)
	return &seq, err
}

func absentJSON(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// sendMsgRequest holds the addressing of sendmsg and batchsendmsg; the
// options are read from the whole body by im.ParseSendOptions.
type sendMsgRequest struct {
	From    json.RawMessage `json:"From_Account"`
	To      json.RawMessage `json:"To_Account"`
	MsgSeq  json.RawMessage `json:"MsgSeq"`
	MsgBody json.RawMessage `json:"MsgBody"`
}

// sendMsgResponse is the reference's sendmsg answer, and nothing else.
// MsgId is the newer handle of the message; Parley's is its MsgKey, so a
// backend may keep either.
type sendMsgResponse struct {
	MsgTime int64  `json:"MsgTime"`
	MsgKey  string `json:"MsgKey"`
	MsgID   string `json:"MsgId"`
}

// parseSend reads the parts every send command shares: From_Account (the
// calling admin when empty), the body, the options and MsgSeq (nil when
// absent).
func (s *Server) parseSend(call Call, body []byte, req *sendMsgRequest) (string, im.MsgBody, im.SendOptions, *uint32, error) {
	var opts im.SendOptions
	if err := decodeBody(body, req, im.CodeMsgJSONParse); err != nil {
		return "", nil, opts, nil, err
	}
	from, err := stringField(req.From, "From_Account", im.CodeMsgFromAccount)
	if err != nil {
		return "", nil, opts, nil, err
	}
	msgBody, err := im.ParseMsgBody(req.MsgBody, s.messages.Limits())
	if err != nil {
		return "", nil, opts, nil, err
	}
	if opts, err = im.ParseSendOptions(body, s.messages.Limits()); err != nil {
		return "", nil, opts, nil, err
	}
	seq, err := msgSeqField(req.MsgSeq)
	return either(from, call.Identifier), msgBody, opts, seq, err
}

func (s *Server) sendMsg(ctx context.Context, call Call, body []byte) (any, error) {
	var req sendMsgRequest
	from, msgBody, opts, seq, err := s.parseSend(call, body, &req)
	if err != nil {
		return nil, err
	}
	to, err := stringField(req.To, "To_Account", im.CodeMsgToAccount)
	if err != nil {
		return nil, err
	}
	res, err := s.messages.SendC2C(ctx, message.SendRequest{
		SDKAppID: call.SDKAppID, From: from, To: to, Body: msgBody, Options: opts, ClientSeq: seq, ByAdmin: true,
	})
	if err != nil {
		return nil, err
	}
	return sendMsgResponse{MsgTime: res.MsgTime, MsgKey: res.MsgKey, MsgID: res.MsgKey}, nil
}

// batchSendMsgResponse is the reference's batchsendmsg answer (MsgId as in
// sendMsgResponse).
type batchSendMsgResponse struct {
	MsgKey    string           `json:"MsgKey"`
	MsgID     string           `json:"MsgId"`
	ErrorList []batchSendError `json:"ErrorList"`
}

type batchSendError struct {
	To        string `json:"To_Account"`
	ErrorCode int    `json:"ErrorCode"`
}

// batchSendMsg answers batchsendmsg. When some recipients failed the
// envelope is OK with them in ErrorList; when all failed it is FAIL with
// the first one's code, and ErrorList is still given.
func (s *Server) batchSendMsg(ctx context.Context, call Call, body []byte) (any, error) {
	var req sendMsgRequest
	from, msgBody, opts, seq, err := s.parseSend(call, body, &req)
	if err != nil {
		return nil, err
	}
	to, err := stringListField(req.To, "To_Account", im.CodeMsgToAccount)
	if err != nil {
		return nil, err
	}
	res, err := s.messages.BatchSendC2C(ctx, message.BatchRequest{
		SDKAppID: call.SDKAppID, From: from, To: to, Body: msgBody, Options: opts, ClientSeq: seq,
	})
	if res.Results == nil {
		return nil, err
	}
	resp := batchSendMsgResponse{MsgKey: res.MsgKey, MsgID: res.MsgKey, ErrorList: []batchSendError{}}
	for _, f := range res.Failed() {
		resp.ErrorList = append(resp.ErrorList, batchSendError{To: f.To, ErrorCode: f.Code})
	}
	return resp, err
}

type importMsgRequest struct {
	SyncFromOldSystem json.RawMessage `json:"SyncFromOldSystem"`
	From              json.RawMessage `json:"From_Account"`
	To                json.RawMessage `json:"To_Account"`
	MsgSeq            json.RawMessage `json:"MsgSeq"`
	MsgBody           json.RawMessage `json:"MsgBody"`
}

// importMsg answers importmsg. MsgRandom, MsgTimeStamp and CloudCustomData
// are read by im.ParseSendOptions, so they carry the send codes.
func (s *Server) importMsg(ctx context.Context, call Call, body []byte) (any, error) {
	var req importMsgRequest
	if err := decodeBody(body, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	mode, err := uintField(req.SyncFromOldSystem, "SyncFromOldSystem", 255, im.CodeMsgFormat)
	if err != nil {
		return nil, err
	}
	from, err := stringField(req.From, "From_Account", im.CodeMsgFromAccount)
	if err != nil {
		return nil, err
	}
	if from == "" {
		return nil, im.Errorf(im.CodeMsgFromAccount, "From_Account missing")
	}
	to, err := stringField(req.To, "To_Account", im.CodeMsgToAccount)
	if err != nil {
		return nil, err
	}
	msgBody, err := im.ParseMsgBody(req.MsgBody, s.messages.Limits())
	if err != nil {
		return nil, err
	}
	opts, err := im.ParseSendOptions(body, s.messages.Limits())
	if err != nil {
		return nil, err
	}
	if err := opts.RequireMsgTimeStamp(); err != nil {
		return nil, err
	}
	seq, err := uintField(req.MsgSeq, "MsgSeq", math.MaxUint32, im.CodeMsgFormat)
	if err != nil {
		return nil, err
	}
	_, err = s.messages.ImportC2C(ctx, message.ImportRequest{
		SDKAppID: call.SDKAppID, From: from, To: to, Body: msgBody, Random: opts.MsgRandom,
		TimeStamp: opts.MsgTimeStamp, ClientSeq: seq, CloudCustomData: opts.CloudCustomData,
		Mode: message.ImportMode(mode),
	})
	return nil, err
}

// getRoamMsgRequest accepts the new (Operator_Account, Peer_Account) and
// the old (From_Account, To_Account) names.
type getRoamMsgRequest struct {
	Operator   json.RawMessage `json:"Operator_Account"`
	Peer       json.RawMessage `json:"Peer_Account"`
	From       json.RawMessage `json:"From_Account"`
	To         json.RawMessage `json:"To_Account"`
	MaxCnt     int             `json:"MaxCnt"`
	MinTime    int64           `json:"MinTime"`
	MaxTime    int64           `json:"MaxTime"`
	LastMsgKey string          `json:"LastMsgKey"`
}

type getRoamMsgResponse struct {
	Complete    int       `json:"Complete"`
	MsgCnt      int       `json:"MsgCnt"`
	LastMsgTime int64     `json:"LastMsgTime"`
	LastMsgKey  string    `json:"LastMsgKey"`
	MsgList     []roamMsg `json:"MsgList"`
}

// roamMsg is one MsgList entry. MsgSeq is the sender's MsgSeq (or the
// random one drawn for a send without it; Parley's own conversation seq is
// in MsgKey); MsgClientTime is the sender's MsgTimeStamp when it gave one,
// else MsgTimeStamp.
type roamMsg struct {
	From            string     `json:"From_Account"`
	To              string     `json:"To_Account"`
	MsgSeq          uint64     `json:"MsgSeq"`
	MsgRandom       uint32     `json:"MsgRandom"`
	MsgTimeStamp    int64      `json:"MsgTimeStamp"`
	MsgClientTime   int64      `json:"MsgClientTime"`
	MsgFlagBits     int        `json:"MsgFlagBits"`
	IsPeerRead      int        `json:"IsPeerRead"`
	MsgKey          string     `json:"MsgKey"`
	MsgBody         im.MsgBody `json:"MsgBody"`
	CloudCustomData string     `json:"CloudCustomData"`
}

func (s *Server) adminGetRoamMsg(ctx context.Context, call Call, body []byte) (any, error) {
	var req getRoamMsgRequest
	if err := decodeBody(body, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	operator, peer, err := accountPair(req.Operator, req.From, req.Peer, req.To)
	if err != nil {
		return nil, err
	}
	page, err := s.messages.RoamHistory(ctx, message.RoamRequest{
		SDKAppID: call.SDKAppID, Operator: operator, Peer: peer, MaxCnt: req.MaxCnt,
		MinTime: req.MinTime, MaxTime: req.MaxTime, LastMsgKey: req.LastMsgKey,
	})
	if err != nil {
		return nil, err
	}
	resp := getRoamMsgResponse{
		MsgCnt: len(page.Messages), LastMsgTime: page.LastMsgTime, LastMsgKey: page.LastMsgKey,
		MsgList: make([]roamMsg, len(page.Messages)),
	}
	if page.Complete {
		resp.Complete = 1
	}
	for i := range page.Messages {
		resp.MsgList[i] = toRoamMsg(&page, &page.Messages[i])
	}
	return resp, nil
}

func toRoamMsg(page *message.RoamPage, m *message.Message) roamMsg {
	r := roamMsg{
		From: m.From, To: m.To, MsgSeq: m.ClientSeq, MsgRandom: m.Random, MsgTimeStamp: m.TimeSeconds(),
		MsgClientTime: m.ClientTime, MsgKey: m.Key(), MsgBody: m.Body, CloudCustomData: m.CloudCustomData,
	}
	if r.MsgClientTime == 0 {
		r.MsgClientTime = r.MsgTimeStamp
	}
	if r.MsgBody == nil {
		r.MsgBody = im.MsgBody{}
	}
	if m.Recalled {
		r.MsgFlagBits = message.FlagRecalled
	}
	if page.IsPeerRead(m) {
		r.IsPeerRead = 1
	}
	return r
}

// accountPair reads a (new name, old name) pair of account fields for each
// side: the operator (90008 when missing or not a string) and the peer
// (90003).
func accountPair(opNew, opOld, peerNew, peerOld json.RawMessage) (string, string, error) {
	var op, peer [2]string
	var err error
	for i, raw := range []json.RawMessage{opNew, opOld} {
		if op[i], err = stringField(raw, "Operator_Account", im.CodeMsgFromAccount); err != nil {
			return "", "", err
		}
	}
	for i, raw := range []json.RawMessage{peerNew, peerOld} {
		if peer[i], err = stringField(raw, "Peer_Account", im.CodeMsgToAccount); err != nil {
			return "", "", err
		}
	}
	operator, other := either(op[0], op[1]), either(peer[0], peer[1])
	switch {
	case operator == "":
		return "", "", im.Errorf(im.CodeMsgFromAccount, "Operator_Account (or From_Account) missing")
	case other == "":
		return "", "", im.Errorf(im.CodeMsgToAccount, "Peer_Account (or To_Account) missing")
	}
	return operator, other, nil
}

// msgRefRequest addresses one stored message: admin_msgwithdraw and
// modify_c2c_msg.
type msgRefRequest struct {
	From            json.RawMessage `json:"From_Account"`
	To              json.RawMessage `json:"To_Account"`
	MsgKey          json.RawMessage `json:"MsgKey"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData json.RawMessage `json:"CloudCustomData"`
}

// parseMsgRef reads From_Account, To_Account and MsgKey, all required.
func parseMsgRef(body []byte, req *msgRefRequest) (from, to, key string, err error) {
	if err = decodeBody(body, req, im.CodeMsgJSONParse); err != nil {
		return
	}
	if from, to, err = accountPair(req.From, nil, req.To, nil); err != nil {
		return
	}
	if key, err = stringField(req.MsgKey, "MsgKey", im.CodeMsgKeyInvalid); err == nil && key == "" {
		err = im.Errorf(im.CodeMsgKeyInvalid, "MsgKey missing")
	}
	return
}

func (s *Server) adminMsgWithdraw(ctx context.Context, call Call, body []byte) (any, error) {
	var req msgRefRequest
	from, to, key, err := parseMsgRef(body, &req)
	if err != nil {
		return nil, err
	}
	return nil, s.messages.Recall(ctx, message.RecallRequest{SDKAppID: call.SDKAppID, From: from, To: to, MsgKey: key, ByAdmin: true})
}

// modifyC2CMsg answers modify_c2c_msg: the fields given replace the stored
// ones.
func (s *Server) modifyC2CMsg(ctx context.Context, call Call, body []byte) (any, error) {
	var req msgRefRequest
	from, to, key, err := parseMsgRef(body, &req)
	if err != nil {
		return nil, err
	}
	mod := message.ModifyRequest{SDKAppID: call.SDKAppID, From: from, To: to, MsgKey: key, ByAdmin: true}
	if !absentJSON(req.MsgBody) {
		if mod.Body, err = im.ParseMsgBody(req.MsgBody, s.messages.Limits()); err != nil {
			return nil, err
		}
	}
	if !absentJSON(req.CloudCustomData) {
		ccd, err := stringField(req.CloudCustomData, "CloudCustomData", im.CodeMsgFormat)
		if err != nil {
			return nil, err
		}
		mod.CloudCustomData = &ccd
	}
	_, err = s.messages.Modify(ctx, mod)
	return nil, err
}

type setMsgReadRequest struct {
	Report      string `json:"Report_Account"`
	Peer        string `json:"Peer_Account"`
	MsgReadTime int64  `json:"MsgReadTime"`
}

// adminSetMsgRead answers admin_set_msg_read: Report_Account has read the
// conversation with Peer_Account (up to MsgReadTime when given).
func (s *Server) adminSetMsgRead(ctx context.Context, call Call, body []byte) (any, error) {
	var req setMsgReadRequest
	if err := decodeBody(body, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	if err := im.CheckUnixSeconds("MsgReadTime", req.MsgReadTime, im.CodeMsgFormat); err != nil {
		return nil, err
	}
	_, err := s.conversations.MarkRead(ctx, conversation.ReadRequest{
		SDKAppID: call.SDKAppID, Owner: req.Report, Conv: im.C2C(req.Peer), UpToTime: req.MsgReadTime,
	})
	return nil, err
}

type unreadMsgNumRequest struct {
	To    string          `json:"To_Account"`
	Peers json.RawMessage `json:"Peer_Account"`
}

type unreadMsgNumResponse struct {
	All    int               `json:"AllC2CUnreadMsgNum"`
	List   []peerUnreadNum   `json:"C2CUnreadMsgNumList,omitempty"`
	Errors []peerUnreadError `json:"ErrorList,omitempty"`
}

type peerUnreadNum struct {
	Peer   string `json:"Peer_Account"`
	Unread int    `json:"C2CUnreadMsgNum"`
}

type peerUnreadError struct {
	Peer      string `json:"Peer_Account"`
	ErrorCode int    `json:"ErrorCode"`
}

// getC2CUnreadMsgNum answers get_c2c_unread_msg_num: the total over every
// conversation of To_Account and, for each Peer_Account given, that
// conversation's count (ErrorList 70107 for a peer that is not an account).
func (s *Server) getC2CUnreadMsgNum(ctx context.Context, call Call, body []byte) (any, error) {
	var req unreadMsgNumRequest
	if err := decodeBody(body, &req, im.CodeMsgJSONParse); err != nil {
		return nil, err
	}
	peers, err := stringListField(req.Peers, "Peer_Account", im.CodeMsgFormat)
	if err != nil {
		return nil, err
	}
	counts, err := s.conversations.UnreadCounts(ctx, call.SDKAppID, req.To, peers)
	if err != nil {
		return nil, err
	}
	resp := unreadMsgNumResponse{All: counts.Total}
	for _, p := range counts.Peers {
		resp.List = append(resp.List, peerUnreadNum{Peer: p.Peer, Unread: p.Unread})
	}
	for _, e := range counts.Errors {
		resp.Errors = append(resp.Errors, peerUnreadError{Peer: e.Peer, ErrorCode: e.Code})
	}
	return resp, nil
}
