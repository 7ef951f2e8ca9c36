package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

func testMessage(from, to string, random uint32, doc string) store.C2CAppend {
	return store.C2CAppend{Msg: store.C2CMessage{
		From: from, To: to, Random: random, Time: time.Now().UnixMilli(),
		Doc: []byte(doc), Unread: true, SenderSync: true,
	}}
}

// gatedStore returns a store whose batcher blocks inside the transaction
// of any batch holding a message from "blocker" until release is called;
// entered receives when it blocks. fail, if not nil, may fail batches.
func gatedStore(t *testing.T, url string, fail func(msgs []store.C2CAppend) error) (s *Store, entered <-chan struct{}, release func()) {
	s = openTest(t, Config{URL: url})
	gate := make(chan struct{})
	in := make(chan struct{}, 1)
	s.failAppend = func(msgs []store.C2CAppend) error {
		if slices.ContainsFunc(msgs, func(m store.C2CAppend) bool { return m.Msg.From == "blocker" }) {
			in <- struct{}{}
			<-gate
		}
		if fail != nil {
			return fail(msgs)
		}
		return nil
	}
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return s, in, release
}

// blockBatcher appends a "blocker" message in the background and returns
// once the batcher is stuck in its transaction; the returned channel
// yields the append's error.
func blockBatcher(t *testing.T, s *Store, entered <-chan struct{}) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := s.AppendC2C(context.Background(), 1, []store.C2CAppend{testMessage("blocker", "x", 1, `{}`)})
		done <- err
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the batcher did not start the blocking batch")
	}
	return done
}

// waitQueued waits until n requests wait in the batcher's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.appends) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(s.appends), n)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestAppendWithdrawnWhileQueued(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		s, entered, release := gatedStore(t, b.URL(t), nil)
		blocked := blockBatcher(t, s, entered)

		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := s.AppendC2C(ctx, 1, []store.C2CAppend{testMessage("alice", "bob", 1, `{"withdrawn":true}`)})
			errc <- err
		}()
		waitQueued(t, s, 1)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("AppendC2C canceled while queued = %v, want context.Canceled", err)
		}
		release()
		if err := <-blocked; err != nil {
			t.Fatalf("blocking append: %v", err)
		}
		out, err := s.AppendC2C(t.Context(), 1, []store.C2CAppend{testMessage("alice", "bob", 2, `{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Msg.Seq != 1 {
			t.Errorf("next message got seq %d, want 1: the withdrawn one was written", out[0].Msg.Seq)
		}
	})
}

func TestAppendClaimedCompletesDespiteCancel(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := openTest(t, Config{URL: b.URL(t)})
		ctx, cancel := context.WithCancel(t.Context())
		in := make(chan struct{})
		gate := make(chan struct{})
		s.failAppend = func([]store.C2CAppend) error {
			close(in)
			<-gate
			return nil
		}
		errc := make(chan error, 1)
		go func() {
			_, err := s.AppendC2C(ctx, 1, []store.C2CAppend{testMessage("alice", "bob", 1, `{}`)})
			errc <- err
		}()
		<-in
		cancel()
		close(gate)
		if err := <-errc; err != nil {
			t.Errorf("AppendC2C whose batch had started = %v, want success", err)
		}
		if _, err := s.GetC2C(t.Context(), 1, "alice", "bob", 1); err != nil {
			t.Errorf("message of the started batch: %v", err)
		}
	})
}

func TestFailedBatchRetriesEachRequest(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		var (
			mu    sync.Mutex
			sizes []int
		)
		poisoned := errors.New("poisoned")
		s, entered, release := gatedStore(t, b.URL(t), func(msgs []store.C2CAppend) error {
			mu.Lock()
			sizes = append(sizes, len(msgs))
			mu.Unlock()
			for _, m := range msgs {
				if string(m.Msg.Doc) == "poison" {
					return poisoned
				}
			}
			return nil
		})
		blocked := blockBatcher(t, s, entered)
		docs := []string{`{"n":1}`, "poison", `{"n":2}`}
		errs := make([]error, len(docs))
		var wg sync.WaitGroup
		for i, doc := range docs {
			wg.Go(func() {
				_, errs[i] = s.AppendC2C(t.Context(), 1, []store.C2CAppend{testMessage(fmt.Sprint("u", i), "bob", 1, doc)})
			})
			waitQueued(t, s, i+1)
		}
		release()
		wg.Wait()
		if err := <-blocked; err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if want := docs[i] == "poison"; (err != nil) != want || (want && !errors.Is(err, poisoned)) {
				t.Errorf("request %d (%s): error %v", i, docs[i], err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(sizes, []int{1, 3, 1, 1, 1}) {
			t.Errorf("transactions held %v messages, want the blocker, the batch of 3, then each alone", sizes)
		}
		entries, err := s.ReadSync(t.Context(), 1, "bob", store.SyncQuery{Limit: 10})
		if err != nil || len(entries) != 2 {
			t.Errorf("bob's stream = %d entries, %v; want the 2 good messages", len(entries), err)
		}
	})
}

func TestGroupCommitBatchesConcurrentAppends(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := openTest(t, Config{URL: b.URL(t)})
		const senders, each = 32, 20
		var wg sync.WaitGroup
		var failed atomic.Int64
		for w := range senders {
			wg.Go(func() {
				for i := range each {
					m := testMessage(fmt.Sprint("s", w), fmt.Sprint("r", i%4), uint32(i), `{}`)
					if _, err := s.AppendC2C(t.Context(), 1, []store.C2CAppend{m}); err != nil {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if failed.Load() != 0 {
			t.Fatalf("%d appends failed", failed.Load())
		}
		batches, msgs := s.stats.batches.Load(), s.stats.messages.Load()
		if msgs != senders*each || batches >= msgs {
			t.Errorf("%d messages in %d batches: want %d messages, some batches of several", msgs, batches, senders*each)
		}
		t.Logf("%d messages in %d batches (%.1f per batch)", msgs, batches, float64(msgs)/float64(batches))
	})
}
