package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
)

// DeleteAccounts deletes up to MaxBatch accounts with everything they own,
// in one store transaction, and returns one result per input UserID in
// input order. An empty list is 70402 and more than MaxBatch is 70206, and
// then nothing is deleted. Per item: 0 deleted, 70107 the account does not
// exist, 70402 the UserID is invalid. A UserID listed twice is deleted once
// and reported alike for both entries.
//
// Deleting an account also revokes its sign-ins, in the same transaction,
// as a kick does: a UserSig issued at or before the deletion is refused
// (70052) even after the UserID is imported again, so whoever held the old
// account cannot sign in to a new one that reuses its UserID. Then the
// live sessions of every valid UserID given are closed on every node
// (reason account_deleted), whether or not the account existed: a retried
// call closes what a failed one could not, and a session signed in for an
// account that does not exist has nothing to be served either.
func (s *Service) DeleteAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) ([]ItemResult, error) {
	if err := checkAccountBatch(len(userIDs)); err != nil {
		return nil, err
	}
	results, valid := screenUserIDs(userIDs)
	if len(valid) == 0 {
		return results, nil
	}
	existed, err := s.store.DeleteAccounts(ctx, sdkAppID, valid, s.now().Unix())
	if err != nil {
		return nil, fmt.Errorf("account: delete %d accounts of app %d: %w", len(valid), sdkAppID, err)
	}
	if err := s.closeDeleted(ctx, sdkAppID, valid); err != nil {
		return nil, err
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

// closeDeleted closes the live sessions of deleted users; it tries every
// user and reports the failures together.
func (s *Service) closeDeleted(ctx context.Context, sdkAppID uint64, userIDs []string) error {
	if s.sessions == nil {
		return nil
	}
	var errs []error
	for _, id := range userIDs {
		if err := s.sessions.CloseDeleted(ctx, sdkAppID, id); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("account: delete accounts of app %d: close sessions: %w", sdkAppID, err)
	}
	return nil
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
