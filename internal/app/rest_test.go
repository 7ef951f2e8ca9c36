package app_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/usersig"
)

// TestRESTEnvelopeErrors sends every kind of bad envelope and checks the
// reference code, always with HTTP 200.
func TestRESTEnvelopeErrors(t *testing.T) {
	t.Parallel()
	s := start(t, app.Config{})
	admin := sig(t, "administrator")
	genAt := func(appID uint64, key, id string, expire int64, at time.Time) string {
		v, err := usersig.Gen(appID, key, id, expire, at)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const check = "/v4/im_open_login_svc/account_check?"
	body := `{"CheckItem":[{"UserID":"administrator"}]}`
	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"ok", "POST", check + query(testAppID, "administrator", admin), body, 0},
		{"GET", "GET", check + query(testAppID, "administrator", admin), "", 60002},
		{"bad query escape", "POST", check + "sdkappid=%zz", body, 60002},
		{"no sdkappid", "POST", check + "identifier=administrator&usersig=" + admin, body, 60012},
		{"sdkappid not a number", "POST", check + "sdkappid=abc&identifier=administrator&usersig=" + admin, body, 60006},
		{"unknown app", "POST", check + query(1400009999, "administrator", admin), body, 70020},
		{"no identifier", "POST", check + "sdkappid=1400000001&usersig=" + admin, body, 60004},
		{"no usersig", "POST", check + "sdkappid=1400000001&identifier=administrator", body, 70002},
		{"bad random", "POST", strings.Replace(check+query(testAppID, "administrator", admin), "random=12345", "random=-1", 1), body, 60002},
		{"contenttype not json", "POST", strings.Replace(check+query(testAppID, "administrator", admin), "contenttype=json", "contenttype=xml", 1), body, 60002},
		{"garbage usersig", "POST", check + query(testAppID, "administrator", "not-a-sig"), body, 70003},
		{"expired", "POST", check + query(testAppID, "administrator", genAt(testAppID, testKey, "administrator", 60, time.Now().Add(-time.Hour))), body, 70001},
		{"wrong key", "POST", check + query(testAppID, "administrator", genAt(testAppID, strings.Repeat("ab", 32), "administrator", 600, time.Now())), body, 70009},
		{"identifier mismatch", "POST", check + query(testAppID, "administrator", sig(t, "admin2")), body, 70013},
		{"app mismatch", "POST", check + query(testAppID, "administrator", genAt(1400000002, testKey, "administrator", 600, time.Now())), body, 70014},
		{"not an admin", "POST", check + query(testAppID, "alice", sig(t, "alice")), body, 60010},
		{"unknown command", "POST", "/v4/im_open_login_svc/nope?" + query(testAppID, "administrator", admin), body, 60009},
		{"unknown service", "POST", "/v4/nope/account_check?" + query(testAppID, "administrator", admin), body, 60009},
		{"path too deep", "POST", "/v4/a/b/c?" + query(testAppID, "administrator", admin), body, 60009},
		{"malformed JSON", "POST", check + query(testAppID, "administrator", admin), `{"CheckItem":[`, 60003},
		{"JSON array", "POST", check + query(testAppID, "administrator", admin), `[1,2]`, 60003},
		{"oversize body", "POST", check + query(testAppID, "administrator", admin), `{"x":"` + strings.Repeat("a", 1<<20) + `"}`, 60008},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := code(t, s.raw(c.method, c.path, c.body)); got != c.want {
				t.Errorf("ErrorCode = %d, want %d", got, c.want)
			}
		})
	}
}

// TestEmptyBodyIsEmptyObject: the reference wants "{}" for commands
// without parameters; an empty body must be taken as that.
func TestEmptyBodyIsEmptyObject(t *testing.T) {
	t.Parallel()
	s := start(t, app.Config{})
	out := s.raw(http.MethodPost, "/v4/parley_config/get_app_config?"+query(testAppID, "administrator", sig(t, "administrator")), "")
	mustOK(t, out)
}

// TestRESTRateLimit: with a limit of 1 call/s, back-to-back calls beyond
// the one-second burst get 60007; a second later one more call is allowed.
func TestRESTRateLimit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := start(t, app.Config{Clock: clk.Now})
	mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"RestRateLimit": 1}))
	clk.Advance(time.Second) // the calls so far were under the old limit
	var codes []int
	for range 5 {
		codes = append(codes, code(t, s.rest("parley_config/get_app_config", map[string]any{})))
	}
	if want := []int{0, 60007, 60007, 60007, 60007}; !slices.Equal(codes, want) {
		t.Fatalf("5 back-to-back calls at a limit of 1/s: %v, want %v", codes, want)
	}
	clk.Advance(time.Second)
	mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))
	if got := code(t, s.rest("parley_config/get_app_config", map[string]any{})); got != 60007 {
		t.Errorf("second call in the next second: %d, want 60007", got)
	}
}

// TestKickInvalidatesUserSig: after kick, a UserSig issued before it gets
// 70052; a newly issued one works.
func TestKickInvalidatesUserSig(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		old := sig(t, "admin2")
		call := func(userSig string) int {
			return code(t, s.raw("POST", "/v4/parley_config/get_app_config?"+query(testAppID, "admin2", userSig), "{}"))
		}
		if c := call(old); c != 0 {
			t.Fatalf("before kick: %d", c)
		}
		mustOK(t, s.rest("im_open_login_svc/kick", map[string]any{"UserID": "admin2"}))
		if c := call(old); c != 70052 {
			t.Fatalf("old UserSig after kick: %d, want 70052", c)
		}
		fresh, err := usersig.Gen(testAppID, testKey, "admin2", 600, time.Now().Add(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if c := call(fresh); c != 0 {
			t.Fatalf("new UserSig after kick: %d, want 0", c)
		}
		if c := code(t, s.rest("im_open_login_svc/kick", map[string]any{"Identifier": "nobody"})); c != 70107 {
			t.Fatalf("kick of a missing account: %d, want 70107", c)
		}
	})
}

// TestMetricsAndHealth: /metrics counts calls by command and code; health
// endpoints answer.
func TestMetricsAndHealth(t *testing.T) {
	t.Parallel()
	s := start(t, app.Config{})
	mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: HTTP %d", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := `parley_rest_requests_total{code="0",command="parley_config/get_app_config"} 1`
	if !strings.Contains(string(b), want) {
		t.Errorf("/metrics lacks %q", want)
	}
}
