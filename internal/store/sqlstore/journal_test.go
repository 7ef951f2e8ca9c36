package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// TestJournalSurvivesACrash: messages acknowledged but not yet moved out
// of the journal when the process dies are moved when the store opens
// again, with the seqs they were acknowledged with, and later appends
// continue after them.
func TestJournalSurvivesACrash(t *testing.T) {
	t.Parallel()
	url := filepath.Join(t.TempDir(), "parley.db")
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	s.holdJournal = true
	var acked []store.C2CAppended
	for i := range 50 {
		out, err := s.AppendC2C(ctx, 1, []store.C2CAppend{testMessage("alice", "bob", uint32(i), fmt.Sprintf(`{"n":%d}`, i))})
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, out...)
	}
	var journaled int
	if err := s.write.QueryRowContext(ctx, `SELECT count(*) FROM c2c_journal`).Scan(&journaled); err != nil || journaled != 50 {
		t.Fatalf("journal holds %d rows (%v), want 50 before the crash", journaled, err)
	}
	if err := s.Close(); err != nil { // held: nothing is moved, as after kill -9
		t.Fatal(err)
	}

	s2 := openTest(t, Config{URL: url})
	for i, a := range acked {
		got, err := s2.GetC2C(ctx, 1, "alice", "bob", a.Msg.Seq)
		if err != nil || string(got.Doc) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("message %d (seq %d) after the restart: %+v, %v", i, a.Msg.Seq, got, err)
		}
	}
	entries, err := s2.ReadSync(ctx, 1, "bob", store.SyncQuery{Limit: 100})
	if err != nil || len(entries) != 50 || entries[49].SyncSeq != acked[49].RecipientSyncSeq {
		t.Fatalf("bob's sync stream after the restart: %d entries, %v", len(entries), err)
	}
	out, err := s2.AppendC2C(ctx, 1, []store.C2CAppend{testMessage("bob", "alice", 999, `{}`)})
	if err != nil || out[0].Msg.Seq != 51 || out[0].RecipientSyncSeq != acked[49].SenderSyncSeq+1 {
		t.Fatalf("next append after the restart: %+v, %v; want seq 51 and alice's sync seq %d", out, err, acked[49].SenderSyncSeq+1)
	}
	if err := s2.write.QueryRowContext(ctx, `SELECT count(*) FROM c2c_journal`).Scan(&journaled); err != nil || journaled > 1 {
		t.Fatalf("journal holds %d rows after recovery (%v)", journaled, err)
	}
}

// TestQueuedWritesFailAlone: write operations that share the writer's
// transaction fail one by one; the others commit.
func TestQueuedWritesFailAlone(t *testing.T) {
	t.Parallel()
	s := openTest(t, Config{URL: filepath.Join(t.TempDir(), "parley.db")})
	ctx := context.Background()
	if _, err := s.ImportAccounts(ctx, 1, []store.NewAccount{{UserID: "alice"}}); err != nil {
		t.Fatal(err)
	}
	item := []store.ProfileItem{{Tag: "Tag_Profile_IM_Nick", Value: []byte(`"A"`)}}
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			user := "alice"
			if i%2 == 1 {
				user = "nobody"
			}
			errs <- s.SetProfile(ctx, 1, user, item)
		}()
	}
	failed := 0
	for range 40 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 20 {
		t.Fatalf("%d of 40 writes failed, want the 20 for a missing account", failed)
	}
	got, err := s.GetProfiles(ctx, 1, []string{"alice"}, nil)
	if err != nil || len(got["alice"]) != 1 {
		t.Fatalf("alice's profile: %v, %v", got, err)
	}
}
