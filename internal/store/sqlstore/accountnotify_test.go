package sqlstore

import (
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// awaitListening waits until s's account listener listens (its cache is
// on), and returns the listening backend's process id.
func awaitListening(t *testing.T, s *Store) uint32 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid := s.accountListener.pid.Load(); pid != 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatal("the account listener did not start listening")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isCached reports whether s answers GetAccounts for id from memory.
func isCached(s *Store, app uint64, id string) bool {
	return len(s.accountCache.accounts(app, []string{id}, map[string]store.Account{})) == 0
}

// TestSharedAccountCache: on PostgreSQL a store caches the accounts it
// read while its listener listens; when the listening connection is cut,
// the cache is emptied and off (a deletion made meanwhile by another node,
// whose notification is lost, is never answered from memory), and it comes
// back on once the listener listens again.
func TestSharedAccountCache(t *testing.T) {
	url := storetest.PostgresURL(t)
	a, b := openTest(t, Config{URL: url}), openTest(t, Config{URL: url})
	pid := awaitListening(t, b)
	const app = 1
	if _, err := a.ImportAccounts(t.Context(), app, []store.NewAccount{{UserID: "alice"}, {UserID: "bob"}}); err != nil {
		t.Fatal(err)
	}
	// The import's own notification may reach b after a read and keep
	// that read out of the cache, so read until alice is cached.
	readUntilCached(t, b, app, "alice")

	if _, err := a.write.ExecContext(t.Context(), `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for isCached(b, app, "alice") {
		if time.Now().After(deadline) {
			t.Fatal("the cache kept alice after its listener's connection was cut")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := a.DeleteAccounts(t.Context(), app, []string{"alice"}, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := b.GetAccounts(t.Context(), app, []string{"alice"}); err != nil || len(got) != 0 {
		t.Errorf("GetAccounts(alice) after its deletion = %v, %v; want none", got, err)
	}

	for awaitListening(t, b) == pid {
		time.Sleep(5 * time.Millisecond)
	}
	readUntilCached(t, b, app, "bob")
}

// readUntilCached reads id through s until s caches it, or fails.
func readUntilCached(t *testing.T, s *Store, app uint64, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, err := s.GetAccounts(t.Context(), app, []string{id}); err != nil || len(got) != 1 {
			t.Fatalf("GetAccounts(%s) = %v, %v; want it", id, got, err)
		}
		if isCached(s, app, id) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not cached by reads while listening", id)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
