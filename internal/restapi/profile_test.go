package restapi_test

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store/storetest"
)

func TestProfileCommands(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newAccountsAPI(t, b, nil)
		api.run(t, []restCase{
			{name: "declare custom tag", command: "parley_config/set_app_config", body: `{"CustomProfileTags":["Test"]}`},
			{name: "import", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":["u1","u2"]}`},

			{name: "set", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[
				{"Tag":"Tag_Profile_IM_Nick","Value":"Nick <1>"},
				{"Tag":"Tag_Profile_IM_Level","Value":7},
				{"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Female"},
				{"Tag":"Tag_Profile_Custom_Test","Value":"custom"}]}`},
			{name: "get", command: "profile/portrait_get",
				body: `{"To_Account":["u1","ghost","u2"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_Level","Tag_Profile_Custom_Test","Tag_Profile_IM_AllowType"]}`,
				fields: map[string]string{
					"UserProfileItem": `[
						{"To_Account":"u1","ResultCode":0,"ResultInfo":"","ProfileItem":[
							{"Tag":"Tag_Profile_IM_Nick","Value":"Nick <1>"},
							{"Tag":"Tag_Profile_IM_Level","Value":7},
							{"Tag":"Tag_Profile_Custom_Test","Value":"custom"},
							{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_NeedConfirm"}]},
						{"To_Account":"ghost","ResultCode":40003,"ResultInfo":"*","ProfileItem":[]},
						{"To_Account":"u2","ResultCode":0,"ResultInfo":"","ProfileItem":[
							{"Tag":"Tag_Profile_IM_Nick","Value":""},
							{"Tag":"Tag_Profile_IM_Level","Value":0},
							{"Tag":"Tag_Profile_Custom_Test","Value":""},
							{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_NeedConfirm"}]}]`,
					"Fail_Account": `["ghost"]`,
					"ErrorDisplay": `""`,
				}},
			{name: "get all found", command: "profile/portrait_get", body: `{"To_Account":["u1"],"TagList":["Tag_Profile_IM_Gender"]}`,
				fields: map[string]string{"UserProfileItem": `[{"To_Account":"u1","ResultCode":0,"ResultInfo":"","ProfileItem":[
					{"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Female"}]}]`},
				absent: []string{"Fail_Account"}},

			{name: "set float", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":1.5}]}`, code: im.CodeProfileTypeMismatch},
			{name: "set negative", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":-1}]}`, code: im.CodeProfileBadValue},
			{name: "set string for integer", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Level","Value":"7"}]}`, code: im.CodeProfileTypeMismatch},
			{name: "set integer for custom", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_Custom_Test","Value":1}]}`, code: im.CodeProfileTypeMismatch},
			{name: "set null", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":null}]}`, code: im.CodeProfileTypeMismatch},
			{name: "set no Value", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick"}]}`, code: im.CodeProfileBadParams},
			{name: "set long", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"` + strings.Repeat("n", 501) + `"}]}`, code: im.CodeProfileValueTooLong},
			{name: "set bad enum", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Gender","Value":"male"}]}`, code: im.CodeProfileBadValue},
			{name: "set unknown tag", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Bogus","Value":"x"}]}`, code: im.CodeProfileTagNotFound},
			{name: "set undeclared custom", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_Custom_Nope","Value":"x"}]}`, code: im.CodeProfileTagNotFound},
			{name: "set duplicate", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"a"},{"Tag":"Tag_Profile_IM_Nick","Value":"b"}]}`, code: im.CodeProfileBadParams},
			{name: "set no items", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":[]}`, code: im.CodeProfileBadParams},
			{name: "set items not a list", command: "profile/portrait_set", body: `{"From_Account":"u1","ProfileItem":{}}`, code: im.CodeProfileBadParams},
			{name: "set no account", command: "profile/portrait_set", body: `{"ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"a"}]}`, code: im.CodeProfileNoAccount},
			{name: "set missing account", command: "profile/portrait_set", body: `{"From_Account":"ghost","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"a"}]}`, code: im.CodeProfileNotFound},
			{name: "nothing changed", command: "profile/portrait_get", body: `{"To_Account":["u1"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_IM_Level","Tag_Profile_IM_Gender"]}`,
				fields: map[string]string{"UserProfileItem": `[{"To_Account":"u1","ResultCode":0,"ResultInfo":"","ProfileItem":[
					{"Tag":"Tag_Profile_IM_Nick","Value":"Nick <1>"},
					{"Tag":"Tag_Profile_IM_Level","Value":7},
					{"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Female"}]}]`}},

			{name: "get no accounts", command: "profile/portrait_get", body: `{"To_Account":[],"TagList":["Tag_Profile_IM_Nick"]}`, code: im.CodeProfileNoAccount},
			{name: "get no tags", command: "profile/portrait_get", body: `{"To_Account":["u1"]}`, code: im.CodeProfileBadParams},
			{name: "get unknown tag", command: "profile/portrait_get", body: `{"To_Account":["u1"],"TagList":["Tag_Profile_IM_UserID"]}`, code: im.CodeProfileTagNotFound},
			{name: "get To_Account string", command: "profile/portrait_get", body: `{"To_Account":"u1","TagList":["Tag_Profile_IM_Nick"]}`, code: im.CodeProfileBadParams},
		})
	})
}
