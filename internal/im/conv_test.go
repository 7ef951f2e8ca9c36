package im

import (
	"errors"
	"strings"
	"testing"
)

func TestConvIDStringParse(t *testing.T) {
	for _, c := range []ConvID{C2C("bob"), Group("@TGS#1"), C2C("a:b"), Group("")} {
		got, err := ParseConvID(c.String())
		if err != nil || got != c {
			t.Errorf("ParseConvID(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
	}
	for _, s := range []string{"bob", "", "room:x", "C2C:bob"} {
		if _, err := ParseConvID(s); !errors.Is(err, ErrBadConvID) {
			t.Errorf("ParseConvID(%q) error = %v, want ErrBadConvID", s, err)
		}
	}
	if s := (ConvID{Kind: 9, ID: "x"}).String(); s != "kind(9):x" {
		t.Errorf("unknown kind String = %q", s)
	}
}

func TestConvIDCheck(t *testing.T) {
	for _, tc := range []struct {
		c  ConvID
		ok bool
	}{
		{C2C("bob"), true},
		{C2C(""), false},
		{C2C(strings.Repeat("u", MaxUserIDBytes+1)), false},
		{Group("@TGS#2C5SZEAEF"), true},
		{Group("custom group 1"), true},
		{Group(strings.Repeat("g", MaxGroupIDBytes)), true},
		{Group(strings.Repeat("g", MaxGroupIDBytes+1)), false},
		{Group(""), false},
		{Group("tab\there"), false},
		{Group("grüppe"), false},
		{ConvID{}, false},
		{ConvID{Kind: 3, ID: "x"}, false},
	} {
		err := tc.c.Check()
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadConvID)) {
			t.Errorf("%v.Check() = %v, want ok %v", tc.c, err, tc.ok)
		}
	}
	if err := C2C("").Check(); !errors.Is(err, ErrBadUserID) {
		t.Errorf("C2C(\"\").Check() = %v, want it to wrap ErrBadUserID", err)
	}
}
