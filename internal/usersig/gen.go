package usersig

import (
	"fmt"
	"time"
)

// Gen issues a UserSig for identifier in app sdkAppID, signed with the app's
// key and valid for expire seconds from now. The result verifies with the
// reference libraries as well as with Verify.
//
// Gen does not check identifier against the UserID rules; that is the
// account service's job. It returns an error wrapping ErrMalformed when
// expire is negative or now is before 1970, since Decode rejects such a
// UserSig.
func Gen(sdkAppID uint64, key, identifier string, expire int64, now time.Time) (string, error) {
	return generate(sdkAppID, key, identifier, expire, now, nil)
}

// GenWithUserBuf is Gen with a userbuf, opaque bytes that are signed with the
// claims; TRTC's PrivateMapKey carries its room permissions this way. A
// non-nil empty userBuf is written and signed as an empty userbuf, which
// Verify rejects but VerifyWithUserBuf with an empty non-nil slice accepts;
// a nil userBuf is the same as Gen.
func GenWithUserBuf(sdkAppID uint64, key, identifier string, expire int64, now time.Time, userBuf []byte) (string, error) {
	return generate(sdkAppID, key, identifier, expire, now, userBuf)
}

func generate(sdkAppID uint64, key, identifier string, expire int64, now time.Time, userBuf []byte) (string, error) {
	c := Claims{
		Version:    version,
		Identifier: identifier,
		SDKAppID:   sdkAppID,
		Time:       now.Unix(),
		Expire:     expire,
		UserBuf:    userBuf,
	}
	if c.Expire < 0 {
		return "", fmt.Errorf("usersig: gen: negative expire %d: %w", c.Expire, ErrMalformed)
	}
	if c.Time < 0 {
		return "", fmt.Errorf("usersig: gen: time %d before 1970: %w", c.Time, ErrMalformed)
	}
	c.Sig = c.mac(key)
	return encode(c)
}
