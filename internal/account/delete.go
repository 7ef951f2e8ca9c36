package account

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
)

// DeleteAccounts deletes up to MaxBatch accounts with everything they own,
// in one store transaction, and returns one result per input UserID in
// input order. An empty list is 70402 and more than MaxBatch is 70206, and
// then nothing is deleted. Per item: 0 deleted, 70107 the account does not
// exist, 70402 the UserID is invalid. A UserID listed twice is deleted once
// and reported alike for both entries.
func (s *Service) DeleteAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) ([]ItemResult, error) {
	if err := checkAccountBatch(len(userIDs)); err != nil {
		return nil, err
	}
	results, valid := screenUserIDs(userIDs)
	if len(valid) == 0 {
		return results, nil
	}
	existed, err := s.store.DeleteAccounts(ctx, sdkAppID, valid)
	if err != nil {
		return nil, fmt.Errorf("account: delete %d accounts of app %d: %w", len(valid), sdkAppID, err)
	}
	missing := make(map[string]bool, len(valid))
	for i, id := range valid {
		missing[id] = !existed[i]
	}
	for i := range results {
		if missing[results[i].UserID] && results[i].Code == 0 {
			results[i].Code = im.CodeAccountNotFound
			results[i].Info = "account does not exist"
		}
	}
	s.log.InfoContext(ctx, "accounts deleted", "sdkappid", sdkAppID, "requested", len(valid))
	return results, nil
}

// screenUserIDs starts one result per input ID, marking invalid IDs with
// 70402, and returns the distinct valid IDs to look up.
func screenUserIDs(userIDs []string) (results []ItemResult, valid []string) {
	results = make([]ItemResult, len(userIDs))
	valid = make([]string, 0, len(userIDs))
	for i, id := range userIDs {
		results[i].UserID = id
		if err := im.CheckUserID(id); err != nil {
			results[i].Code = im.CodeInvalidParameter
			results[i].Info = badUserID(im.CodeInvalidParameter, id, err).Info
			continue
		}
		valid = append(valid, id)
	}
	return results, unique(valid)
}
