package friend

import (
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// The relationship chain's enumerated options, as the reference spells
// them on REST (and the client protocol repeats), and what leaving one out
// means. Both edges read them here so that a default is decided once.

// Option is one enumerated option: its field name, the two values and the
// value an empty string stands for.
type Option struct {
	Field     string
	Yes, No   string
	Otherwise bool
}

// Parse maps v to true (Yes) or false (No); "" is Otherwise, anything else
// 30001 quoting v.
func (o Option) Parse(v string) (bool, error) {
	switch v {
	case "":
		return o.Otherwise, nil
	case o.Yes:
		return true, nil
	case o.No:
		return false, nil
	}
	return false, im.Errorf(im.CodeSNSBadParams, "%s %q: want %s or %s", o.Field, v, o.Yes, o.No)
}

var (
	// AddBoth: friend_add adds both ways unless Add_Type_Single.
	AddBoth = Option{"AddType", protocol.AddTypeBoth, protocol.AddTypeSingle, true}
	// DeleteBoth: friend_delete deletes both ways unless Delete_Type_Single.
	DeleteBoth = Option{"DeleteType", protocol.DeleteTypeBoth, protocol.DeleteTypeSingle, true}
	// DeleteAllBoth: friend_delete_all deletes one way unless Delete_Type_Both.
	DeleteAllBoth = Option{"DeleteType", protocol.DeleteTypeBoth, protocol.DeleteTypeSingle, false}
	// CheckBoth: friend_check checks both ways unless CheckResult_Type_Single.
	CheckBoth = Option{"CheckType", protocol.CheckTypeBoth, protocol.CheckTypeSingle, true}
	// BlacklistCheckBoth: black_list_check checks both ways unless
	// BlackCheckResult_Type_Single.
	BlacklistCheckBoth = Option{"CheckType", "BlackCheckResult_Type_Both", "BlackCheckResult_Type_Single", true}
	// Incoming: pending requests to the user unless Pendency_Type_SendOut.
	Incoming = Option{"PendencyType", protocol.PendencyComeIn, protocol.PendencySendOut, true}
	// NeedFriends: group_get lists the members of friend lists only with
	// Need_Friend_Type_Yes.
	NeedFriends = Option{"NeedFriend", "Need_Friend_Type_Yes", "Need_Friend_Type_No", false}
)
