package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Kick revokes the user's sign-ins: every UserSig issued at or before now
// stops working (70052) and the user must sign in with a new one. Codes:
// 70402 invalid UserID, 70107 the account does not exist.
//
// The revocation is stored first; then the user's live sessions are closed
// through Sessions, so a session cannot sign in again with an old UserSig.
func (s *Service) Kick(ctx context.Context, sdkAppID uint64, userID string) error {
	if err := im.CheckUserID(userID); err != nil {
		return badUserID(im.CodeInvalidParameter, userID, err)
	}
	err := s.store.RevokeSignIns(ctx, sdkAppID, userID, s.now().Unix())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return im.Errorf(im.CodeAccountNotFound, "account %q does not exist", userID)
	case err != nil:
		return fmt.Errorf("account: kick %q of app %d: %w", userID, sdkAppID, err)
	}
	s.log.InfoContext(ctx, "sign-ins revoked", "sdkappid", sdkAppID, "user", userID)
	if s.sessions == nil {
		return nil
	}
	if err := s.sessions.Kick(ctx, sdkAppID, userID); err != nil {
		return fmt.Errorf("account: kick %q of app %d: close sessions: %w", userID, sdkAppID, err)
	}
	return nil
}

// SignInRevokedAt returns the Unix second of the user's last kick: UserSigs
// issued at or before it are refused. It returns 0 and no error when the
// user was never kicked or the account does not exist (an invalid UserID
// cannot exist); the caller decides whether a missing account may sign in.
func (s *Service) SignInRevokedAt(ctx context.Context, sdkAppID uint64, userID string) (int64, error) {
	if im.CheckUserID(userID) != nil {
		return 0, nil
	}
	accounts, err := s.store.GetAccounts(ctx, sdkAppID, []string{userID})
	if err != nil {
		return 0, fmt.Errorf("account: sign-in revocation of %q in app %d: %w", userID, sdkAppID, err)
	}
	return accounts[userID].SigsRevokedAt, nil
}
