package friend

import (
	"errors"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/im"
)

func TestOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		o    Option
		v    string
		want bool
		code int
	}{
		{"add default both", AddBoth, "", true, 0},
		{"add single", AddBoth, "Add_Type_Single", false, 0},
		{"delete default both", DeleteBoth, "", true, 0},
		{"delete all default single", DeleteAllBoth, "", false, 0},
		{"delete all both", DeleteAllBoth, "Delete_Type_Both", true, 0},
		{"check default both", CheckBoth, "", true, 0},
		{"blacklist check single", BlacklistCheckBoth, "BlackCheckResult_Type_Single", false, 0},
		{"requests default incoming", Incoming, "", true, 0},
		{"requests sent", Incoming, "Pendency_Type_SendOut", false, 0},
		{"friend lists without members by default", NeedFriends, "", false, 0},
		{"unknown value", CheckBoth, "CheckResult_Type_Sideways", false, im.CodeSNSBadParams},
		{"another option's value", DeleteBoth, "Add_Type_Both", false, im.CodeSNSBadParams},
	}
	for _, c := range cases {
		got, err := c.o.Parse(c.v)
		var e *im.Error
		switch {
		case c.code == 0 && (err != nil || got != c.want):
			t.Errorf("%s: Parse(%q) = %v, %v; want %v", c.name, c.v, got, err, c.want)
		case c.code != 0 && (!errors.As(err, &e) || e.Code != c.code || !strings.Contains(e.Info, c.v)):
			t.Errorf("%s: Parse(%q) error %v, want %d quoting the value", c.name, c.v, err, c.code)
		}
	}
}
