package restapi

import (
	"net/netip"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most burst banked.
type bucket struct {
	tokens float64
	last   time.Time
}

// refill adds the tokens earned since the bucket was last touched.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed*rate)
		b.last = now
	}
}

// rateLimiter is a token bucket per app: each app may make rate calls per
// second on average with bursts of up to one second's worth. It is per node;
// with several nodes behind a balancer each enforces the limit on its share.
type rateLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[uint64]*bucket
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
	b.refill(now, float64(rate), burst)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Defaults of the per-address limit on calls that fail authentication.
const (
	// DefaultAuthFailureRate is how many failed authentications a second
	// one client address may make on average.
	DefaultAuthFailureRate = 10
	// authFailureBurstSeconds: an address may bank this many seconds'
	// worth of failures, so a backend that misconfigured its key sees its
	// own errors for a while before it sees 60007.
	authFailureBurstSeconds = 5
	// maxFailureAddrs bounds the limiter's memory under a flood from many
	// addresses: past it, addresses whose buckets have refilled are
	// forgotten, and if that frees nothing the table starts over.
	maxFailureAddrs = 1 << 16
)

// failureLimiter limits, per client address, the calls that fail
// authentication. It runs before a call is authenticated (and before its
// body is read): an address with no failures left is refused at once, so a
// flood of badly signed calls costs a map lookup each, not a UserSig check
// or an app lookup. Calls that authenticate are never charged, so a busy
// backend with a good key is limited only by its app's rate.
//
// IPv6 addresses are grouped by /64, the block one host usually gets.
type failureLimiter struct {
	now         func() time.Time
	rate, burst float64
	mu          sync.Mutex
	buckets     map[netip.Addr]*bucket
	disabled    bool
}

// newFailureLimiter allows rate failures per second per address; rate < 0
// disables the limit, 0 means DefaultAuthFailureRate.
func newFailureLimiter(now func() time.Time, rate float64) *failureLimiter {
	if rate == 0 {
		rate = DefaultAuthFailureRate
	}
	return &failureLimiter{
		now: now, rate: rate, burst: rate * authFailureBurstSeconds,
		buckets: map[netip.Addr]*bucket{}, disabled: rate < 0,
	}
}

// blocked reports whether addr has used up its failures. It takes nothing.
func (l *failureLimiter) blocked(addr netip.Addr) bool {
	if l.disabled || !addr.IsValid() {
		return false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[clientKey(addr)]
	if !ok {
		return false
	}
	b.refill(now, l.rate, l.burst)
	return b.tokens < 1
}

// charge takes one failure from addr's budget.
func (l *failureLimiter) charge(addr netip.Addr) {
	if l.disabled || !addr.IsValid() {
		return
	}
	key := clientKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxFailureAddrs {
			l.forgetRefilled(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.refill(now, l.rate, l.burst)
	b.tokens = max(b.tokens-1, 0)
}

// forgetRefilled drops the buckets that are full again (they hold nothing
// a new bucket would not); if none is, it starts the table over.
func (l *failureLimiter) forgetRefilled(now time.Time) {
	for k, b := range l.buckets {
		if b.refill(now, l.rate, l.burst); b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxFailureAddrs {
		clear(l.buckets)
	}
}

// clientKey is the address a client is limited by: IPv4 (and IPv4-mapped)
// addresses as they are, IPv6 by their /64.
func clientKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is4() {
		return addr
	}
	p, err := addr.Prefix(64)
	if err != nil {
		return addr
	}
	return p.Addr()
}

// remoteAddr is the client address of a request (invalid if it cannot be
// parsed, which exempts the call from the per-address limit).
func remoteAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}
