package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
)

var accountCases = []testCase{
	{"ImportNew", func(t *testing.T, s store.Store) {
		before := time.Now().Add(-time.Second)
		created := mustImport(t, s, app1, account("alice"), account("bob"), account("carol"))
		checkFlags(t, "created", created, []bool{true, true, true})
		got := mustGetAccounts(t, s, app1, "alice", "bob", "carol")
		if len(got) != 3 {
			t.Fatalf("GetAccounts returned %d accounts, want 3: %v", len(got), got)
		}
		for id, a := range got {
			if a.UserID != id {
				t.Errorf("account %q = %+v, want UserID %q", id, a, id)
			}
			if a.CreatedAt.Before(before) || a.CreatedAt.After(time.Now().Add(time.Second)) {
				t.Errorf("account %q CreatedAt = %v, want about now", id, a.CreatedAt)
			}
		}
	}},
	{"ImportExistingAndNew", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1,
			account("alice", items("Tag_Profile_IM_Nick", `"A"`)...),
			account("bob", items("Tag_Profile_IM_Nick", `"B"`, "Tag_Profile_IM_Gender", `"Gender_Type_Male"`)...))
		bobBefore := mustGetAccounts(t, s, app1, "bob")["bob"]

		created := mustImport(t, s, app1,
			account("bob", items("Tag_Profile_IM_Nick", `"B2"`)...),
			account("carol"))
		checkFlags(t, "created", created, []bool{false, true})

		if got := mustGetAccounts(t, s, app1, "bob")["bob"]; !got.CreatedAt.Equal(bobBefore.CreatedAt) {
			t.Errorf("re-import changed bob's CreatedAt from %v to %v", bobBefore.CreatedAt, got.CreatedAt)
		}
		// Given tags are overwritten, others kept; accounts imported
		// without items keep theirs.
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"alice", "bob", "carol"}),
			map[string][]store.ProfileItem{
				"alice": items("Tag_Profile_IM_Nick", `"A"`),
				"bob":   items("Tag_Profile_IM_Gender", `"Gender_Type_Male"`, "Tag_Profile_IM_Nick", `"B2"`),
				"carol": {},
			})
	}},
	{"ImportDuplicatesInInput", func(t *testing.T, s store.Store) {
		// A repeated UserID is imported once. created reports for every
		// position whether the account existed before the call; items
		// apply in order, later ones winning per tag.
		created := mustImport(t, s, app1,
			account("x", items("A", `1`, "C", `9`)...),
			account("y"),
			account("x", items("A", `2`, "B", `3`)...),
			account("z", items("T", `"first"`, "T", `"second"`)...))
		checkFlags(t, "created", created, []bool{true, true, true, true})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"x", "y", "z"}),
			map[string][]store.ProfileItem{
				"x": items("A", `2`, "B", `3`, "C", `9`),
				"y": {},
				"z": items("T", `"second"`),
			})
		created = mustImport(t, s, app1, account("x"), account("x"), account("new"), account("new"))
		checkFlags(t, "created on re-import", created, []bool{false, false, true, true})
	}},
	{"ImportEmpty", func(t *testing.T, s store.Store) {
		created, err := s.ImportAccounts(t.Context(), app1, nil)
		if err != nil || len(created) != 0 {
			t.Errorf("ImportAccounts(nil) = %v, %v; want no flags, no error", created, err)
		}
	}},
	{"DeleteReportsExisted", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a", items("N", `"a"`)...), account("b"), account("keep"))
		existed, err := s.DeleteAccounts(t.Context(), app1, []string{"a", "missing", "b", "a"}, 0)
		if err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		checkFlags(t, "existed", existed, []bool{true, false, true, true})
		got := mustGetAccounts(t, s, app1, "a", "b", "keep")
		if _, ok := got["keep"]; len(got) != 1 || !ok {
			t.Errorf("after delete GetAccounts = %v, want only keep", got)
		}
		existed, err = s.DeleteAccounts(t.Context(), app1, []string{"a", "b"}, 0)
		if err != nil {
			t.Fatalf("second DeleteAccounts: %v", err)
		}
		checkFlags(t, "existed on second delete", existed, []bool{false, false})
	}},
	{"DeleteRemovesProfileAndReimportStartsClean", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1,
			account("a", items("Tag_Profile_IM_Nick", `"old"`, "Tag_Profile_Custom_x", `"1"`)...),
			account("b", items("Tag_Profile_IM_Nick", `"b"`)...))
		if _, err := s.DeleteAccounts(t.Context(), app1, []string{"a"}, 0); err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a", "b"}),
			map[string][]store.ProfileItem{"b": items("Tag_Profile_IM_Nick", `"b"`)})

		created := mustImport(t, s, app1, account("a"))
		checkFlags(t, "created on re-import", created, []bool{true})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"a"}),
			map[string][]store.ProfileItem{"a": {}})
	}},
	{"DeleteEmpty", func(t *testing.T, s store.Store) {
		existed, err := s.DeleteAccounts(t.Context(), app1, nil, 0)
		if err != nil || len(existed) != 0 {
			t.Errorf("DeleteAccounts(nil) = %v, %v; want no flags, no error", existed, err)
		}
	}},
	{"GetAccountsMixed", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"), account("b"))
		got := mustGetAccounts(t, s, app1, "missing1", "a", "b", "a", "missing2")
		if len(got) != 2 || got["a"].UserID != "a" || got["b"].UserID != "b" {
			t.Errorf("GetAccounts = %v, want a and b", got)
		}
		if got := mustGetAccounts(t, s, app1); len(got) != 0 {
			t.Errorf("GetAccounts() = %v, want empty", got)
		}
	}},
	{"RevokeSignInsIsMonotonic", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"), account("other"))
		if got := mustRevokedAt(t, s, app1, "a"); got != 0 {
			t.Errorf("before any revocation SignInsRevokedAt = %d, want 0", got)
		}
		for _, step := range []struct{ at, want int64 }{
			{100, 100}, {50, 100}, {100, 100}, {200, 200}, {0, 200},
		} {
			if err := s.RevokeSignIns(t.Context(), app1, "a", step.at); err != nil {
				t.Fatalf("RevokeSignIns(%d): %v", step.at, err)
			}
			if got := mustRevokedAt(t, s, app1, "a"); got != step.want {
				t.Errorf("after RevokeSignIns(%d) SignInsRevokedAt = %d, want %d", step.at, got, step.want)
			}
		}
		if got := mustRevokedAt(t, s, app1, "other"); got != 0 {
			t.Errorf("other account's SignInsRevokedAt = %d, want 0", got)
		}
	}},
	{"RevokeSignInsMissing", func(t *testing.T, s store.Store) {
		err := s.RevokeSignIns(t.Context(), app1, "ghost", 100)
		checkErrorIs(t, "RevokeSignIns of a missing account", err, store.ErrNotFound)
		if got := mustGetAccounts(t, s, app1, "ghost"); len(got) != 0 {
			t.Errorf("RevokeSignIns created the account: %v", got)
		}
		if got := mustRevokedAt(t, s, app1, "ghost"); got != 0 {
			t.Errorf("RevokeSignIns of a missing account recorded %d", got)
		}
	}},
	{"RevocationSurvivesDeleteAndReimport", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"))
		if err := s.RevokeSignIns(t.Context(), app1, "a", 1_700_000_000); err != nil {
			t.Fatalf("RevokeSignIns: %v", err)
		}
		if _, err := s.DeleteAccounts(t.Context(), app1, []string{"a"}, 0); err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		if got := mustRevokedAt(t, s, app1, "a"); got != 1_700_000_000 {
			t.Errorf("after delete SignInsRevokedAt = %d, want 1700000000", got)
		}
		checkFlags(t, "created on re-import", mustImport(t, s, app1, account("a")), []bool{true})
		if got := mustRevokedAt(t, s, app1, "a"); got != 1_700_000_000 {
			t.Errorf("after re-import SignInsRevokedAt = %d, want 1700000000", got)
		}
		if err := s.RevokeSignIns(t.Context(), app1, "a", 1_700_000_500); err != nil {
			t.Fatalf("RevokeSignIns after re-import: %v", err)
		}
		if got := mustRevokedAt(t, s, app1, "a"); got != 1_700_000_500 {
			t.Errorf("after a second kick SignInsRevokedAt = %d, want 1700000500", got)
		}
	}},
	{"DeleteRevokesSignIns", func(t *testing.T, s store.Store) {
		mustImport(t, s, app1, account("a"), account("b"), account("kicked"), account("plain"))
		if err := s.RevokeSignIns(t.Context(), app1, "kicked", 900); err != nil {
			t.Fatalf("RevokeSignIns: %v", err)
		}
		existed, err := s.DeleteAccounts(t.Context(), app1, []string{"a", "ghost", "kicked", "a"}, 500)
		if err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		checkFlags(t, "existed", existed, []bool{true, false, true, true})
		if _, err := s.DeleteAccounts(t.Context(), app1, []string{"plain"}, 0); err != nil {
			t.Fatalf("DeleteAccounts without revocation: %v", err)
		}
		// A missing account gets no revocation (deleting unknown IDs must
		// not grow the table); a later kick is kept.
		for id, want := range map[string]int64{"a": 500, "ghost": 0, "kicked": 900, "plain": 0, "b": 0} {
			if got := mustRevokedAt(t, s, app1, id); got != want {
				t.Errorf("SignInsRevokedAt(%q) = %d, want %d", id, got, want)
			}
		}
	}},
	{"UnicodeUserIDs", func(t *testing.T, s store.Store) {
		// "\u00e9" and "e\u0301" look alike but are different IDs.
		ids := []string{"用户一", "🙂emoji", "Ünïcödé", "with space", `quote'"`, "\u00e9", "e\u0301", "E\u0301"}
		var accounts []store.NewAccount
		want := map[string][]store.ProfileItem{}
		for _, id := range ids {
			accounts = append(accounts, account(id, items("Tag_Profile_IM_Nick", fmt.Sprintf("%q", id))...))
			want[id] = items("Tag_Profile_IM_Nick", fmt.Sprintf("%q", id))
		}
		created := mustImport(t, s, app1, accounts...)
		checkFlags(t, "created", created, slices.Repeat([]bool{true}, len(ids)))
		if got := mustGetAccounts(t, s, app1, ids...); len(got) != len(ids) {
			t.Errorf("GetAccounts found %d of %d accounts: %v", len(got), len(ids), got)
		}
		checkProfiles(t, mustGetProfiles(t, s, app1, ids), want)
	}},
	{"ManyAccountsInOneCall", func(t *testing.T, s store.Store) {
		const n = 1200 // beyond any one-statement batch limit
		ids := make([]string, n)
		accounts := make([]store.NewAccount, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("user%05d", i)
			accounts[i] = account(ids[i], items("Tag_Profile_IM_Nick", fmt.Sprintf(`"%d"`, i), "Tag_Profile_IM_Level", "1")...)
		}
		for i, c := range mustImport(t, s, app1, accounts...) {
			if !c {
				t.Fatalf("created[%d] = false", i)
			}
		}
		if got := mustGetAccounts(t, s, app1, ids...); len(got) != n {
			t.Fatalf("GetAccounts found %d of %d", len(got), n)
		}
		profiles := mustGetProfiles(t, s, app1, ids, "Tag_Profile_IM_Nick")
		for i, id := range ids {
			if p := profiles[id]; len(p) != 1 || string(p[0].Value) != fmt.Sprintf(`"%d"`, i) {
				t.Fatalf("profile of %s = %v", id, p)
			}
		}
		existed, err := s.DeleteAccounts(t.Context(), app1, ids, 0)
		if err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		for i, e := range existed {
			if !e {
				t.Fatalf("existed[%d] = false", i)
			}
		}
		if got := mustGetAccounts(t, s, app1, ids...); len(got) != 0 {
			t.Errorf("%d accounts left after delete", len(got))
		}
	}},
}
