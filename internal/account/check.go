package account

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
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
	existing, err := s.Exists(ctx, sdkAppID, valid)
	if err != nil {
		return nil, err
	}
	out := make([]AccountStatus, len(results))
	for i, r := range results {
		out[i] = AccountStatus{ItemResult: r, Imported: r.Code == 0 && existing[r.UserID]}
	}
	return out, nil
}

// Exists reports which of userIDs are accounts of the app: a UserID is in
// the map, true, when its account exists, and absent otherwise. The IDs
// are not validated; one that cannot be a UserID is simply not an
// account. This is the question other domains ask of accounts (the
// message pipeline's sender and recipients, a conversation's owner and
// peer); the store answers it, from its account cache where it keeps one.
func (s *Service) Exists(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error) {
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

// EnsureAccounts imports those of userIDs that are not accounts yet, with
// no profile, and leaves existing accounts and their profiles alone. It
// is how an app's admin identifiers become accounts (so that apps can send
// as them). An invalid UserID is 70402 and nothing is imported.
func (s *Service) EnsureAccounts(ctx context.Context, sdkAppID uint64, userIDs []string) error {
	for _, id := range userIDs {
		if err := im.CheckUserID(id); err != nil {
			return badUserID(im.CodeInvalidParameter, id, err)
		}
	}
	existing, err := s.Exists(ctx, sdkAppID, userIDs)
	if err != nil {
		return err
	}
	var missing []store.NewAccount
	for _, id := range unique(userIDs) {
		if !existing[id] {
			missing = append(missing, store.NewAccount{UserID: id})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := s.store.ImportAccounts(ctx, sdkAppID, missing); err != nil {
		return fmt.Errorf("account: import %d accounts into app %d: %w", len(missing), sdkAppID, err)
	}
	return nil
}
