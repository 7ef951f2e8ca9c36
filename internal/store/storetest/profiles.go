package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

var profileCases = []testCase{
	{"SetThenGet", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"))
		if err := s.SetProfile(t.Context(), app1, "a", items("Tag_Profile_IM_Nick", `"Alice"`, "Tag_Profile_IM_Level", `7`)); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}),
			map[string][]store.ProfileItem{"a": items("Tag_Profile_IM_Level", `7`, "Tag_Profile_IM_Nick", `"Alice"`)})
	}},
	{"SetOverwritesOnlyGivenTags", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a", items("N", `"old"`, "K", `"kept"`)...))
		if err := s.SetProfile(t.Context(), app1, "a", items("N", `"new"`, "X", `1`)); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}),
			map[string][]store.ProfileItem{"a": items("K", `"kept"`, "N", `"new"`, "X", `1`)})
	}},
	{"SetRepeatedTagLastWins", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"))
		if err := s.SetProfile(t.Context(), app1, "a", items("N", `"1"`, "M", `0`, "N", `"2"`)); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}),
			map[string][]store.ProfileItem{"a": items("M", `0`, "N", `"2"`)})
	}},
	{"SetEmptyItems", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a", items("N", `"x"`)...))
		if err := s.SetProfile(t.Context(), app1, "a", nil); err != nil {
			t.Fatalf("SetProfile(nil): %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}),
			map[string][]store.ProfileItem{"a": items("N", `"x"`)})
	}},
	{"SetMissingAccount", func(t *testing.T, s store.Store) {
		mustImport(t, s, app2, account("a")) // same UserID, other app
		err := s.SetProfile(t.Context(), app1, "a", items("N", `"x"`))
		checkErrorIs(t, "SetProfile of a missing account", err, store.ErrNotFound)
		err = s.SetProfile(t.Context(), app1, "a", nil)
		checkErrorIs(t, "SetProfile with no items of a missing account", err, store.ErrNotFound)
		if got := mustGetAccounts(t, s, app1, "a"); len(got) != 0 {
			t.Errorf("SetProfile created the account: %v", got)
		}
	}},
	{"GetTagFilter", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1,
			account("a", items("A", `1`, "B", `2`, "C", `3`)...),
			account("b", items("C", `30`)...))
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a", "b"}, "C", "A", "unknown", "A"),
			map[string][]store.ProfileItem{
				"a": items("A", `1`, "C", `3`),
				"b": items("C", `30`),
			})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a", "b"}, "B"),
			map[string][]store.ProfileItem{"a": items("B", `2`), "b": {}})
	}},
	{"GetOrderedByTagBytes", func(t *testing.T, s store.Store) {
		tags := []string{
			"Tag_Profile_IM_Nick", "Tag_Profile_Custom_Hobby", "a_lower", "Tag_Profile_IM_AllowType",
			"Z_upper", "_under", "Tag_Profile_IM_Gender", "é", "Tag_Profile_IM_Level", "tag_profile_im_nick", "10", "9",
		}
		var in []store.ProfileItem
		for i, tag := range tags {
			in = append(in, store.ProfileItem{Tag: tag, Value: fmt.Appendf(nil, "%d", i)})
		}
		mustImport(t, s, app1, account("a", in...))
		want := slices.Clone(in)
		slices.SortFunc(want, func(x, y store.ProfileItem) int {
			switch {
			case x.Tag < y.Tag: // Go compares strings bytewise
				return -1
			case x.Tag > y.Tag:
				return 1
			}
			return 0
		})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}), map[string][]store.ProfileItem{"a": want})
		// The same order with a tag filter.
		filtered := []store.ProfileItem{}
		for _, it := range want {
			if it.Tag[0] != 'T' {
				filtered = append(filtered, it)
			}
		}
		var filter []string
		for _, it := range filtered {
			filter = append(filter, it.Tag)
		}
		slices.Reverse(filter)
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}, filter...),
			map[string][]store.ProfileItem{"a": filtered})
	}},
	{"GetMissingAbsentExistingEmpty", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a", items("N", `"a"`)...), account("b"))
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a", "b", "missing", "a"}),
			map[string][]store.ProfileItem{"a": items("N", `"a"`), "b": {}})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a", "b", "missing"}, "nothing-matches"),
			map[string][]store.ProfileItem{"a": {}, "b": {}})
		checkProfiles(t, mustGetProfiles(t, s, app1, nil), map[string][]store.ProfileItem{})
	}},
	{"ValuesByteExact", func(t *testing.T, s store.Store) {
		var viaImport, viaSet []store.ProfileItem
		for i, v := range byteExactValues() {
			viaImport = append(viaImport, store.ProfileItem{Tag: fmt.Sprintf("Tag_%02d_导入", i), Value: v.value})
			viaSet = append(viaSet, store.ProfileItem{Tag: fmt.Sprintf("Tag_%02d_✓", i), Value: v.value})
		}
		mustImport(t, s, app1, account("imported", viaImport...), account("set"))
		if err := s.SetProfile(t.Context(), app1, "set", viaSet); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"imported", "set"}),
			map[string][]store.ProfileItem{"imported": viaImport, "set": viaSet})
	}},
	{"LongTagFilter", func(t *testing.T, s store.Store) {
		// A filter naming more tags than one account has, most unknown.
		mustImport(t, s, app1, account("a", items("Tag_Profile_IM_Nick", `"n"`, "Tag_Profile_Custom_7", `7`)...))
		filter := []string{"Tag_Profile_IM_Nick"}
		for i := range 300 {
			filter = append(filter, fmt.Sprintf("Tag_Profile_Custom_%d", i))
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}, filter...),
			map[string][]store.ProfileItem{"a": items("Tag_Profile_Custom_7", `7`, "Tag_Profile_IM_Nick", `"n"`)})
	}},
}
