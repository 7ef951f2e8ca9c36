package account

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-im/parley/internal/im"
)

// normalize checks a tag's JSON value against its spec and returns the
// value's canonical JSON encoding, the form the store keeps: a JSON string
// re-encoded without HTML escaping, or an integer in plain decimal.
//
// Codes: 40001 missing or malformed value; 40610 wrong JSON type (a number
// for a string tag, a string, float or other type for an integer tag);
// 40601 string too long; 40605 value outside an enumeration or integer out
// of range (negative or above 2^32-1).
func (t tagSpec) normalize(tag string, raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, im.Errorf(im.CodeProfileBadParams, "%s: Value missing", tag)
	}
	if !json.Valid(raw) {
		return nil, im.Errorf(im.CodeProfileBadParams, "%s: Value is not valid JSON", tag)
	}
	if t.kind == kindUint32 {
		return normalizeUint32(tag, raw)
	}
	return t.normalizeString(tag, raw)
}

func (t tagSpec) normalizeString(tag string, raw json.RawMessage) ([]byte, error) {
	if raw[0] != '"' {
		return nil, im.Errorf(im.CodeProfileTypeMismatch, "%s: Value must be a string, got JSON %s", tag, im.JSONKind(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, im.Errorf(im.CodeProfileBadParams, "%s: Value: %v", tag, err)
	}
	if len(s) > t.maxBytes {
		return nil, im.Errorf(im.CodeProfileValueTooLong, "%s: Value is %d bytes, at most %d", tag, len(s), t.maxBytes)
	}
	if t.enum != nil && !slices.Contains(t.enum, s) {
		return nil, im.Errorf(im.CodeProfileBadValue, "%s: Value %q must be one of %s", tag, s, strings.Join(t.enum, ", "))
	}
	return encodeString(s), nil
}

func normalizeUint32(tag string, raw json.RawMessage) ([]byte, error) {
	if im.JSONKind(raw) != "number" {
		return nil, im.Errorf(im.CodeProfileTypeMismatch, "%s: Value must be an integer, got JSON %s", tag, im.JSONKind(raw))
	}
	text := string(raw)
	if strings.ContainsAny(text, ".eE") {
		return nil, im.Errorf(im.CodeProfileTypeMismatch, "%s: Value must be an integer, got %s", tag, text)
	}
	if text[0] == '-' {
		return nil, im.Errorf(im.CodeProfileBadValue, "%s: Value %s is negative, want 0..4294967295", tag, text)
	}
	n, err := strconv.ParseUint(text, 10, 32)
	if err != nil {
		return nil, im.Errorf(im.CodeProfileBadValue, "%s: Value %s is out of range 0..4294967295", tag, text)
	}
	return strconv.AppendUint(nil, n, 10), nil
}

// encodeString is the JSON encoding of s without HTML escaping.
func encodeString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
