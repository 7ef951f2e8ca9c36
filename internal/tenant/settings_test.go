package tenant

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/im"
)

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	ok := DefaultSettings()
	cases := []struct {
		name   string
		change func(*Settings)
		bad    string // a fragment of the error, "" = valid
	}{
		{"defaults", func(*Settings) {}, ""},
		{"rate 0", func(s *Settings) { s.RestRateLimit = 0 }, "RestRateLimit"},
		{"rate huge", func(s *Settings) { s.RestRateLimit = MaxRestRateLimit + 1 }, "RestRateLimit"},
		{"max admins 0", func(s *Settings) { s.MaxAdmins = 0 }, "MaxAdmins"},
		{"max admins 11", func(s *Settings) { s.MaxAdmins = 11 }, "MaxAdmins"},
		{"no admins", func(s *Settings) { s.Admins = nil }, "at least one"},
		{"too many admins", func(s *Settings) { s.Admins = []string{"a", "b", "c", "d", "e", "f"} }, "MaxAdmins is 5"},
		{"ten admins allowed when raised", func(s *Settings) {
			s.MaxAdmins = 10
			s.Admins = strings.Split("a,b,c,d,e,f,g,h,i,j", ",")
		}, ""},
		{"duplicate admin", func(s *Settings) { s.Admins = []string{"a", "a"} }, "twice"},
		{"admin too long", func(s *Settings) { s.Admins = []string{strings.Repeat("x", 33)} }, "33 bytes"},
		{"custom key digits", func(s *Settings) { s.CustomProfileTags = []string{"ab1"} }, "letters only"},
		{"custom key 9 bytes", func(s *Settings) { s.CustomProfileTags = []string{"abcdefghi"} }, "1..8"},
		{"custom key 8 bytes", func(s *Settings) { s.CustomProfileTags = []string{"abcdefgh"} }, ""},
		{"custom key empty", func(s *Settings) { s.CustomProfileTags = []string{""} }, "1..8"},
		{"too many custom keys", func(s *Settings) {
			s.CustomProfileTags = nil
			for i := range MaxCustomProfileTags + 1 {
				s.CustomProfileTags = append(s.CustomProfileTags, "k"+strings.Repeat("a", i%7)+string(rune('a'+i%26)))
			}
		}, "at most"},
		{"friend key digits", func(s *Settings) { s.CustomFriendTags = []string{"ab1"} }, "CustomFriendTags \"ab1\": key must be letters only"},
		{"friend key 9 bytes", func(s *Settings) { s.CustomFriendTags = []string{"abcdefghi"} }, "1..8"},
		{"friend key 8 bytes", func(s *Settings) { s.CustomFriendTags = []string{"abcdefgh", "Level"} }, ""},
		{"friend key empty", func(s *Settings) { s.CustomFriendTags = []string{""} }, "1..8"},
		{"friend key twice", func(s *Settings) { s.CustomFriendTags = []string{"Level", "Level"} }, "CustomFriendTags \"Level\": listed twice"},
		{"too many friend keys", func(s *Settings) {
			s.CustomFriendTags = nil
			for i := range MaxCustomFriendTags + 1 {
				s.CustomFriendTags = append(s.CustomFriendTags, "k"+strings.Repeat("a", i%7)+string(rune('a'+i%26)))
			}
		}, "CustomFriendTags: 21 given, at most 20"},
		{"retention 0", func(s *Settings) { s.HistoryRetentionDays = 0 }, "HistoryRetentionDays"},
		{"several problems at once", func(s *Settings) { s.RestRateLimit, s.HistoryRetentionDays = 0, 0 }, "RestRateLimit 0: must be 1..1000000; HistoryRetentionDays"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ok.clone()
			c.change(&s)
			err := s.Validate()
			if c.bad == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if code, _ := im.CodeOf(err); code != im.CodeInvalidParameter || !strings.Contains(err.Error(), c.bad) {
				t.Fatalf("err = %v, want 70402 mentioning %q", err, c.bad)
			}
		})
	}
}

func TestApplyPatchDoesNotAlias(t *testing.T) {
	t.Parallel()
	base := DefaultSettings("a", "b")
	next, err := base.applyPatch([]byte(`{"Admins":["z"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if base.Admins[0] != "a" || next.Admins[0] != "z" || len(next.Admins) != 1 {
		t.Fatalf("patch aliased the original: base %v next %v", base.Admins, next.Admins)
	}
	if _, err := base.applyPatch([]byte(`{"Nope":1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
}

func TestApplyPatchStripsCustomTagPrefixes(t *testing.T) {
	t.Parallel()
	next, err := DefaultSettings().applyPatch([]byte(`{"CustomFriendTags":["Tag_SNS_Custom_Level","Mood"],"CustomProfileTags":["Tag_Profile_Custom_Hobby"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(next.CustomFriendTags, ",") != "Level,Mood" || strings.Join(next.CustomProfileTags, ",") != "Hobby" {
		t.Fatalf("friend keys %v, profile keys %v; want [Level Mood], [Hobby]", next.CustomFriendTags, next.CustomProfileTags)
	}
	if err := next.Validate(); err != nil {
		t.Fatal(err)
	}
}
