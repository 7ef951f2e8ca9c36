package sqlstore

import (
	"errors"
	"testing"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// TestPipelineGuardWritesNothing: a batch with a retry of a stored message
// fails the pipeline's guard, which leaves no trace (counters, messages,
// sync streams unchanged); through AppendC2C the same batch is then written
// by the checked path: the retry answered with the stored message, the new
// message numbered right after it.
func TestPipelineGuardWritesNothing(t *testing.T) {
	s := openTest(t, Config{URL: storetest.PostgresURL(t)})
	const app = 1
	dedup := func(m store.C2CAppend) store.C2CAppend {
		m.DedupSince = m.Msg.Time - 60_000
		return m
	}
	first := dedup(testMessage("alice", "bob", 7, `{"n":1}`))
	if _, err := s.AppendC2C(t.Context(), app, []store.C2CAppend{first}); err != nil {
		t.Fatal(err)
	}
	fresh := dedup(testMessage("alice", "bob", 8, `{"n":2}`))
	batch := []*appendRequest{{sdkAppID: app, msgs: []store.C2CAppend{fresh, first}}}
	if _, err := s.tryPipelined(t.Context(), batch); !errors.Is(err, errStoredDuplicate) {
		t.Fatalf("pipelined batch with a stored duplicate: err = %v, want errStoredDuplicate", err)
	}
	for _, user := range []string{"alice", "bob"} {
		if head, err := s.SyncHead(t.Context(), app, user); err != nil || head != 1 {
			t.Errorf("SyncHead(%s) after the guard = %d, %v; want 1", user, head, err)
		}
	}
	hist, err := s.C2CHistory(t.Context(), app, "alice", "bob", store.HistoryQuery{Limit: 10})
	if err != nil || len(hist) != 1 {
		t.Fatalf("history after the guard = %v, %v; want the first message alone", hist, err)
	}

	out, err := s.AppendC2C(t.Context(), app, []store.C2CAppend{fresh, first})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Duplicate || out[0].Msg.Seq != 2 || out[0].RecipientSyncSeq != 2 {
		t.Errorf("new message: %+v, want seq 2, recipient sync seq 2", out[0])
	}
	if !out[1].Duplicate || out[1].Msg.Seq != 1 {
		t.Errorf("retry: %+v, want the stored message at seq 1", out[1])
	}
}
