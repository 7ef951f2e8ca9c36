package account

import (
	"context"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// NewAccount is an account to import. Nick and FaceURL become the profile
// tags Tag_Profile_IM_Nick and Tag_Profile_IM_Image; an empty one leaves
// the tag as it is, so re-importing an account never clears its profile.
type NewAccount struct {
	UserID  string
	Nick    string
	FaceURL string
}

// ImportAccount creates the account if it does not exist and sets its nick
// and face URL when given. Importing an existing account is not an error.
// Every problem is 70402 (invalid parameter): a UserID that im.CheckUserID
// refuses, a Nick or FaceURL over MaxValueBytes.
func (s *Service) ImportAccount(ctx context.Context, sdkAppID uint64, a NewAccount) error {
	na, err := a.toStore()
	if err != nil {
		return err
	}
	if _, err := s.store.ImportAccounts(ctx, sdkAppID, []store.NewAccount{na}); err != nil {
		return fmt.Errorf("account: import %q into app %d: %w", a.UserID, sdkAppID, err)
	}
	return nil
}

// ImportAccounts imports up to MaxBatch accounts like ImportAccount, in one
// store transaction. An empty list is 70402 and more than MaxBatch is
// 70206, and then nothing is imported. Otherwise the valid accounts are
// imported and the UserIDs of the invalid ones are returned in input order
// (never nil), as the reference's FailAccounts.
func (s *Service) ImportAccounts(ctx context.Context, sdkAppID uint64, accounts []NewAccount) (failed []string, err error) {
	if err := checkAccountBatch(len(accounts)); err != nil {
		return nil, err
	}
	failed = []string{}
	valid := make([]store.NewAccount, 0, len(accounts))
	for _, a := range accounts {
		na, err := a.toStore()
		if err != nil {
			s.log.DebugContext(ctx, "account not imported", "sdkappid", sdkAppID, "err", err)
			failed = append(failed, a.UserID)
			continue
		}
		valid = append(valid, na)
	}
	if len(valid) == 0 {
		return failed, nil
	}
	if _, err := s.store.ImportAccounts(ctx, sdkAppID, valid); err != nil {
		return nil, fmt.Errorf("account: import %d accounts into app %d: %w", len(valid), sdkAppID, err)
	}
	return failed, nil
}

// toStore validates a and turns it into the store's form.
func (a NewAccount) toStore() (store.NewAccount, error) {
	if err := im.CheckUserID(a.UserID); err != nil {
		return store.NewAccount{}, badUserID(im.CodeInvalidParameter, a.UserID, err)
	}
	na := store.NewAccount{UserID: a.UserID}
	for _, f := range []struct{ name, tag, value string }{
		{"Nick", TagNick, a.Nick},
		{"FaceUrl", TagImage, a.FaceURL},
	} {
		if f.value == "" {
			continue
		}
		if len(f.value) > MaxValueBytes {
			return store.NewAccount{}, im.Errorf(im.CodeInvalidParameter,
				"account %q: %s is %d bytes, at most %d", a.UserID, f.name, len(f.value), MaxValueBytes)
		}
		na.Profile = append(na.Profile, store.ProfileItem{Tag: f.tag, Value: encodeString(f.value)})
	}
	return na, nil
}
