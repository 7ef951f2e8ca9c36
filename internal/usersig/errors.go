package usersig

import "errors"

// Errors returned by this package. They are always wrapped with context, so
// test for them with [errors.Is]. The reference code each one usually maps
// to is noted so that edges agree; the mapping itself lives at the edge.
var (
	// ErrEmpty reports an empty UserSig string. It is kept apart from
	// ErrMalformed because the reference answers it with its own code (70002).
	ErrEmpty = errors.New("empty UserSig")

	// ErrMalformed reports a UserSig that cannot be decoded: bad base64, zlib
	// or JSON, a required field missing or of the wrong type, a negative
	// number, or an input or inflated size beyond the package's caps
	// (reference 70003). Gen returns it too when its arguments would produce
	// a UserSig that Decode would reject.
	ErrMalformed = errors.New("malformed UserSig")

	// ErrSDKAppIDMismatch reports a UserSig issued for another app
	// (reference 70014).
	ErrSDKAppIDMismatch = errors.New("UserSig sdkappid mismatch")

	// ErrIdentifierMismatch reports a UserSig issued for another user
	// (reference 70013).
	ErrIdentifierMismatch = errors.New("UserSig identifier mismatch")

	// ErrExpired reports a UserSig whose validity has run out
	// (reference 70001).
	ErrExpired = errors.New("UserSig expired")

	// ErrUserBufMismatch reports that the UserSig carries a userbuf when the
	// caller expects none, carries none when the caller expects one, or
	// carries different bytes.
	ErrUserBufMismatch = errors.New("UserSig userbuf mismatch")

	// ErrSigMismatch reports that the HMAC does not match the claims under the
	// given key: a forged or altered UserSig, or the wrong key (reference
	// 70009).
	ErrSigMismatch = errors.New("UserSig signature mismatch")
)
