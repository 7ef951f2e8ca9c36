package restapi

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// Online states of query_online_status. PushOnline (offline, but reachable
// by offline push) comes with offline push.
const (
	stateOnline  = "Online"
	stateOffline = "Offline"
)

// referencePlatforms maps the platforms clients announce at login to the
// reference's Detail platform names; both desktop systems other than the
// Mac are "PC".
var referencePlatforms = map[string]string{
	protocol.PlatformIOS: "iPhone", protocol.PlatformAndroid: "Android", protocol.PlatformWeb: "Web",
	protocol.PlatformWindows: "PC", protocol.PlatformLinux: "PC", protocol.PlatformMac: "Mac",
	protocol.PlatformIPad: "iPad",
}

type onlineStatusRequest struct {
	To           json.RawMessage `json:"To_Account"`
	IsNeedDetail int             `json:"IsNeedDetail"`
}

type onlineStatusResponse struct {
	QueryResult []onlineStatusItem `json:"QueryResult"`
	ErrorList   []onlineError      `json:"ErrorList"`
}

// onlineStatusItem is one QueryResult entry. The reference's table calls
// the state Status and its samples State; both are given, with one value.
type onlineStatusItem struct {
	To     string           `json:"To_Account"`
	Status string           `json:"Status"`
	State  string           `json:"State"`
	Detail []platformStatus `json:"Detail,omitempty"`
}

type platformStatus struct {
	Platform string `json:"Platform"`
	Status   string `json:"Status"`
}

type onlineError struct {
	To        string `json:"To_Account"`
	ErrorCode int    `json:"ErrorCode"`
}

type queryStateResponse struct {
	QueryResult []queryStateItem `json:"QueryResult"`
	ErrorList   []onlineError    `json:"ErrorList"`
}

type queryStateItem struct {
	To    string `json:"To_Account"`
	State string `json:"State"`
}

// queryOnlineStatus answers query_online_status: Online or Offline for
// each account, with the platforms of its sessions when IsNeedDetail is 1;
// accounts that do not exist are in ErrorList (70107; 70402 for an invalid
// UserID). Codes: 70402 no To_Account, a malformed body or IsNeedDetail
// other than 0/1; 70206 more than account.MaxPresenceQuery accounts.
func (s *Server) queryOnlineStatus(ctx context.Context, call Call, body []byte) (any, error) {
	var req onlineStatusRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	if req.IsNeedDetail != 0 && req.IsNeedDetail != 1 {
		return nil, im.Errorf(im.CodeInvalidParameter, "IsNeedDetail %d: want 0 or 1", req.IsNeedDetail)
	}
	found, errs, err := s.presence(ctx, call.SDKAppID, req.To)
	if err != nil {
		return nil, err
	}
	resp := onlineStatusResponse{QueryResult: make([]onlineStatusItem, len(found)), ErrorList: errs}
	for i, p := range found {
		item := onlineStatusItem{To: p.UserID, Status: stateOffline}
		if platforms := p.Platforms; len(platforms) > 0 {
			item.Status = stateOnline
			if req.IsNeedDetail == 1 {
				item.Detail = platformDetail(platforms)
			}
		}
		item.State = item.Status
		resp.QueryResult[i] = item
	}
	return resp, nil
}

// queryState answers the legacy querystate: {To_Account, State} per
// account, with query_online_status's rules.
func (s *Server) queryState(ctx context.Context, call Call, body []byte) (any, error) {
	var req onlineStatusRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	found, errs, err := s.presence(ctx, call.SDKAppID, req.To)
	if err != nil {
		return nil, err
	}
	resp := queryStateResponse{QueryResult: make([]queryStateItem, len(found)), ErrorList: errs}
	for i, p := range found {
		resp.QueryResult[i] = queryStateItem{To: p.UserID, State: stateOffline}
		if len(p.Platforms) > 0 {
			resp.QueryResult[i].State = stateOnline
		}
	}
	return resp, nil
}

// presence reads To_Account and asks the account service who is online.
func (s *Server) presence(ctx context.Context, sdkAppID uint64, raw json.RawMessage) ([]account.UserPresence, []onlineError, error) {
	to, err := stringListField(raw, "To_Account", im.CodeInvalidParameter)
	if err != nil {
		return nil, nil, err
	}
	found, failed, err := s.accounts.OnlineStatus(ctx, sdkAppID, to)
	if err != nil {
		return nil, nil, err
	}
	errs := make([]onlineError, len(failed))
	for i, f := range failed {
		errs[i] = onlineError{To: f.UserID, ErrorCode: f.Code}
	}
	return found, errs, nil
}

// platformDetail is the Detail of a user signed in on platforms.
func platformDetail(platforms []string) []platformStatus {
	var out []platformStatus
	for _, p := range platforms {
		name := referencePlatforms[p]
		if name == "" {
			name = p
		}
		if !slices.ContainsFunc(out, func(d platformStatus) bool { return d.Platform == name }) {
			out = append(out, platformStatus{Platform: name, Status: stateOnline})
		}
	}
	return out
}
