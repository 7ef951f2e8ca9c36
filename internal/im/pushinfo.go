package im

import "encoding/json"

// OfflinePushInfo is a message's offline-push configuration (the
// reference's OfflinePushInfo option), decoded and encoded with its field
// names. Unknown fields are dropped, as in message elements. Only the fields
// with a documented set of values are checked (see Validate); the strings
// are passed to the push providers as they are.
type OfflinePushInfo struct {
	PushFlag    int          `json:"PushFlag"`        // 0 push, 1 do not push offline
	Title       string       `json:"Title,omitempty"` // push title
	Desc        string       `json:"Desc,omitempty"`  // push text; overrides the elements' text
	Ext         string       `json:"Ext,omitempty"`   // passed through to the device
	AndroidInfo *AndroidInfo `json:"AndroidInfo,omitempty"`
	ApnsInfo    *ApnsInfo    `json:"ApnsInfo,omitempty"`
}

// AndroidInfo holds the Android vendors' push settings. When decoded from
// JSON without VIVOClassification, that field is 1 (the reference's
// default); a value built in Go must set it.
type AndroidInfo struct {
	Sound                  string `json:"Sound,omitempty"`
	PushStyle              int    `json:"PushStyle,omitempty"`
	HuaWeiChannelID        string `json:"HuaWeiChannelID,omitempty"`
	XiaoMiChannelID        string `json:"XiaoMiChannelID,omitempty"`
	OPPOChannelID          string `json:"OPPOChannelID,omitempty"`
	GoogleChannelID        string `json:"GoogleChannelID,omitempty"`
	VIVOClassification     int    `json:"VIVOClassification"` // 0 marketing, 1 system
	VIVOCategory           string `json:"VIVOCategory,omitempty"`
	HuaWeiImportance       string `json:"HuaWeiImportance,omitempty"` // "LOW" or "NORMAL"
	HuaWeiCategory         string `json:"HuaWeiCategory,omitempty"`
	ExtAsHuaweiIntentParam int    `json:"ExtAsHuaweiIntentParam,omitempty"` // 0 or 1
	HuaWeiImage            string `json:"HuaWeiImage,omitempty"`
	HonorImage             string `json:"HonorImage,omitempty"`
	HonorImportance        string `json:"HonorImportance,omitempty"` // "LOW" or "NORMAL"
	GoogleImage            string `json:"GoogleImage,omitempty"`
	OPPOCategory           string `json:"OPPOCategory,omitempty"`
	MeiZuNoticeMsgType     int    `json:"MeiZuNoticeMsgType,omitempty"`
}

// ApnsInfo holds the Apple push settings.
type ApnsInfo struct {
	Sound             string `json:"Sound,omitempty"`
	BadgeMode         int    `json:"BadgeMode,omitempty"` // 0 count the badge, 1 do not
	Title             string `json:"Title,omitempty"`
	SubTitle          string `json:"SubTitle,omitempty"`
	Image             string `json:"Image,omitempty"`
	MutableContent    int    `json:"MutableContent,omitempty"` // 1 = run the iOS 10 notification extension
	InterruptionLevel string `json:"InterruptionLevel,omitempty"`
	ContentAvailable  int    `json:"ContentAvailable,omitempty"` // 0 or 1
}

// UnmarshalJSON decodes an AndroidInfo, defaulting VIVOClassification to 1.
func (a *AndroidInfo) UnmarshalJSON(data []byte) error {
	type plain AndroidInfo
	p := plain{VIVOClassification: 1}
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*a = AndroidInfo(p)
	return nil
}

// Validate checks the fields whose values the reference enumerates: the
// 0/1 flags and the vendor importance names. A violation is a 90010 *Error
// naming the field, e.g. "OfflinePushInfo.ApnsInfo.BadgeMode: 3 is not 0 or
// 1". A nil p is valid.
func (p *OfflinePushInfo) Validate() error {
	if p == nil {
		return nil
	}
	if err := checkBit("OfflinePushInfo.PushFlag", p.PushFlag); err != nil {
		return err
	}
	if a := p.AndroidInfo; a != nil {
		err := firstErr(
			checkBit("OfflinePushInfo.AndroidInfo.VIVOClassification", a.VIVOClassification),
			checkBit("OfflinePushInfo.AndroidInfo.ExtAsHuaweiIntentParam", a.ExtAsHuaweiIntentParam),
			checkImportance("OfflinePushInfo.AndroidInfo.HuaWeiImportance", a.HuaWeiImportance),
			checkImportance("OfflinePushInfo.AndroidInfo.HonorImportance", a.HonorImportance),
		)
		if err != nil {
			return err
		}
	}
	if a := p.ApnsInfo; a != nil {
		return firstErr(
			checkBit("OfflinePushInfo.ApnsInfo.BadgeMode", a.BadgeMode),
			checkBit("OfflinePushInfo.ApnsInfo.MutableContent", a.MutableContent),
			checkBit("OfflinePushInfo.ApnsInfo.ContentAvailable", a.ContentAvailable),
		)
	}
	return nil
}

// checkBit requires v to be 0 or 1.
func checkBit(field string, v int) error {
	if v != 0 && v != 1 {
		return Errorf(CodeMsgFormat, "%s: %d is not 0 or 1", field, v)
	}
	return nil
}

// checkImportance allows a vendor importance to be unset, "LOW" or "NORMAL".
func checkImportance(field, v string) error {
	switch v {
	case "", "LOW", "NORMAL":
		return nil
	}
	return Errorf(CodeMsgFormat, "%s: %.40q is not LOW or NORMAL", field, v)
}

// decodeOfflinePushInfo decodes the OfflinePushInfo object of a request.
func decodeOfflinePushInfo(raw []byte) (*OfflinePushInfo, error) {
	if kind := JSONKind(raw); kind != "object" {
		return nil, Errorf(CodeMsgFormat, "OfflinePushInfo must be an object, got JSON %s", kind)
	}
	var p OfflinePushInfo
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, Errorf(CodeMsgFormat, "%s", describeJSONError(err, "OfflinePushInfo."))
	}
	return &p, nil
}
