package im

import "testing"

var benchBodies = []struct {
	name string
	json string
}{
	{"text", textBody},
	{"mixed4", mixedBody},
}

func BenchmarkParseMsgBody(b *testing.B) {
	for _, bb := range benchBodies {
		b.Run(bb.name, func(b *testing.B) {
			raw := []byte(bb.json)
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := ParseMsgBody(raw, Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodeMsgBody(b *testing.B) {
	for _, bb := range benchBodies {
		b.Run(bb.name, func(b *testing.B) {
			body, err := ParseMsgBody([]byte(bb.json), Limits{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.json)))
			for b.Loop() {
				if _, err := body.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseSendOptions(b *testing.B) {
	raw := []byte(`{"SyncOtherMachine":1,"From_Account":"alice","To_Account":"bob","MsgLifeTime":60,` +
		`"MsgRandom":1287657,"MsgBody":` + textBody + `,"CloudCustomData":"data",` +
		`"OfflinePushInfo":{"PushFlag":0,"Desc":"you have a message","ApnsInfo":{"BadgeMode":1}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSendOptions(raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
