package im

import "testing"

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	type req struct {
		Name  string   `json:"Name"`
		Count int      `json:"Count"`
		Body  *MsgBody `json:"MsgBody"`
	}
	cases := []struct {
		raw  string
		code int // 0 = ok
	}{
		{``, 0},
		{`  `, 0},
		{`{"Name":"a","Count":2}`, 0},
		{`{"Count":"two"}`, 70402},
		{`[1]`, 70402},
		{`{"Name":`, 70402},
		{`{"MsgBody":{}}`, CodeMsgBodyNotArray}, // the field's own code wins
	}
	for _, c := range cases {
		var r req
		err := DecodeJSON([]byte(c.raw), &r, 70402)
		got, _ := CodeOf(err)
		if got != c.code || (c.code != 0) != (err != nil) {
			t.Errorf("DecodeJSON(%q) = %v, want code %d", c.raw, err, c.code)
		}
	}
}
