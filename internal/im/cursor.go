package im

import (
	"encoding/json"
	"math"
	"strconv"
)

// Bounds of the positions and times a request may carry. The store keeps
// sequence numbers as signed 64-bit integers and times in milliseconds, so
// a larger value would wrap into a negative one and select the wrong rows;
// it is refused instead, with the value the caller sent in the error text.
const (
	// MaxSeq is the largest sequence number or sequence cursor (MsgSeq,
	// SyncSeq, a sync position, a read position) a request may name.
	MaxSeq = math.MaxInt64
	// MaxUnixSeconds is the largest time in Unix seconds a request may
	// name (MinTime, MaxTime, MsgReadTime, a MsgKey's time).
	MaxUnixSeconds = math.MaxInt64 / 1000
)

// ParseSeq reads a sequence cursor named name from a request field decoded
// as a json.Number (absent: 0). Anything but an integer in 0..MaxSeq is an
// *Error with code quoting what the caller sent.
func ParseSeq(name string, n json.Number, code int) (uint64, error) {
	if n == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil || v > MaxSeq {
		return 0, Errorf(code, "%s must be an integer in 0..%d, got %s", name, uint64(MaxSeq), clip(string(n)))
	}
	return v, nil
}

// CheckSeq refuses, as an *Error with code, a sequence cursor beyond
// MaxSeq, quoting it.
func CheckSeq(name string, v uint64, code int) error {
	if v > MaxSeq {
		return Errorf(code, "%s %d is beyond the largest sequence number %d", name, v, uint64(MaxSeq))
	}
	return nil
}

// CheckUnixSeconds refuses, as an *Error with code, a time in Unix seconds
// outside 0..MaxUnixSeconds, quoting it.
func CheckUnixSeconds(name string, v int64, code int) error {
	if v < 0 || v > MaxUnixSeconds {
		return Errorf(code, "%s %d is outside 0..%d", name, v, int64(MaxUnixSeconds))
	}
	return nil
}
