package im

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseSendOptionsDefaults(t *testing.T) {
	o, err := ParseSendOptions([]byte(`{"To_Account":"bob","MsgRandom":0,"MsgBody":[]}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := SendOptions{MsgLifeTime: MaxMsgLifeTime, MsgPriority: PriorityNormal}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got %+v, want %+v", o, want)
	}
}

func TestParseSendOptionsFull(t *testing.T) {
	raw := `{
		"SyncOtherMachine": 2,
		"From_Account": "alice",
		"To_Account": "bob",
		"MsgLifeTime": 0,
		"MsgRandom": 4294967295,
		"MsgTimeStamp": 1557387418,
		"MsgPriority": "High",
		"ForbidCallbackControl": ["ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"],
		"SendMsgControl": ["NoUnread", "NoLastMsg", "WithMuteNotifications"],
		"CloudCustomData": "your cloud custom data",
		"SupportMessageExtension": 1,
		"IsNeedReadReceipt": 1,
		"MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
		"OfflinePushInfo": {
			"PushFlag": 0,
			"Title": "title",
			"Desc": "desc",
			"Ext": "{\"entity\":{\"k\":\"v\"}}",
			"AndroidInfo": {
				"Sound": "android.mp3", "PushStyle": 1, "HuaWeiChannelID": "hw", "XiaoMiChannelID": "mi",
				"OPPOChannelID": "oppo", "GoogleChannelID": "fcm", "VIVOClassification": 0, "VIVOCategory": "IM",
				"HuaWeiImportance": "NORMAL", "HuaWeiCategory": "IM", "ExtAsHuaweiIntentParam": 1,
				"HuaWeiImage": "https://img/hw", "HonorImage": "https://img/honor", "HonorImportance": "LOW",
				"GoogleImage": "https://img/fcm", "OPPOCategory": "IM", "MeiZuNoticeMsgType": 1
			},
			"ApnsInfo": {
				"Sound": "apns.mp3", "BadgeMode": 1, "Title": "apns title", "SubTitle": "apns subtitle",
				"Image": "www.image.com", "MutableContent": 1, "InterruptionLevel": "time-sensitive", "ContentAvailable": 1
			}
		}
	}`
	o, err := ParseSendOptions([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := SendOptions{
		MsgRandom: 4294967295, MsgTimeStamp: 1557387418, MsgLifeTime: 0, SyncOtherMachine: NoSyncToSender,
		MsgPriority:             PriorityHigh,
		SendMsgControl:          []string{"NoUnread", "NoLastMsg", "WithMuteNotifications"},
		ForbidCallbackControl:   []string{"ForbidBeforeSendMsgCallback", "ForbidAfterSendMsgCallback"},
		CloudCustomData:         "your cloud custom data",
		SupportMessageExtension: true, NeedReadReceipt: true,
		OfflinePushInfo: &OfflinePushInfo{
			Title: "title", Desc: "desc", Ext: `{"entity":{"k":"v"}}`,
			AndroidInfo: &AndroidInfo{
				Sound: "android.mp3", PushStyle: 1, HuaWeiChannelID: "hw", XiaoMiChannelID: "mi",
				OPPOChannelID: "oppo", GoogleChannelID: "fcm", VIVOClassification: 0, VIVOCategory: "IM",
				HuaWeiImportance: "NORMAL", HuaWeiCategory: "IM", ExtAsHuaweiIntentParam: 1,
				HuaWeiImage: "https://img/hw", HonorImage: "https://img/honor", HonorImportance: "LOW",
				GoogleImage: "https://img/fcm", OPPOCategory: "IM", MeiZuNoticeMsgType: 1,
			},
			ApnsInfo: &ApnsInfo{
				Sound: "apns.mp3", BadgeMode: 1, Title: "apns title", SubTitle: "apns subtitle",
				Image: "www.image.com", MutableContent: 1, InterruptionLevel: "time-sensitive", ContentAvailable: 1,
			},
		},
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got  %+v\nwant %+v", o, want)
	}
	if !o.NoUnread() || !o.NoLastMsg() || !o.WithMuteNotifications() || !o.ForbidBeforeSendCallback() || !o.ForbidAfterSendCallback() {
		t.Fatal("control helpers disagree with the parsed lists")
	}
	if err := o.RequireMsgTimeStamp(); err != nil {
		t.Fatal(err)
	}
}

// Group commands spell some options differently.
func TestParseSendOptionsGroupSpellings(t *testing.T) {
	o, err := ParseSendOptions([]byte(`{"GroupId":"g","Random":7,"MsgOnlineOnlyFlag":1,"NeedReadReceipt":1,"MsgPriority":"Lowest"}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if o.MsgRandom != 7 || !o.OnlineOnly || !o.NeedReadReceipt || o.MsgPriority != PriorityLowest {
		t.Fatalf("got %+v", o)
	}
	// The C2C spelling wins when both are present.
	o, err = ParseSendOptions([]byte(`{"MsgRandom":1,"Random":2,"OnlineOnlyFlag":0,"MsgOnlineOnlyFlag":1}`), Limits{})
	if err != nil || o.MsgRandom != 1 || o.OnlineOnly {
		t.Fatalf("got %+v, %v", o, err)
	}
}

func TestAndroidInfoVIVODefault(t *testing.T) {
	o, err := ParseSendOptions([]byte(`{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"Sound":"s"}}}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.OfflinePushInfo.AndroidInfo.VIVOClassification; got != 1 {
		t.Fatalf("VIVOClassification = %d, want the default 1", got)
	}
	// Encoded and decoded again, an explicit 0 survives.
	o.OfflinePushInfo.AndroidInfo.VIVOClassification = 0
	out, err := json.Marshal(o.OfflinePushInfo)
	if err != nil {
		t.Fatal(err)
	}
	var back OfflinePushInfo
	if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(&back, o.OfflinePushInfo) {
		t.Fatalf("round trip %s: %+v, %v", out, back, err)
	}
}

func TestParseSendOptionsErrors(t *testing.T) {
	big := strings.Repeat("c", DefaultMaxCloudCustomDataBytes+1)
	for _, tc := range []struct {
		name, in string
		lim      Limits
		code     int
		infoHas  string
	}{
		{"not JSON", `{`, Limits{}, CodeMsgJSONParse, "not a valid JSON object"},
		{"array", `[]`, Limits{}, CodeMsgJSONParse, "not a valid JSON object"},
		{"empty", ``, Limits{}, CodeMsgJSONParse, "not a valid JSON object"},
		{"random missing", `{}`, Limits{}, CodeMsgRandom, "MsgRandom missing"},
		{"random null", `{"MsgRandom":null}`, Limits{}, CodeMsgRandom, "MsgRandom missing"},
		{"random string", `{"MsgRandom":"1"}`, Limits{}, CodeMsgRandom, `MsgRandom must be an integer in 0..4294967295, got "1"`},
		{"random float", `{"MsgRandom":1.5}`, Limits{}, CodeMsgRandom, "got 1.5"},
		{"random exponent", `{"MsgRandom":1e3}`, Limits{}, CodeMsgRandom, "got 1e3"},
		{"random negative", `{"MsgRandom":-1}`, Limits{}, CodeMsgRandom, "got -1"},
		{"random over uint32", `{"MsgRandom":4294967296}`, Limits{}, CodeMsgRandom, "got 4294967296"},
		{"random huge", `{"MsgRandom":123456789012345678901234567890}`, Limits{}, CodeMsgRandom, "MsgRandom"},
		{"group random string", `{"Random":true}`, Limits{}, CodeMsgRandom, "Random must be an integer"},
		{"timestamp string", `{"MsgRandom":1,"MsgTimeStamp":"1557387418"}`, Limits{}, CodeMsgTimeStamp, "MsgTimeStamp must be an integer"},
		{"timestamp float", `{"MsgRandom":1,"MsgTimeStamp":1.5}`, Limits{}, CodeMsgTimeStamp, "MsgTimeStamp must be an integer"},
		{"timestamp negative", `{"MsgRandom":1,"MsgTimeStamp":-1}`, Limits{}, CodeMsgTimeStamp, "outside 0..4294967295"},
		{"timestamp over uint32", `{"MsgRandom":1,"MsgTimeStamp":4294967296}`, Limits{}, CodeMsgTimeStamp, "outside"},
		{"lifetime string", `{"MsgRandom":1,"MsgLifeTime":"60"}`, Limits{}, CodeMsgLifeTimeNotInt, "MsgLifeTime must be an integer"},
		{"lifetime float", `{"MsgRandom":1,"MsgLifeTime":60.5}`, Limits{}, CodeMsgLifeTimeNotInt, "MsgLifeTime must be an integer"},
		{"lifetime over 7 days", `{"MsgRandom":1,"MsgLifeTime":604801}`, Limits{}, CodeMsgLifeTime, "outside 0..604800"},
		{"lifetime negative", `{"MsgRandom":1,"MsgLifeTime":-1}`, Limits{}, CodeMsgLifeTime, "MsgLifeTime -1"},
		{"lifetime huge", `{"MsgRandom":1,"MsgLifeTime":99999999999999999999999}`, Limits{}, CodeMsgLifeTime, "outside"},
		{"sync string", `{"MsgRandom":1,"SyncOtherMachine":"1"}`, Limits{}, CodeMsgSyncOtherMachine, "must be an integer"},
		{"sync 3", `{"MsgRandom":1,"SyncOtherMachine":3}`, Limits{}, CodeMsgSyncOtherMachine, "SyncOtherMachine 3 is not 1 or 2"},
		{"sync negative", `{"MsgRandom":1,"SyncOtherMachine":-4}`, Limits{}, CodeMsgSyncOtherMachine, "is not 1 or 2"},
		{"online only 2", `{"MsgRandom":1,"OnlineOnlyFlag":2}`, Limits{}, CodeMsgFormat, "OnlineOnlyFlag must be 0 or 1, got 2"},
		{"online only bool", `{"MsgRandom":1,"MsgOnlineOnlyFlag":true}`, Limits{}, CodeMsgFormat, "MsgOnlineOnlyFlag must be 0 or 1"},
		{"extension 5", `{"MsgRandom":1,"SupportMessageExtension":5}`, Limits{}, CodeMsgFormat, "SupportMessageExtension"},
		{"receipt string", `{"MsgRandom":1,"IsNeedReadReceipt":"1"}`, Limits{}, CodeMsgFormat, "IsNeedReadReceipt"},
		{"priority lower case", `{"MsgRandom":1,"MsgPriority":"high"}`, Limits{}, CodeMsgFormat, `MsgPriority "high" must be one of`},
		{"priority unknown", `{"MsgRandom":1,"MsgPriority":"Urgent"}`, Limits{}, CodeMsgFormat, "MsgPriority"},
		{"priority number", `{"MsgRandom":1,"MsgPriority":1}`, Limits{}, CodeMsgFormat, "MsgPriority: want a string"},
		{"control unknown", `{"MsgRandom":1,"SendMsgControl":["NoUnread","NoPush"]}`, Limits{}, CodeMsgFormat, `SendMsgControl[1]: "NoPush" is not one of`},
		{"control case", `{"MsgRandom":1,"SendMsgControl":["nounread"]}`, Limits{}, CodeMsgFormat, "SendMsgControl[0]"},
		{"control not array", `{"MsgRandom":1,"SendMsgControl":"NoUnread"}`, Limits{}, CodeMsgFormat, "SendMsgControl: want an array"},
		{"control with online only", `{"MsgRandom":1,"OnlineOnlyFlag":1,"SendMsgControl":["NoUnread"]}`, Limits{}, CodeMsgFormat, "cannot be used with OnlineOnlyFlag"},
		{"forbid unknown", `{"MsgRandom":1,"ForbidCallbackControl":["ForbidAll"]}`, Limits{}, CodeMsgFormat, `ForbidCallbackControl[0]: "ForbidAll"`},
		{"forbid not strings", `{"MsgRandom":1,"ForbidCallbackControl":[1]}`, Limits{}, CodeMsgFormat, "ForbidCallbackControl: want a string"},
		{"custom data not string", `{"MsgRandom":1,"CloudCustomData":{"a":1}}`, Limits{}, CodeMsgFormat, "CloudCustomData: want a string"},
		{"custom data too long", `{"MsgRandom":1,"CloudCustomData":"` + big + `"}`, Limits{}, CodeMsgBodyTooLong, "CloudCustomData is 8193 bytes, at most 8192"},
		{"custom data own limit", `{"MsgRandom":1,"CloudCustomData":"abcd"}`, Limits{MaxCloudCustomDataBytes: 3}, CodeMsgBodyTooLong, "at most 3"},
		{"push info not object", `{"MsgRandom":1,"OfflinePushInfo":"x"}`, Limits{}, CodeMsgFormat, "OfflinePushInfo must be an object, got JSON string"},
		{"push flag 2", `{"MsgRandom":1,"OfflinePushInfo":{"PushFlag":2}}`, Limits{}, CodeMsgFormat, "OfflinePushInfo.PushFlag: 2 is not 0 or 1"},
		{"push title number", `{"MsgRandom":1,"OfflinePushInfo":{"Title":1}}`, Limits{}, CodeMsgFormat, "OfflinePushInfo.Title: want a string"},
		{"badge mode string", `{"MsgRandom":1,"OfflinePushInfo":{"ApnsInfo":{"BadgeMode":"1"}}}`, Limits{}, CodeMsgFormat, "OfflinePushInfo.ApnsInfo.BadgeMode: want an integer"},
		{"badge mode 2", `{"MsgRandom":1,"OfflinePushInfo":{"ApnsInfo":{"BadgeMode":2}}}`, Limits{}, CodeMsgFormat, "OfflinePushInfo.ApnsInfo.BadgeMode: 2 is not 0 or 1"},
		{"mutable content 3", `{"MsgRandom":1,"OfflinePushInfo":{"ApnsInfo":{"MutableContent":3}}}`, Limits{}, CodeMsgFormat, "ApnsInfo.MutableContent"},
		{"content available", `{"MsgRandom":1,"OfflinePushInfo":{"ApnsInfo":{"ContentAvailable":-1}}}`, Limits{}, CodeMsgFormat, "ApnsInfo.ContentAvailable"},
		{"vivo 2", `{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"VIVOClassification":2}}}`, Limits{}, CodeMsgFormat, "AndroidInfo.VIVOClassification: 2"},
		{"vivo string", `{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"VIVOClassification":"1"}}}`, Limits{}, CodeMsgFormat, "AndroidInfo.VIVOClassification: want an integer"},
		{"huawei intent 2", `{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"ExtAsHuaweiIntentParam":2}}}`, Limits{}, CodeMsgFormat, "ExtAsHuaweiIntentParam"},
		{"huawei importance", `{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"HuaWeiImportance":"HIGH"}}}`, Limits{}, CodeMsgFormat, `HuaWeiImportance: "HIGH" is not LOW or NORMAL`},
		{"honor importance", `{"MsgRandom":1,"OfflinePushInfo":{"AndroidInfo":{"HonorImportance":"low"}}}`, Limits{}, CodeMsgFormat, "HonorImportance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSendOptions([]byte(tc.in), tc.lim)
			wantCode(t, err, tc.code, tc.infoHas)
		})
	}
}

func TestSendOptionsValidate(t *testing.T) {
	valid := []SendOptions{
		{},
		{MsgLifeTime: MaxMsgLifeTime, SyncOtherMachine: SyncToSender, MsgPriority: PriorityLow},
		{OnlineOnly: true, ForbidCallbackControl: []string{ForbidAfterSendMsgCallback}},
		{CloudCustomData: strings.Repeat("x", DefaultMaxCloudCustomDataBytes)},
		{OfflinePushInfo: &OfflinePushInfo{PushFlag: 1, AndroidInfo: &AndroidInfo{VIVOClassification: 1}, ApnsInfo: &ApnsInfo{}}},
	}
	for _, o := range valid {
		if err := o.Validate(Limits{}); err != nil {
			t.Errorf("Validate(%+v): %v", o, err)
		}
	}
	for _, tc := range []struct {
		o    SendOptions
		code int
	}{
		{SendOptions{MsgTimeStamp: -5}, CodeMsgTimeStamp},
		{SendOptions{MsgLifeTime: MaxMsgLifeTime + 1}, CodeMsgLifeTime},
		{SendOptions{SyncOtherMachine: 9}, CodeMsgSyncOtherMachine},
		{SendOptions{MsgPriority: 7}, CodeMsgFormat},
		{SendOptions{SendMsgControl: []string{""}}, CodeMsgFormat},
		{SendOptions{OnlineOnly: true, SendMsgControl: []string{SendControlNoLastMsg}}, CodeMsgFormat},
		{SendOptions{CloudCustomData: strings.Repeat("x", 9000)}, CodeMsgBodyTooLong},
		{SendOptions{OfflinePushInfo: &OfflinePushInfo{AndroidInfo: &AndroidInfo{VIVOClassification: 5}}}, CodeMsgFormat},
	} {
		wantCode(t, tc.o.Validate(Limits{}), tc.code, "")
	}
	if err := CheckCloudCustomData(strings.Repeat("x", 8192), Limits{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, CheckCloudCustomData("abc", Limits{MaxCloudCustomDataBytes: 2}), CodeMsgBodyTooLong, "CloudCustomData is 3 bytes, at most 2")
	var o SendOptions
	wantCode(t, o.RequireMsgTimeStamp(), CodeMsgTimeStamp, "MsgTimeStamp missing")
	if o.NoUnread() || o.NoLastMsg() || o.WithMuteNotifications() || o.ForbidBeforeSendCallback() || o.ForbidAfterSendCallback() {
		t.Fatal("zero SendOptions reports a control flag")
	}
}

func TestMsgPriority(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    MsgPriority
	}{{"High", PriorityHigh}, {"Normal", PriorityNormal}, {"Low", PriorityLow}, {"Lowest", PriorityLowest}} {
		p, err := ParseMsgPriority(tc.name)
		if err != nil || p != tc.p || p.String() != tc.name {
			t.Errorf("ParseMsgPriority(%q) = %v, %v", tc.name, p, err)
		}
	}
	if !(PriorityHigh > PriorityNormal && PriorityNormal > PriorityLow && PriorityLow > PriorityLowest) {
		t.Fatal("priorities do not order by importance")
	}
	if p, err := ParseMsgPriority(""); err != nil || p != PriorityNormal {
		t.Fatalf(`ParseMsgPriority("") = %v, %v`, p, err)
	}
	for _, bad := range []string{"HIGH", "normal", " Low", "Highest"} {
		_, err := ParseMsgPriority(bad)
		wantCode(t, err, CodeMsgFormat, "MsgPriority")
	}
	if s := MsgPriority(9).String(); s != "MsgPriority(9)" {
		t.Fatalf("String() = %q", s)
	}

	var v struct{ MsgPriority MsgPriority }
	if err := json.Unmarshal([]byte(`{"MsgPriority":"Low"}`), &v); err != nil || v.MsgPriority != PriorityLow {
		t.Fatalf("Unmarshal: %v, %v", v.MsgPriority, err)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"MsgPriority":"Low"}` {
		t.Fatalf("Marshal: %s, %v", out, err)
	}
	if _, err := json.Marshal(struct{ P MsgPriority }{MsgPriority(5)}); err == nil {
		t.Fatal("Marshal of an invalid priority succeeded")
	}
	err = json.Unmarshal([]byte(`{"MsgPriority":"Top"}`), &v)
	wantCode(t, err, CodeMsgFormat, "MsgPriority")
}

// Caller-supplied values quoted in errors are cut short.
func TestErrorsClipCallerInput(t *testing.T) {
	long := strings.Repeat("é", 500)
	for _, in := range []string{
		`{"MsgRandom":"` + long + `"}`,
		`{"MsgRandom":1,"MsgPriority":"` + long + `"}`,
		`{"MsgRandom":1,"SendMsgControl":["` + long + `"]}`,
	} {
		_, err := ParseSendOptions([]byte(in), Limits{})
		if e, ok := err.(*Error); !ok || len(e.Info) > 200 {
			t.Errorf("error for a long value: %v", err)
		}
	}
	_, err := ParseMsgBody([]byte(`[{"MsgType":"`+long+`","MsgContent":{}}]`), Limits{})
	if e, ok := err.(*Error); !ok || len(e.Info) > 200 || e.Code != CodeMsgFormat {
		t.Errorf("error for a long MsgType: %v", err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	want := Limits{
		MaxBodyBytes: 8192, MaxCloudCustomDataBytes: 8192,
		MaxImageBytes: 28 << 20, MaxSoundBytes: 28 << 20, MaxFileBytes: 100 << 20, MaxVideoBytes: 100 << 20,
	}
	if got := (Limits{}).withDefaults(); got != want {
		t.Fatalf("zero Limits = %+v, want %+v", got, want)
	}
	if got := (Limits{MaxBodyBytes: -1, MaxFileBytes: -7}).withDefaults(); got != want {
		t.Fatalf("negative Limits = %+v, want %+v", got, want)
	}
	if got := (Limits{MaxSoundBytes: 5}).withDefaults().MaxSoundBytes; got != 5 {
		t.Fatalf("MaxSoundBytes = %d, want 5", got)
	}
}

// FuzzParseSendOptions checks that option parsing never panics, fails only
// with coded errors, and returns options that validate.
func FuzzParseSendOptions(f *testing.F) {
	f.Add([]byte(`{"MsgRandom":1}`))
	f.Add([]byte(`{"Random":4294967295,"MsgOnlineOnlyFlag":1,"MsgPriority":"Low"}`))
	f.Add([]byte(`{"MsgRandom":1,"MsgLifeTime":-0,"SyncOtherMachine":2,"SendMsgControl":["NoUnread"],"CloudCustomData":"x"}`))
	f.Add([]byte(`{"MsgRandom":1,"OfflinePushInfo":{"PushFlag":1,"AndroidInfo":{"VIVOClassification":0},"ApnsInfo":{"BadgeMode":1}}}`))
	f.Add([]byte(`{"MsgRandom":1e2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseSendOptions(data, Limits{})
		if err != nil {
			if _, ok := CodeOf(err); !ok {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if err := o.Validate(Limits{}); err != nil {
			t.Fatalf("parsed options do not validate: %+v: %v", o, err)
		}
	})
}

// TestErrorsQuoteTheInput: for every integer option and element field, an
// out-of-range value (small, negative, beyond int64 or uint64) is refused
// with the field's code and an error text holding exactly what the caller
// sent, never a clamped or converted number.
func TestErrorsQuoteTheInput(t *testing.T) {
	values := []string{"7", "-3", "4294967296", "9223372036854775808", "99999999999999999999", "-99999999999999999999"}
	fields := []struct {
		name string
		code int
		// request builds a whole request around the raw value.
		request func(raw string) string
	}{
		{"MsgRandom", CodeMsgRandom, func(v string) string { return `{"MsgRandom":` + v + `}` }},
		{"MsgTimeStamp", CodeMsgTimeStamp, func(v string) string { return `{"MsgRandom":1,"MsgTimeStamp":` + v + `}` }},
		{"MsgLifeTime", CodeMsgLifeTime, func(v string) string { return `{"MsgRandom":1,"MsgLifeTime":` + v + `}` }},
		{"SyncOtherMachine", CodeMsgSyncOtherMachine, func(v string) string { return `{"MsgRandom":1,"SyncOtherMachine":` + v + `}` }},
		{"OnlineOnlyFlag", CodeMsgFormat, func(v string) string { return `{"MsgRandom":1,"OnlineOnlyFlag":` + v + `}` }},
		{"IsNeedReadReceipt", CodeMsgFormat, func(v string) string { return `{"MsgRandom":1,"IsNeedReadReceipt":` + v + `}` }},
		{"PushFlag", CodeMsgFormat, func(v string) string { return `{"MsgRandom":1,"OfflinePushInfo":{"PushFlag":` + v + `}}` }},
		{"BadgeMode", CodeMsgFormat, func(v string) string { return `{"MsgRandom":1,"OfflinePushInfo":{"ApnsInfo":{"BadgeMode":` + v + `}}}` }},
	}
	for _, f := range fields {
		for _, v := range values {
			if f.name == "MsgRandom" && v == "7" || f.name == "MsgTimeStamp" && v == "7" || f.name == "MsgLifeTime" && v == "7" {
				continue // in range
			}
			t.Run(f.name+"="+v, func(t *testing.T) {
				_, err := ParseSendOptions([]byte(f.request(v)), Limits{})
				wantCode(t, err, f.code, v)
			})
		}
	}
	elements := []struct{ name, body string }{
		{"TIMFaceElem.Index", `[{"MsgType":"TIMFaceElem","MsgContent":{"Index":%s,"Data":"x"}}]`},
		{"TIMImageElem.ImageFormat", `[{"MsgType":"TIMImageElem","MsgContent":{"UUID":"u","ImageFormat":%s,"ImageInfoArray":[]}}]`},
		{"TIMSoundElem.Second", `[{"MsgType":"TIMSoundElem","MsgContent":{"Url":"https://x","UUID":"u","Size":1,"Second":%s,"Download_Flag":2}}]`},
		{"TIMFileElem.Download_Flag", `[{"MsgType":"TIMFileElem","MsgContent":{"Url":"https://x","UUID":"u","FileSize":1,"FileName":"f","Download_Flag":%s}}]`},
	}
	for _, e := range elements {
		for _, v := range values {
			if e.name == "TIMFaceElem.Index" && (v == "7" || v == "-3") || e.name == "TIMSoundElem.Second" && v == "7" {
				continue // in range
			}
			t.Run(e.name+"="+v, func(t *testing.T) {
				_, err := ParseMsgBody([]byte(fmt.Sprintf(e.body, v)), Limits{})
				var ie *Error
				if !errors.As(err, &ie) || (ie.Code != CodeMsgFormat && ie.Code != CodeMsgBodyInvalid) {
					t.Fatalf("err = %v, want code %d or %d", err, CodeMsgFormat, CodeMsgBodyInvalid)
				}
				if !strings.Contains(ie.Info, v) {
					t.Errorf("Info = %q, want it to quote %s", ie.Info, v)
				}
			})
		}
	}
}
