package restapi

import (
	"net/netip"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	l := newRateLimiter(func() time.Time { return now })
	allowed := func(app uint64, rate, n int) int {
		ok := 0
		for range n {
			if l.allow(app, rate) {
				ok++
			}
		}
		return ok
	}
	if got := allowed(1, 200, 300); got != 200 {
		t.Fatalf("burst: %d allowed, want 200 (one second's worth)", got)
	}
	if got := allowed(2, 200, 10); got != 10 {
		t.Fatalf("another app shares the budget: %d allowed, want 10", got)
	}
	now = now.Add(100 * time.Millisecond)
	if got := allowed(1, 200, 100); got != 20 {
		t.Fatalf("after 100 ms: %d allowed, want 20", got)
	}
	now = now.Add(time.Hour)
	if got := allowed(1, 200, 300); got != 200 {
		t.Fatalf("after an idle hour: %d allowed, want 200 (no credit beyond the burst)", got)
	}
}

func TestSplitPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path, service, command string
		ok                     bool
	}{
		{"/v4/openim/sendmsg", "openim", "sendmsg", true},
		{"/v4/openim/", "", "", false},
		{"/v4//sendmsg", "", "", false},
		{"/v4/openim", "", "", false},
		{"/v4/a/b/c", "", "", false},
		{"/v3/openim/sendmsg", "", "", false},
	}
	for _, c := range cases {
		s, cmd, ok := splitPath(c.path)
		if ok != c.ok || (ok && (s != c.service || cmd != c.command)) {
			t.Errorf("splitPath(%q) = %q, %q, %v", c.path, s, cmd, ok)
		}
	}
}

func TestCheckJSONObject(t *testing.T) {
	t.Parallel()
	for body, ok := range map[string]bool{"": true, "  ": true, "{}": true, ` {"a":1} `: true, "[]": false, "1": false, "{": false, `{"a":1}{}`: false, "null": false} {
		if _, err := checkJSONObject([]byte(body)); (err == nil) != ok {
			t.Errorf("checkJSONObject(%q): err=%v, want ok=%v", body, err, ok)
		}
	}
}

func TestFailureLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	l := newFailureLimiter(func() time.Time { return now }, 10)
	a, b := remoteAddr("192.0.2.1:5000"), remoteAddr("192.0.2.2:5000")
	failures := 0
	for !l.blocked(a) {
		l.charge(a)
		if failures++; failures > 1000 {
			t.Fatal("an address failing without end is never blocked")
		}
	}
	if failures != 10*authFailureBurstSeconds {
		t.Fatalf("blocked after %d failures, want %d (five seconds' worth)", failures, 10*authFailureBurstSeconds)
	}
	if l.blocked(b) {
		t.Fatal("another address is blocked too")
	}
	now = now.Add(time.Second)
	for range 10 {
		if l.blocked(a) {
			t.Fatal("a second later the address may fail 10 more times")
		}
		l.charge(a)
	}
	if !l.blocked(a) {
		t.Fatal("the address is not blocked again after its 10 failures")
	}
	if off := newFailureLimiter(time.Now, -1); func() bool { off.charge(a); return off.blocked(a) }() {
		t.Fatal("a negative rate disables the limit")
	}
}

func TestFailureLimiterGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	l := newFailureLimiter(time.Now, 1)
	for range 5 {
		l.charge(remoteAddr("[2001:db8:1:2::1]:443"))
	}
	if !l.blocked(remoteAddr("[2001:db8:1:2::ffff]:443")) {
		t.Fatal("an address of the same /64 is not blocked")
	}
	if l.blocked(remoteAddr("[2001:db8:1:3::1]:443")) {
		t.Fatal("an address of another /64 is blocked")
	}
}

func TestFailureLimiterForgetsUnderAFlood(t *testing.T) {
	t.Parallel()
	l := newFailureLimiter(time.Now, 10)
	for i := range maxFailureAddrs + 100 {
		l.charge(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if n := len(l.buckets); n > maxFailureAddrs {
		t.Fatalf("%d addresses remembered, want at most %d", n, maxFailureAddrs)
	}
}
