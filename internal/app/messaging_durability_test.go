package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/pkg/client"
)

// ack is an acknowledged message: the server said it is stored.
type ack struct {
	from string
	seq  uint64
	key  string
}

// acks collects acknowledgements from concurrent senders and says when
// there are enough.
type acks struct {
	mu     sync.Mutex
	list   []ack
	want   int
	enough chan struct{}
}

func (a *acks) add(x ack) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.list = append(a.list, x)
	if len(a.list) == a.want {
		close(a.enough)
	}
}

// tryREST calls a REST command as the administrator without failing the
// test: for goroutines that run into a killed server.
func tryREST(base, adminSig, command string, body any) (map[string]any, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	url := base + "/v4/" + command + "?" + query(testAppID, "administrator", adminSig)
	hc := http.Client{Timeout: waitLimit}
	resp, err := hc.Post(url, "application/json", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", command, err, raw)
	}
	if out["ErrorCode"] != 0.0 {
		return nil, fmt.Errorf("%s: %v %v", command, out["ErrorCode"], out["ErrorInfo"])
	}
	return out, nil
}

// TestKill9KeepsAcknowledgedMessages: four users send over WebSocket and
// an admin over REST, concurrently, until 60 sends are acknowledged; the
// server is killed with SIGKILL right then, in the middle of further
// sends. After a restart the recipient's sync and history hold every
// acknowledged message, and each conversation's sequence is gapless.
func TestKill9KeepsAcknowledgedMessages(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		cmd, base := startChild(t, cfg)
		senders := []string{"s0", "s1", "s2", "s3"}
		importUsers(t, &server{t: t, base: base}, append(slices.Clone(senders), "carol", "bob")...)

		got := &acks{want: 60, enough: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for _, u := range senders {
			o := dialOptions(t, u, "Linux")
			o.DisableReconnect = true // the kill ends it
			c := dialWith(t, wsURL(base), o)
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					res, err := c.SendC2C(ctx, "bob", []client.Element{client.TextElem(fmt.Sprint(u, " #", i))}, client.SendOptions{})
					if err != nil {
						return
					}
					got.add(ack{u, res.MsgSeq, res.MsgKey})
				}
			})
		}
		adminSig := sig(t, "administrator")
		wg.Go(func() { // carol's messages, sent by the admin over REST
			for i := 0; ctx.Err() == nil; i++ {
				out, err := tryREST(base, adminSig, "openim/sendmsg", map[string]any{
					"From_Account": "carol", "To_Account": "bob", "MsgRandom": i + 1,
					"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprint("carol #", i)}}},
				})
				if err != nil {
					return
				}
				key := out["MsgKey"].(string) // "{conversation seq}_{MsgRandom}_{MsgTime}"
				seq, _ := strconv.ParseUint(key[:strings.IndexByte(key, '_')], 10, 64)
				got.add(ack{"carol", seq, key})
			}
		})
		select {
		case <-got.enough:
		case <-time.After(waitLimit):
			t.Fatalf("not %d sends acknowledged within %s", got.want, waitLimit)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		cancel()
		wg.Wait()

		_, base = startChild(t, cfg)
		bob := dial(t, base, "bob", "iOS")
		synced, err := bob.Sync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]map[uint64]string{} // sender -> MsgSeq -> MsgKey
		for _, m := range synced {
			if stored[m.From] == nil {
				stored[m.From] = map[uint64]string{}
			}
			stored[m.From][m.MsgSeq] = m.MsgKey
		}
		got.mu.Lock()
		defer got.mu.Unlock()
		for _, a := range got.list {
			if stored[a.from][a.seq] != a.key {
				t.Errorf("acknowledged message %s from %s (seq %d) is not in bob's sync after kill -9", a.key, a.from, a.seq)
			}
		}
		for from, m := range stored {
			for seq := uint64(1); seq <= uint64(len(m)); seq++ {
				if _, ok := m[seq]; !ok {
					t.Errorf("conversation with %s: seq %d missing among %d synced (gap)", from, seq, len(m))
				}
			}
			page, err := bob.History(context.Background(), from, client.HistoryOptions{Count: 100})
			if err != nil || len(page.Messages) != len(m) || !page.Complete {
				t.Errorf("history with %s: %d messages %v, sync had %d", from, len(page.Messages), err, len(m))
			}
		}
		t.Logf("%d sends acknowledged before the kill; %d messages stored", len(got.list), len(synced))
	})
}

// proxy forwards TCP connections to a server, so that a test can cut a
// client's connection and keep it from reconnecting for a while.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  []net.Conn
	refuse bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut(true)
		p.wg.Wait()
	})
	return p
}

func (p *proxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		out, err := net.Dial("tcp", p.target)
		if refuse || err != nil {
			_ = in.Close()
			if out != nil {
				_ = out.Close()
			}
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
		}
		p.wg.Go(func() { pipe(out, in) })
		p.wg.Go(func() { pipe(in, out) })
	}
}

// cut closes every forwarded connection; with refuse, new ones are
// closed at once until allow.
func (p *proxy) cut(refuse bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = refuse
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) allow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = false
}

// TestResyncAfterReconnect: a client that lost its connection while
// messages were sent gets them after reconnecting, through Events and
// followed by sync_complete, each exactly once, without asking.
func TestResyncAfterReconnect(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		p := newProxy(t, s.base[len("http://"):])
		bob := dialWith(t, "ws://"+p.ln.Addr().String()+"/ws", dialOptions(t, "bob", "iOS"))
		bobIn := watch(bob)
		if _, err := bob.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		alice := dial(t, s.base, "alice", "Linux")
		var keys []string
		keys = append(keys, send(t, alice, "bob", "m1").MsgKey)
		bobIn.messages(t, "m1 live", 1)

		p.cut(true)
		for i := 2; i <= 6; i++ {
			keys = append(keys, send(t, alice, "bob", fmt.Sprint("m", i)).MsgKey)
		}
		p.allow()
		evs := bobIn.wait(t, "sync_complete after the reconnect", func(evs []client.Event) bool {
			return len(decoded[*client.SyncComplete](t, evs)) > 0
		})
		done := decoded[*client.SyncComplete](t, evs)[0]
		if done.Count != 5 || done.Head != bob.SyncSeq() {
			t.Errorf("sync_complete %+v, want 5 messages up to %d", done, bob.SyncSeq())
		}
		if last := evs[len(evs)-1]; last.Name != client.EventSyncComplete {
			t.Errorf("last event %s, want sync_complete after the resynced messages", last.Name)
		}
		keys = append(keys, send(t, alice, "bob", "m7").MsgKey)
		var got []string
		for _, m := range bobIn.messages(t, "m7 live", 7) {
			got = append(got, m.MsgKey)
		}
		if !slices.Equal(got, keys) {
			t.Errorf("bob got %v, want %v once each, in order", got, keys)
		}
		if again, err := bob.Sync(context.Background()); err != nil || len(again) != 0 {
			t.Errorf("sync after the resync: %d messages %v, want none", len(again), err)
		}
	})
}

// TestKill9MidLargeCommit: an admin sends batchsendmsg to 300 recipients
// (300 messages stored in one transaction) again and again, and the
// server is killed with SIGKILL while batches are in flight. After a
// restart every acknowledged batch reached all 300 recipients, and no
// batch is half stored: each reached all of them or none.
func TestKill9MidLargeCommit(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		cmd, base := startChild(t, cfg)
		s := &server{t: t, base: base}
		recipients := make([]string, 300)
		for i := range recipients {
			recipients[i] = fmt.Sprintf("r%03d", i)
		}
		for chunk := range slices.Chunk(append([]string{"carol"}, recipients...), 100) {
			importUsers(t, s, chunk...)
		}
		adminSig := sig(t, "administrator")
		var (
			mu    sync.Mutex
			acked []int
		)
		enough := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for w := range 3 {
			wg.Go(func() {
				for i := w; ctx.Err() == nil; i += 3 {
					_, err := tryREST(base, adminSig, "openim/batchsendmsg", map[string]any{
						"From_Account": "carol", "To_Account": recipients, "MsgRandom": i + 1,
						"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprint("batch ", i)}}},
					})
					if err != nil {
						return // the kill, or a failed batch (which must then be absent)
					}
					mu.Lock()
					if acked = append(acked, i); len(acked) == 6 {
						close(enough)
					}
					mu.Unlock()
				}
			})
		}
		select {
		case <-enough:
		case <-time.After(waitLimit):
			t.Fatalf("not 6 batches acknowledged within %s", waitLimit)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		cancel()
		wg.Wait()

		_, base = startChild(t, cfg)
		s = &server{t: t, base: base}
		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"RestRateLimit": 100000}))
		reached := map[string]int{} // batch text -> recipients holding it
		for _, r := range recipients {
			out := mustOK(t, s.rest("openim/admin_getroammsg", map[string]any{
				"Operator_Account": r, "Peer_Account": "carol", "MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 60,
			}))
			list, _ := out["MsgList"].([]any)
			for _, m := range list {
				body := m.(map[string]any)["MsgBody"].([]any)
				reached[body[0].(map[string]any)["MsgContent"].(map[string]any)["Text"].(string)]++
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, i := range acked {
			if n := reached[fmt.Sprint("batch ", i)]; n != len(recipients) {
				t.Errorf("acknowledged batch %d reached %d of %d recipients after kill -9", i, n, len(recipients))
			}
		}
		for text, n := range reached {
			if n != len(recipients) {
				t.Errorf("%s reached %d of %d recipients: half a transaction survived", text, n, len(recipients))
			}
		}
		t.Logf("%d batches acknowledged before the kill; %d stored", len(acked), len(reached))
	})
}

// TestTwoServersOnePostgres: two server processes on one PostgreSQL
// database take sends into the same conversation at the same time; the
// acknowledged seqs are unique and gapless, and each server's history
// shows all of them.
func TestTwoServersOnePostgres(t *testing.T) {
	t.Parallel()
	cfg := app.Config{Store: storetest.PostgresURL(t)} // skips without PostgreSQL
	_, base1 := startChild(t, app.Config{Store: cfg.Store, DataDir: t.TempDir()})
	_, base2 := startChild(t, app.Config{Store: cfg.Store, DataDir: t.TempDir()})
	importUsers(t, &server{t: t, base: base1}, "alice", "bob")
	adminSig := sig(t, "administrator")
	const perSender = 60
	var (
		mu   sync.Mutex
		seqs []uint64
	)
	var wg sync.WaitGroup
	for i, base := range []string{base1, base2, base1, base2} {
		from, to := "alice", "bob"
		if i%2 == 1 {
			from, to = to, from
		}
		wg.Go(func() {
			for n := range perSender {
				out, err := tryREST(base, adminSig, "openim/sendmsg", map[string]any{
					"From_Account": from, "To_Account": to, "MsgRandom": i*perSender + n + 1,
					"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": fmt.Sprint(i, "/", n)}}},
				})
				if err != nil {
					t.Errorf("sender %d: %v", i, err)
					return
				}
				key := out["MsgKey"].(string)
				seq, _ := strconv.ParseUint(key[:strings.IndexByte(key, '_')], 10, 64)
				mu.Lock()
				seqs = append(seqs, seq)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("acknowledged seqs from two servers are not 1..%d without gaps or repeats: position %d holds %d", len(seqs), i, seq)
		}
	}
	for _, base := range []string{base1, base2} {
		s := &server{t: t, base: base}
		got := 0
		q := map[string]any{"Operator_Account": "bob", "Peer_Account": "alice", "MaxCnt": 100, "MinTime": 0, "MaxTime": time.Now().Unix() + 60}
		for {
			out := mustOK(t, s.rest("openim/admin_getroammsg", q))
			list, _ := out["MsgList"].([]any)
			got += len(list)
			if out["Complete"] == json.Number("1") || len(list) == 0 {
				break
			}
			q["LastMsgKey"], q["MaxTime"] = out["LastMsgKey"], out["LastMsgTime"]
		}
		if got != len(seqs) {
			t.Errorf("%s's history holds %d messages, want %d", base, got, len(seqs))
		}
	}
}
