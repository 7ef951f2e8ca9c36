package restapi

import (
	"context"
	"encoding/json"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

// The reference's profile commands. Bad bodies are 40001, the
// profile service's bad-parameter code. Values travel as raw JSON: strings
// as JSON strings, integers as JSON numbers; the account package checks
// their types.

// profileItem is one {Tag, Value} of ProfileItem.
type profileItem struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

type portraitSetRequest struct {
	FromAccount string        `json:"From_Account"`
	ProfileItem []profileItem `json:"ProfileItem"`
}

func (s *Server) portraitSet(ctx context.Context, call Call, body []byte) (any, error) {
	var req portraitSetRequest
	if err := decodeBody(body, &req, im.CodeProfileBadParams); err != nil {
		return nil, err
	}
	items := make([]account.ProfileItem, len(req.ProfileItem))
	for i, it := range req.ProfileItem {
		items[i] = account.ProfileItem{Tag: it.Tag, Value: it.Value}
	}
	return nil, s.accounts.SetPortrait(ctx, call.SDKAppID, req.FromAccount, items)
}

type portraitGetRequest struct {
	ToAccount []string `json:"To_Account"`
	TagList   []string `json:"TagList"`
}

type portraitGetResponse struct {
	UserProfileItem []userProfileItem `json:"UserProfileItem"`
	FailAccount     []string          `json:"Fail_Account,omitempty"`
}

type userProfileItem struct {
	ToAccount   string        `json:"To_Account"`
	ProfileItem []profileItem `json:"ProfileItem"`
	ResultCode  int           `json:"ResultCode"`
	ResultInfo  string        `json:"ResultInfo"`
}

func (s *Server) portraitGet(ctx context.Context, call Call, body []byte) (any, error) {
	var req portraitGetRequest
	if err := decodeBody(body, &req, im.CodeProfileBadParams); err != nil {
		return nil, err
	}
	profiles, failed, err := s.accounts.GetPortrait(ctx, call.SDKAppID, req.ToAccount, req.TagList)
	if err != nil {
		return nil, err
	}
	resp := portraitGetResponse{UserProfileItem: make([]userProfileItem, len(profiles)), FailAccount: failed}
	for i, p := range profiles {
		items := make([]profileItem, len(p.Items))
		for j, it := range p.Items {
			items[j] = profileItem{Tag: it.Tag, Value: it.Value}
		}
		resp.UserProfileItem[i] = userProfileItem{ToAccount: p.UserID, ProfileItem: items, ResultCode: p.Code, ResultInfo: p.Info}
	}
	return resp, nil
}
