package sqlstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

func TestOnAppendBatchSeesEveryCommittedBatch(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		var mu sync.Mutex
		var sizes []int
		var slow time.Duration
		observe := func(messages int, elapsed time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			sizes = append(sizes, messages)
			slow = max(slow, elapsed)
		}
		s := openTest(t, Config{URL: b.URL(t), OnAppendBatch: observe})

		// One request of three messages, then concurrent single appends.
		three := []store.C2CAppend{
			testMessage("a", "b", 1, `{}`), testMessage("a", "b", 2, `{}`), testMessage("b", "a", 3, `{}`),
		}
		if _, err := s.AppendC2C(t.Context(), 1, three); err != nil {
			t.Fatal(err)
		}
		const senders, each = 16, 10
		var wg sync.WaitGroup
		for w := range senders {
			wg.Go(func() {
				for i := range each {
					m := testMessage(fmt.Sprint("s", w), fmt.Sprint("r", i%3), uint32(i), `{}`)
					if _, err := s.AppendC2C(t.Context(), 1, []store.C2CAppend{m}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()

		mu.Lock()
		defer mu.Unlock()
		if len(sizes) == 0 || sizes[0] != len(three) {
			t.Fatalf("first observed batch sizes = %v, want 3 first", sizes)
		}
		sum := 0
		for _, n := range sizes {
			if n <= 0 {
				t.Errorf("observed a batch of %d messages", n)
			}
			sum += n
		}
		if want := len(three) + senders*each; sum != want {
			t.Errorf("observed batches sum to %d messages, want %d (sizes %v)", sum, want, sizes)
		}
		if got := s.stats.batches.Load(); int64(len(sizes)) != got {
			t.Errorf("observed %d batches, store committed %d", len(sizes), got)
		}
		if slow <= 0 {
			t.Errorf("longest observed commit took %v, want > 0", slow)
		}
	})
}
