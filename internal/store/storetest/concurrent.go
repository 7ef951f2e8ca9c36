package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// RunShared runs the cases that need several stores on one database (nodes
// of a cluster, or processes sharing a SQLite file): open returns two
// stores opened on the same new, empty database, closed when t ends.
// Seqs, sync seqs and dedup must hold across them.
func RunShared(t *testing.T, open func(t *testing.T) (store.Store, store.Store)) {
	for _, tc := range sharedCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			tc.run(t, []store.Store{a, b})
		})
	}
}

var sharedCases = []struct {
	name string
	run  func(t *testing.T, stores []store.Store)
}{
	{"ConcurrentAppends", concurrentAppends},
	{"ConcurrentBatchesWithRetries", concurrentBatchesWithRetries},
	{"ConcurrentIdenticalSends", func(t *testing.T, stores []store.Store) {
		var wg sync.WaitGroup
		outs := make([]store.C2CAppended, 8)
		for i := range outs {
			wg.Go(func() {
				out, err := stores[i%2].AppendC2C(t.Context(), app1,
					[]store.C2CAppend{deduped(send("alice", "bob", 42, t0), t0-300_000)})
				if err != nil {
					t.Errorf("AppendC2C: %v", err)
					return
				}
				outs[i] = out[0]
			})
		}
		wg.Wait()
		fresh := 0
		for _, out := range outs {
			if !out.Duplicate {
				fresh++
			}
		}
		if fresh != 1 {
			t.Errorf("%d of the identical sends were stored, want 1", fresh)
		}
		checkSeqs(t, "history", seqsOf(fullHistory(t, stores[1], app1, "alice", "bob")), []uint64{1})
	}},
	{"ConversationUpdatesRacingAppends", conversationUpdatesRacingAppends},
	{"AccountWritesReachTheOtherStore", accountWritesReachTheOtherStore},
	{"ConcurrentUpdatesAtOneRevOneWins", racingUpdates},
	{"RacingConfigWritersOneWins", racingConfigWriters},
}

var appendConcurrencyCases = []testCase{
	{"ConcurrentAppends", func(t *testing.T, s store.Store) { concurrentAppends(t, []store.Store{s}) }},
	{"ConcurrentBatchesWithRetries", func(t *testing.T, s store.Store) {
		concurrentBatchesWithRetries(t, []store.Store{s})
	}},
	{"ConversationUpdatesRacingAppends", func(t *testing.T, s store.Store) {
		conversationUpdatesRacingAppends(t, []store.Store{s})
	}},
	{"AppendsRacingClose", func(t *testing.T, s store.Store) {
		// Appends racing with Close either complete or fail with ErrClosed.
		var wg sync.WaitGroup
		started := make(chan struct{}, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					_, err := s.AppendC2C(t.Context(), app1, []store.C2CAppend{send(fmt.Sprint("w", w), "bob", uint32(i), t0)})
					if i == 0 {
						started <- struct{}{}
					}
					if errors.Is(err, store.ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("worker %d: append racing with Close: %v, want nil or ErrClosed", w, err)
						return
					}
				}
			})
		}
		for range 8 {
			<-started
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		wg.Wait()
	}},
}

// users of the concurrency cases: few, so that conversations are shared.
var concurrentUsers = []string{"u0", "u1", "u2", "u3", "u4"}

// pairFor picks the sender and recipient of worker w's i-th append.
func pairFor(w, i int) (from, to string) {
	n := len(concurrentUsers)
	f := (w + i) % n
	r := (f + 1 + (w*7+i*3)%(n-1)) % n
	return concurrentUsers[f], concurrentUsers[r]
}

// appendLog records what concurrent appends returned.
type appendLog struct {
	mu       sync.Mutex
	convSeqs map[[2]string][]uint64 // (lo, hi) -> seqs returned
	userSync map[string][]uint64    // user -> sync seqs returned
	received map[[2]string]int      // (owner, peer) -> messages received
	docSeq   map[string]uint64      // doc -> seq returned
}

func (l *appendLog) add(m store.C2CAppend, out store.C2CAppended) {
	from, to := m.Msg.From, m.Msg.To
	conv := [2]string{min(from, to), max(from, to)}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.convSeqs[conv] = append(l.convSeqs[conv], out.Msg.Seq)
	l.userSync[to] = append(l.userSync[to], out.RecipientSyncSeq)
	if out.SenderSyncSeq != 0 {
		l.userSync[from] = append(l.userSync[from], out.SenderSyncSeq)
	}
	l.received[[2]string{to, from}]++
	l.docSeq[string(m.Msg.Doc)] = out.Msg.Seq
}

// concurrentAppends: 10 workers append 100 times each into the few
// conversations of concurrentUsers, spread over stores; every
// conversation's seqs must be exactly 1..n and every user's sync seqs
// exactly 1..m, returned and stored alike.
func concurrentAppends(t *testing.T, stores []store.Store) {
	const workers, appends = 10, 100
	log := &appendLog{
		convSeqs: map[[2]string][]uint64{}, userSync: map[string][]uint64{},
		received: map[[2]string]int{}, docSeq: map[string]uint64{},
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range appends {
				from, to := pairFor(w, i)
				m := send(from, to, uint32(w*appends+i), t0+int64(i))
				m.Msg.SenderSync = i%7 != 0
				out, err := stores[(w+i)%len(stores)].AppendC2C(t.Context(), app1, []store.C2CAppend{m})
				if err != nil {
					t.Errorf("worker %d append %d: %v", w, i, err)
					return
				}
				log.add(m, out[0])
			}
		})
	}
	wg.Wait()
	if !t.Failed() {
		checkAppendLog(t, stores[len(stores)-1], log)
	}
}

// checkAppendLog compares what appends returned with what s holds.
func checkAppendLog(t *testing.T, s store.Store, log *appendLog) {
	t.Helper()
	for conv, seqs := range log.convSeqs {
		slices.Sort(seqs)
		want := seqRange(1, uint64(len(seqs)))
		checkSeqs(t, fmt.Sprintf("seqs returned in %v", conv), seqs, want)
		history := fullHistory(t, s, app1, conv[0], conv[1])
		checkSeqs(t, fmt.Sprintf("stored seqs of %v", conv), seqsOf(history), want)
		for _, m := range history {
			if log.docSeq[string(m.Doc)] != m.Seq {
				t.Errorf("%v: message %s stored at seq %d, returned seq %d", conv, m.Doc, m.Seq, log.docSeq[string(m.Doc)])
			}
		}
	}
	for user, seqs := range log.userSync {
		slices.Sort(seqs)
		want := seqRange(1, uint64(len(seqs)))
		checkSeqs(t, "sync seqs returned to "+user, seqs, want)
		checkSeqs(t, "stored sync seqs of "+user, syncSeqs(readAllSync(t, s, app1, user, 128, 0)), want)
		if head := mustSyncHead(t, s, app1, user); head != uint64(len(seqs)) {
			t.Errorf("SyncHead(%s) = %d, want %d", user, head, len(seqs))
		}
	}
	for key, n := range log.received {
		if c := mustConversation(t, s, app1, key[0], key[1]); c.Unread != n {
			t.Errorf("%s's Unread with %s = %d, want %d", key[0], key[1], c.Unread, n)
		}
	}
}

// conversationUpdatesRacingAppends runs MarkRead, MarkAllRead,
// DeleteConversation and recalls while messages flow, then checks that no
// call failed (no deadlock) and that every stored Unread equals a fresh
// count.
func conversationUpdatesRacingAppends(t *testing.T, stores []store.Store) {
	const workers, rounds = 6, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				s := stores[(w+i)%len(stores)]
				from, to := pairFor(w, i)
				out, err := s.AppendC2C(t.Context(), app1, []store.C2CAppend{send(from, to, uint32(w*rounds+i), t0+int64(i))})
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				switch i % 4 {
				case 0:
					_, err = s.MarkRead(t.Context(), app1, to, im.C2C(from), out[0].Msg.Seq-1)
				case 1:
					err = s.MarkAllRead(t.Context(), app1, from)
				case 2:
					err = s.DeleteConversation(t.Context(), app1, to, im.C2C(from), w%2 == 0)
				case 3:
					err = s.UpdateC2C(t.Context(), app1, from, to, store.C2CUpdate{Seq: out[0].Msg.Seq, Doc: []byte(`{}`), State: store.StateRecalled})
				}
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	s := stores[0]
	for _, owner := range concurrentUsers {
		for _, peer := range concurrentUsers {
			if owner == peer || !hasConversation(t, s, app1, owner, peer) {
				continue
			}
			stored := mustConversation(t, s, app1, owner, peer)
			fresh := mustMarkRead(t, s, app1, owner, peer, 0) // recounts without moving ReadSeq
			if stored.Unread != fresh.Unread {
				t.Errorf("%s's Unread with %s = %d, recount %d", owner, peer, stored.Unread, fresh.Unread)
			}
		}
	}
}

// concurrentBatchesWithRetries: workers on alternating stores append
// requests of one to three messages into the few conversations of
// concurrentUsers, every message deduplicated, each request also carrying
// a retry of a message the partner worker (on the other store) sends in
// the same round and, every fourth round, a message twice. Each message
// must be stored once, every retry answered with the stored message, and
// seqs and sync seqs stay gapless and unique.
func concurrentBatchesWithRetries(t *testing.T, stores []store.Store) {
	const workers, rounds = 8, 40
	// message is worker w's j-th message of round i, the same whoever
	// sends it.
	message := func(w, i, j int) store.C2CAppend {
		from, to := pairFor(w, 3*i+j)
		random := uint32(w*10_000 + i*10 + j)
		m := deduped(send(from, to, random, t0+int64(i)), t0-1)
		m.Msg.SenderSync = random%5 != 0
		return m
	}
	log := &appendLog{
		convSeqs: map[[2]string][]uint64{}, userSync: map[string][]uint64{},
		received: map[[2]string]int{}, docSeq: map[string]uint64{},
	}
	var (
		mu     sync.Mutex
		stored = map[string]int{}      // doc -> outcomes that stored it
		seqOf  = map[string][]uint64{} // doc -> seqs of every outcome
	)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				var req []store.C2CAppend
				for j := range 1 + (w+i)%3 {
					req = append(req, message(w, i, j))
				}
				req = append(req, message(w^1, i, 0))
				if i%4 == 0 {
					req = append(req, req[0])
				}
				outs, err := stores[(w+i)%len(stores)].AppendC2C(t.Context(), app1, req)
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, i, err)
					return
				}
				mu.Lock()
				for k, out := range outs {
					doc := string(req[k].Msg.Doc)
					if string(out.Msg.Doc) != doc {
						t.Errorf("worker %d round %d message %d answered with %s, want %s", w, i, k, out.Msg.Doc, doc)
					}
					seqOf[doc] = append(seqOf[doc], out.Msg.Seq)
					if !out.Duplicate {
						stored[doc]++
						log.add(req[k], out)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for doc, seqs := range seqOf {
		if stored[doc] != 1 {
			t.Errorf("%s stored %d times, want once", doc, stored[doc])
		}
		for _, seq := range seqs[1:] {
			if seq != seqs[0] {
				t.Errorf("%s answered with seqs %v, want one seq", doc, seqs)
				break
			}
		}
	}
	checkAppendLog(t, stores[0], log)
}

// otherStoreDelay bounds how long a write on one store may take to show in
// another store's reads of accounts and profiles (a store may cache them
// until the other's write reaches it).
const otherStoreDelay = 10 * time.Second

// accountWritesReachTheOtherStore: accounts and profiles that one store
// has read (and may cache) follow writes made through the other: a new
// account at once, a profile change and a deletion within otherStoreDelay.
func accountWritesReachTheOtherStore(t *testing.T, stores []store.Store) {
	a, b := stores[0], stores[1]
	ctx := t.Context()
	nick := func(v string) []store.ProfileItem { return items("Tag_Profile_IM_Nick", v) }
	if _, err := a.ImportAccounts(ctx, app1, []store.NewAccount{account("alice", nick(`"a1"`)...)}); err != nil {
		t.Fatal(err)
	}
	// eventually polls b until check passes, or fails the test.
	eventually := func(what string, check func() (bool, error)) {
		t.Helper()
		deadline := time.Now().Add(otherStoreDelay)
		for {
			ok, err := check()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen by the other store within %v", what, otherStoreDelay)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	hasAccount := func(s store.Store, id string) (bool, error) {
		found, err := s.GetAccounts(ctx, app1, []string{id})
		_, ok := found[id]
		return ok, err
	}
	nickIs := func(want string) func() (bool, error) {
		return func() (bool, error) {
			got, err := b.GetProfiles(ctx, app1, []string{"alice"}, []string{"Tag_Profile_IM_Nick"})
			items := got["alice"]
			return len(items) == 1 && string(items[0].Value) == want, err
		}
	}
	// b reads (and may cache) alice twice, and knows bob is missing.
	for range 2 {
		eventually("alice imported", func() (bool, error) { return hasAccount(b, "alice") })
		eventually("alice's first nick", nickIs(`"a1"`))
	}
	if ok, err := hasAccount(b, "bob"); err != nil || ok {
		t.Fatalf("bob before import: found %v, %v", ok, err)
	}

	if _, err := a.ImportAccounts(ctx, app1, []store.NewAccount{account("bob")}); err != nil {
		t.Fatal(err)
	}
	if ok, err := hasAccount(b, "bob"); err != nil || !ok {
		t.Errorf("bob right after import on the other store: found %v, %v; want found", ok, err)
	}
	if err := a.SetProfile(ctx, app1, "alice", nick(`"a2"`)); err != nil {
		t.Fatal(err)
	}
	eventually("alice's nick set", nickIs(`"a2"`))
	if _, err := a.ImportAccounts(ctx, app1, []store.NewAccount{account("alice", nick(`"a3"`)...)}); err != nil {
		t.Fatal(err)
	}
	eventually("alice's nick imported", nickIs(`"a3"`))
	if _, err := a.DeleteAccounts(ctx, app1, []string{"alice"}, 0); err != nil {
		t.Fatal(err)
	}
	eventually("alice deleted", func() (bool, error) {
		ok, err := hasAccount(b, "alice")
		return !ok, err
	})
	eventually("alice's profile deleted", func() (bool, error) {
		got, err := b.GetProfiles(ctx, app1, []string{"alice"}, nil)
		_, ok := got["alice"]
		return !ok, err
	})
}
