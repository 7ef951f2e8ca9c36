package app_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/app"
)

// httpGet returns the status and body of GET base+path.
func httpGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestPprofBehindOption: /debug/pprof/ is not served unless Config.Pprof.
func TestPprofBehindOption(t *testing.T) {
	t.Parallel()
	off := start(t, app.Config{})
	if code, _ := httpGet(t, off.base, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("pprof off: GET /debug/pprof/ = %d, want 404", code)
	}
	on := start(t, app.Config{Pprof: true})
	code, body := httpGet(t, on.base, "/debug/pprof/")
	if code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof on: GET /debug/pprof/ = %d, want 200 with the profile index", code)
	}
	if code, _ := httpGet(t, on.base, "/debug/pprof/heap?debug=1"); code != http.StatusOK {
		t.Errorf("pprof on: GET /debug/pprof/heap = %d, want 200", code)
	}
}

// TestStoreCommitMetrics: a stored message shows in the group-commit
// histograms and in the send pipeline's stage histogram on /metrics.
func TestStoreCommitMetrics(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		mustOK(t, s.rest("openim/sendmsg", map[string]any{
			"SyncOtherMachine": 2, "From_Account": "alice", "To_Account": "bob", "MsgRandom": 7,
			"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}},
		}))
		_, metrics := httpGet(t, s.base, "/metrics")
		for _, want := range []string{
			"parley_store_append_batch_messages_count 1\n",
			"parley_store_append_batch_messages_sum 1\n",
			"parley_store_append_batch_seconds_count 1\n",
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
		for _, series := range []string{
			`parley_message_stage_seconds_count{stage="validate"}`,
			`parley_message_stage_seconds_count{stage="store"}`,
		} {
			if v, ok := sample(metrics, series); !ok || v < 1 {
				t.Errorf("/metrics: %s = %v (present %v), want >= 1", series, v, ok)
			}
		}
	})
}

// sample returns the value of series (name and labels as the text
// exposition prints them) in a /metrics body.
func sample(metrics, series string) (float64, bool) {
	for line := range strings.Lines(metrics) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}
