package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// BenchmarkC2CThroughGateway measures one-to-one messages per second
// through the whole server: P sender/receiver pairs of pkg/client clients
// over real WebSocket connections on loopback, each sender keeping W sends
// in flight (a closed loop). A message counts once its sender has the
// acknowledgement (validated, stored with SQLite synchronous=FULL, group
// committed) and the timer stops when every receiver has every message as
// an event. It reports msgs/s and the p50 and p99 of send-to-ack latency.
//
//	go test -run '^$' -bench C2CThroughGateway -benchtime 5s ./internal/app/
func BenchmarkC2CThroughGateway(b *testing.B) {
	for _, tc := range []struct{ pairs, inflight int }{{1, 1}, {16, 4}, {64, 4}} {
		b.Run(fmt.Sprintf("pairs=%d/inflight=%d", tc.pairs, tc.inflight), func(b *testing.B) {
			benchGateway(b, tc.pairs, tc.inflight)
		})
	}
}

func benchGateway(b *testing.B, pairs, inflight int) {
	url := benchServer(b, pairs)
	senders := make([]*client.Client, pairs)
	var received atomic.Int64
	all := make(chan struct{})
	for i := range pairs {
		senders[i] = dialWith(b, url, dialOptions(b, fmt.Sprint("s", i), "Linux"))
		r := dialWith(b, url, dialOptions(b, fmt.Sprint("r", i), "Linux"))
		go func() {
			for ev := range r.Events() {
				if ev.Name == client.EventMessage && received.Add(1) == int64(b.N) {
					close(all)
				}
			}
		}()
	}
	body := []client.Element{client.TextElem(strings.Repeat("a", 100))}
	latencies := make([][]time.Duration, pairs*inflight)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := range latencies {
		wg.Go(func() {
			p := g % pairs
			to := fmt.Sprint("r", p)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if _, err := senders[p].SendC2C(context.Background(), to, body, client.SendOptions{}); err != nil {
					b.Error(err)
					return
				}
				latencies[g] = append(latencies[g], time.Since(t0))
			}
		})
	}
	wg.Wait()
	select {
	case <-all:
	case <-time.After(time.Minute):
		b.Fatalf("receivers got %d of %d messages", received.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lat := slices.Concat(latencies...)
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// benchServer starts a server (SQLite, synchronous=FULL) with the users
// s0.., r0.. of pairs and returns its WebSocket URL.
func benchServer(b *testing.B, pairs int) string {
	b.Helper()
	a, err := app.New(context.Background(), app.Config{
		DataDir: b.TempDir(), BootstrapSDKAppID: testAppID, BootstrapKey: testKey,
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var users []map[string]string
	for i := range pairs {
		users = append(users, map[string]string{"UserID": fmt.Sprint("s", i)}, map[string]string{"UserID": fmt.Sprint("r", i)})
	}
	for chunk := range slices.Chunk(users, 100) {
		body, _ := json.Marshal(map[string]any{"AccountList": chunk})
		req := httptest.NewRequest(http.MethodPost, "/v4/im_open_login_svc/multiaccount_import?"+query(testAppID, "administrator", sig(b, "administrator")), strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), `"ErrorCode":0`) {
			b.Fatalf("import: %s", rec.Body.String())
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("serve: %v", err)
		}
	})
	return "ws://" + ln.Addr().String() + "/ws"
}
