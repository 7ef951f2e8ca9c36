package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/app"
)

// settingsOf extracts the settings fields of a get/set_app_config answer.
func settingsOf(out map[string]any) string {
	keep := map[string]any{}
	for _, k := range []string{"RestRateLimit", "MaxAdmins", "Admins", "CustomProfileTags", "HistoryRetentionDays"} {
		keep[k] = out[k]
	}
	b, _ := json.Marshal(keep)
	return string(b)
}

// TestAppConfig: defaults, a valid change, every kind of invalid change
// (70402, nothing changed), and persistence across a restart.
func TestAppConfig(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		got := settingsOf(mustOK(t, s.rest("parley_config/get_app_config", map[string]any{})))
		want := `{"Admins":["administrator","admin2"],"CustomProfileTags":[],"HistoryRetentionDays":7,"MaxAdmins":5,"RestRateLimit":200}`
		if got != want {
			t.Fatalf("defaults:\n got %s\nwant %s", got, want)
		}
		set := mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"HistoryRetentionDays": 30, "CustomProfileTags": []string{"Rank", "Tag_Profile_Custom_Clan"}}))
		want = `{"Admins":["administrator","admin2"],"CustomProfileTags":["Rank","Clan"],"HistoryRetentionDays":30,"MaxAdmins":5,"RestRateLimit":200}`
		if got := settingsOf(set); got != want {
			t.Fatalf("after set:\n got %s\nwant %s", got, want)
		}
		bad := []any{
			map[string]any{"Bogus": 1},
			map[string]any{"RestRateLimit": 0},
			map[string]any{"RestRateLimit": -5},
			map[string]any{"RestRateLimit": "fast"},
			map[string]any{"HistoryRetentionDays": 0},
			map[string]any{"HistoryRetentionDays": 99999},
			map[string]any{"Admins": []string{}},
			map[string]any{"Admins": []string{"a", "b", "c", "d", "e", "f"}},
			map[string]any{"Admins": []string{"a", "a"}},
			map[string]any{"Admins": []string{"bad\x01id"}},
			map[string]any{"MaxAdmins": 11},
			map[string]any{"MaxAdmins": 1},
			map[string]any{"CustomProfileTags": []string{"ToolongKey"}},
			map[string]any{"CustomProfileTags": []string{"ab1"}},
			map[string]any{"CustomProfileTags": []string{"Rank", "Rank"}},
			map[string]any{"HistoryRetentionDays": 10, "RestRateLimit": 0}, // all or nothing
		}
		for _, b := range bad {
			if c := code(t, s.rest("parley_config/set_app_config", b)); c != 70402 {
				t.Errorf("set %v: %d, want 70402", b, c)
			}
		}
		if got := settingsOf(mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))); got != want {
			t.Fatalf("rejected changes changed settings:\n got %s\nwant %s", got, want)
		}
		s.stop()
		cfg.BootstrapAdmins = []string{"administrator", "admin2"}
		s = start(t, cfg)
		if got := settingsOf(mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))); got != want {
			t.Fatalf("after restart:\n got %s\nwant %s", got, want)
		}
	})
}

// TestNewAdminCanCall: an identifier added to Admins may call at once, and
// becomes an account; one removed gets 60010.
func TestNewAdminCanCall(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		as := func(id string) int {
			return code(t, s.raw("POST", "/v4/parley_config/get_app_config?"+query(testAppID, id, sig(t, id)), "{}"))
		}
		if c := as("ops"); c != 60010 {
			t.Fatalf("ops before: %d, want 60010", c)
		}
		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"Admins": []string{"administrator", "ops"}}))
		if c := as("ops"); c != 0 {
			t.Fatalf("ops after being added: %d, want 0", c)
		}
		if c := as("admin2"); c != 60010 {
			t.Fatalf("admin2 after removal: %d, want 60010", c)
		}
		out := mustOK(t, s.rest("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]any{{"UserID": "ops"}}}))
		if got := fmt.Sprint(out["ResultItem"]); !contains(got, "Imported") || contains(got, "NotImported") {
			t.Errorf("admin ops is not an account: %s", got)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
