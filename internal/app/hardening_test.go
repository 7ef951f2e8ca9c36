package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parley-im/parley/internal/app"
)

// chunk is the body bytes every raw request sends, shared so that the
// test's clients add little to the heap the flood test measures.
var chunk = []byte(strings.Repeat("a", 32<<10))

// rawRequest writes an HTTP/1.1 POST to path with the given declared body
// length and the first n body bytes, and returns the connection.
func rawRequest(t *testing.T, s *server, path string, declared, n int) (net.Conn, error) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: parley\r\nContent-Length: %d\r\n\r\n", path, declared)
	if _, err := io.WriteString(c, head); err != nil {
		c.Close()
		return nil, err
	}
	for sent := 0; sent < n; {
		k, err := c.Write(chunk[:min(len(chunk), n-sent)])
		sent += k
		if err != nil {
			break // the server answered and closed without reading: fine
		}
	}
	return c, nil
}

// readAnswer reads one HTTP answer from c and returns its ErrorCode, or
// -1 when the server closed the connection without an answer.
func readAnswer(c net.Conn) int {
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var env struct{ ErrorCode int }
	if json.NewDecoder(resp.Body).Decode(&env) != nil {
		return -1
	}
	return env.ErrorCode
}

// TestRESTAuthenticatesBeforeReadingTheBody: a 10 MB body with a bad
// UserSig is answered 70003 without the server reading it, and a declared
// body over the limit with a good UserSig is refused (60008) before it is
// read.
func TestRESTAuthenticatesBeforeReadingTheBody(t *testing.T) {
	t.Parallel()
	s := start(t, app.Config{})
	bad := "/v4/im_open_login_svc/account_check?" + query(testAppID, "administrator", "bad")
	c, err := rawRequest(t, s, bad, 10<<20, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := readAnswer(c); got != 70003 {
		t.Fatalf("10 MB body with a bad UserSig: %d, want 70003", got)
	}
	good := "/v4/im_open_login_svc/account_check?" + query(testAppID, "administrator", sig(t, "administrator"))
	c2, err := rawRequest(t, s, good, 10<<20, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got := readAnswer(c2); got != 60008 {
		t.Fatalf("10 MB declared body with a good UserSig: %d, want 60008", got)
	}
}

// TestBadSignatureFloodIsLimitedPerAddress: after a burst of failures from
// one address, its calls get 60007 before being checked, good ones too;
// once the budget refills a good call works and is not charged (calls that
// authenticate never are), so the address's next bad call is checked.
func TestBadSignatureFloodIsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := start(t, app.Config{AuthFailureRate: 1, Clock: clk.Now})
	bad := "/v4/parley_config/get_app_config?" + query(testAppID, "administrator", "bad")
	codes := map[int]int{}
	for range 400 {
		codes[code(t, s.raw(http.MethodPost, bad, "{}"))]++
	}
	// The clock stands still: the burst of five seconds' worth is checked,
	// the rest refused unread.
	if codes[70003] != 5 || codes[60007] != 395 {
		t.Fatalf("400 badly signed calls at 1 failure/s (burst 5): %v, want 5 70003 and 395 60007", codes)
	}
	if got := code(t, s.rest("parley_config/get_app_config", map[string]any{})); got != 60007 {
		t.Fatalf("a good call from the flooding address: %d, want 60007 until the budget refills", got)
	}
	clk.Advance(time.Second) // one failure's worth
	mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))
	for i, want := range []int{70003, 60007} {
		if got := code(t, s.raw(http.MethodPost, bad, "{}")); got != want {
			t.Fatalf("bad call %d after a second: %d, want %d", i+1, got, want)
		}
	}
}

// heapPeak samples the heap in use until stop is closed and returns the
// highest value seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestStalledBodiesDoNotHoldMemory is the slow-body flood: 300
// connections declare 1 MiB bodies with a bad UserSig, send almost all of
// it and stall. Every one is answered (or closed) without the server
// buffering the bodies: the heap (server and this test's clients share
// it) stays within 64 MB of its idle value. Then 50 stalled bodies with a
// good UserSig are cut off by the read timeout.
//
// The heap is a proxy for the server's RSS that a test can read; `parley
// bench`-style runs against a separate process are in
// docs/performance.md.
func TestStalledBodiesDoNotHoldMemory(t *testing.T) {
	// No per-address limit: every bad UserSig is checked, the costlier case.
	s := start(t, app.Config{ReadTimeout: app.Duration(time.Second), AuthFailureRate: -1})
	base := heapInUse()
	stop := make(chan struct{})
	peak := heapPeak(stop)

	flood := func(path string, conns, declared, sent int) map[int]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range conns {
			wg.Go(func() {
				got := -1
				if conn, err := rawRequest(t, s, path, declared, sent); err == nil {
					got = readAnswer(conn)
					conn.Close()
				}
				mu.Lock()
				codes[got]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return codes
	}
	bad := "/v4/im_open_login_svc/account_check?" + query(testAppID, "administrator", "bad")
	badCodes := flood(bad, 300, 1<<20, 1_048_000)
	close(stop)
	grown := int64(<-peak) - int64(base)
	good := "/v4/im_open_login_svc/account_check?" + query(testAppID, "administrator", sig(t, "administrator"))
	goodCodes := flood(good, 50, 1<<20, 512<<10)
	t.Logf("bad UserSig: answers %v, heap peak %+d MB over idle; good UserSig, stalled: answers %v (-1: closed)",
		badCodes, grown>>20, goodCodes)
	if badCodes[70003] == 0 || badCodes[70003]+badCodes[-1] != 300 {
		t.Fatalf("stalled bad-signature requests: %v, want 70003 (or a close) for each", badCodes)
	}
	if grown > 64<<20 {
		t.Fatalf("heap grew %d MB during the bad-signature flood, want at most 64", grown>>20)
	}
	if goodCodes[60008]+goodCodes[-1] != 50 {
		t.Fatalf("stalled well-signed requests: %v, want each cut off by the read timeout (60008 or a close)", goodCodes)
	}
}

// TestIdleKeepAliveConnectionsAreClosed: 2,000 connections that made one
// request and then idle are all closed by the server after the idle
// timeout.
func TestIdleKeepAliveConnectionsAreClosed(t *testing.T) {
	s := start(t, app.Config{IdleTimeout: app.Duration(500 * time.Millisecond)})
	addr := strings.TrimPrefix(s.base, "http://")
	const conns = 2000
	var wg sync.WaitGroup
	var closedByServer, failed atomic.Int64
	for range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				failed.Add(1)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(2 * time.Minute)) // a hang guard, not a speed check
			if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n"); err != nil {
				failed.Add(1)
				return
			}
			r := bufio.NewReader(c)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if _, err := r.ReadByte(); errors.Is(err, io.EOF) {
				closedByServer.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 || closedByServer.Load() != conns {
		t.Fatalf("of %d idle keep-alive connections: %d closed by the server, %d failed", conns, closedByServer.Load(), failed.Load())
	}
}

// TestDataDirectoryHasOneOwner: a second server on a data directory in use
// fails at once naming the directory and the holder's pid; once the first
// one stops, the directory can be used again.
func TestDataDirectoryHasOneOwner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := start(t, app.Config{DataDir: dir})
	_, err := app.New(context.Background(), app.Config{DataDir: dir, BootstrapSDKAppID: testAppID, BootstrapKey: testKey}, nil)
	if !errors.Is(err, app.ErrDataDirInUse) {
		t.Fatalf("second app on %s: %v, want ErrDataDirInUse", dir, err)
	}
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %q does not name the directory and %q", err, want)
	}
	first.stop()
	again := start(t, app.Config{DataDir: dir})
	mustOK(t, again.rest("parley_config/get_app_config", map[string]any{}))
}

// TestSyncFloodEndsAsSlowConsumer: a session that pipelines maximal sync
// requests without reading gets pages bounded in bytes and, once its send
// queue passes its byte cap (4 MiB), a kicked slow_consumer event and close
// 4005; the server's heap stays far from what unbounded pages held.
//
// The scenario is 30 requests; on loopback the kernel takes about
// 4 MB of a connection's output into its socket buffers, so 30 pages of
// 256 KiB (7.5 MiB) fit in those plus the queue without overflowing it.
// The test sends 100 (25 MiB) so that the queue must overflow;
// internal/gateway's TestSlowConsumerByteCap checks the queue's peak.
func TestSyncFloodEndsAsSlowConsumer(t *testing.T) {
	// Not parallel: the heap it measures is shared with parallel tests.
	s := start(t, app.Config{})
	importUsers(t, s, "alice", "bob")
	// 40 messages of ~15 KB: more than a 256 KiB page.
	text, custom := strings.Repeat("t", 7000), strings.Repeat("c", 7000)
	for i := range 40 {
		mustOK(t, s.rest("openim/sendmsg", map[string]any{
			"From_Account": "bob", "To_Account": "alice", "MsgRandom": i + 1, "CloudCustomData": custom,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}},
		}))
	}
	// A small receive window, so that what the server cannot write stays
	// in its send queue rather than in this machine's socket buffers.
	d := ws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(64 << 10)
		}
		return c, err
	}}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, _, _, err := d.Dial(ctx, wsURL(s.base))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := &rawConn{t: t, conn: conn}
	login := fmt.Sprintf(`{"id":1,"cmd":"login","data":{"SDKAppID":%d,"UserID":"alice","UserSig":%q,"Platform":"Web","ProtocolVersion":1}}`,
		testAppID, sig(t, "alice"))
	if a := r.exchange(ws.OpText, []byte(login)); a.Code != 0 {
		t.Fatalf("login: %+v", a)
	}
	const requests = 100
	base := heapInUse()
	stop := make(chan struct{})
	peak := heapPeak(stop)
	_ = conn.SetDeadline(time.Now().Add(5 * waitLimit)) // a hang guard
	for i := range requests {
		req := fmt.Appendf(nil, `{"id":%d,"cmd":"sync","data":{"After":0,"Limit":1000}}`, 100+i)
		if err := wsutil.WriteClientMessage(conn, ws.OpText, req); err != nil {
			break // the server may already have closed the session
		}
	}
	// Read nothing until the server gives up on the session.
	for deadline := time.Now().Add(4 * waitLimit); !slowConsumerClosed(t, s); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the session was never closed as a slow consumer")
		}
	}
	var pages, largest int
	var kicked string
	var status ws.StatusCode
	for {
		frame, op, err := wsutil.ReadServerData(conn)
		if err != nil {
			var closed wsutil.ClosedError
			if errors.As(err, &closed) {
				status = closed.Code
			}
			break
		}
		if op != ws.OpText {
			continue
		}
		var f struct {
			ID    uint64
			Event string `json:"event"`
			Data  struct{ Reason string }
		}
		_ = json.Unmarshal(frame, &f)
		switch {
		case f.Event == "kicked":
			kicked = f.Data.Reason
		case f.ID >= 100:
			pages++
			largest = max(largest, len(frame))
		}
	}
	close(stop)
	grown := int64(<-peak) - int64(base)
	t.Logf("%d pages answered (largest %d bytes) before kicked %q and close %d; heap peak %+d MB", pages, largest, kicked, status, grown>>20)
	if kicked != "slow_consumer" || status != 4005 {
		t.Fatalf("after 30 pipelined syncs: kicked %q, close %d; want slow_consumer and 4005", kicked, status)
	}
	if pages >= requests {
		t.Fatalf("all %d pages were answered: the send queue was not bounded", pages)
	}
	if largest > 300<<10 {
		t.Fatalf("a sync page of %d bytes: pages are bounded at 256 KiB of messages", largest)
	}
	if grown > 64<<20 {
		t.Fatalf("heap grew %d MB during the flood, want at most 64", grown>>20)
	}
}

func slowConsumerClosed(t *testing.T, s *server) bool {
	_, body := httpGet(t, s.base, "/metrics")
	return strings.Contains(body, "parley_gateway_slow_consumer_closes_total 1")
}
