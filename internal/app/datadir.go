package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lockFileName is the file in the data directory that its owner holds
// locked while it runs; it also names the owner's pid.
const lockFileName = "parley.lock"

// ErrDataDirInUse: another running Parley holds the data directory.
var ErrDataDirInUse = errors.New("data directory is in use")

// dirLock is the exclusive hold of one process on a data directory. Two
// servers on one directory would each cache accounts and sequence
// counters the other changes, so the second one must not start.
type dirLock struct {
	f *os.File
}

// lockDataDir creates dir if needed and takes its lock without waiting.
// When another process holds it, the error wraps ErrDataDirInUse and names
// the directory and, when it can be read, the holder's pid.
func lockDataDir(dir string) (*dirLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data directory lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory lock %s: %w", path, err)
	}
	if !held {
		pid := readPID(f)
		f.Close()
		abs, _ := filepath.Abs(dir)
		if pid > 0 {
			return nil, fmt.Errorf("%w: %s is held by another Parley (pid %d); stop it or use another data directory", ErrDataDirInUse, abs, pid)
		}
		return nil, fmt.Errorf("%w: %s is held by another Parley; stop it or use another data directory", ErrDataDirInUse, abs)
	}
	// The pid is for the message above only; the lock is what counts, so
	// a stale pid left by a killed process does no harm.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release gives the directory up (the kernel also does when the process
// exits, however it exits).
func (l *dirLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = unlock(l.f)
	_ = l.f.Close()
	l.f = nil
}

func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		return 0
	}
	return pid
}
