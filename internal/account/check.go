package account

import (
	"context"
	"fmt"
)

// AccountStatus is whether one account of a check is imported.
type AccountStatus struct {
	ItemResult      // Code 0 for any valid UserID, 70402 for an invalid one
	Imported   bool // false also for an invalid UserID
}

// CheckAccounts reports, for up to MaxBatch UserIDs, whether each account
// is imported, in input order. An empty list is 70402 and more than
// MaxBatch is 70206. A valid UserID that is not imported is not an error:
// its Code is 0 and Imported false, as the reference answers
// "NotImported".
func (s *Service) CheckAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) ([]AccountStatus, error) {
	if err := checkAccountBatch(len(userIDs)); err != nil {
		return nil, err
	}
	results, valid := screenUserIDs(userIDs)
	existing, err := s.existing(ctx, sdkAppID, valid)
	if err != nil {
		return nil, err
	}
	out := make([]AccountStatus, len(results))
	for i, r := range results {
		out[i] = AccountStatus{ItemResult: r, Imported: r.Code == 0 && existing[r.UserID]}
	}
	return out, nil
}

// existing returns which of the valid userIDs exist.
func (s *Service) existing(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error) {
	found := make(map[string]bool, len(userIDs))
	if len(userIDs) == 0 {
		return found, nil
	}
	accounts, err := s.store.GetAccounts(ctx, sdkAppID, userIDs)
	if err != nil {
		return nil, fmt.Errorf("account: look up %d accounts of app %d: %w", len(userIDs), sdkAppID, err)
	}
	for id := range accounts {
		found[id] = true
	}
	return found, nil
}
