package app

import (
	"context"
	"errors"
	"testing"
)

type fakeHealth struct{ ping, writes error }

func (f fakeHealth) Ping(context.Context) error        { return f.ping }
func (f fakeHealth) CheckWrites(context.Context) error { return f.writes }

func TestCheckReady(t *testing.T) {
	t.Parallel()
	down := errors.New("down")
	free := func(n uint64) func(string) (uint64, error) {
		return func(string) (uint64, error) { return n, nil }
	}
	cases := []struct {
		name  string
		st    fakeHealth
		dir   string
		free  func(string) (uint64, error)
		ready bool
	}{
		{"healthy", fakeHealth{}, "/data", free(1 << 30), true},
		{"store unreachable", fakeHealth{ping: down}, "/data", free(1 << 30), false},
		{"writes failing", fakeHealth{writes: down}, "/data", free(1 << 30), false},
		{"disk nearly full", fakeHealth{}, "/data", free(minFreeDiskBytes - 1), false},
		{"disk just enough", fakeHealth{}, "/data", free(minFreeDiskBytes), true},
		{"no data directory to watch (PostgreSQL)", fakeHealth{}, "", free(0), true},
		{"free space unknown", fakeHealth{}, "/data", func(string) (uint64, error) { return 0, errors.ErrUnsupported }, true},
	}
	for _, c := range cases {
		err := checkReady(context.Background(), c.st, c.dir, c.free)
		if (err == nil) != c.ready {
			t.Errorf("%s: checkReady = %v, want ready %v", c.name, err, c.ready)
		}
	}
}
