package friend

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Friend tags: the fields a user keeps about each friend.
const (
	TagGroup      = "Tag_SNS_IM_Group"
	TagRemark     = "Tag_SNS_IM_Remark"
	TagAddSource  = "Tag_SNS_IM_AddSource"
	TagAddWording = "Tag_SNS_IM_AddWording"
	TagAddTime    = "Tag_SNS_IM_AddTime"
	TagRemarkTime = "Tag_SNS_IM_RemarkTime"
	// CustomTagPrefix starts an app's own friend tags: Tag_SNS_Custom_<key>.
	CustomTagPrefix = "Tag_SNS_Custom_"
)

// Byte limits of friend fields.
const (
	MaxRemarkBytes      = 96
	MaxListNameBytes    = 30
	MaxAddWordingBytes  = 256
	MaxSourceKeyBytes   = 8 // the keyword after AddSource_Type_
	MaxCustomKeyBytes   = 8
	MaxCustomValueBytes = 500
	addSourcePrefix     = "AddSource_Type_"
)

// Field is one friend tag and its value as JSON.
type Field struct {
	Tag   string
	Value json.RawMessage
}

// badParam is a 30001 error.
func badParam(format string, args ...any) *im.Error {
	return im.Errorf(im.CodeSNSBadParams, format, args...)
}

// letters reports whether s is non-empty ASCII letters only.
func letters(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkAddSource checks a Tag_SNS_IM_AddSource value, which an add
// requires: AddSource_Type_ and a keyword of letters.
func checkAddSource(v string) *im.Error {
	key, ok := strings.CutPrefix(v, addSourcePrefix)
	if !ok || !letters(key) || len(key) > MaxSourceKeyBytes {
		return badParam("AddSource %q: want %s and 1 to %d letters", v, addSourcePrefix, MaxSourceKeyBytes)
	}
	return nil
}

func checkRemark(v string) *im.Error {
	if len(v) > MaxRemarkBytes {
		return badParam("Remark is %d bytes, at most %d", len(v), MaxRemarkBytes)
	}
	return nil
}

func checkWording(v string) *im.Error {
	if len(v) > MaxAddWordingBytes {
		return badParam("AddWording is %d bytes, at most %d", len(v), MaxAddWordingBytes)
	}
	return nil
}

// checkListNames checks friend list names: non-empty, at most
// MaxListNameBytes, at most MaxLists of them.
func checkListNames(names []string) *im.Error {
	if len(names) > MaxLists {
		return badParam("%d friend lists given, at most %d", len(names), MaxLists)
	}
	for _, n := range names {
		if n == "" || len(n) > MaxListNameBytes {
			return badParam("friend list name %q: want 1 to %d bytes", n, MaxListNameBytes)
		}
	}
	return nil
}

// customKeys returns the custom friend keys the app declares (none
// without Settings).
func (s *Service) customKeys(ctx context.Context, sdkAppID uint64) ([]string, error) {
	if s.settings == nil {
		return nil, nil
	}
	keys, err := s.settings.CustomFriendTags(ctx, sdkAppID)
	if err != nil {
		return nil, fmt.Errorf("friend: custom friend tags of app %d: %w", sdkAppID, err)
	}
	return keys, nil
}

// checkCustom checks an app-defined friend tag, which the app must have
// declared (declared holds the keys), and its value (a JSON string of at
// most MaxCustomValueBytes).
func checkCustom(f Field, declared []string) *im.Error {
	key, _ := strings.CutPrefix(f.Tag, CustomTagPrefix)
	if !letters(key) || len(key) > MaxCustomKeyBytes {
		return badParam("custom friend tag %q: want %s and 1 to %d letters", f.Tag, CustomTagPrefix, MaxCustomKeyBytes)
	}
	if !slices.Contains(declared, key) {
		return badParam("custom friend tag %q: key %q is not declared in the app's CustomFriendTags", f.Tag, key)
	}
	var s string
	if err := json.Unmarshal(f.Value, &s); err != nil {
		return badParam("%s: want a string value", f.Tag)
	}
	if len(s) > MaxCustomValueBytes {
		return badParam("%s is %d bytes, at most %d", f.Tag, len(s), MaxCustomValueBytes)
	}
	return nil
}

// stringValue decodes a string tag's value.
func stringValue(f Field) (string, *im.Error) {
	var s string
	if err := json.Unmarshal(f.Value, &s); err != nil {
		return "", badParam("%s: want a string value", f.Tag)
	}
	return s, nil
}

// fields is a friend entry as tags, in the order friend_get answers them:
// the standard tags, then the custom ones.
func fields(f store.Friend) []Field {
	groups := f.Groups
	if groups == nil {
		groups = []string{}
	}
	out := []Field{
		{TagGroup, mustJSON(groups)},
		{TagRemark, mustJSON(f.Remark)},
		{TagAddSource, mustJSON(f.AddSource)},
		{TagAddWording, mustJSON(f.AddWording)},
		{TagAddTime, mustJSON(f.AddTime)},
		{TagRemarkTime, mustJSON(f.RemarkTime)},
	}
	for _, c := range f.Custom {
		out = append(out, Field{c.Tag, json.RawMessage(c.Value)})
	}
	return out
}

// mustJSON encodes a value that always encodes.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings, string slices and integers always encode
	}
	return b
}
