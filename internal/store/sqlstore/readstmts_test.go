package sqlstore

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestReadStmtsBounded: distinct query texts beyond maxReadStatements still
// run (unprepared), the cache stops growing, and a bad query reports its
// error instead of being cached.
func TestReadStmtsBounded(t *testing.T) {
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "r.db")})
	ctx := t.Context()
	for i := range maxReadStatements + 10 {
		var got int
		if err := s.readStmts.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&got); err != nil || got != i {
			t.Fatalf("SELECT %d = %d, %v", i, got, err)
		}
	}
	s.readStmts.mu.Lock()
	n := len(s.readStmts.stmts)
	s.readStmts.mu.Unlock()
	if n != maxReadStatements {
		t.Errorf("%d statements cached, want %d", n, maxReadStatements)
	}
	if _, err := s.readStmts.QueryContext(ctx, "SELEC nonsense"); err == nil {
		t.Error("a malformed query gave no error")
	}
}
