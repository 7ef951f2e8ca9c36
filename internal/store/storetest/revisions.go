package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/im"
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
				if len(got) != 1 || got[0].SyncSeq != 4 || !got[0].Revision || got[0].Conv != im.C2C(tc.peer) {
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
		if head := mustSyncHead(t, s, app1, "carol"); head != 2 || len(got) != 1 || got[0].SyncSeq != 2 || got[0].Conv != im.C2C("carol") {
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
		if err := s.DeleteConversation(t.Context(), app1, "bob", im.C2C("alice"), true); err != nil {
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
	{"UpdateIsConditionalOnRev", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 1, 1, t0)
		first := mustGet(t, s, app1, "alice", "bob", 1)
		if first.Rev != 0 {
			t.Errorf("Rev of a message never updated = %d, want 0", first.Rev)
		}
		up := store.C2CUpdate{Seq: 1, Rev: first.Rev, Doc: []byte(`{"v":1}`), State: store.StateModified}
		if err := s.UpdateC2C(t.Context(), app1, "alice", "bob", up); err != nil {
			t.Fatalf("UpdateC2C at the Rev read: %v", err)
		}
		second := mustGet(t, s, app1, "alice", "bob", 1)
		if second.Rev == first.Rev {
			t.Fatalf("Rev after an update is still %d", second.Rev)
		}
		head := mustSyncHead(t, s, app1, "bob")
		// The same update again, at the Rev read before the first: refused,
		// nothing written.
		stale := store.C2CUpdate{Seq: 1, Rev: first.Rev, Doc: []byte(`{"v":2}`), State: store.StateRecalled}
		checkErrorIs(t, "UpdateC2C at a stale Rev", s.UpdateC2C(t.Context(), app1, "bob", "alice", stale), store.ErrConflict)
		if got := mustGet(t, s, app1, "alice", "bob", 1); got.Rev != second.Rev || string(got.Doc) != `{"v":1}` || got.State != store.StateModified {
			t.Errorf("after a refused update the message is %+v doc %s, want it unchanged", got, got.Doc)
		}
		if h := mustSyncHead(t, s, app1, "bob"); h != head {
			t.Errorf("a refused update moved bob's sync head from %d to %d", head, h)
		}
		stale.Rev = second.Rev
		if err := s.UpdateC2C(t.Context(), app1, "alice", "bob", stale); err != nil {
			t.Fatalf("UpdateC2C at the new Rev: %v", err)
		}
		if third := mustGet(t, s, app1, "alice", "bob", 1); third.Rev == second.Rev || third.Rev == first.Rev {
			t.Errorf("Rev after two updates = %d, want one not seen before (%d, %d)", third.Rev, first.Rev, second.Rev)
		}
		checkErrorIs(t, "UpdateC2C of a missing message at Rev 0",
			s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: 2, State: store.StateRecalled}), store.ErrNotFound)
		checkErrorIs(t, "UpdateC2C of a Seq beyond int64",
			s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: 1 << 63, State: store.StateRecalled}), store.ErrNotFound)
	}},
	{"ConcurrentUpdatesAtOneRevOneWins", func(t *testing.T, s store.Store) {
		racingUpdates(t, []store.Store{s})
	}},
	{"ConcurrentUpdatesAndAppendsStayGapless", func(t *testing.T, s store.Store) {
		const n = 12
		sendN(t, s, app1, "alice", "bob", n, 1, t0)
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Go(func() {
				errs <- s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: uint64(i + 1), Doc: []byte(`{}`), State: store.StateRecalled})
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

// mustUpdate updates the message at the revision it has now.
func mustUpdate(t *testing.T, s store.Store, app uint64, a, b string, seq uint64, doc []byte, state int) {
	t.Helper()
	cur, err := s.GetC2C(t.Context(), app, a, b, seq)
	if err != nil {
		t.Fatalf("GetC2C(%d, %q, %q, %d): %v", app, a, b, seq, err)
	}
	if err := s.UpdateC2C(t.Context(), app, a, b, store.C2CUpdate{Seq: seq, Rev: cur.Rev, Doc: doc, State: state}); err != nil {
		t.Fatalf("UpdateC2C(%d, %q, %q, %d): %v", app, a, b, seq, err)
	}
}

func mustGet(t *testing.T, s store.Store, app uint64, a, b string, seq uint64) store.C2CMessage {
	t.Helper()
	m, err := s.GetC2C(t.Context(), app, a, b, seq)
	if err != nil {
		t.Fatalf("GetC2C(%d, %q, %q, %d): %v", app, a, b, seq, err)
	}
	return m
}

// racingUpdates races updates of one message, all read at its first Rev,
// through the stores in turn, several times: exactly one of each race
// succeeds, the others get ErrConflict, and the message gains exactly one
// revision entry per participant.
func racingUpdates(t *testing.T, stores []store.Store) {
	const (
		trials  = 5
		writers = 8
	)
	s := stores[0]
	for trial := range trials {
		seq := uint64(trial + 1)
		mustAppendOne(t, s, app1, send("alice", "bob", uint32(trial), t0+int64(trial)))
		headBefore := mustSyncHead(t, s, app1, "bob")
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				state := store.StateRecalled
				if w%2 == 1 {
					state = store.StateModified
				}
				errs[w] = stores[w%len(stores)].UpdateC2C(t.Context(), app1, "bob", "alice",
					store.C2CUpdate{Seq: seq, Rev: 0, Doc: []byte(`{}`), State: state})
			})
		}
		wg.Wait()
		won := 0
		for w, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("trial %d writer %d: %v, want nil or ErrConflict", trial, w, err)
			}
		}
		if won != 1 {
			t.Errorf("trial %d: %d of %d updates at one Rev succeeded, want exactly 1", trial, won, writers)
		}
		if h := mustSyncHead(t, s, app1, "bob"); h != headBefore+1 {
			t.Errorf("trial %d: bob's sync head went from %d to %d, want one revision entry", trial, headBefore, h)
		}
	}
}
