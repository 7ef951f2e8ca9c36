package app_test

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/app"
)

// TestCustomFriendTagsSetting: CustomFriendTags is declared through
// set_app_config (70402 for a bad key), and friend_update accepts a
// Tag_SNS_Custom_ tag only once its key is declared (30001 before).
func TestCustomFriendTagsSetting(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		mustOK(t, s.rest("sns/friend_add", map[string]any{"From_Account": "alice", "ForceAddFlags": 1, "AddType": "Add_Type_Single",
			"AddFriendItem": []any{map[string]any{"To_Account": "bob", "AddSource": "AddSource_Type_Test"}}}))
		update := func() string {
			out := mustOK(t, s.rest("sns/friend_update", map[string]any{"From_Account": "alice", "UpdateItem": []any{map[string]any{
				"To_Account": "bob", "SnsItem": []any{map[string]any{"Tag": "Tag_SNS_Custom_Mood", "Value": "calm"}}}}}))
			return field(items(t, out, "ResultItem"), "ResultCode")[0]
		}

		if got := update(); got != "30001" {
			t.Errorf("undeclared custom friend tag: %s, want 30001", got)
		}
		if c := code(t, s.rest("parley_config/set_app_config", map[string]any{"CustomFriendTags": []string{"Mood1"}})); c != 70402 {
			t.Errorf("bad CustomFriendTags key: %d, want 70402", c)
		}
		mustOK(t, s.rest("parley_config/set_app_config", map[string]any{"CustomFriendTags": []string{"Tag_SNS_Custom_Mood"}}))
		if got := fmt.Sprint(mustOK(t, s.rest("parley_config/get_app_config", map[string]any{}))["CustomFriendTags"]); got != "[Mood]" {
			t.Errorf("get_app_config CustomFriendTags %s, want [Mood]", got)
		}
		if got := update(); got != "0" {
			t.Errorf("declared custom friend tag: %s, want 0", got)
		}
	})
}
