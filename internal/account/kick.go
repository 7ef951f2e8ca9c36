package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Sessions is how the account service closes live sessions: it publishes
// the order and the gateways that hold the sessions, on whichever node,
// carry it out. gateway.Kicker implements it and internal/app wires it.
type Sessions interface {
	// Kick closes every live session of the user, on every node.
	Kick(ctx context.Context, sdkAppID uint64, userID string) error
	// CloseDeleted closes every live session of the user, on every node,
	// telling the client that its account was deleted.
	CloseDeleted(ctx context.Context, sdkAppID uint64, userID string) error
}

// Kick revokes the user's sign-ins: every UserSig issued at or before now
// stops working (70052) and the user must sign in with a new one. Codes:
// 70402 invalid UserID, 70107 the account does not exist (nothing is
// revoked).
//
// The revocation is stored first, apart from the account so that deleting
// and re-importing it does not undo the kick; then the user's live sessions
// are closed through Sessions, so a session cannot sign in again with an
// old UserSig. This package records revocations and, in CheckSignIn, is
// the one place that applies them; tenant.Authenticate asks it.
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

// CheckSignIn refuses a sign-in of userID with a UserSig issued at
// issuedAt (Unix seconds) when the user's sign-ins were revoked at or
// after that second, by a kick or an account deletion: an *im.Error with
// code 70052. A revocation outlives the account, so it applies whether or
// not the account exists now.
func (s *Service) CheckSignIn(ctx context.Context, sdkAppID uint64, userID string, issuedAt int64) error {
	revokedAt, err := s.store.SignInsRevokedAt(ctx, sdkAppID, userID)
	if err != nil {
		return fmt.Errorf("account: sign-in revocation of %q in app %d: %w", userID, sdkAppID, err)
	}
	// A UserSig carries its issue second only, so one issued in the same
	// second as the revocation cannot be told apart from an older one:
	// refuse it.
	if revokedAt > 0 && issuedAt <= revokedAt {
		return im.Errorf(im.CodeSigRevoked, "UserSig of %q was invalidated by a kick or an account deletion; generate a new one", userID)
	}
	return nil
}
