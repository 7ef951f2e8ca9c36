package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/tenant"
)

// memClientEnv, when set to "<url> <n>", turns the test binary into the
// client side of BenchmarkIdleConnectionMemory: it opens n signed-in
// connections, says "ready", and holds them until stdin closes. The
// clients live in their own process so that only the server's memory is
// measured.
const memClientEnv = "PARLEY_GATEWAY_MEM_CLIENT"

func TestMain(m *testing.M) {
	if spec := os.Getenv(memClientEnv); spec != "" {
		os.Exit(runIdleClients(spec))
	}
	os.Exit(m.Run())
}

func runIdleClients(spec string) int {
	url, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad spec:", spec)
		return 2
	}
	conns := make([]net.Conn, 0, n)
	for i := range n {
		c, err := idleClient(url, fmt.Sprintf("user%d", i))
		if err != nil {
			fmt.Fprintf(os.Stderr, "client %d: %v\n", i, err)
			return 1
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.Close()
	}
	return 0
}

// idleClient signs in and returns the connection, holding no goroutine.
func idleClient(url, user string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	login := fmt.Sprintf(`{"id":1,"cmd":"login","data":{"SDKAppID":1400000001,"UserID":%q,"UserSig":"x","Platform":"Linux","ProtocolVersion":1}}`, user)
	if err := ws.WriteFrame(c, ws.MaskFrame(ws.NewTextFrame([]byte(login)))); err != nil {
		return nil, err
	}
	var r io.Reader = c
	if br != nil {
		r = br
	}
	h, err := ws.ReadHeader(r)
	if err != nil {
		return nil, err
	}
	answer := make([]byte, h.Length)
	if _, err := io.ReadFull(r, answer); err != nil {
		return nil, err
	}
	if !strings.Contains(string(answer), `"code":0`) {
		return nil, fmt.Errorf("login refused: %s", answer)
	}
	return c, nil
}

// anyone signs in every UserSig, with one that expires in a day (so each
// session carries its expiry timer, as in production).
type anyone struct{}

func (anyone) Authenticate(_ context.Context, app uint64, user, _ string) (tenant.Principal, error) {
	return tenant.Principal{App: tenant.App{SDKAppID: app}, Identifier: user, SigExpiresAt: time.Now().Unix() + 86400}, nil
}

// BenchmarkIdleConnectionMemory measures what an idle, signed-in
// connection costs the server: live heap plus goroutine stacks after
// garbage collection, per connection, with 2,000 connections held by a
// separate client process. Run it with
//
//	go test -run '^$' -bench IdleConnectionMemory -benchtime 1x ./internal/gateway/
//
// Only the first round in a process counts the goroutine descriptors
// (about 450 bytes per goroutine): later rounds reuse those the runtime
// kept from the previous round's connections and read about 1 KB lower.
func BenchmarkIdleConnectionMemory(b *testing.B) {
	const n = 2000
	for range b.N {
		heap, stack := measureIdle(b, n)
		b.ReportMetric(float64(heap)/n, "heap-B/conn")
		b.ReportMetric(float64(stack)/n, "stack-B/conn")
		b.ReportMetric(float64(heap+stack)/n, "B/conn")
	}
}

func measureIdle(b *testing.B, n int) (heap, stack int64) {
	bus := local.New()
	defer bus.Close()
	gw := gateway.New(gateway.Config{Auth: anyone{}, Bus: bus, PingInterval: time.Hour, IdleTimeout: time.Hour})
	srv := httptest.NewServer(http.Handler(gw))
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = gw.Shutdown(ctx)
	}()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	// Warm up pools and code paths with one connection, so the baseline
	// includes everything that is not per connection.
	warm, err := idleClient(url, "warmup")
	if err != nil {
		b.Fatal(err)
	}
	before := settledMemory()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), memClientEnv+"="+url+" "+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		_ = cmd.Wait()
		_ = warm.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		b.Fatalf("clients: %q, %v", line, err)
	}
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("user%d", i)
	}
	for len(gw.Online(1400000001, users)) < n {
		time.Sleep(10 * time.Millisecond)
	}
	after := settledMemory()
	return int64(after.HeapAlloc) - int64(before.HeapAlloc), int64(after.StackInuse) - int64(before.StackInuse)
}

// settledMemory collects garbage until stacks have shrunk and returns the
// memory statistics.
func settledMemory() runtime.MemStats {
	for range 5 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}
