package im

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzParseMsgBody checks that decoding never panics, that every failure is
// an *Error with a code, and that whatever is accepted re-encodes to bytes
// that parse back to the same value and encode identically again (so the
// canonical form is a fixed point), matching encoding/json's own encoding.
// The same holds for plain decoding, which skips the value rules.
func FuzzParseMsgBody(f *testing.F) {
	for _, s := range elementSamples {
		f.Add([]byte("[" + s.json + "]"))
	}
	f.Add([]byte("[" + systemNoticeSample.json + "]"))
	f.Add([]byte(textBody))
	f.Add([]byte(mixedBody))
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `[null]`, `[1]`, `[{}]`, `[{"MsgType":"TIMTextElem"}]`,
		`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"\u2028\ud800\\\"<>&"}}]`,
		`[{"MsgType":"TIMLocationElem","MsgContent":{"Latitude":-0,"Longitude":1e-7}}]`,
		`[{"MsgType":"TIMImageElem","MsgContent":{"ImageFormat":255,"ImageInfoArray":[]}}]`,
		`[{"MsgType":"TIMCustomElem","MsgContent":{}},{"MsgType":"TIMCustomElem","MsgContent":{}}]`,
		`[{"MsgType":"TIMSoundElem","MsgContent":{"Size":1e3,"Download_Flag":2}}]`,
		`[{"msgtype":"TIMFaceElem","msgcontent":{"index":3,"DATA":"x"}}]`,
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := ParseMsgBody(data, Limits{})
		checkFuzzResult(t, "ParseMsgBody", body, err, true)

		var decoded MsgBody
		err = json.Unmarshal(data, &decoded)
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return // encoding/json rejected the document before calling us
		}
		checkFuzzResult(t, "Unmarshal", decoded, err, false)
	})
}

func checkFuzzResult(t *testing.T, what string, body MsgBody, err error, validate bool) {
	t.Helper()
	if err != nil {
		if _, ok := CodeOf(err); !ok {
			t.Fatalf("%s: error without a code: %v", what, err)
		}
		return
	}
	enc, err := body.MarshalJSON()
	if err != nil {
		t.Fatalf("%s accepted %#v but it does not encode: %v", what, body, err)
	}
	var again MsgBody
	if validate {
		again, err = ParseMsgBody(enc, Limits{})
	} else {
		err = json.Unmarshal(enc, &again)
	}
	if err != nil {
		t.Fatalf("%s: canonical %s does not parse back: %v", what, enc, err)
	}
	if !reflect.DeepEqual(body, again) && !(len(body) == 0 && len(again) == 0) {
		t.Fatalf("%s: round trip changed the body\n got %#v\nwant %#v", what, again, body)
	}
	if enc2, _ := again.MarshalJSON(); !bytes.Equal(enc, enc2) {
		t.Fatalf("%s: canonical form is not stable:\n %s\n %s", what, enc, enc2)
	}
	if len(body) > 0 && !hasEmptyImageArray(body) {
		if std := stdEncode(t, body); !bytes.Equal(enc, std) {
			t.Fatalf("%s: encoding differs from encoding/json:\n %s\n %s", what, enc, std)
		}
	}
}

// hasEmptyImageArray reports an image without renditions, which Parley
// encodes as [] where encoding/json would write null.
func hasEmptyImageArray(b MsgBody) bool {
	for _, e := range b {
		if img, ok := e.MsgContent.(ImageElem); ok && len(img.ImageInfoArray) == 0 {
			return true
		}
	}
	return false
}
