// Package storetest is the contract suite of the store ports: every
// implementation of store.Store runs Run, so each documented behaviour is
// checked the same way on every backend. It also provides EachBackend, the
// one harness every package's tests use to run a body on SQLite and on
// PostgreSQL, and Backend.URL for the databases they need.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// Run runs the contract suite against the stores open returns. open must
// return a new, empty store that uses the real clock, and arrange (with
// t.Cleanup) for it to be closed when t ends; some cases close it earlier,
// so a second Close must be harmless. Cases run in parallel, each with its
// own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Apps", appCases},
		{"Accounts", accountCases},
		{"Profiles", profileCases},
		{"Messages", messageCases},
		{"Revisions", revisionCases},
		{"Conversations", conversationCases},
		{"Friends", friendCases},
		{"Groups", groupCases},
		{"AppendConcurrency", appendConcurrencyCases},
		{"Isolation", isolationCases},
		{"Concurrency", concurrencyCases},
		{"Lifecycle", lifecycleCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
}

// testCase is one behaviour, checked on a fresh store.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// SDKAppIDs used by the cases.
const (
	app1 uint64 = 1400000001
	app2 uint64 = 1400000002
)

// items builds profile items from tag, value pairs; values are raw JSON.
func items(tagValues ...string) []store.ProfileItem {
	if len(tagValues)%2 != 0 {
		panic("storetest: items needs tag, value pairs")
	}
	out := []store.ProfileItem{}
	for i := 0; i < len(tagValues); i += 2 {
		out = append(out, store.ProfileItem{Tag: tagValues[i], Value: []byte(tagValues[i+1])})
	}
	return out
}

// account builds a NewAccount.
func account(userID string, profile ...store.ProfileItem) store.NewAccount {
	return store.NewAccount{UserID: userID, Profile: profile}
}

func mustImport(t *testing.T, s store.Store, app uint64, accounts ...store.NewAccount) []bool {
	t.Helper()
	created, err := s.ImportAccounts(t.Context(), app, accounts)
	if err != nil {
		t.Fatalf("ImportAccounts(%d, %d accounts): %v", app, len(accounts), err)
	}
	if len(created) != len(accounts) {
		t.Fatalf("ImportAccounts returned %d flags for %d accounts", len(created), len(accounts))
	}
	return created
}

func mustCreateApp(t *testing.T, s store.Store, app store.App) {
	t.Helper()
	if err := s.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp(%d): %v", app.SDKAppID, err)
	}
}

func mustGetProfiles(t *testing.T, s store.Store, app uint64, userIDs []string, tags ...string) map[string][]store.ProfileItem {
	t.Helper()
	got, err := s.GetProfiles(t.Context(), app, userIDs, tags)
	if err != nil {
		t.Fatalf("GetProfiles(%d, %q, %q): %v", app, userIDs, tags, err)
	}
	if got == nil {
		t.Fatalf("GetProfiles(%d, %q, %q) returned a nil map", app, userIDs, tags)
	}
	return got
}

func mustGetAccounts(t *testing.T, s store.Store, app uint64, userIDs ...string) map[string]store.Account {
	t.Helper()
	got, err := s.GetAccounts(t.Context(), app, userIDs)
	if err != nil {
		t.Fatalf("GetAccounts(%d, %q): %v", app, userIDs, err)
	}
	return got
}

func mustRevokedAt(t *testing.T, s store.Store, app uint64, userID string) int64 {
	t.Helper()
	at, err := s.SignInsRevokedAt(t.Context(), app, userID)
	if err != nil {
		t.Fatalf("SignInsRevokedAt(%d, %q): %v", app, userID, err)
	}
	return at
}

// checkProfiles compares profiles byte for byte, including that present
// accounts map to non-nil slices.
func checkProfiles(t *testing.T, got, want map[string][]store.ProfileItem) {
	t.Helper()
	if !profilesEqual(got, want) {
		t.Errorf("profiles:\n got %s\nwant %s", formatProfiles(got), formatProfiles(want))
	}
	for id, its := range got {
		if its == nil {
			t.Errorf("profile of %q is a nil slice, want non-nil", id)
		}
	}
}

func profilesEqual(a, b map[string][]store.ProfileItem) bool {
	if len(a) != len(b) {
		return false
	}
	for id, x := range a {
		y, ok := b[id]
		if !ok || !slices.EqualFunc(x, y, func(p, q store.ProfileItem) bool {
			return p.Tag == q.Tag && bytes.Equal(p.Value, q.Value)
		}) {
			return false
		}
	}
	return true
}

func formatProfiles(m map[string][]store.ProfileItem) string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("{")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: [", id)
		for j, it := range m[id] {
			if j > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%q=%q", it.Tag, it.Value)
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

func checkFlags(t *testing.T, what string, got, want []bool) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkErrorIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
