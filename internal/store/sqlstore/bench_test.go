package sqlstore

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// BenchmarkAppendC2C measures durable C2C appends (one message per call,
// as the send pipeline makes them) by one sender and by 64 concurrent
// senders, whose appends the batcher commits together. It reports msgs/s
// the average messages per commit (msgs/batch) and the benchmark process's
// CPU time per message (cpu-µs/msg). PostgreSQL runs when
// PARLEY_TEST_POSTGRES is set. Example (about 40 s):
//
//	go test -run '^$' -bench AppendC2C -benchtime 2s ./internal/store/sqlstore
func BenchmarkAppendC2C(b *testing.B) {
	backends := []struct {
		name string
		cfg  func(b *testing.B) Config
	}{
		{"SQLite-FULL", func(b *testing.B) Config {
			return Config{URL: filepath.Join(b.TempDir(), "bench.db")}
		}},
		{"SQLite-NORMAL", func(b *testing.B) Config {
			return Config{URL: filepath.Join(b.TempDir(), "bench.db"), SQLiteSynchronous: "NORMAL"}
		}},
		{"PostgreSQL", func(b *testing.B) Config { return Config{URL: storetest.PostgresURL(b)} }},
	}
	for _, be := range backends {
		for _, senders := range []int{1, 64, 256} {
			b.Run(fmt.Sprintf("%s/senders=%d", be.name, senders), func(b *testing.B) {
				benchmarkAppends(b, be.cfg(b), senders)
			})
		}
	}
}

// benchUsers is how many users the benchmark's messages spread over.
const benchUsers = 1000

func benchmarkAppends(b *testing.B, cfg Config, senders int) {
	s, err := Open(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	doc := []byte(`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"` +
		strings.Repeat("x", 120) + `"}}],"CloudCustomData":""}`) // ~200 bytes
	var next atomic.Uint64
	appendOne := func() {
		i := next.Add(1)
		from, to := i%benchUsers, (i*7919+1)%benchUsers
		if from == to {
			to = (to + 1) % benchUsers
		}
		now := time.Now().UnixMilli()
		m := store.C2CAppend{
			Msg: store.C2CMessage{
				From: fmt.Sprint("user", from), To: fmt.Sprint("user", to), Random: uint32(i), Time: now,
				Doc: doc, Unread: true, SenderSync: true,
			},
			DedupSince: now - 5*60*1000,
		}
		if _, err := s.AppendC2C(b.Context(), 1400000001, []store.C2CAppend{m}); err != nil {
			b.Error(err)
		}
	}
	batches0, msgs0 := s.stats.batches.Load(), s.stats.messages.Load()
	start, cpu0 := time.Now(), processCPU()
	b.ResetTimer()
	if senders == 1 {
		for b.Loop() {
			appendOne()
		}
	} else {
		b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				appendOne()
			}
		})
	}
	b.StopTimer()
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	batches, msgs := s.stats.batches.Load()-batches0, s.stats.messages.Load()-msgs0
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	if cpu > 0 && msgs > 0 {
		// The Go process's CPU (client goroutines and store; not the
		// PostgreSQL server's) per message.
		b.ReportMetric(float64(cpu.Microseconds())/float64(msgs), "cpu-µs/msg")
	}
	if batches > 0 {
		b.ReportMetric(float64(msgs)/float64(batches), "msgs/batch")
	}
}
