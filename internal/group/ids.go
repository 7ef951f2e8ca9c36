package group

import (
	"fmt"
	"io"
	"strings"

	"github.com/parley-im/parley/internal/im"
)

// Group ID prefixes. Generated IDs start with autoPrefix; custom IDs must
// not, except in Community groups, whose IDs (custom or generated) start
// with communityPrefix.
const (
	autoPrefix      = "@TGS#"
	communityPrefix = "@TGS#_"
)

// idAlphabet is what generated IDs are made of after their prefix.
const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// generatedIDLen is the number of random characters of a generated ID:
// 36^10 IDs per type, so a collision (which create retries) is rare.
const generatedIDLen = 10

// checkCustomID applies the rules of custom group IDs: printable ASCII,
// at most MaxGroupIDBytes, not starting with @TGS# unless the group is a
// Community group, whose custom IDs must start with @TGS#_.
func checkCustomID(t Type, id string) error {
	if len(id) > MaxGroupIDBytes {
		return im.Errorf(im.CodeGroupIDInvalid, "GroupId is %d bytes, at most %d", len(id), MaxGroupIDBytes)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return im.Errorf(im.CodeGroupIDInvalid, "GroupId may hold only printable ASCII characters")
		}
	}
	if t == TypeCommunity {
		if !strings.HasPrefix(id, communityPrefix) || len(id) == len(communityPrefix) {
			return im.Errorf(im.CodeGroupIDInvalid, "a Community group's custom GroupId must start with %q and go on after it", communityPrefix)
		}
		return nil
	}
	if strings.HasPrefix(id, autoPrefix) {
		return im.Errorf(im.CodeGroupIDInvalid, "a custom GroupId must not start with %q (only generated IDs do)", autoPrefix)
	}
	return nil
}

// generateID makes a new group ID of type t from random: @TGS# and a
// letter naming the type, then random characters. Community IDs carry
// the Community prefix in front.
func generateID(t Type, random io.Reader) (string, error) {
	b := make([]byte, generatedIDLen)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generate group ID: %w", err)
	}
	for i, v := range b {
		b[i] = idAlphabet[int(v)%len(idAlphabet)]
	}
	return autoPrefix + typeLetter(t) + string(b), nil
}

// typeLetter is what follows @TGS# in a generated ID of type t.
func typeLetter(t Type) string {
	switch t {
	case TypeWork:
		return "1"
	case TypePublic:
		return "2"
	case TypeMeeting:
		return "3"
	case TypeAVChatRoom:
		return "a"
	case TypeCommunity:
		return "_" + autoPrefix + "c"
	}
	return "0"
}
