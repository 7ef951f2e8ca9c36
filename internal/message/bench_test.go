package message_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
)

// BenchmarkSendC2C measures the whole send pipeline on SQLite: validation,
// the account check, the durable append (group commit across concurrent
// senders) and delivery through the in-process bus to a subscriber per
// user, standing in for a session queue. Senders run concurrently, each in
// its own conversation; msgs/s is acknowledged messages per second.
func BenchmarkSendC2C(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, senders := range []int{1, 64, 256} {
			b.Run(fmt.Sprintf("sqlite-%s/senders=%d", sync, senders), func(b *testing.B) {
				benchmarkSend(b, sync, senders)
			})
		}
	}
}

func benchmarkSend(b *testing.B, synchronous string, senders int) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, sqlstore.Config{URL: filepath.Join(b.TempDir(), "db.sqlite"), SQLiteSynchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const app = 1400000001
	accounts := make([]store.NewAccount, 0, 2*senders)
	for i := range senders {
		accounts = append(accounts, store.NewAccount{UserID: fmt.Sprint("s", i)}, store.NewAccount{UserID: fmt.Sprint("r", i)})
	}
	if _, err := st.ImportAccounts(ctx, app, accounts); err != nil {
		b.Fatal(err)
	}
	lb := local.New()
	defer lb.Close()
	var delivered atomic.Int64
	for _, a := range accounts {
		if _, err := lb.SubscribeUser(app, a.UserID, func(uint64, string, bus.Event) { delivered.Add(1) }); err != nil {
			b.Fatal(err)
		}
	}
	svc := message.New(message.Config{Store: st, Accounts: account.New(account.Config{Store: st}), Bus: lb})

	var next, random atomic.Int64
	body := text("a benchmark message of about the size of a short chat line")
	b.ResetTimer()
	start := time.Now()
	errs := make(chan error, senders)
	for i := range senders {
		go func() {
			from, to := fmt.Sprint("s", i), fmt.Sprint("r", i)
			for next.Add(1) <= int64(b.N) {
				_, err := svc.SendC2C(ctx, message.SendRequest{
					SDKAppID: app, From: from, To: to, Body: body, Options: opts(uint32(random.Add(1))), Session: "bench",
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range senders {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	if got := delivered.Load(); got != int64(2*b.N) {
		b.Fatalf("delivered %d events, want %d", got, 2*b.N)
	}
}
