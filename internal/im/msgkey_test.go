package im

import (
	"math"
	"strings"
	"testing"
)

func TestMsgKeyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		seq    uint64
		random uint32
		t      int64
		key    string
	}{
		{31906, 833502, 1572869830, "31906_833502_1572869830"},
		{0, 0, 0, "0_0_0"},
		{math.MaxInt64, math.MaxUint32, math.MaxInt64 / 1000, "9223372036854775807_4294967295_9223372036854775"},
		{1, 2, -math.MaxInt64 / 1000, "1_2_-9223372036854775"},
	} {
		if got := FormatMsgKey(tc.seq, tc.random, tc.t); got != tc.key {
			t.Errorf("FormatMsgKey = %q, want %q", got, tc.key)
		}
		seq, random, ts, err := ParseMsgKey(tc.key)
		if err != nil || seq != tc.seq || random != tc.random || ts != tc.t {
			t.Errorf("ParseMsgKey(%q) = %d, %d, %d, %v", tc.key, seq, random, ts, err)
		}
	}
}

func TestParseMsgKeyInvalid(t *testing.T) {
	for _, key := range []string{
		"", "_", "__", "1_2", "1_2_3_4", "a_2_3", "1_b_3", "1_2_c", "1__3", "_2_3", "1_2_",
		"-1_2_3", "1_-2_3", "+1_2_3", "1_+2_3", "1_2_+3", "01_2_3", "1_02_3", "1_2_03", "1_2_-0",
		" 1_2_3", "1_2_3 ", "1 _2_3", "1_4294967296_3", "18446744073709551616_1_1",
		"1_2_9223372036854775808", "1_2_3\x00",
		// Well formed, but beyond what a stored message can have: the seq
		// would wrap to a negative int64, the time overflow milliseconds.
		"9223372036854775808_1_1", "18446744073709551615_4294967295_9223372036854775807",
		"1_2_9223372036854776", "1_2_-9223372036854776", "1_2_-9223372036854775808", "１_2_3", strings.Repeat("1", 60) + "_1_1",
	} {
		_, _, _, err := ParseMsgKey(key)
		wantCode(t, err, CodeMsgKeyInvalid, "MsgKey")
	}
}

func FuzzParseMsgKey(f *testing.F) {
	f.Add("31906_833502_1572869830")
	f.Add("0_0_-1")
	f.Add("1_2")
	f.Fuzz(func(t *testing.T, key string) {
		seq, random, ts, err := ParseMsgKey(key)
		if err != nil {
			return
		}
		if again := FormatMsgKey(seq, random, ts); again != key {
			t.Fatalf("ParseMsgKey accepted %q, which formats back as %q", key, again)
		}
	})
}
