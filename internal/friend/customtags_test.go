package friend

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/im"
)

// TestCustomFriendTags: friend_update and friend_import accept a
// Tag_SNS_Custom_ tag only when the app declares its key, and refuse any
// other with 30001; a service without settings declares none.
func TestCustomFriendTags(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b")
		mustAdd(t, h, "a", false, "b")
		h.policy.declare("Level", "Mood")
		for _, tc := range []struct {
			name, tag, value string
			code             int
		}{
			{"declared", "Tag_SNS_Custom_Level", `"gold"`, 0},
			{"another declared", "Tag_SNS_Custom_Mood", `"calm"`, 0},
			{"declared, removed with empty", "Tag_SNS_Custom_Mood", `""`, 0},
			{"undeclared", "Tag_SNS_Custom_Other", `"x"`, im.CodeSNSBadParams},
			{"declared key in another case", "Tag_SNS_Custom_level", `"x"`, im.CodeSNSBadParams},
			{"no key", "Tag_SNS_Custom_", `"x"`, im.CodeSNSBadParams},
			{"key not letters", "Tag_SNS_Custom_Lv1", `"x"`, im.CodeSNSBadParams},
			{"declared, value not a string", "Tag_SNS_Custom_Level", `1`, im.CodeSNSBadParams},
			{"declared, value too long", "Tag_SNS_Custom_Level", `"` + strings.Repeat("v", MaxCustomValueBytes+1) + `"`, im.CodeSNSBadParams},
		} {
			t.Run(tc.name, func(t *testing.T) {
				field := Field{tc.tag, json.RawMessage(tc.value)}
				res, err := h.svc.Update(t.Context(), h.app, "a", []UpdateItem{{UserID: "b", Fields: []Field{field}}})
				if err != nil || res[0].Code != tc.code {
					t.Errorf("update: %+v, %v; want code %d", res, err, tc.code)
				}
				res, err = h.svc.Import(t.Context(), h.app, "b", []ImportItem{{UserID: "a", AddSource: "AddSource_Type_Test", Custom: []Field{field}}})
				if err != nil || res[0].Code != tc.code {
					t.Errorf("import: %+v, %v; want code %d", res, err, tc.code)
				}
			})
		}
		got, err := h.svc.GetList(t.Context(), h.app, "a", []string{"b"}, []string{"Tag_SNS_Custom_Level"})
		if err != nil || len(got) != 1 || len(got[0].Fields) != 1 || string(got[0].Fields[0].Value) != `"gold"` {
			t.Errorf("the declared tag was not kept: %+v, %v", got, err)
		}

		// Without settings no custom friend tag is declared.
		bare := New(Config{Store: h.store, Accounts: h.accounts})
		res, err := bare.Update(context.Background(), h.app, "a", []UpdateItem{{UserID: "b", Fields: []Field{{"Tag_SNS_Custom_Level", json.RawMessage(`"x"`)}}}})
		if err != nil || res[0].Code != im.CodeSNSBadParams {
			t.Errorf("update without settings: %+v, %v; want 30001", res, err)
		}
	})
}
