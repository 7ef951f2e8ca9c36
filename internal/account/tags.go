package account

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-im/parley/internal/im"
)

// Standard profile tags, named as in the reference.
const (
	TagNick            = "Tag_Profile_IM_Nick"
	TagGender          = "Tag_Profile_IM_Gender"
	TagBirthDay        = "Tag_Profile_IM_BirthDay"
	TagLocation        = "Tag_Profile_IM_Location"
	TagSelfSignature   = "Tag_Profile_IM_SelfSignature"
	TagAllowType       = "Tag_Profile_IM_AllowType"
	TagLanguage        = "Tag_Profile_IM_Language"
	TagImage           = "Tag_Profile_IM_Image"
	TagMsgSettings     = "Tag_Profile_IM_MsgSettings"
	TagAdminForbidType = "Tag_Profile_IM_AdminForbidType"
	TagLevel           = "Tag_Profile_IM_Level"
	TagRole            = "Tag_Profile_IM_Role"
)

// CustomTagPrefix starts every custom profile tag: Tag_Profile_Custom_<key>.
const CustomTagPrefix = "Tag_Profile_Custom_"

// Limits of profile values and custom keys, the reference's.
const (
	MaxValueBytes     = 500 // any string value
	MaxLocationBytes  = 16  // Tag_Profile_IM_Location
	MaxCustomKeyBytes = 8   // the <key> of a custom tag
)

// valueKind is the JSON type a tag's value must have.
type valueKind int

const (
	kindString valueKind = iota // JSON string
	kindUint32                  // JSON integer in 0..2^32-1
)

// tagSpec says what values a tag accepts.
type tagSpec struct {
	kind     valueKind
	maxBytes int      // kindString: longest value in bytes
	enum     []string // kindString: the allowed values; nil allows any
}

// unset is the JSON value a tag has until it is set.
func (t tagSpec) unset() []byte {
	switch {
	case t.kind == kindUint32:
		return []byte("0")
	case len(t.enum) > 0:
		return encodeString(t.enum[0])
	default:
		return []byte(`""`)
	}
}

// standardTag returns the spec of a standard tag; false if tag is not one.
// The first value of an enumeration is the one an account has until the
// tag is set.
func standardTag(tag string) (tagSpec, bool) {
	switch tag {
	case TagNick, TagSelfSignature, TagImage:
		return textTag(MaxValueBytes), true
	case TagLocation:
		return textTag(MaxLocationBytes), true
	case TagGender:
		return enumTag("Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"), true
	case TagAllowType:
		return enumTag("AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"), true
	case TagAdminForbidType:
		return enumTag("AdminForbid_Type_None", "AdminForbid_Type_SendOut"), true
	case TagBirthDay, TagLanguage, TagMsgSettings, TagLevel, TagRole:
		return tagSpec{kind: kindUint32}, true
	}
	return tagSpec{}, false
}

func textTag(maxBytes int) tagSpec { return tagSpec{kind: kindString, maxBytes: maxBytes} }

func enumTag(values ...string) tagSpec {
	return tagSpec{kind: kindString, maxBytes: MaxValueBytes, enum: values}
}

// customTag is the spec of every declared custom tag: a string (the
// reference's "string/bytes"), never an integer.
func customTag() tagSpec { return textTag(MaxValueBytes) }

// checkCustomKey reports whether key may follow CustomTagPrefix: letters
// only, 1 to MaxCustomKeyBytes bytes.
func checkCustomKey(key string) error {
	if key == "" || len(key) > MaxCustomKeyBytes {
		return fmt.Errorf("custom key must be 1..%d bytes, got %d", MaxCustomKeyBytes, len(key))
	}
	for _, c := range []byte(key) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return fmt.Errorf("custom key must be letters only, got %q", key)
		}
	}
	return nil
}

// tagResolver finds the spec of each tag of one request, fetching the app's
// declared custom keys at most once and only when a custom tag appears.
type tagResolver struct {
	svc      *Service
	sdkAppID uint64
	declared []string
	loaded   bool
}

// resolve returns the spec of tag or an *im.Error: 40001 for an empty tag
// name, 40009 for a tag that is neither standard nor a declared custom tag.
// Tag_Profile_IM_UserID and other names the reference does not list are
// unknown: the account's ID is the To_Account of each result already.
func (r *tagResolver) resolve(ctx context.Context, tag string) (tagSpec, error) {
	if tag == "" {
		return tagSpec{}, im.Errorf(im.CodeProfileBadParams, "empty Tag")
	}
	if spec, ok := standardTag(tag); ok {
		return spec, nil
	}
	key, ok := strings.CutPrefix(tag, CustomTagPrefix)
	if !ok {
		return tagSpec{}, im.Errorf(im.CodeProfileTagNotFound, "tag %q not found: not a standard tag and not %s<key>", tag, CustomTagPrefix)
	}
	if err := checkCustomKey(key); err != nil {
		return tagSpec{}, im.Errorf(im.CodeProfileTagNotFound, "tag %q not found: %v", tag, err)
	}
	declared, err := r.declaredKeys(ctx)
	if err != nil {
		return tagSpec{}, err
	}
	if !slices.Contains(declared, key) {
		return tagSpec{}, im.Errorf(im.CodeProfileTagNotFound, "tag %q not found: custom key %q is not declared in the app's settings", tag, key)
	}
	return customTag(), nil
}

func (r *tagResolver) declaredKeys(ctx context.Context) ([]string, error) {
	if r.loaded || r.svc.settings == nil {
		return r.declared, nil
	}
	keys, err := r.svc.settings.CustomProfileTags(ctx, r.sdkAppID)
	if err != nil {
		return nil, fmt.Errorf("account: custom profile tags of app %d: %w", r.sdkAppID, err)
	}
	r.declared = make([]string, len(keys))
	for i, k := range keys {
		r.declared[i] = strings.TrimPrefix(k, CustomTagPrefix)
	}
	r.loaded = true
	return r.declared, nil
}
