package restapi

import (
	"context"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

// The reference's im_open_login_svc commands. Bad bodies are
// 70402, the accounts service's invalid-parameter code. Where the reference
// renamed a field, both spellings are accepted and the new one wins.

// accountImportRequest is the body of account_import.
type accountImportRequest struct {
	UserID     string `json:"UserID"`
	Identifier string `json:"Identifier"` // old name of UserID
	Nick       string `json:"Nick"`
	FaceURL    string `json:"FaceUrl"`
}

func (s *Server) accountImport(ctx context.Context, call Call, body []byte) (any, error) {
	var req accountImportRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	return nil, s.accounts.ImportAccount(ctx, call.SDKAppID, account.NewAccount{
		UserID:  either(req.UserID, req.Identifier),
		Nick:    req.Nick,
		FaceURL: req.FaceURL,
	})
}

// multiaccountImportRequest is the body of multiaccount_import: the old
// form lists UserIDs, the new form accounts with nick and face URL.
type multiaccountImportRequest struct {
	Accounts    []string                 `json:"Accounts"`
	AccountList []multiaccountImportItem `json:"AccountList"`
}

type multiaccountImportItem struct {
	UserID     string `json:"UserID"`
	Identifier string `json:"Identifier"`
	Nick       string `json:"Nick"`
	FaceURL    string `json:"FaceUrl"`
}

type multiaccountImportResponse struct {
	FailAccounts []string `json:"FailAccounts"`
}

func (s *Server) multiaccountImport(ctx context.Context, call Call, body []byte) (any, error) {
	var req multiaccountImportRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	if len(req.Accounts) > 0 && len(req.AccountList) > 0 {
		return nil, im.Errorf(im.CodeInvalidParameter, "give either Accounts or AccountList, not both")
	}
	accounts := make([]account.NewAccount, 0, len(req.Accounts)+len(req.AccountList))
	for _, id := range req.Accounts {
		accounts = append(accounts, account.NewAccount{UserID: id})
	}
	for _, a := range req.AccountList {
		accounts = append(accounts, account.NewAccount{UserID: either(a.UserID, a.Identifier), Nick: a.Nick, FaceURL: a.FaceURL})
	}
	failed, err := s.accounts.ImportAccounts(ctx, call.SDKAppID, accounts)
	if err != nil {
		return nil, err
	}
	return multiaccountImportResponse{FailAccounts: failed}, nil
}

// userItem is one {UserID} of DeleteItem and CheckItem.
type userItem struct {
	UserID     string `json:"UserID"`
	Identifier string `json:"Identifier"`
}

func userIDsOf(items []userItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = either(it.UserID, it.Identifier)
	}
	return ids
}

type accountDeleteRequest struct {
	DeleteItem []userItem `json:"DeleteItem"`
}

type accountDeleteResponse struct {
	ResultItem []accountResultItem `json:"ResultItem"`
}

type accountResultItem struct {
	ResultCode int    `json:"ResultCode"`
	ResultInfo string `json:"ResultInfo"`
	UserID     string `json:"UserID"`
}

func (s *Server) accountDelete(ctx context.Context, call Call, body []byte) (any, error) {
	var req accountDeleteRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	results, err := s.accounts.DeleteAccounts(ctx, call.SDKAppID, userIDsOf(req.DeleteItem))
	if err != nil {
		return nil, err
	}
	resp := accountDeleteResponse{ResultItem: make([]accountResultItem, len(results))}
	for i, r := range results {
		resp.ResultItem[i] = accountResultItem{ResultCode: r.Code, ResultInfo: r.Info, UserID: r.UserID}
	}
	return resp, nil
}

type accountCheckRequest struct {
	CheckItem []userItem `json:"CheckItem"`
}

type accountCheckResponse struct {
	ResultItem []accountCheckItem `json:"ResultItem"`
}

type accountCheckItem struct {
	UserID        string `json:"UserID"`
	ResultCode    int    `json:"ResultCode"`
	ResultInfo    string `json:"ResultInfo"`
	AccountStatus string `json:"AccountStatus"` // "Imported" or "NotImported"
}

func (s *Server) accountCheck(ctx context.Context, call Call, body []byte) (any, error) {
	var req accountCheckRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	statuses, err := s.accounts.CheckAccounts(ctx, call.SDKAppID, userIDsOf(req.CheckItem))
	if err != nil {
		return nil, err
	}
	resp := accountCheckResponse{ResultItem: make([]accountCheckItem, len(statuses))}
	for i, st := range statuses {
		status := "NotImported"
		if st.Imported {
			status = "Imported"
		}
		resp.ResultItem[i] = accountCheckItem{UserID: st.UserID, ResultCode: st.Code, ResultInfo: st.Info, AccountStatus: status}
	}
	return resp, nil
}

type kickRequest struct {
	UserID     string `json:"UserID"`
	Identifier string `json:"Identifier"` // old name of UserID
}

func (s *Server) kick(ctx context.Context, call Call, body []byte) (any, error) {
	var req kickRequest
	if err := decodeBody(body, &req, im.CodeInvalidParameter); err != nil {
		return nil, err
	}
	return nil, s.accounts.Kick(ctx, call.SDKAppID, either(req.UserID, req.Identifier))
}
