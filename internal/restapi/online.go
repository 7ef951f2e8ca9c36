package restapi

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

// Sessions is what the REST API needs of the client door (the WebSocket
// gateway): closing a user's live sessions and reading who is online.
// *gateway.Gateway implements it; app passes it in.
type Sessions interface {
	// Kick closes every live session of the user, on every node, after a
	// kicked event with Reason kicked_by_admin.
	Kick(ctx context.Context, sdkAppID uint64, userID string) error
	// Online returns, for each of userIDs signed in, the platforms of its
	// sessions (iOS, Android, Web, Windows, Mac, iPad, Linux); users
	// without a session are left out. It answers for the sessions this
	// node holds: presence across nodes comes with the NATS bus.
	Online(sdkAppID uint64, userIDs []string) map[string][]string
}

// MaxOnlineQuery bounds To_Account of query_online_status and querystate.
const MaxOnlineQuery = 500

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
	"iOS": "iPhone", "Android": "Android", "Web": "Web", "Windows": "PC",
	"Linux": "PC", "Mac": "Mac", "iPad": "iPad",
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
// other than 0/1; 70206 more than MaxOnlineQuery accounts.
func (s *Server) queryOnlineStatus(ctx context.Context, call Call, body []byte) (any, error) {
	var req onlineStatusRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	if req.IsNeedDetail != 0 && req.IsNeedDetail != 1 {
		return nil, im.Errorf(im.CodeInvalidParameter, "IsNeedDetail %d: want 0 or 1", req.IsNeedDetail)
	}
	ids, errs, online, err := s.presence(ctx, call.SDKAppID, req.To)
	if err != nil {
		return nil, err
	}
	resp := onlineStatusResponse{QueryResult: make([]onlineStatusItem, len(ids)), ErrorList: errs}
	for i, id := range ids {
		item := onlineStatusItem{To: id, Status: stateOffline}
		if platforms := online[id]; len(platforms) > 0 {
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
	ids, errs, online, err := s.presence(ctx, call.SDKAppID, req.To)
	if err != nil {
		return nil, err
	}
	resp := queryStateResponse{QueryResult: make([]queryStateItem, len(ids)), ErrorList: errs}
	for i, id := range ids {
		resp.QueryResult[i] = queryStateItem{To: id, State: stateOffline}
		if len(online[id]) > 0 {
			resp.QueryResult[i].State = stateOnline
		}
	}
	return resp, nil
}

// presence reads To_Account, sorts its distinct entries into existing
// accounts and errors (in request order) and looks the existing ones up
// in the sessions.
func (s *Server) presence(ctx context.Context, sdkAppID uint64, raw json.RawMessage) ([]string, []onlineError, map[string][]string, error) {
	to, err := stringListField(raw, "To_Account", im.CodeInvalidParameter)
	if err != nil {
		return nil, nil, nil, err
	}
	to = distinct(to)
	switch {
	case len(to) == 0:
		return nil, nil, nil, im.Errorf(im.CodeInvalidParameter, "To_Account missing or empty")
	case len(to) > MaxOnlineQuery:
		return nil, nil, nil, im.Errorf(im.CodeBatchSize, "%d accounts in To_Account, at most %d per call", len(to), MaxOnlineQuery)
	}
	ids, errs := []string{}, []onlineError{}
	for chunk := range slices.Chunk(to, account.MaxBatch) {
		statuses, err := s.accounts.CheckAccounts(ctx, sdkAppID, chunk)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, st := range statuses {
			switch {
			case st.Code != 0:
				errs = append(errs, onlineError{To: st.UserID, ErrorCode: st.Code})
			case !st.Imported:
				errs = append(errs, onlineError{To: st.UserID, ErrorCode: im.CodeAccountNotFound})
			default:
				ids = append(ids, st.UserID)
			}
		}
	}
	online := map[string][]string{}
	if s.sessions != nil && len(ids) > 0 {
		online = s.sessions.Online(sdkAppID, ids)
	}
	return ids, errs, online, nil
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

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
