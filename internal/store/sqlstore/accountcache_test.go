package sqlstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// TestAccountCacheFollowsWrites: reads answered from the account cache see
// every write made through the store: profile changes, kicks, deletions
// and re-imports.
func TestAccountCacheFollowsWrites(t *testing.T) {
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "a.db")})
	ctx := t.Context()
	const app = 1400000001
	nick := func(v string) []store.ProfileItem {
		return []store.ProfileItem{{Tag: "Tag_Profile_IM_Nick", Value: []byte(`"` + v + `"`)}}
	}
	if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "a", Profile: nick("one")}, {UserID: "b"}}); err != nil {
		t.Fatal(err)
	}
	getNick := func() string {
		t.Helper()
		p, err := s.GetProfiles(ctx, app, []string{"a"}, []string{"Tag_Profile_IM_Nick"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p["a"]) != 1 {
			return ""
		}
		return string(p["a"][0].Value)
	}
	for range 2 { // the second read is served from the cache
		if got, err := s.GetAccounts(ctx, app, []string{"a", "b", "nobody"}); err != nil || len(got) != 2 {
			t.Fatalf("GetAccounts = %v, %v; want a and b", got, err)
		}
		if got := getNick(); got != `"one"` {
			t.Fatalf("nick = %s, want \"one\"", got)
		}
	}
	if err := s.SetProfile(ctx, app, "a", nick("two")); err != nil {
		t.Fatal(err)
	}
	if got := getNick(); got != `"two"` {
		t.Errorf("after SetProfile, nick = %s, want \"two\"", got)
	}
	revokedAt := func() int64 {
		t.Helper()
		at, err := s.SignInsRevokedAt(ctx, app, "a")
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for range 2 { // the second read is served from the cache
		if got := revokedAt(); got != 0 {
			t.Fatalf("before RevokeSignIns, SignInsRevokedAt = %d, want 0", got)
		}
	}
	if err := s.RevokeSignIns(ctx, app, "a", 12345); err != nil {
		t.Fatal(err)
	}
	if got := revokedAt(); got != 12345 {
		t.Errorf("after RevokeSignIns, SignInsRevokedAt = %d, want 12345", got)
	}
	if _, err := s.DeleteAccounts(ctx, app, []string{"a"}, 23456); err != nil {
		t.Fatal(err)
	}
	if got := revokedAt(); got != 23456 {
		t.Errorf("after DeleteAccounts, SignInsRevokedAt = %d, want 23456", got)
	}
	if got, _ := s.GetAccounts(ctx, app, []string{"a", "b"}); len(got) != 1 {
		t.Errorf("after DeleteAccounts, GetAccounts = %v, want only b", got)
	}
	if p, _ := s.GetProfiles(ctx, app, []string{"a"}, nil); len(p) != 0 {
		t.Errorf("after DeleteAccounts, GetProfiles = %v, want none", p)
	}
	if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "a", Profile: nick("three")}}); err != nil {
		t.Fatal(err)
	}
	if got := getNick(); got != `"three"` {
		t.Errorf("after re-import, nick = %s, want \"three\"", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccounts(ctx, app, []string{"b"}); err == nil {
		t.Error("GetAccounts after Close answered from the cache")
	}
}

// TestAccountCacheConcurrentWrites: readers racing a writer never leave a
// stale profile in the cache: once the writes stop, every read sees the
// last one.
func TestAccountCacheConcurrentWrites(t *testing.T) {
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "a.db")})
	ctx := t.Context()
	const app = 1400000001
	if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "a"}}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.GetAccounts(ctx, app, []string{"a"}); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.GetProfiles(ctx, app, []string{"a"}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	last := ""
	for i := range 200 {
		last = fmt.Sprintf(`"v%d"`, i)
		if err := s.SetProfile(ctx, app, "a", []store.ProfileItem{{Tag: "Tag_Profile_IM_Nick", Value: []byte(last)}}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	p, err := s.GetProfiles(ctx, app, []string{"a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p["a"]) != 1 || string(p["a"][0].Value) != last {
		t.Errorf("after the writes, profile = %v, want nick %s", p["a"], last)
	}
}

// TestAccountCacheReadBeforeWrite: a profile read before a write committed
// is not put in the cache after it, even when the account was cached again
// in between.
func TestAccountCacheReadBeforeWrite(t *testing.T) {
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "a.db")})
	ctx := t.Context()
	const app = 1400000001
	item := func(v string) []store.ProfileItem {
		return []store.ProfileItem{{Tag: "Tag_Profile_IM_Nick", Value: []byte(v)}}
	}
	if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "a", Profile: item(`"old"`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccounts(ctx, app, []string{"a"}); err != nil { // cache the account
		t.Fatal(err)
	}
	read, resume := make(chan struct{}), make(chan struct{})
	s.beforeFill = func() { close(read); <-resume }
	done := make(chan error)
	go func() {
		_, err := s.GetProfiles(ctx, app, []string{"a"}, nil) // reads "old", then waits
		done <- err
	}()
	<-read
	s.beforeFill = nil
	if err := s.SetProfile(ctx, app, "a", item(`"new"`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccounts(ctx, app, []string{"a"}); err != nil { // cached again
		t.Fatal(err)
	}
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, err := s.GetProfiles(ctx, app, []string{"a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p["a"]) != 1 || string(p["a"][0].Value) != `"new"` {
		t.Errorf("profile = %v, want the nick written last", p["a"])
	}
}

// TestAccountCacheSkipsLargeProfiles: a profile over maxCachedProfileBytes
// is read from the database each time (and still right after a write).
func TestAccountCacheSkipsLargeProfiles(t *testing.T) {
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "a.db")})
	ctx := t.Context()
	const app = 1400000001
	big := func(v string) []store.ProfileItem {
		return []store.ProfileItem{
			{Tag: "Tag_Profile_IM_Nick", Value: []byte(`"` + v + `"`)},
			{Tag: "Tag_Profile_Custom_Big", Value: []byte(`"` + strings.Repeat("x", maxCachedProfileBytes) + `"`)},
		}
	}
	if _, err := s.ImportAccounts(ctx, app, []store.NewAccount{{UserID: "a", Profile: big("one")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccounts(ctx, app, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, err := s.GetProfiles(ctx, app, []string{"a"}, []string{"Tag_Profile_IM_Nick"})
		if err != nil || len(p["a"]) != 1 || string(p["a"][0].Value) != `"one"` {
			t.Fatalf("GetProfiles = %v, %v; want the nick", p, err)
		}
	}
	s.accountCache.mu.Lock()
	e := s.accountCache.m[accountKey{app, "a"}]
	s.accountCache.mu.Unlock()
	if e == nil || e.profile != nil {
		t.Errorf("cache entry = %+v, want the account without its large profile", e)
	}
}
