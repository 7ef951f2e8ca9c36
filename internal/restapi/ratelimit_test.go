package restapi

import (
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
