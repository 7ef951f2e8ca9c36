package tenant

import (
	"context"
	"errors"
	"math"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/usersig"
)

// Principal is an authenticated identifier of an app.
type Principal struct {
	App        App
	Identifier string
	// SigExpiresAt is the Unix second after which the UserSig is expired.
	SigExpiresAt int64
}

// Authenticate verifies that userSig was issued by the app's key for
// identifier, has not expired and was not issued at or before the
// identifier's sign-in revocation (its last kick or account deletion,
// which the account service records and applies: Accounts.CheckSignIn). Every failure is an *im.Error with the reference
// code (70001, 70002, 70003, 70009, 70013, 70014, 70020, 70052, and 70402
// for an identifier that cannot be a UserID).
func (s *Service) Authenticate(ctx context.Context, sdkAppID uint64, identifier, userSig string) (Principal, error) {
	if err := im.CheckUserID(identifier); err != nil {
		return Principal{}, im.Errorf(im.CodeInvalidParameter, "identifier: %v", err)
	}
	app, err := s.Get(ctx, sdkAppID)
	if err != nil {
		return Principal{}, err
	}
	claims, err := usersig.Verify(userSig, sdkAppID, app.SecretKey, identifier, s.now())
	if err != nil {
		return Principal{}, sigError(err)
	}
	if err := s.accounts.CheckSignIn(ctx, sdkAppID, identifier, claims.Time); err != nil {
		return Principal{}, err
	}
	expiresAt := claims.Time + claims.Expire
	if expiresAt < claims.Time { // a huge TLS.expire: never expires
		expiresAt = math.MaxInt64
	}
	return Principal{App: app, Identifier: identifier, SigExpiresAt: expiresAt}, nil
}

// sigError is the one table from usersig's errors to reference codes.
func sigError(err error) error {
	code := im.CodeSigInvalid
	switch {
	case errors.Is(err, usersig.ErrEmpty):
		code = im.CodeSigEmpty
	case errors.Is(err, usersig.ErrExpired):
		code = im.CodeSigExpired
	case errors.Is(err, usersig.ErrSigMismatch):
		code = im.CodeSigMismatch
	case errors.Is(err, usersig.ErrIdentifierMismatch):
		code = im.CodeSigIdentifier
	case errors.Is(err, usersig.ErrSDKAppIDMismatch):
		code = im.CodeSigSDKAppID
	}
	return im.Errorf(code, "UserSig: %v", err)
}
