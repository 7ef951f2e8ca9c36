package usersig

import (
	"bytes"
	"compress/zlib"
	"testing"
	"time"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives a round trip through the encoder unchanged.
func FuzzDecode(f *testing.F) {
	f.Add(vecUserSig)
	for _, userBuf := range [][]byte{nil, []byte("abc"), {}} {
		s, err := GenWithUserBuf(vecSDKAppID, vecKey, vecIdentifier, vecExpire, time.Unix(vecTime, 0), userBuf)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	f.Add(rawUserSig(f, `{"TLS.identifier":"a","TLS.sdkappid":1,"TLS.time":2,"TLS.expire":3,"TLS.sig":"","TLS.userbuf":null}`, zlib.NoCompression))
	f.Add(rawUserSig(f, `{"TLS.time":-1}`, zlib.BestSpeed))
	f.Add(rawUserSig(f, `[]`, zlib.BestSpeed))
	f.Add("")
	f.Add("eNo_")
	f.Add("!!!!")
	f.Add(vecUserSig[:40])

	f.Fuzz(func(t *testing.T, userSig string) {
		c, err := Decode(userSig)
		if err != nil {
			return
		}
		doc, err := marshalJSON(c)
		if err != nil {
			t.Fatalf("marshalJSON(%+v): %v", c, err)
		}
		again, err := encode(c)
		if err != nil {
			t.Fatalf("encode(%+v): %v", c, err)
		}
		if len(doc) > maxInflated || len(again) > maxLen {
			// Escaping can grow a document past the caps; that is a
			// limit, not a round-trip failure.
			return
		}
		c2, err := Decode(again)
		if err != nil {
			t.Fatalf("Decode(encode(%+v)): %v", c, err)
		}
		if c.Version != c2.Version || c.Identifier != c2.Identifier || c.SDKAppID != c2.SDKAppID ||
			c.Time != c2.Time || c.Expire != c2.Expire ||
			(c.UserBuf == nil) != (c2.UserBuf == nil) || !bytes.Equal(c.UserBuf, c2.UserBuf) ||
			!bytes.Equal(c.Sig, c2.Sig) {
			t.Fatalf("round trip changed claims:\n got %+v\nwant %+v", c2, c)
		}
	})
}
