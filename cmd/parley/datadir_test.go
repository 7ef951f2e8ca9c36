package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain doubles as the parley binary when PARLEY_TEST_RUN_MAIN is set,
// so tests can start a second process.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// TestSecondServeOnLockedDataDir: while one server runs on a data
// directory, `parley serve` on it in another process exits non-zero at
// once, naming the directory and the running server's pid.
func TestSecondServeOnLockedDataDir(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"--addr", "127.0.0.1:0", "--data", data}, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "msg=serving"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("first server did not start; stderr:\n%s", stderr.String())
		}
	}

	cmdCtx, stop := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer stop()
	second := exec.CommandContext(cmdCtx, os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data", data)
	second.Env = append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1")
	began := time.Now()
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("second serve on %s: %v, want a non-zero exit; output:\n%s", data, err, out)
	}
	t.Logf("second serve exited %d after %v: %s", exit.ExitCode(), time.Since(began).Round(time.Millisecond), strings.TrimSpace(string(out)))
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(string(out), want) || !strings.Contains(string(out), data) {
		t.Fatalf("second serve's message does not name %s and %q:\n%s", data, want, out)
	}
}
