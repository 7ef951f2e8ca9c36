package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// A worked vector that the reference's own Go implementation verifies
// (VerifyUserSig), made with the sample key of its README.
const (
	vecKey        = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	vecSDKAppID   = 1400000000
	vecIdentifier = "xiaojun"
	vecTime       = 1700000000
	vecExpire     = 15552000
	vecContent    = "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:15552000\n"
	vecHMACHex    = "2ef03b77f230ee04ac9ec92f5730433ce0820dbb8d0b0e061f04c2d1b8a9f81e"
	vecSig        = "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4="
	vecUserSig    = "eNqrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMikVhRkFqUCxU1NTY3goiWZuSAxc1S1xZnpQJN9yhzNU-Q9y83Tg4vzirPLwqqcXAL8nZ1dkkr9nMtN3D3KQ5wNkjILtJ1MbJVqAa3HMfI_"
	vecUserBufSig = "QjT201xPkXk/aM1e+y0vakZb0K2iPrFue++0s5y6bFM="
)

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vectorClaims are the claims the §2.3 UserSig must decode to.
func vectorClaims(t testing.TB) Claims {
	return Claims{
		Version:    "2.0",
		Identifier: vecIdentifier,
		SDKAppID:   vecSDKAppID,
		Time:       vecTime,
		Expire:     vecExpire,
		Sig:        mustB64(t, vecSig),
	}
}

// rawUserSig compresses doc at level and applies the UserSig base64, so tests
// can hand-craft documents the encoder would never write.
func rawUserSig(t testing.TB, doc string, level int) string {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return encodeBase64(buf.Bytes())
}

func assertClaims(t *testing.T, got, want Claims) {
	t.Helper()
	if got.Version != want.Version || got.Identifier != want.Identifier ||
		got.SDKAppID != want.SDKAppID || got.Time != want.Time || got.Expire != want.Expire {
		t.Errorf("claims = %+v, want %+v", got, want)
	}
	if (got.UserBuf == nil) != (want.UserBuf == nil) || !bytes.Equal(got.UserBuf, want.UserBuf) {
		t.Errorf("UserBuf = %q (nil %t), want %q (nil %t)", got.UserBuf, got.UserBuf == nil, want.UserBuf, want.UserBuf == nil)
	}
	if !bytes.Equal(got.Sig, want.Sig) {
		t.Errorf("Sig = %x, want %x", got.Sig, want.Sig)
	}
}

func TestVectorDecode(t *testing.T) {
	t.Parallel()
	got, err := Decode(vecUserSig)
	if err != nil {
		t.Fatal(err)
	}
	assertClaims(t, got, vectorClaims(t))
}

func TestVectorHMAC(t *testing.T) {
	t.Parallel()
	c := vectorClaims(t)
	if got := string(c.signedContent()); got != vecContent {
		t.Errorf("signed content = %q, want %q", got, vecContent)
	}
	if got := hex.EncodeToString(c.mac(vecKey)); got != vecHMACHex {
		t.Errorf("HMAC = %s, want %s", got, vecHMACHex)
	}
}

func TestVectorUserBuf(t *testing.T) {
	t.Parallel()
	c := vectorClaims(t)
	c.UserBuf = []byte("abc")
	if got, want := string(c.signedContent()), vecContent+"TLS.userbuf:YWJj\n"; got != want {
		t.Errorf("signed content = %q, want %q", got, want)
	}
	if got := base64.StdEncoding.EncodeToString(c.mac(vecKey)); got != vecUserBufSig {
		t.Errorf("TLS.sig = %s, want %s", got, vecUserBufSig)
	}
	s, err := GenWithUserBuf(vecSDKAppID, vecKey, vecIdentifier, vecExpire, time.Unix(vecTime, 0), []byte("abc"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyWithUserBuf(s, vecSDKAppID, vecKey, vecIdentifier, time.Unix(vecTime+1, 0), []byte("abc"))
	if err != nil {
		t.Fatal(err)
	}
	c.Sig = mustB64(t, vecUserBufSig)
	assertClaims(t, got, c)
}

func TestVectorVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sdkAppID   uint64
		key        string
		identifier string
		now        int64
		want       error
	}{
		{"valid just after issue", vecSDKAppID, vecKey, vecIdentifier, vecTime + 1, nil},
		{"valid at issue", vecSDKAppID, vecKey, vecIdentifier, vecTime, nil},
		{"valid before issue", vecSDKAppID, vecKey, vecIdentifier, vecTime - 3600, nil},
		{"valid in last second", vecSDKAppID, vecKey, vecIdentifier, vecTime + vecExpire, nil},
		{"expired", vecSDKAppID, vecKey, vecIdentifier, vecTime + vecExpire + 1, ErrExpired},
		{"other key", vecSDKAppID, strings.Repeat("0", 64), vecIdentifier, vecTime + 1, ErrSigMismatch},
		{"hex-decoded key", vecSDKAppID, string(must(hex.DecodeString(vecKey))), vecIdentifier, vecTime + 1, ErrSigMismatch},
		{"other identifier", vecSDKAppID, vecKey, "xiaoming", vecTime + 1, ErrIdentifierMismatch},
		{"identifier case", vecSDKAppID, vecKey, "Xiaojun", vecTime + 1, ErrIdentifierMismatch},
		{"other sdkappid", 1400000001, vecKey, vecIdentifier, vecTime + 1, ErrSDKAppIDMismatch},
		// sdkappid is checked first, as in the reference.
		{"everything wrong", 1, "k", "x", vecTime + vecExpire + 1, ErrSDKAppIDMismatch},
		// identifier before expiry.
		{"identifier and expiry wrong", vecSDKAppID, "k", "x", vecTime + vecExpire + 1, ErrIdentifierMismatch},
		// expiry before HMAC.
		{"expiry and key wrong", vecSDKAppID, "k", vecIdentifier, vecTime + vecExpire + 1, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Verify(vecUserSig, tt.sdkAppID, tt.key, tt.identifier, time.Unix(tt.now, 0))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				assertClaims(t, got, vectorClaims(t))
			} else if got.SDKAppID != 0 || got.Sig != nil {
				t.Errorf("claims on error = %+v, want zero", got)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 999_000_000)
	tests := []struct {
		name       string
		sdkAppID   uint64
		key        string
		identifier string
		expire     int64
		userBuf    []byte
	}{
		{"plain", 1400000000, vecKey, "alice", 86400, nil},
		{"reference test inputs", 1, "2", "3", 4, nil},
		{"zero expire", 1400000000, vecKey, "alice", 0, nil},
		{"max sdkappid", math.MaxUint64, vecKey, "alice", 1, nil},
		{"empty key", 1400000000, "", "alice", 60, nil},
		{"non-ASCII identifier", 1400000000, vecKey, "ünïcødé<&>", 60, nil},
		{"userbuf", 1400000000, vecKey, "alice", 60, []byte("abc")},
		{"binary userbuf", 1400000000, vecKey, "alice", 60, []byte{0, 1, 2, 0xff, '\n'}},
		{"empty userbuf", 1400000000, vecKey, "alice", 60, []byte{}},
		{"large userbuf", 1400000000, vecKey, "alice", 60, bytes.Repeat([]byte("room-"), 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := GenWithUserBuf(tt.sdkAppID, tt.key, tt.identifier, tt.expire, now, tt.userBuf)
			if err != nil {
				t.Fatal(err)
			}
			want := Claims{
				Version:    "2.0",
				Identifier: tt.identifier,
				SDKAppID:   tt.sdkAppID,
				Time:       now.Unix(),
				Expire:     tt.expire,
				UserBuf:    tt.userBuf,
			}
			want.Sig = want.mac(tt.key)
			got, err := VerifyWithUserBuf(s, tt.sdkAppID, tt.key, tt.identifier, now, tt.userBuf)
			if err != nil {
				t.Fatal(err)
			}
			assertClaims(t, got, want)
			if tt.userBuf == nil {
				got, err := Verify(s, tt.sdkAppID, tt.key, tt.identifier, now)
				if err != nil {
					t.Fatal(err)
				}
				assertClaims(t, got, want)
			}
			if s2, err := Gen(tt.sdkAppID, tt.key, tt.identifier, tt.expire, now); err != nil {
				t.Fatal(err)
			} else if _, err := Verify(s2, tt.sdkAppID, tt.key+"x", tt.identifier, now); !errors.Is(err, ErrSigMismatch) {
				t.Errorf("Verify with wrong key = %v, want ErrSigMismatch", err)
			}
		})
	}
}

func TestGenRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		expire int64
		now    time.Time
	}{
		{"negative expire", -1, time.Unix(vecTime, 0)},
		{"before 1970", 60, time.Unix(-1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Gen(1, "k", "u", tt.expire, tt.now); !errors.Is(err, ErrMalformed) {
				t.Errorf("Gen error = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestUserBufPresence(t *testing.T) {
	t.Parallel()
	now := time.Unix(vecTime, 0)
	tests := []struct {
		name   string
		issued []byte
		expect []byte
		want   error
	}{
		{"none expected none", nil, nil, nil},
		{"sig has one, none expected", []byte("abc"), nil, ErrUserBufMismatch},
		{"sig has empty one, none expected", []byte{}, nil, ErrUserBufMismatch},
		{"sig has none, one expected", nil, []byte("abc"), ErrUserBufMismatch},
		{"sig has none, empty expected", nil, []byte{}, ErrUserBufMismatch},
		{"different content", []byte("abc"), []byte("abd"), ErrUserBufMismatch},
		{"prefix", []byte("abc"), []byte("ab"), ErrUserBufMismatch},
		{"equal", []byte("abc"), []byte("abc"), nil},
		{"both empty", []byte{}, []byte{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := GenWithUserBuf(vecSDKAppID, vecKey, vecIdentifier, 60, now, tt.issued)
			if err != nil {
				t.Fatal(err)
			}
			_, err = VerifyWithUserBuf(s, vecSDKAppID, vecKey, vecIdentifier, now, tt.expect)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("VerifyWithUserBuf error = %v, want %v", err, tt.want)
			}
			if tt.expect == nil {
				if _, err := Verify(s, vecSDKAppID, vecKey, vecIdentifier, now); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("Verify error = %v, want %v", err, tt.want)
				}
			}
		})
	}
}

// TestTampered alters decoded claims and re-encodes them without re-signing:
// every change must be caught by the HMAC.
func TestTampered(t *testing.T) {
	t.Parallel()
	now := time.Unix(vecTime, 0)
	tests := []struct {
		name       string
		userBuf    []byte
		identifier string // identifier Verify is called with
		tamper     func(*Claims)
	}{
		{"flip sig byte", nil, vecIdentifier, func(c *Claims) { c.Sig[7] ^= 0x01 }},
		{"truncate sig", nil, vecIdentifier, func(c *Claims) { c.Sig = c.Sig[:31] }},
		{"empty sig", nil, vecIdentifier, func(c *Claims) { c.Sig = []byte{} }},
		{"change identifier", nil, "mallory", func(c *Claims) { c.Identifier = "mallory" }},
		{"extend expire", nil, vecIdentifier, func(c *Claims) { c.Expire *= 2 }},
		{"move time", nil, vecIdentifier, func(c *Claims) { c.Time++ }},
		{"drop userbuf", []byte("abc"), vecIdentifier, func(c *Claims) { c.UserBuf = nil }},
		{"add userbuf", nil, vecIdentifier, func(c *Claims) { c.UserBuf = []byte{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := GenWithUserBuf(vecSDKAppID, vecKey, vecIdentifier, 60, now, tt.userBuf)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Decode(s)
			if err != nil {
				t.Fatal(err)
			}
			tt.tamper(&c)
			forged, err := encode(c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyWithUserBuf(forged, vecSDKAppID, vecKey, tt.identifier, now, c.UserBuf); !errors.Is(err, ErrSigMismatch) {
				t.Errorf("Verify error = %v, want ErrSigMismatch", err)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		time, expire int64
		now          int64
		want         bool
	}{
		{"at end", 100, 10, 110, false},
		{"one past end", 100, 10, 111, true},
		{"zero expire, same second", 100, 0, 100, false},
		{"zero expire, next second", 100, 0, 101, true},
		{"sum overflows", math.MaxInt64 - 5, 10, math.MaxInt64, false},
		{"sum is max", math.MaxInt64 - 10, 10, math.MaxInt64, false},
		{"now before 1970", 0, 0, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Claims{Time: tt.time, Expire: tt.expire}
			if got := c.expiredAt(time.Unix(tt.now, 0)); got != tt.want {
				t.Errorf("expiredAt = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestDecodeAccepts covers encodings other issuers produce: the reference Go
// library writes uncompressed zlib with a trailing newline after the JSON,
// older ones may leave standard base64 characters in place, and Java orders
// keys its own way.
func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	vecJSON := `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`
	tests := []struct {
		name      string
		userSig   string
		tweakWant func(*Claims)
	}{
		{"best compression", rawUserSig(t, vecJSON, zlib.BestCompression), nil},
		{"no compression, trailing newline", rawUserSig(t, vecJSON+"\n", zlib.NoCompression), nil},
		{"standard base64 alphabet", strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(vecUserSig), nil},
		{"other key order", rawUserSig(t, `{"TLS.sig":"`+vecSig+`","TLS.time":1700000000,"TLS.expire":15552000,"TLS.sdkappid":1400000000,"TLS.identifier":"xiaojun","TLS.ver":"2.0"}`, zlib.DefaultCompression), nil},
		{"no ver", rawUserSig(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"`+vecSig+`"}`, 6), func(c *Claims) { c.Version = "" }},
		{"null userbuf", rawUserSig(t, `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.userbuf":null,"TLS.sig":"`+vecSig+`"}`, 6), nil},
		{"unknown field", rawUserSig(t, `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":15552000,"TLS.time":1700000000,"TLS.sig":"`+vecSig+`","extra":[1,{}]}`, 6), nil},
		{"ver 1.0 is not checked", rawUserSig(t, strings.Replace(vecJSON, `"2.0"`, `"1.0"`, 1), 6), func(c *Claims) { c.Version = "1.0" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := vectorClaims(t)
			if tt.tweakWant != nil {
				tt.tweakWant(&want)
			}
			got, err := Verify(tt.userSig, vecSDKAppID, vecKey, vecIdentifier, time.Unix(vecTime+1, 0))
			if err != nil {
				t.Fatal(err)
			}
			assertClaims(t, got, want)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	doc := func(fields string) string { return rawUserSig(t, "{"+fields+"}", zlib.DefaultCompression) }
	const (
		ident  = `"TLS.identifier":"xiaojun"`
		app    = `"TLS.sdkappid":1400000000`
		issued = `"TLS.time":1700000000`
		expire = `"TLS.expire":15552000`
		sig    = `"TLS.sig":"` + vecSig + `"`
	)
	all := func(except string, extra ...string) string {
		var parts []string
		for _, f := range []string{ident, app, issued, expire, sig} {
			if f != except {
				parts = append(parts, f)
			}
		}
		return strings.Join(append(parts, extra...), ",")
	}
	var zlibBomb bytes.Buffer
	zw := zlib.NewWriter(&zlibBomb)
	zw.Write([]byte(`{"TLS.identifier":"`))
	zw.Write(bytes.Repeat([]byte("a"), 1<<20))
	zw.Close()
	corruptChecksum := mustB64(t, strings.NewReplacer("*", "+", "-", "/", "_", "=").Replace(vecUserSig))
	corruptChecksum[len(corruptChecksum)-1] ^= 0xff

	tests := []struct {
		name    string
		userSig string
		want    error
	}{
		{"empty", "", ErrEmpty},
		{"garbage", "not a usersig!", ErrMalformed},
		{"bad base64 length", "abc", ErrMalformed},
		{"truncated", vecUserSig[:len(vecUserSig)/2], ErrMalformed},
		{"truncated at block", vecUserSig[:len(vecUserSig)-8], ErrMalformed},
		{"bad checksum", encodeBase64(corruptChecksum), ErrMalformed},
		{"not zlib", encodeBase64([]byte(`{"TLS.identifier":"xiaojun"}`)), ErrMalformed},
		{"not JSON", rawUserSig(t, "hello", 6), ErrMalformed},
		{"JSON array", rawUserSig(t, "[1,2]", 6), ErrMalformed},
		{"JSON null", rawUserSig(t, "null", 6), ErrMalformed},
		{"empty object", doc(""), ErrMalformed},
		{"trailing garbage JSON", rawUserSig(t, "{"+all("")+"}x", 6), ErrMalformed},
		{"missing identifier", doc(all(ident)), ErrMalformed},
		{"missing sdkappid", doc(all(app)), ErrMalformed},
		{"missing time", doc(all(issued)), ErrMalformed},
		{"missing expire", doc(all(expire)), ErrMalformed},
		{"missing sig", doc(all(sig)), ErrMalformed},
		{"null sig", doc(all(sig, `"TLS.sig":null`)), ErrMalformed},
		{"identifier number", doc(all(ident, `"TLS.identifier":7`)), ErrMalformed},
		{"sdkappid string", doc(all(app, `"TLS.sdkappid":"1400000000"`)), ErrMalformed},
		{"sdkappid negative", doc(all(app, `"TLS.sdkappid":-1`)), ErrMalformed},
		{"sdkappid float", doc(all(app, `"TLS.sdkappid":1.4e9`)), ErrMalformed},
		{"sdkappid too big", doc(all(app, `"TLS.sdkappid":18446744073709551616`)), ErrMalformed},
		{"time negative", doc(all(issued, `"TLS.time":-1`)), ErrMalformed},
		{"time string", doc(all(issued, `"TLS.time":"1700000000"`)), ErrMalformed},
		{"expire negative", doc(all(expire, `"TLS.expire":-15552000`)), ErrMalformed},
		{"expire bool", doc(all(expire, `"TLS.expire":true`)), ErrMalformed},
		{"ver number", doc(all("", `"TLS.ver":2`)), ErrMalformed},
		{"sig not base64", doc(all(sig, `"TLS.sig":"%%%"`)), ErrMalformed},
		{"sig number", doc(all(sig, `"TLS.sig":1`)), ErrMalformed},
		{"userbuf not base64", doc(all("", `"TLS.userbuf":"a"`)), ErrMalformed},
		{"userbuf array", doc(all("", `"TLS.userbuf":[97]`)), ErrMalformed},
		{"too long", strings.Repeat("A", maxLen+4), ErrMalformed},
		{"zlib bomb", encodeBase64(zlibBomb.Bytes()), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Decode(tt.userSig)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if c.Sig != nil || c.Identifier != "" {
				t.Errorf("claims on error = %+v, want zero", c)
			}
			if _, err := Verify(tt.userSig, vecSDKAppID, vecKey, vecIdentifier, time.Unix(vecTime, 0)); !errors.Is(err, tt.want) {
				t.Errorf("Verify error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestZlibBombIsSmall makes sure the bomb case really tests the inflate cap
// rather than the input cap.
func TestZlibBombIsSmall(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(bytes.Repeat([]byte("a"), 1<<20))
	zw.Close()
	if n := len(encodeBase64(buf.Bytes())); n > maxLen {
		t.Fatalf("bomb is %d bytes, over the input cap %d", n, maxLen)
	}
}
