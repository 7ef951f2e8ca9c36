package restapi

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per app: each app may make rate calls per
// second on average with bursts of up to one second's worth. It is per node;
// with several nodes behind a balancer each enforces the limit on its share.
type rateLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[uint64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, buckets: map[uint64]*bucket{}}
}

// allow takes one token from the app's bucket if one is left.
func (l *rateLimiter) allow(sdkAppID uint64, rate int) bool {
	now := l.now()
	burst := float64(rate)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[sdkAppID]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		l.buckets[sdkAppID] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed*float64(rate))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
