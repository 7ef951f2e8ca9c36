// Command chat is a runnable example of the Go client SDK, pkg/client: two
// users sign in to a running Parley server over WebSocket and exchange
// messages, then look at their history and conversations.
//
// Start a server; its first start creates an app and prints the SDKAppID
// and where it wrote the app's secret key:
//
//	go run ./cmd/parley serve
//
// Then, from the repository root:
//
//	go run ./examples/chat -sdkappid 1400000001 -key ./parley-data/app-1400000001.key
//
// Flags: -url is the server's WebSocket URL (default ws://localhost:8080/ws;
// the REST API is on the same port), -admin an admin identifier of the app
// (default administrator), -from and -to the two users (alice and bob).
// The example creates both accounts through the REST API as the admin
// (account_import is idempotent) and signs the users in with UserSigs it
// generates from the key with the server's own usersig package. In a real
// app the app's backend, which holds the key, generates UserSigs (with any
// TLSSigAPIv2 library) and hands them to its clients; the clients need only
// pkg/client.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/usersig"
	"github.com/parley-im/parley/pkg/client"
	"github.com/parley-im/parley/pkg/protocol"
)

type config struct {
	wsURL    string
	sdkAppID uint64
	key      string
	admin    string
	from, to string
}

func main() {
	var cfg config
	var keyFile string
	flag.StringVar(&cfg.wsURL, "url", "ws://localhost:8080/ws", "the server's WebSocket URL")
	flag.Uint64Var(&cfg.sdkAppID, "sdkappid", 0, "the app's SDKAppID (required)")
	flag.StringVar(&keyFile, "key", "", "file holding the app's secret key (required)")
	flag.StringVar(&cfg.admin, "admin", "administrator", "an admin identifier of the app")
	flag.StringVar(&cfg.from, "from", "alice", "the user who writes first")
	flag.StringVar(&cfg.to, "to", "bob", "the user who answers")
	flag.Parse()
	if cfg.sdkAppID == 0 || keyFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		log.Fatal(err)
	}
	cfg.key = strings.TrimSpace(string(key))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, cfg); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, cfg config) error {
	for _, user := range []string{cfg.from, cfg.to} {
		if err := importAccount(ctx, cfg, user); err != nil {
			return err
		}
	}
	first, err := signIn(ctx, cfg, cfg.from, protocol.PlatformLinux)
	if err != nil {
		return err
	}
	defer first.Close()
	second, err := signIn(ctx, cfg, cfg.to, protocol.PlatformWeb)
	if err != nil {
		return err
	}
	defer second.Close()
	// Take sync positions: from now on each client resynchronises by
	// itself after a reconnect.
	for _, c := range []*client.Client{first, second} {
		if _, err := c.Sync(ctx); err != nil {
			return err
		}
	}

	sent, err := first.SendC2C(ctx, cfg.to, []client.Element{client.TextElem("Hello from " + cfg.from + "!")}, client.SendOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("%s sent message %s (seq %d)\n", cfg.from, sent.MsgKey, sent.MsgSeq)
	got, err := nextMessage(ctx, second)
	if err != nil {
		return err
	}
	fmt.Printf("%s received from %s: %q\n", cfg.to, got.From, got.Text())
	if _, err := second.MarkRead(ctx, cfg.from, got.MsgSeq); err != nil {
		return err
	}
	if _, err := second.SendC2C(ctx, cfg.from, []client.Element{client.TextElem("Hi " + cfg.from + ", " + cfg.to + " here.")}, client.SendOptions{}); err != nil {
		return err
	}
	reply, err := nextMessage(ctx, first)
	if err != nil {
		return err
	}
	fmt.Printf("%s received from %s: %q\n", cfg.from, reply.From, reply.Text())
	return summary(ctx, first, cfg.to)
}

// summary prints the latest history with peer and c's conversations.
func summary(ctx context.Context, c *client.Client, peer string) error {
	page, err := c.History(ctx, peer, client.HistoryOptions{Count: 5})
	if err != nil {
		return err
	}
	fmt.Printf("latest messages with %s, newest first:\n", peer)
	for _, m := range page.Messages {
		fmt.Printf("  #%d %s: %q\n", m.MsgSeq, m.From, m.Text())
	}
	convs, err := c.Conversations(ctx, client.ConversationCursor{}, 10)
	if err != nil {
		return err
	}
	for _, conv := range convs.Conversations {
		fmt.Printf("conversation with %s: last seq %d, %d unread\n", conv.Peer, conv.LastSeq, conv.Unread)
	}
	return nil
}

// signIn connects user on platform with a freshly generated UserSig.
func signIn(ctx context.Context, cfg config, user, platform string) (*client.Client, error) {
	sig, err := usersig.Gen(cfg.sdkAppID, cfg.key, user, 86400, time.Now())
	if err != nil {
		return nil, err
	}
	c, err := client.Dial(ctx, cfg.wsURL, client.Options{SDKAppID: cfg.sdkAppID, UserID: user, UserSig: sig, Platform: platform})
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", user, err)
	}
	return c, nil
}

// nextMessage waits for c's next message event, printing other events.
func nextMessage(ctx context.Context, c *client.Client) (*client.Message, error) {
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return nil, fmt.Errorf("client stopped: %w", c.Err())
			}
			v, err := ev.Decode()
			if err != nil {
				return nil, err
			}
			if m, ok := v.(*client.Message); ok {
				return m, nil
			}
			fmt.Printf("  (event %s %s)\n", ev.Name, ev.Data)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// importAccount creates user through the REST API as the app's admin.
func importAccount(ctx context.Context, cfg config, user string) error {
	sig, err := usersig.Gen(cfg.sdkAppID, cfg.key, cfg.admin, 3600, time.Now())
	if err != nil {
		return err
	}
	base := strings.Replace(strings.TrimSuffix(cfg.wsURL, "/ws"), "ws", "http", 1)
	q := url.Values{"sdkappid": {fmt.Sprint(cfg.sdkAppID)}, "identifier": {cfg.admin}, "usersig": {sig},
		"random": {fmt.Sprint(time.Now().UnixNano() & 0xffffffff)}, "contenttype": {"json"}}
	body, _ := json.Marshal(map[string]string{"UserID": user, "Nick": user})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v4/im_open_login_svc/account_import?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		ErrorCode int
		ErrorInfo string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return fmt.Errorf("account_import %s: %w", user, err)
	}
	if out.ErrorCode != 0 {
		return fmt.Errorf("account_import %s: %d %s", user, out.ErrorCode, out.ErrorInfo)
	}
	return nil
}
