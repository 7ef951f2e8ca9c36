package storetest

import (
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// revisionCases check the revision entries UpdateC2C appends to the sync
// streams.
var revisionCases = []testCase{
	{"UpdateAppendsOneEntryPerParticipant", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0) // sync seqs 1..3 for both
		doc := []byte(`{"modified":true}`)
		mustUpdate(t, s, app1, "alice", "bob", 2, doc, store.StateModified)
		want := send("alice", "bob", 2, t0+1).Msg
		want.Seq, want.Doc, want.State = 2, doc, store.StateModified
		for _, tc := range []struct{ user, peer string }{{"bob", "alice"}, {"alice", "bob"}} {
			if head := mustSyncHead(t, s, app1, tc.user); head != 4 {
				t.Errorf("%s's sync head after one update = %d, want 4", tc.user, head)
			}
			for _, perPeer := range []int{0, 100} {
				got := mustReadSync(t, s, app1, tc.user, store.SyncQuery{After: 3, Limit: 10, PerPeer: perPeer})
				if len(got) != 1 || got[0].SyncSeq != 4 || !got[0].Revision || got[0].Peer != tc.peer {
					t.Fatalf("%s's stream after 3 (PerPeer %d) = %+v, want the revision at 4", tc.user, perPeer, got)
				}
				checkMessage(t, "revised message", got[0].Msg, want)
			}
			// Paging one entry at a time passes the message's own entry
			// first, so it gets the revision: the stream is gapless.
			all := readAllSync(t, s, app1, tc.user, 1, 0)
			checkSeqs(t, tc.user+"'s stream paged by 1", syncSeqs(all), seqRange(1, 4))
			// A reader before the message's own entry gets that entry, in
			// its new state, and no revision.
			got := mustReadSync(t, s, app1, tc.user, store.SyncQuery{After: 1, Limit: 10, PerPeer: 100})
			checkSeqs(t, tc.user+"'s stream after 1", syncSeqs(got), []uint64{2, 3})
			if got[0].Revision {
				t.Errorf("%s's entry 2 is marked as a revision", tc.user)
			}
			checkMessage(t, "own entry of the revised message", got[0].Msg, want)
		}
	}},
	{"UpdateWithoutSenderSyncSkipsSender", func(t *testing.T, s store.Store) {
		m := send("alice", "bob", 1, t0)
		m.Msg.SenderSync = false
		mustAppendOne(t, s, app1, m)
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{}`), store.StateRecalled)
		if head := mustSyncHead(t, s, app1, "alice"); head != 0 {
			t.Errorf("sender's sync head = %d, want 0", head)
		}
		got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 1, Limit: 10})
		if len(got) != 1 || got[0].SyncSeq != 2 || !got[0].Revision || got[0].Msg.State != store.StateRecalled {
			t.Errorf("recipient's stream after 1 = %+v, want the recalled message's revision at 2", got)
		}
	}},
	{"LatestRevisionSupersedes", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		mustAppendOne(t, s, app1, send("carol", "carol", 9, t0)) // a note to oneself
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{"v":1}`), store.StateModified)
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{"v":2}`), store.StateModified)
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{}`), store.StateRecalled)
		if head := mustSyncHead(t, s, app1, "bob"); head != 6 {
			t.Errorf("bob's sync head after three updates = %d, want 6", head)
		}
		got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 3, Limit: 10, PerPeer: 100})
		if len(got) != 1 || got[0].SyncSeq != 6 || got[0].Msg.State != store.StateRecalled || string(got[0].Msg.Doc) != `{}` {
			t.Errorf("bob's stream after 3 = %+v, want only the latest revision, at 6", got)
		}
		mustUpdate(t, s, app1, "carol", "carol", 1, []byte(`{}`), store.StateRecalled)
		got = mustReadSync(t, s, app1, "carol", store.SyncQuery{After: 1, Limit: 10})
		if head := mustSyncHead(t, s, app1, "carol"); head != 2 || len(got) != 1 || got[0].SyncSeq != 2 || got[0].Peer != "carol" {
			t.Errorf("carol's stream after recalling a note to herself: head %d, entries %+v; want one revision at 2", head, got)
		}
	}},
	{"RevisionsDoNotCountAgainstPerPeer", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 5, 1, t0) // bob's sync seqs 1..5
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{}`), store.StateRecalled)
		sendN(t, s, app1, "alice", "bob", 2, 10, t0+10) // 7, 8
		got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 5, Limit: 10, PerPeer: 1})
		checkSeqs(t, "bob's stream after 5 with PerPeer 1", syncSeqs(got), []uint64{6, 8})
		got = mustReadSync(t, s, app1, "bob", store.SyncQuery{Limit: 10, PerPeer: 2})
		checkSeqs(t, "bob's stream from the start with PerPeer 2", syncSeqs(got), []uint64{7, 8})
	}},
	{"ClearHistoryAndRetentionDropRevisions", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 2, 1, t0)
		mustUpdate(t, s, app1, "alice", "bob", 1, []byte(`{}`), store.StateRecalled)
		if err := s.DeleteConversation(t.Context(), app1, "bob", "alice", true); err != nil {
			t.Fatalf("DeleteConversation: %v", err)
		}
		if got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 2, Limit: 10}); len(got) != 0 {
			t.Errorf("bob's stream after clearing history = %+v, want empty", got)
		}
		if got := mustReadSync(t, s, app1, "alice", store.SyncQuery{After: 2, Limit: 10}); len(got) != 1 {
			t.Errorf("alice's stream after bob cleared history = %+v, want her revision", got)
		}
		if n, err := s.DeleteC2CBefore(t.Context(), app1, t0+100, 10); err != nil || n != 2 {
			t.Fatalf("DeleteC2CBefore = %d, %v; want 2", n, err)
		}
		if got := mustReadSync(t, s, app1, "alice", store.SyncQuery{Limit: 10}); len(got) != 0 {
			t.Errorf("alice's stream after retention = %+v, want empty", got)
		}
	}},
	{"ConcurrentUpdatesAndAppendsStayGapless", func(t *testing.T, s store.Store) {
		const n = 12
		sendN(t, s, app1, "alice", "bob", n, 1, t0)
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Go(func() {
				errs <- s.UpdateC2C(t.Context(), app1, "alice", "bob", uint64(i+1), []byte(`{}`), store.StateRecalled)
			})
			wg.Go(func() {
				from, to := "alice", "bob"
				if i%2 == 1 {
					from, to = "carol", "bob"
				}
				_, err := s.AppendC2C(t.Context(), app1, []store.C2CAppend{send(from, to, uint32(100+i), t0+50)})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// bob: n messages, n revisions, n more messages.
		all := readAllSync(t, s, app1, "bob", 1, 0)
		checkSeqs(t, "bob's stream paged by 1", syncSeqs(all), seqRange(1, 3*n))
		revisions := 0
		for _, e := range all {
			if e.Revision {
				revisions++
			}
		}
		if revisions != n {
			t.Errorf("bob's stream has %d revisions, want %d", revisions, n)
		}
		if head := mustSyncHead(t, s, app1, "alice"); head != uint64(n+n+n/2) {
			t.Errorf("alice's sync head = %d, want %d", head, n+n+n/2)
		}
	}},
}

func mustUpdate(t *testing.T, s store.Store, app uint64, a, b string, seq uint64, doc []byte, state int) {
	t.Helper()
	if err := s.UpdateC2C(t.Context(), app, a, b, seq, doc, state); err != nil {
		t.Fatalf("UpdateC2C(%d, %q, %q, %d): %v", app, a, b, seq, err)
	}
}
