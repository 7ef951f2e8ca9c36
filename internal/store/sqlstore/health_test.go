package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// TestCheckWritesFollowsAFullDatabase fills a SQLite database to a page
// limit (what a full disk looks like to the store), checks that
// CheckWrites reports it, and that it recovers once writes fit again.
func TestCheckWritesFollowsAFullDatabase(t *testing.T) {
	t.Parallel()
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "parley.db")})
	ctx := context.Background()
	if err := s.CreateApp(ctx, store.App{SDKAppID: 1, SecretKey: "k", Config: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckWrites(ctx); err != nil {
		t.Fatalf("CheckWrites on a fresh store: %v", err)
	}
	var pages int
	if err := s.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	profile := []store.ProfileItem{{Tag: "Tag_Profile_IM_SelfSignature", Value: []byte(`"` + strings.Repeat("x", 400) + `"`)}}
	var writeErr error
	for i := 0; i < 10000 && writeErr == nil; i++ {
		_, writeErr = s.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: fmt.Sprintf("user%05d", i), Profile: profile}})
	}
	if writeErr == nil {
		t.Fatal("the database never filled up")
	}
	if err := s.CheckWrites(ctx); err == nil {
		t.Fatalf("CheckWrites after a write failed with %v: nil, want an error", writeErr)
	}
	if _, err := s.write.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: "after", Profile: profile}}); err != nil {
		t.Fatalf("a write once there is room again: %v", err)
	}
	if err := s.CheckWrites(ctx); err != nil {
		t.Fatalf("CheckWrites after a write succeeded again: %v", err)
	}
}

func TestWriteHealthWindow(t *testing.T) {
	t.Parallel()
	var h writeHealth
	h.record(errors.New("disk I/O error"))
	now := time.Now()
	if !h.failing(now, time.Minute) {
		t.Fatal("a backend failure just now is not failing")
	}
	if h.failing(now.Add(time.Minute), time.Minute) {
		t.Fatal("a failure older than the window with no traffic since still counts")
	}
	h.record(nil)
	if h.failing(now, time.Minute) {
		t.Fatal("a success after the failure does not clear it")
	}
}

// TestCallerErrorsDoNotMakeWritesUnhealthy: a conflict or a missing row is
// the caller's problem, not the backend's.
func TestCallerErrorsDoNotMakeWritesUnhealthy(t *testing.T) {
	t.Parallel()
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "parley.db")})
	ctx := context.Background()
	app := store.App{SDKAppID: 1, SecretKey: "k", Config: []byte("{}")}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateApp(ctx, app); err == nil {
		t.Fatal("a duplicate app was created")
	}
	if err := s.SetProfile(ctx, 1, "nobody", nil); err == nil {
		t.Fatal("a profile of a missing account was written")
	}
	if s.health.failing(time.Now(), time.Hour) {
		t.Fatal("caller errors marked the store's writes as failing")
	}
}
