package tenant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-im/parley/internal/im"
)

// Limits on app settings. MaxAdminsCeiling follows newer reference consoles
// (10); the default number of admins allowed is the brief's 5.
const (
	DefaultRestRateLimit        = 200
	DefaultMaxAdmins            = 5
	DefaultHistoryRetentionDays = 7
	DefaultAdmin                = "administrator"
	DefaultRecallWindowSeconds  = 120
	MaxRecallWindowSeconds      = 7 * 24 * 3600

	MaxAdminsCeiling         = 10
	MaxRestRateLimit         = 1_000_000
	MaxHistoryRetentionDays  = 3650
	MaxCustomProfileTags     = 20
	MaxCustomProfileKeyBytes = 8
	customProfileTagPrefix   = "Tag_Profile_Custom_"
	MaxCustomFriendTags      = 20
	MaxCustomFriendKeyBytes  = 8
	customFriendTagPrefix    = "Tag_SNS_Custom_"
)

// Settings are an app's adjustable settings, stored as a JSON document with
// these field names and served as-is by /v4/parley_config. A zero value in a
// field means "the default" wherever a zero would be meaningless.
type Settings struct {
	// RestRateLimit is the REST calls per second the app may make (60007 above it).
	RestRateLimit int `json:"RestRateLimit"`
	// MaxAdmins is how many admin identifiers the app may have.
	MaxAdmins int `json:"MaxAdmins"`
	// Admins are the identifiers allowed to call the REST API.
	Admins []string `json:"Admins"`
	// CustomProfileTags are the declared keys of Tag_Profile_Custom_<key>.
	CustomProfileTags []string `json:"CustomProfileTags"`
	// CustomFriendTags are the declared keys of Tag_SNS_Custom_<key>, the
	// app's own friend fields; the friend package refuses any other.
	CustomFriendTags []string `json:"CustomFriendTags"`
	// HistoryRetentionDays is how long messages are kept.
	HistoryRetentionDays int `json:"HistoryRetentionDays"`
	// MultiLoginPolicy says how many WebSocket sessions a user may hold:
	// SinglePlatform, OnePerPlatform (default) or Unlimited. A new login
	// that the policy does not allow beside an older one kicks the older.
	MultiLoginPolicy string `json:"MultiLoginPolicy"`
	// RecallWindowSeconds is how long after sending a user may recall a
	// message from a client (20016 after it); admins have no limit.
	RecallWindowSeconds int `json:"RecallWindowSeconds"`
	// C2CPermission says who may message whom one to one: AllowStrangers
	// (default) or FriendsOnly (both users must have each other as
	// friends). A recipient's blacklist applies under either; admin sends
	// over REST bypass both.
	C2CPermission string `json:"C2CPermission"`
}

// C2C permission policies, the values of Settings.C2CPermission; the
// friend package enforces them.
const (
	AllowStrangers = "AllowStrangers"
	FriendsOnly    = "FriendsOnly"
)

// Multi-login policies, the values of Settings.MultiLoginPolicy; the
// account package applies them (internal/im spells them for both).
const (
	SinglePlatform = im.SinglePlatform
	OnePerPlatform = im.OnePerPlatform
	Unlimited      = im.Unlimited
)

// DefaultSettings returns the settings of a new app with the given admins
// (DefaultAdmin when none are given).
func DefaultSettings(admins ...string) Settings {
	if len(admins) == 0 {
		admins = []string{DefaultAdmin}
	}
	return Settings{
		RestRateLimit:        DefaultRestRateLimit,
		MaxAdmins:            DefaultMaxAdmins,
		Admins:               append([]string(nil), admins...),
		CustomProfileTags:    []string{},
		CustomFriendTags:     []string{},
		HistoryRetentionDays: DefaultHistoryRetentionDays,
		MultiLoginPolicy:     OnePerPlatform,
		RecallWindowSeconds:  DefaultRecallWindowSeconds,
		C2CPermission:        AllowStrangers,
	}
}

// withDefaults fills zero fields, so documents written by older versions
// (which lacked a field) read as the default.
func (s Settings) withDefaults() Settings {
	if s.RestRateLimit == 0 {
		s.RestRateLimit = DefaultRestRateLimit
	}
	if s.MaxAdmins == 0 {
		s.MaxAdmins = DefaultMaxAdmins
	}
	if s.HistoryRetentionDays == 0 {
		s.HistoryRetentionDays = DefaultHistoryRetentionDays
	}
	if s.Admins == nil {
		s.Admins = []string{}
	}
	if s.MultiLoginPolicy == "" {
		s.MultiLoginPolicy = OnePerPlatform
	}
	if s.RecallWindowSeconds == 0 {
		s.RecallWindowSeconds = DefaultRecallWindowSeconds
	}
	if s.CustomProfileTags == nil {
		s.CustomProfileTags = []string{}
	}
	if s.CustomFriendTags == nil {
		s.CustomFriendTags = []string{}
	}
	if s.C2CPermission == "" {
		s.C2CPermission = AllowStrangers
	}
	return s
}

// Validate reports every problem with s at once, as one *im.Error (70402).
func (s Settings) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if s.RestRateLimit < 1 || s.RestRateLimit > MaxRestRateLimit {
		add("RestRateLimit %d: must be 1..%d", s.RestRateLimit, MaxRestRateLimit)
	}
	if s.MaxAdmins < 1 || s.MaxAdmins > MaxAdminsCeiling {
		add("MaxAdmins %d: must be 1..%d", s.MaxAdmins, MaxAdminsCeiling)
	}
	if len(s.Admins) == 0 {
		add("Admins: at least one admin identifier is required")
	}
	if len(s.Admins) > s.MaxAdmins {
		add("Admins: %d given, MaxAdmins is %d", len(s.Admins), s.MaxAdmins)
	}
	seen := map[string]bool{}
	for _, a := range s.Admins {
		if err := im.CheckUserID(a); err != nil {
			add("Admins %q: %v", a, err)
		}
		if seen[a] {
			add("Admins %q: listed twice", a)
		}
		seen[a] = true
	}
	if len(s.CustomProfileTags) > MaxCustomProfileTags {
		add("CustomProfileTags: %d given, at most %d", len(s.CustomProfileTags), MaxCustomProfileTags)
	}
	seenTag := map[string]bool{}
	for _, k := range s.CustomProfileTags {
		if err := CheckCustomProfileKey(k); err != nil {
			add("CustomProfileTags %q: %v", k, err)
		}
		if seenTag[k] {
			add("CustomProfileTags %q: listed twice", k)
		}
		seenTag[k] = true
	}
	if len(s.CustomFriendTags) > MaxCustomFriendTags {
		add("CustomFriendTags: %d given, at most %d", len(s.CustomFriendTags), MaxCustomFriendTags)
	}
	seenFriendTag := map[string]bool{}
	for _, k := range s.CustomFriendTags {
		if err := CheckCustomFriendKey(k); err != nil {
			add("CustomFriendTags %q: %v", k, err)
		}
		if seenFriendTag[k] {
			add("CustomFriendTags %q: listed twice", k)
		}
		seenFriendTag[k] = true
	}
	if s.HistoryRetentionDays < 1 || s.HistoryRetentionDays > MaxHistoryRetentionDays {
		add("HistoryRetentionDays %d: must be 1..%d", s.HistoryRetentionDays, MaxHistoryRetentionDays)
	}
	switch s.MultiLoginPolicy {
	case SinglePlatform, OnePerPlatform, Unlimited:
	default:
		add("MultiLoginPolicy %q: want %s, %s or %s", s.MultiLoginPolicy, SinglePlatform, OnePerPlatform, Unlimited)
	}
	if s.RecallWindowSeconds < 1 || s.RecallWindowSeconds > MaxRecallWindowSeconds {
		add("RecallWindowSeconds %d: must be 1..%d", s.RecallWindowSeconds, MaxRecallWindowSeconds)
	}
	if s.C2CPermission != AllowStrangers && s.C2CPermission != FriendsOnly {
		add("C2CPermission %q: want %s or %s", s.C2CPermission, AllowStrangers, FriendsOnly)
	}
	if len(problems) > 0 {
		return im.Errorf(im.CodeInvalidParameter, "invalid app settings: %s", strings.Join(problems, "; "))
	}
	return nil
}

// CheckCustomProfileKey reports whether key may follow Tag_Profile_Custom_:
// letters only, 1 to 8 bytes. The full tag name is accepted too.
func CheckCustomProfileKey(key string) error {
	return checkCustomKey(strings.TrimPrefix(key, customProfileTagPrefix), MaxCustomProfileKeyBytes)
}

// CheckCustomFriendKey reports whether key may follow Tag_SNS_Custom_:
// letters only, 1 to 8 bytes. The full tag name is accepted too.
func CheckCustomFriendKey(key string) error {
	return checkCustomKey(strings.TrimPrefix(key, customFriendTagPrefix), MaxCustomFriendKeyBytes)
}

func checkCustomKey(key string, maxBytes int) error {
	if key == "" || len(key) > maxBytes {
		return fmt.Errorf("key must be 1..%d bytes", maxBytes)
	}
	for _, c := range []byte(key) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return errors.New("key must be letters only")
		}
	}
	return nil
}

// applyPatch returns s with the fields present in patch replaced. Unknown
// fields and wrong types are rejected so a typo never silently does nothing.
func (s Settings) applyPatch(patch []byte) (Settings, error) {
	s = s.clone() // the decoder reuses slices' backing arrays
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, im.Errorf(im.CodeInvalidParameter, "app settings: %v", err)
	}
	for i, k := range s.CustomProfileTags {
		s.CustomProfileTags[i] = strings.TrimPrefix(k, customProfileTagPrefix)
	}
	for i, k := range s.CustomFriendTags {
		s.CustomFriendTags[i] = strings.TrimPrefix(k, customFriendTagPrefix)
	}
	return s, nil
}

func decodeSettings(doc []byte) (Settings, error) {
	var s Settings
	if len(doc) > 0 {
		if err := json.Unmarshal(doc, &s); err != nil {
			return s, fmt.Errorf("decode stored app settings: %w", err)
		}
	}
	return s.withDefaults(), nil
}

func (s Settings) clone() Settings {
	s.Admins = append([]string{}, s.Admins...)
	s.CustomProfileTags = append([]string{}, s.CustomProfileTags...)
	s.CustomFriendTags = append([]string{}, s.CustomFriendTags...)
	return s
}
