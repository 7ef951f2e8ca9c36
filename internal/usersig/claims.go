package usersig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strconv"
	"time"
)

// version is the TLS.ver that Gen writes. Decode and Verify do not check it,
// as the reference does not: a v1 (ECDSA) UserSig simply fails the HMAC.
const version = "2.0"

// Claims are the decoded fields of a UserSig.
//
// Decode fills every field from the UserSig as it stands; none of them is
// trustworthy until Verify has checked the HMAC.
type Claims struct {
	Version    string // TLS.ver; "" when absent, since the reference never checks it
	Identifier string // TLS.identifier, the UserID the UserSig was issued to
	SDKAppID   uint64 // TLS.sdkappid, the app the UserSig was issued for
	Time       int64  // TLS.time, Unix seconds when issued
	Expire     int64  // TLS.expire, seconds of validity
	UserBuf    []byte // TLS.userbuf; nil when absent, non-nil (maybe empty) when present
	Sig        []byte // raw HMAC from TLS.sig
}

// signedContent renders the text the HMAC covers. The line order (time
// before expire) and the trailing newline on every line are the reference's,
// and any deviation breaks compatibility.
func (c Claims) signedContent() []byte {
	b := make([]byte, 0, 96+len(c.Identifier)+base64.StdEncoding.EncodedLen(len(c.UserBuf)))
	b = append(b, "TLS.identifier:"...)
	b = append(b, c.Identifier...)
	b = append(b, "\nTLS.sdkappid:"...)
	b = strconv.AppendUint(b, c.SDKAppID, 10)
	b = append(b, "\nTLS.time:"...)
	b = strconv.AppendInt(b, c.Time, 10)
	b = append(b, "\nTLS.expire:"...)
	b = strconv.AppendInt(b, c.Expire, 10)
	b = append(b, '\n')
	if c.UserBuf != nil {
		// Presence, not length, decides: an empty userbuf is still signed,
		// which is what keeps "no userbuf" and "empty userbuf" apart.
		b = append(b, "TLS.userbuf:"...)
		b = base64.StdEncoding.AppendEncode(b, c.UserBuf)
		b = append(b, '\n')
	}
	return b
}

// mac computes the HMAC the claims should carry under key. The key is used
// as raw bytes: the console shows it as hex, but the reference never decodes
// it.
func (c Claims) mac(key string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(c.signedContent())
	return h.Sum(nil)
}

// expiredAt reports whether the claims have run out at now. Expiry is strict
// (now > Time+Expire), as in the reference, so a UserSig is still good during
// its last second. The sum is not formed when it would overflow: such a
// UserSig never expires, rather than wrapping into the past.
func (c Claims) expiredAt(now time.Time) bool {
	if c.Expire > math.MaxInt64-c.Time {
		return false
	}
	return now.Unix() > c.Time+c.Expire
}
