package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
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

// TestBlacklistCacheAcrossNodes: on PostgreSQL a node's blacklist cache
// learns of another node's blacklist writes through its notifications.
func TestBlacklistCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	url := storetest.Postgres.URL(t) // skips without PostgreSQL
	a, b := openTest(t, Config{URL: url}), openTest(t, Config{URL: url})
	awaitListening(t, a)
	awaitListening(t, b)
	ctx := context.Background()
	if _, err := a.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: "x"}, {UserID: "y"}}); err != nil {
		t.Fatal(err)
	}
	eventually := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second) // a hang guard, not a speed check
		for {
			if x, _ := blocked(t, b, "x", "y"); x == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the other node still answers blocked = %v", !want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	eventually(false) // cached on b now
	if _, err := a.AddToBlacklist(ctx, 1, "x", []string{"y"}, 1, blockLimits); err != nil {
		t.Fatal(err)
	}
	eventually(true)
	if _, err := a.RemoveFromBlacklist(ctx, 1, "x", []string{"y"}); err != nil {
		t.Fatal(err)
	}
	eventually(false)
}
