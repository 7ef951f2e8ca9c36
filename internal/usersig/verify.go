package usersig

import (
	"bytes"
	"crypto/hmac"
	"fmt"
	"time"
)

// Verify authenticates userSig for identifier in app sdkAppID with the app's
// key at time now, and returns its claims. It is safe for concurrent use.
//
// Checks run in the reference's order, and the first failure is returned
// (wrapped): decoding (ErrEmpty, ErrMalformed), then ErrSDKAppIDMismatch,
// ErrIdentifierMismatch, ErrExpired, ErrUserBufMismatch and last
// ErrSigMismatch. Keeping the order means a client sees the same error code
// as from the reference server for the same bad UserSig.
//
// Like the reference's VerifyUserSig, Verify expects no userbuf: a UserSig
// carrying one, such as a PrivateMapKey, fails with ErrUserBufMismatch, so a
// ticket meant for something narrower cannot stand in for a login UserSig.
//
// On error the returned Claims are zero, so that nothing unverified is used
// by mistake; call Decode to inspect a failing UserSig.
func Verify(userSig string, sdkAppID uint64, key, identifier string, now time.Time) (Claims, error) {
	return VerifyWithUserBuf(userSig, sdkAppID, key, identifier, now, nil)
}

// VerifyWithUserBuf is Verify for a UserSig that must carry exactly userBuf.
// A nil userBuf expects no userbuf at all, as Verify; a non-nil empty one
// expects an empty userbuf to be present.
func VerifyWithUserBuf(userSig string, sdkAppID uint64, key, identifier string, now time.Time, userBuf []byte) (Claims, error) {
	c, err := Decode(userSig)
	if err != nil {
		return Claims{}, err
	}
	if err := c.check(sdkAppID, key, identifier, now, userBuf); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// check applies every verification step after decoding, in the reference's
// order.
func (c Claims) check(sdkAppID uint64, key, identifier string, now time.Time, userBuf []byte) error {
	switch {
	case c.SDKAppID != sdkAppID:
		return fmt.Errorf("usersig: issued for sdkappid %d, not %d: %w", c.SDKAppID, sdkAppID, ErrSDKAppIDMismatch)
	case c.Identifier != identifier:
		return fmt.Errorf("usersig: issued for identifier %q, not %q: %w", c.Identifier, identifier, ErrIdentifierMismatch)
	case c.expiredAt(now):
		return fmt.Errorf("usersig: issued at %d for %d s, now %d: %w", c.Time, c.Expire, now.Unix(), ErrExpired)
	case (c.UserBuf == nil) != (userBuf == nil):
		return fmt.Errorf("usersig: userbuf present is %t, expected %t: %w", c.UserBuf != nil, userBuf != nil, ErrUserBufMismatch)
	case !bytes.Equal(c.UserBuf, userBuf):
		return fmt.Errorf("usersig: userbuf differs: %w", ErrUserBufMismatch)
	case !hmac.Equal(c.mac(key), c.Sig):
		return fmt.Errorf("usersig: HMAC check: %w", ErrSigMismatch)
	}
	return nil
}
