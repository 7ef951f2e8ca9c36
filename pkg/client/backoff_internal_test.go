package client

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{opts: Options{ReconnectMin: 100 * time.Millisecond, ReconnectMax: 2 * time.Second}}
	for n, ceiling := range []time.Duration{100, 200, 400, 800, 1600, 2000, 2000} {
		ceiling *= time.Millisecond
		if n == 6 {
			n = 1000 // far past the cap
		}
		for range 50 {
			d := c.backoff(n)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
}
