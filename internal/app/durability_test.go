package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
)

// TestMain doubles as a server process for the kill -9 test: with
// PARLEY_TEST_CHILD set it serves until killed instead of running tests.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_CHILD") != "" {
		os.Exit(childServer())
	}
	os.Exit(m.Run())
}

func childServer() int {
	cfg := app.Config{
		DataDir:           os.Getenv("PARLEY_TEST_CHILD_DATA"),
		Store:             os.Getenv("PARLEY_TEST_CHILD_STORE"),
		BootstrapSDKAppID: testAppID,
		BootstrapKey:      testKey,
	}
	a, err := app.New(context.Background(), cfg, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	if err := a.Serve(context.Background(), ln); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// startChild runs a server in a child process and returns it and its base URL.
func startChild(t *testing.T, cfg app.Config) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PARLEY_TEST_CHILD=1", "PARLEY_TEST_CHILD_DATA="+cfg.DataDir, "PARLEY_TEST_CHILD_STORE="+cfg.Store)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	addr := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if a, ok := strings.CutPrefix(lines.Text(), "ADDR "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("child server exited before listening")
		}
		return cmd, "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("child server did not start within 60s")
	}
	return nil, ""
}

// TestAcknowledgedAccountsSurviveKill9: every account import acknowledged
// with OK is there after the server is killed with SIGKILL and restarted.
func TestAcknowledgedAccountsSurviveKill9(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		cmd, base := startChild(t, cfg)
		s := &server{t: t, base: base}
		var ids []string
		for i := range 30 {
			id := fmt.Sprintf("user%02d", i)
			mustOK(t, s.rest("im_open_login_svc/account_import", map[string]any{"UserID": id, "Nick": "nick of " + id}))
			ids = append(ids, id)
		}
		batch := []map[string]any{}
		for i := range 40 {
			id := fmt.Sprintf("batch%02d", i)
			batch = append(batch, map[string]any{"UserID": id, "Nick": "n" + id})
			ids = append(ids, id)
		}
		mustOK(t, s.rest("im_open_login_svc/multiaccount_import", map[string]any{"AccountList": batch}))
		mustOK(t, s.rest("profile/portrait_set", map[string]any{"From_Account": "user00",
			"ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_SelfSignature", "Value": "still here"}}}))

		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		_, base = startChild(t, cfg)
		s = &server{t: t, base: base}
		for start := 0; start < len(ids); start += 100 {
			items := []map[string]any{}
			for _, id := range ids[start:min(start+100, len(ids))] {
				items = append(items, map[string]any{"UserID": id})
			}
			out := mustOK(t, s.rest("im_open_login_svc/account_check", map[string]any{"CheckItem": items}))
			for _, r := range out["ResultItem"].([]any) {
				item := r.(map[string]any)
				if item["AccountStatus"] != "Imported" {
					t.Errorf("after kill -9: %v is %v", item["UserID"], item["AccountStatus"])
				}
			}
		}
		out := mustOK(t, s.rest("profile/portrait_get", map[string]any{"To_Account": []string{"user00"},
			"TagList": []string{"Tag_Profile_IM_Nick", "Tag_Profile_IM_SelfSignature"}}))
		got := fmt.Sprint(out["UserProfileItem"])
		for _, want := range []string{"nick of user00", "still here"} {
			if !strings.Contains(got, want) {
				t.Errorf("after kill -9: profile %s lacks %q", got, want)
			}
		}
	})
}
