package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Caps on untrusted input. A UserSig arrives in every REST query string and
// every login, so decoding must cost bounded memory whatever the sender
// crafts. Real UserSigs are a few hundred bytes; a PrivateMapKey userbuf adds
// tens more.
const (
	// maxLen caps the UserSig string before any decoding work.
	maxLen = 16 << 10
	// maxInflated caps the decompressed JSON, so a small zlib bomb cannot
	// make Decode allocate without limit.
	maxInflated = 64 << 10
)

// wireClaims is the JSON document. Fields are pointers so that Decode can
// tell a missing field from a zero one. Field order is the order the
// reference Go library emits, which encode keeps for the sake of anyone
// diffing tokens by eye; verification does not depend on it.
type wireClaims struct {
	Version    *string `json:"TLS.ver,omitempty"`
	Identifier *string `json:"TLS.identifier"`
	SDKAppID   *uint64 `json:"TLS.sdkappid"`
	Expire     *int64  `json:"TLS.expire"`
	Time       *int64  `json:"TLS.time"`
	UserBuf    *string `json:"TLS.userbuf,omitempty"`
	Sig        *string `json:"TLS.sig"`
}

// Decode parses a UserSig without checking its signature, for logging and
// diagnostics; use Verify to authenticate. Errors wrap ErrEmpty or
// ErrMalformed.
//
// TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire and TLS.sig are
// required, and numbers must be non-negative integers. The reference omits
// zero-valued fields when it generates, so a reference UserSig issued with
// expire 0 (good for at most the second it was issued in) decodes as
// malformed here. TLS.ver is optional and TLS.userbuf, when null, counts as
// absent.
func Decode(userSig string) (Claims, error) {
	if userSig == "" {
		return Claims{}, fmt.Errorf("usersig: decode: %w", ErrEmpty)
	}
	if len(userSig) > maxLen {
		return Claims{}, fmt.Errorf("usersig: decode: %d bytes, at most %d allowed: %w", len(userSig), maxLen, ErrMalformed)
	}
	compressed, err := decodeBase64(userSig)
	if err != nil {
		return Claims{}, fmt.Errorf("usersig: decode base64: %v: %w", err, ErrMalformed)
	}
	doc, err := inflate(compressed)
	if err != nil {
		return Claims{}, fmt.Errorf("usersig: inflate: %v: %w", err, ErrMalformed)
	}
	return parseJSON(doc)
}

// decodeBase64 undoes the reference's character substitutions and decodes
// standard base64. Like the reference it substitutes rather than using a
// dedicated alphabet, so a UserSig still carrying '+', '/' or '=' decodes
// too.
func decodeBase64(s string) ([]byte, error) {
	src := []byte(s)
	for i, c := range src {
		switch c {
		case '*':
			src[i] = '+'
		case '-':
			src[i] = '/'
		case '_':
			src[i] = '='
		}
	}
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(dst, src)
	return dst[:n], err
}

// zlibReaders recycles inflaters: each holds tens of kilobytes of window and
// tables, and Verify runs on every authenticated request.
var zlibReaders sync.Pool

// inflate decompresses a zlib stream of at most maxInflated bytes, reading
// to the end so that the Adler-32 checksum is checked.
func inflate(compressed []byte) ([]byte, error) {
	src := bytes.NewReader(compressed)
	zr, ok := zlibReaders.Get().(io.ReadCloser)
	if ok {
		if err := zr.(zlib.Resetter).Reset(src, nil); err != nil {
			zlibReaders.Put(zr)
			return nil, err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(src); err != nil {
			return nil, err
		}
	}
	defer zlibReaders.Put(zr)
	doc, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, err
	}
	if len(doc) > maxInflated {
		return nil, fmt.Errorf("inflates to more than %d bytes", maxInflated)
	}
	return doc, zr.Close()
}

// parseJSON turns the inflated document into Claims, checking presence,
// types and signs.
func parseJSON(doc []byte) (Claims, error) {
	var w wireClaims
	if err := json.Unmarshal(doc, &w); err != nil {
		return Claims{}, fmt.Errorf("usersig: decode JSON: %v: %w", err, ErrMalformed)
	}
	switch {
	case w.Identifier == nil:
		return Claims{}, missing("TLS.identifier")
	case w.SDKAppID == nil:
		return Claims{}, missing("TLS.sdkappid")
	case w.Time == nil:
		return Claims{}, missing("TLS.time")
	case w.Expire == nil:
		return Claims{}, missing("TLS.expire")
	case w.Sig == nil:
		return Claims{}, missing("TLS.sig")
	case *w.Time < 0:
		return Claims{}, fmt.Errorf("usersig: TLS.time is %d: %w", *w.Time, ErrMalformed)
	case *w.Expire < 0:
		return Claims{}, fmt.Errorf("usersig: TLS.expire is %d: %w", *w.Expire, ErrMalformed)
	}
	c := Claims{
		Identifier: *w.Identifier,
		SDKAppID:   *w.SDKAppID,
		Time:       *w.Time,
		Expire:     *w.Expire,
	}
	if w.Version != nil {
		c.Version = *w.Version
	}
	var err error
	if c.Sig, err = base64.StdEncoding.DecodeString(*w.Sig); err != nil {
		return Claims{}, fmt.Errorf("usersig: TLS.sig: %v: %w", err, ErrMalformed)
	}
	if w.UserBuf != nil {
		if c.UserBuf, err = base64.StdEncoding.DecodeString(*w.UserBuf); err != nil {
			return Claims{}, fmt.Errorf("usersig: TLS.userbuf: %v: %w", err, ErrMalformed)
		}
	}
	return c, nil
}

func missing(field string) error {
	return fmt.Errorf("usersig: %s missing: %w", field, ErrMalformed)
}

// zlibWriters recycles deflaters, which allocate several hundred kilobytes
// each; without the pool every Gen would pay for one.
var zlibWriters sync.Pool

// encode renders claims as a UserSig exactly as they are, signature
// included; it neither signs nor validates. Every field except TLS.ver is
// always written, so zero values survive a round trip, and TLS.userbuf is
// written whenever UserBuf is non-nil, even when empty, because presence is
// part of what is signed.
func encode(c Claims) (string, error) {
	doc, err := marshalJSON(c)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw, ok := zlibWriters.Get().(*zlib.Writer)
	if ok {
		zw.Reset(&buf)
	} else {
		zw = zlib.NewWriter(&buf)
	}
	defer zlibWriters.Put(zw)
	if _, err := zw.Write(doc); err != nil {
		return "", fmt.Errorf("usersig: compress: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("usersig: compress: %w", err)
	}
	return encodeBase64(buf.Bytes()), nil
}

// marshalJSON renders the JSON document of encode.
func marshalJSON(c Claims) ([]byte, error) {
	sig := base64.StdEncoding.EncodeToString(c.Sig)
	w := wireClaims{
		Identifier: &c.Identifier,
		SDKAppID:   &c.SDKAppID,
		Expire:     &c.Expire,
		Time:       &c.Time,
		Sig:        &sig,
	}
	if c.Version != "" {
		w.Version = &c.Version
	}
	if c.UserBuf != nil {
		ub := base64.StdEncoding.EncodeToString(c.UserBuf)
		w.UserBuf = &ub
	}
	doc, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("usersig: encode JSON: %w", err)
	}
	return doc, nil
}

// encodeBase64 encodes standard base64 and applies the reference's
// substitutions, which keep a UserSig intact in URLs and form fields.
func encodeBase64(b []byte) string {
	out := base64.StdEncoding.AppendEncode(nil, b)
	for i, c := range out {
		switch c {
		case '+':
			out[i] = '*'
		case '/':
			out[i] = '-'
		case '=':
			out[i] = '_'
		}
	}
	return string(out)
}
