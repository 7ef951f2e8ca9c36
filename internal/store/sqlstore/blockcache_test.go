package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

var blockLimits = store.FriendLimits{Friends: 3000, Lists: 32, Blacklist: 1000, Requests: 1000}

func blocked(t *testing.T, s *Store, owner, peer string) (ownerBlocks, peerBlocks bool) {
	t.Helper()
	rel, err := s.BlacklistRelations(context.Background(), 1, owner, []string{peer})
	if err != nil {
		t.Fatal(err)
	}
	return rel[peer].AHasB, rel[peer].BHasA
}

// TestBlacklistCacheFollowsWrites: the SQLite blacklist cache answers what
// the table holds after blacklisting, unblacklisting and deleting an
// account.
func TestBlacklistCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "parley.db")})
	ctx := context.Background()
	if _, err := s.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: "a"}, {UserID: "b"}}); err != nil {
		t.Fatal(err)
	}
	if x, y := blocked(t, s, "a", "b"); x || y {
		t.Fatal("blocked before any blacklist write")
	}
	if _, err := s.AddToBlacklist(ctx, 1, "a", []string{"b"}, 1, blockLimits); err != nil {
		t.Fatal(err)
	}
	if x, y := blocked(t, s, "a", "b"); !x || y {
		t.Fatalf("after a blocks b: a blocks b %v, b blocks a %v", x, y)
	}
	if x, y := blocked(t, s, "b", "a"); x || !y {
		t.Fatalf("after a blocks b, seen from b: %v %v", x, y)
	}
	if _, err := s.RemoveFromBlacklist(ctx, 1, "a", []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if x, _ := blocked(t, s, "a", "b"); x {
		t.Fatal("still blocked after unblacklisting")
	}
	if _, err := s.AddToBlacklist(ctx, 1, "a", []string{"b"}, 2, blockLimits); err != nil {
		t.Fatal(err)
	}
	_, _ = blocked(t, s, "a", "b") // cached
	if _, err := s.DeleteAccounts(ctx, 1, []string{"b"}, 3); err != nil {
		t.Fatal(err)
	}
	if x, _ := blocked(t, s, "a", "b"); x {
		t.Fatal("a still blocks a deleted account")
	}
}

// TestBlacklistCacheReadBeforeWrite: a read that saw the table before a
// blacklist write committed does not put its stale answer in the cache.
func TestBlacklistCacheReadBeforeWrite(t *testing.T) {
	t.Parallel()
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "parley.db")})
	ctx := context.Background()
	if _, err := s.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: "a"}, {UserID: "b"}}); err != nil {
		t.Fatal(err)
	}
	s.beforeBlocksFill = func() {
		s.beforeBlocksFill = nil
		if _, err := s.AddToBlacklist(ctx, 1, "a", []string{"b"}, 1, blockLimits); err != nil {
			t.Error(err)
		}
	}
	_, _ = blocked(t, s, "a", "b") // read, then the write lands, then the fill
	if x, _ := blocked(t, s, "a", "b"); !x {
		t.Fatal("the cache kept what it read before the blacklist write")
	}
}
