package usersig

import (
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	now := time.Unix(vecTime+1, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(vecUserSig, vecSDKAppID, vecKey, vecIdentifier, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGen(b *testing.B) {
	now := time.Unix(vecTime, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Gen(vecSDKAppID, vecKey, vecIdentifier, vecExpire, now); err != nil {
			b.Fatal(err)
		}
	}
}
