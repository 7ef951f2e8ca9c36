package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var curlLine = regexp.MustCompile(`curl -s -X POST '([^']+)' -d '([^']+)'`)

// TestFirstStartBannerCurlWorks is the newcomer's path: the first start
// prints a curl example, and running it answers OK. A second start on the
// same data prints no banner, and the CLI finds the key file by itself.
func TestFirstStartBannerCurlWorks(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", data, "--log-level", "warn"}, &stdout, &stderr)
	}()

	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no curl example printed; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		m = curlLine.FindStringSubmatch(stdout.String())
	}
	resp, err := http.Post(m[1], "text/plain", strings.NewReader(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte(`"ActionStatus":"OK"`)) || !bytes.Contains(body, []byte(`"AccountStatus":"Imported"`)) {
		t.Fatalf("curl example answered: %s", body)
	}
	for _, secret := range keyOf(t, data) {
		if strings.Contains(stderr.String(), secret) {
			t.Fatal("the secret key appeared in the log")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}

	// The generated UserSig of the CLI verifies with the CLI.
	var sigOut, errOut bytes.Buffer
	if code := run(context.Background(), []string{"usersig", "gen", "--data", data, "--identifier", "bob"}, &sigOut, &errOut); code != 0 {
		t.Fatalf("usersig gen: %d %s", code, errOut.String())
	}
	var verifyOut bytes.Buffer
	code := run(context.Background(), []string{"usersig", "verify", "--data", data, "--identifier", "bob", "--usersig", strings.TrimSpace(sigOut.String())}, &verifyOut, &errOut)
	if code != 0 || !strings.Contains(verifyOut.String(), "valid") {
		t.Fatalf("usersig verify: %d %s %s", code, verifyOut.String(), errOut.String())
	}
	code = run(context.Background(), []string{"usersig", "verify", "--data", data, "--identifier", "eve", "--usersig", strings.TrimSpace(sigOut.String())}, &verifyOut, &errOut)
	if code != 1 {
		t.Fatalf("usersig verify for the wrong identifier: exit %d, want 1", code)
	}

	// A second start on the same data prints no banner.
	var stdout2, stderr2 syncBuffer
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", data}, &stdout2, &stderr2)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr2.String(), "msg=serving"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second start did not serve; stderr:\n%s", stderr2.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("second serve: %v", err)
	}
	if strings.Contains(stdout2.String(), "curl") {
		t.Fatalf("second start printed a banner again:\n%s", stdout2.String())
	}
}

func keyOf(t *testing.T, data string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, "app-*.key"))
	if len(files) != 1 {
		t.Fatalf("want one key file in %s, found %v", data, files)
	}
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(files[0])
	return []string{strings.TrimSpace(string(b))}
}

// TestConfigPrecedence: flags beat the environment, which beats the file.
func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(file, []byte(`{"addr":":1111","data":"/from/file","log_level":"debug","admins":["a","b"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PARLEY_ADDR": ":2222", "PARLEY_DATA": "/from/env", "PARLEY_CONFIG": file}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := loadConfig(fs, []string{"--addr", ":3333"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal([]any{cfg.Addr, cfg.DataDir, cfg.LogLevel, cfg.BootstrapAdmins})
	if want := `[":3333","/from/env","debug",["a","b"]]`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}

	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env = map[string]string{"PARLEY_SDKAPPID": "notanumber", "PARLEY_SHUTDOWN_TIMEOUT": "soon"}
	_, err = loadConfig(fs, nil, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "PARLEY_SDKAPPID") || !strings.Contains(err.Error(), "PARLEY_SHUTDOWN_TIMEOUT") {
		t.Fatalf("want both bad variables reported, got %v", err)
	}
}

// TestServeRejectsBadConfig: invalid settings stop the server at start and
// name every problem.
func TestServeRejectsBadConfig(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--bus", "nats://127.0.0.1:4222", "--log-level", "loud"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "NATS") || !strings.Contains(errOut.String(), "log level") {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
}

// TestAppCommands: create, list and show apps on a data directory.
func TestAppCommands(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"app", "create", "--data", data, "--sdkappid", "1400000123", "--admin", "ops,boss"}, &out, &errOut); code != 0 {
		t.Fatalf("create: %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "SDKAppID 1400000123 created; admins ops,boss") {
		t.Fatalf("create printed %q", out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"app", "list", "--data", data}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1400000123\tadmins=ops,boss") {
		t.Fatalf("list: %d %q %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"app", "show", "--data", data, "1400000123"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), `"SecretKey"`) {
		t.Fatalf("show: %d %q %s", code, out.String(), errOut.String())
	}
	if code := run(context.Background(), []string{"app", "create", "--data", data, "--sdkappid", "1400000123"}, &out, &errOut); code != 1 {
		t.Fatalf("creating the same SDKAppID twice: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"app", "show", "--data", data, "1400000999"}, &out, &errOut); code != 1 {
		t.Fatalf("show of a missing app: exit %d, want 1", code)
	}
}
