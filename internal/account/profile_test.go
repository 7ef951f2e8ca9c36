package account_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

func TestSetPortraitValues(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return `"` + strings.Repeat("v", n) + `"` }
	tests := []struct {
		tag, value string
		code       int
		stored     string // when different from value
	}{
		// String tags.
		{account.TagNick, `"Nick"`, 0, ""},
		{account.TagNick, `""`, 0, ""},
		{account.TagNick, long(500), 0, ""},
		{account.TagNick, long(501), im.CodeProfileValueTooLong, ""},
		{account.TagNick, `"\u00e9<&>"`, 0, `"é<&>"`},
		{account.TagNick, `12`, im.CodeProfileTypeMismatch, ""},
		{account.TagNick, `true`, im.CodeProfileTypeMismatch, ""},
		{account.TagNick, `null`, im.CodeProfileTypeMismatch, ""},
		{account.TagNick, `["a"]`, im.CodeProfileTypeMismatch, ""},
		{account.TagNick, `{"a":1}`, im.CodeProfileTypeMismatch, ""},
		{account.TagNick, ``, im.CodeProfileBadParams, ""},
		{account.TagNick, `"unterminated`, im.CodeProfileBadParams, ""},
		{account.TagSelfSignature, long(500), 0, ""},
		{account.TagSelfSignature, long(501), im.CodeProfileValueTooLong, ""},
		{account.TagImage, long(500), 0, ""},
		{account.TagImage, long(501), im.CodeProfileValueTooLong, ""},
		{account.TagLocation, long(16), 0, ""},
		{account.TagLocation, long(17), im.CodeProfileValueTooLong, ""},
		{account.TagLocation, `7`, im.CodeProfileTypeMismatch, ""},
		// Enumerations.
		{account.TagGender, `"Gender_Type_Female"`, 0, ""},
		{account.TagGender, `"Gender_Type_Male"`, 0, ""},
		{account.TagGender, `"Gender_Type_Unknown"`, 0, ""},
		{account.TagGender, `"female"`, im.CodeProfileBadValue, ""},
		{account.TagGender, `""`, im.CodeProfileBadValue, ""},
		{account.TagGender, `1`, im.CodeProfileTypeMismatch, ""},
		{account.TagAllowType, `"AllowType_Type_AllowAny"`, 0, ""},
		{account.TagAllowType, `"AllowType_Type_DenyAny"`, 0, ""},
		{account.TagAllowType, `"AllowType_Type_NeedConfirm"`, 0, ""},
		{account.TagAllowType, `"AllowType_Type_Maybe"`, im.CodeProfileBadValue, ""},
		{account.TagAdminForbidType, `"AdminForbid_Type_SendOut"`, 0, ""},
		{account.TagAdminForbidType, `"AdminForbid_Type_None"`, 0, ""},
		{account.TagAdminForbidType, `"AdminForbid_Type_All"`, im.CodeProfileBadValue, ""},
		// Integer tags.
		{account.TagBirthDay, `20190419`, 0, ""},
		{account.TagBirthDay, `0`, 0, ""},
		{account.TagBirthDay, ` 42 `, 0, `42`},
		{account.TagBirthDay, `4294967295`, 0, ""},
		{account.TagBirthDay, `4294967296`, im.CodeProfileBadValue, ""},
		{account.TagBirthDay, `18446744073709551616`, im.CodeProfileBadValue, ""},
		{account.TagBirthDay, `-1`, im.CodeProfileBadValue, ""},
		{account.TagBirthDay, `1.5`, im.CodeProfileTypeMismatch, ""},
		{account.TagBirthDay, `1.0`, im.CodeProfileTypeMismatch, ""},
		{account.TagBirthDay, `1e3`, im.CodeProfileTypeMismatch, ""},
		{account.TagBirthDay, `"20190419"`, im.CodeProfileTypeMismatch, ""},
		{account.TagBirthDay, `null`, im.CodeProfileTypeMismatch, ""},
		{account.TagLanguage, `1`, 0, ""},
		{account.TagLanguage, `-5`, im.CodeProfileBadValue, ""},
		{account.TagMsgSettings, `1`, 0, ""},
		{account.TagMsgSettings, `"1"`, im.CodeProfileTypeMismatch, ""},
		{account.TagLevel, `100`, 0, ""},
		{account.TagLevel, `99999999999`, im.CodeProfileBadValue, ""},
		{account.TagRole, `3`, 0, ""},
		{account.TagRole, `3.25`, im.CodeProfileTypeMismatch, ""},
		// Custom tags: declared "Test" and "Level" only.
		{"Tag_Profile_Custom_Test", `"custom"`, 0, ""},
		{"Tag_Profile_Custom_Test", long(500), 0, ""},
		{"Tag_Profile_Custom_Test", long(501), im.CodeProfileValueTooLong, ""},
		{"Tag_Profile_Custom_Test", `5`, im.CodeProfileTypeMismatch, ""},
		{"Tag_Profile_Custom_Test", `false`, im.CodeProfileTypeMismatch, ""},
		{"Tag_Profile_Custom_Level", `"gold"`, 0, ""},
		{"Tag_Profile_Custom_Other", `"x"`, im.CodeProfileTagNotFound, ""},
		{"Tag_Profile_Custom_test", `"x"`, im.CodeProfileTagNotFound, ""},
		{"Tag_Profile_Custom_", `"x"`, im.CodeProfileTagNotFound, ""},
		{"Tag_Profile_Custom_NineBytes", `"x"`, im.CodeProfileTagNotFound, ""},
		{"Tag_Profile_Custom_Te5t", `"x"`, im.CodeProfileTagNotFound, ""},
		// Unknown tags.
		{"Tag_Profile_IM_UserID", `"x"`, im.CodeProfileTagNotFound, ""},
		{"Tag_Profile_IM_Unknown", `"x"`, im.CodeProfileTagNotFound, ""},
		{"tag_profile_im_nick", `"x"`, im.CodeProfileTagNotFound, ""},
		{"", `"x"`, im.CodeProfileBadParams, ""},
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, tt := range tests {
			t.Run(tt.tag+"="+tt.value, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				app := h.newApp(t, "Test", "Level")
				h.importUsers(t, app, "u")
				h.setProfile(t, app, "u", account.TagNick, `"before"`)
				before := h.snapshot(t, app, "u")
				err := h.svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: tt.tag, Value: []byte(tt.value)}})
				wantCode(t, err, tt.code)
				if tt.code != 0 {
					h.assertUnchanged(t, app, before, "u")
					return
				}
				want := tt.stored
				if want == "" {
					want = strings.TrimSpace(tt.value)
				}
				if got := portraitValues(t, h, app, "u", tt.tag); got[0] != want {
					t.Errorf("read back %s, want %s", got[0], want)
				}
			})
		}
	})
}

func TestSetPortraitRequest(t *testing.T) {
	t.Parallel()
	item := func(tag, value string) account.ProfileItem {
		return account.ProfileItem{Tag: tag, Value: []byte(value)}
	}
	tests := []struct {
		name  string
		user  string
		items []account.ProfileItem
		code  int
	}{
		{"no account", "", []account.ProfileItem{item(account.TagNick, `"n"`)}, im.CodeProfileNoAccount},
		{"invalid account", strings.Repeat("u", 33), []account.ProfileItem{item(account.TagNick, `"n"`)}, im.CodeProfileBadParams},
		{"missing account", "ghost", []account.ProfileItem{item(account.TagNick, `"n"`)}, im.CodeProfileNotFound},
		{"no items", "u", nil, im.CodeProfileBadParams},
		{"duplicate tag", "u", []account.ProfileItem{item(account.TagNick, `"a"`), item(account.TagNick, `"b"`)}, im.CodeProfileBadParams},
		{"one bad among good", "u", []account.ProfileItem{item(account.TagNick, `"new"`), item(account.TagLevel, `"x"`)}, im.CodeProfileTypeMismatch},
		{"unknown after good", "u", []account.ProfileItem{item(account.TagNick, `"new"`), item("Tag_Profile_IM_Nope", `"x"`)}, im.CodeProfileTagNotFound},
		{"many at once", "u", []account.ProfileItem{
			item(account.TagNick, `"new"`), item(account.TagGender, `"Gender_Type_Male"`),
			item(account.TagLevel, `7`), item("Tag_Profile_Custom_Test", `"c"`),
		}, 0},
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				app := h.newApp(t, "Test")
				h.importUsers(t, app, "u")
				h.setProfile(t, app, "u", account.TagNick, `"before"`)
				before := h.snapshot(t, app, "u", tt.user)
				err := h.svc.SetPortrait(context.Background(), app, tt.user, tt.items)
				wantCode(t, err, tt.code)
				if tt.code != 0 {
					h.assertUnchanged(t, app, before, "u", tt.user)
					return
				}
				got := portraitValues(t, h, app, "u", account.TagNick, account.TagGender, account.TagLevel, "Tag_Profile_Custom_Test")
				want := []string{`"new"`, `"Gender_Type_Male"`, `7`, `"c"`}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("read back %q, want %q", got, want)
				}
			})
		}
	})
}

func TestGetPortrait(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t, "Test")
		h.importUsers(t, app, "a", "b")
		h.setProfile(t, app, "a", account.TagNick, `"A"`)
		h.setProfile(t, app, "a", "Tag_Profile_Custom_Test", `"ca"`)
		h.setProfile(t, app, "b", account.TagLevel, `3`)

		t.Run("values, defaults and failures", func(t *testing.T) {
			tags := []string{account.TagLevel, account.TagNick, "Tag_Profile_Custom_Test", account.TagGender,
				account.TagAllowType, account.TagAdminForbidType, account.TagNick}
			profiles, failed, err := h.svc.GetPortrait(ctx, app, []string{"a", "ghost", "b", strings.Repeat("x", 33), "a"}, tags)
			wantCode(t, err, 0)
			if want := []string{"ghost", strings.Repeat("x", 33)}; !reflect.DeepEqual(failed, want) {
				t.Errorf("failed = %q, want %q", failed, want)
			}
			want := []struct {
				user   string
				code   int
				values []string
			}{
				{"a", 0, []string{`0`, `"A"`, `"ca"`, `"Gender_Type_Unknown"`, `"AllowType_Type_NeedConfirm"`, `"AdminForbid_Type_None"`}},
				{"ghost", im.CodeProfileNotFound, nil},
				{"b", 0, []string{`3`, `""`, `""`, `"Gender_Type_Unknown"`, `"AllowType_Type_NeedConfirm"`, `"AdminForbid_Type_None"`}},
				{strings.Repeat("x", 33), im.CodeProfileNotFound, nil},
			}
			if len(profiles) != len(want) {
				t.Fatalf("%d profiles, want %d: %+v", len(profiles), len(want), profiles)
			}
			for i, w := range want {
				p := profiles[i]
				if p.UserID != w.user || p.Code != w.code || (p.Code != 0) != (p.Info != "") {
					t.Errorf("profile %d: %+v, want user %q code %d", i, p, w.user, w.code)
				}
				if got := itemValues(t, p, tags[:6]); !reflect.DeepEqual(got, w.values) {
					t.Errorf("profile %d values %q, want %q", i, got, w.values)
				}
			}
		})

		errorCases := []struct {
			name  string
			users []string
			tags  []string
			code  int
		}{
			{"no accounts", nil, []string{account.TagNick}, im.CodeProfileNoAccount},
			{"101 accounts", ids("g", 101), []string{account.TagNick}, im.CodeProfileBadParams},
			{"no tags", []string{"a"}, nil, im.CodeProfileBadParams},
			{"empty tag", []string{"a"}, []string{""}, im.CodeProfileBadParams},
			{"unknown tag", []string{"a"}, []string{account.TagNick, "Tag_Profile_IM_UserID"}, im.CodeProfileTagNotFound},
			{"undeclared custom tag", []string{"a"}, []string{"Tag_Profile_Custom_Other"}, im.CodeProfileTagNotFound},
			{"100 accounts", ids("g", 100), []string{account.TagNick}, 0},
		}
		for _, tt := range errorCases {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := h.svc.GetPortrait(ctx, app, tt.users, tt.tags)
				wantCode(t, err, tt.code)
			})
		}
	})
}

func TestCustomTagDeclarationChanges(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "u")
		set := func() error {
			return h.svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: "Tag_Profile_Custom_Rank", Value: []byte(`"gold"`)}})
		}
		wantCode(t, set(), im.CodeProfileTagNotFound)
		h.settings.set(app, []string{"Rank"})
		wantCode(t, set(), 0)
		h.settings.set(app, []string{"Tag_Profile_Custom_Rank"}) // full names are understood too
		if got := portraitValues(t, h, app, "u", "Tag_Profile_Custom_Rank"); got[0] != `"gold"` {
			t.Errorf("read back %s", got[0])
		}
		h.settings.set(app, nil)
		_, _, err := h.svc.GetPortrait(ctx, app, []string{"u"}, []string{"Tag_Profile_Custom_Rank"})
		wantCode(t, err, im.CodeProfileTagNotFound)
	})
}

func TestSettingsFailureIsInternal(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "u")
		boom := errors.New("settings unavailable")
		h.settings.mu.Lock()
		h.settings.fail = boom
		h.settings.mu.Unlock()
		err := h.svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: "Tag_Profile_Custom_X", Value: []byte(`"x"`)}})
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want it to wrap %v", err, boom)
		}
		if _, ok := im.CodeOf(err); ok {
			t.Errorf("an internal failure must not carry a reference code: %v", err)
		}
		// Standard tags do not consult the settings.
		wantCode(t, h.svc.SetPortrait(ctx, app, "u", []account.ProfileItem{{Tag: account.TagNick, Value: []byte(`"n"`)}}), 0)
	})
}

// itemValues returns the values of a profile, checking its tags are want.
func itemValues(t *testing.T, p account.UserProfile, want []string) []string {
	t.Helper()
	if p.Code != 0 {
		if len(p.Items) != 0 {
			t.Errorf("failed profile %q has items %+v", p.UserID, p.Items)
		}
		return nil
	}
	var tags, values []string
	for _, it := range p.Items {
		tags = append(tags, it.Tag)
		values = append(values, string(it.Value))
	}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("profile %q tags %q, want %q", p.UserID, tags, want)
	}
	return values
}
