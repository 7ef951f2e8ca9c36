package im

import (
	"strconv"
	"strings"
)

// maxMsgKeyLen bounds the input ParseMsgKey looks at: the longest key
// FormatMsgKey can produce (20 + 10 + 20 digits and signs, two separators).
const maxMsgKeyLen = 52

// FormatMsgKey returns the MsgKey of a C2C message, "{seq}_{random}_{time}"
// in decimal, the shape the reference's callbacks show (e.g.
// "31906_833502_1572869830"). t is the message time in Unix seconds.
func FormatMsgKey(seq uint64, random uint32, t int64) string {
	var buf [maxMsgKeyLen]byte
	b := strconv.AppendUint(buf[:0], seq, 10)
	b = append(b, '_')
	b = strconv.AppendUint(b, uint64(random), 10)
	b = append(b, '_')
	b = strconv.AppendInt(b, t, 10)
	return string(b)
}

// ParseMsgKey splits a MsgKey made by FormatMsgKey. It accepts exactly the
// strings FormatMsgKey produces (no signs other than a negative time, no
// leading zeros, no spaces), so a key has one spelling, and only a seq up
// to MaxSeq and a time within ±MaxUnixSeconds. An invalid key is a
// 90054 *Error; a caller whose command has another code for it re-codes.
func ParseMsgKey(key string) (seq uint64, random uint32, t int64, err error) {
	bad := func(why string) (uint64, uint32, int64, error) {
		return 0, 0, 0, Errorf(CodeMsgKeyInvalid, "MsgKey %.60q is invalid: %s", key, why)
	}
	if len(key) > maxMsgKeyLen {
		return bad("too long")
	}
	seqText, rest, ok1 := strings.Cut(key, "_")
	randomText, timeText, ok2 := strings.Cut(rest, "_")
	if !ok1 || !ok2 {
		return bad(`want "{seq}_{random}_{time}"`)
	}
	seq, err1 := strconv.ParseUint(seqText, 10, 64)
	r, err2 := strconv.ParseUint(randomText, 10, 32)
	t, err3 := strconv.ParseInt(timeText, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return bad("parts must be decimal integers in range")
	}
	if FormatMsgKey(seq, uint32(r), t) != key {
		return bad("not in canonical form")
	}
	if seq > MaxSeq || t > MaxUnixSeconds || t < -MaxUnixSeconds {
		return bad("sequence number or time out of range")
	}
	return seq, uint32(r), t, nil
}
