package im

// Group system notice operations (SystemNoticeElem.OperationType). The
// numbers are those the reference's Web SDK reports for
// TIMGroupSystemNoticeElem, so a client ported from it can keep its switch.
const (
	NoticeJoinRequest    = 1   // someone asks to join (to owner and admins)
	NoticeJoinAccepted   = 2   // the caller's join request was accepted
	NoticeJoinRejected   = 3   // the caller's join request was rejected
	NoticeKicked         = 4   // the receiver was removed from the group
	NoticeGroupDismissed = 5   // the group was dismissed
	NoticeGroupCreated   = 6   // the group was created (to the owner's devices)
	NoticeInvited        = 7   // the receiver was invited into the group
	NoticeQuit           = 8   // the receiver left the group (to its other devices)
	NoticeAdminGranted   = 9   // the receiver became an admin
	NoticeAdminRevoked   = 10  // the receiver is no longer an admin
	NoticeCustom         = 255 // app-defined: send_group_system_notification
)

// SystemNoticeElem is TIMGroupSystemNoticeElem, a notice the server
// generates: a built-in group event (member kicked, group dismissed, ...) or
// an app-defined system notification, whose Content (from
// send_group_system_notification) travels in UserDefinedField with
// OperationType NoticeCustom.
//
// Clients never send it: Validate and ParseMsgBody reject it with 90010, and
// REST or WebSocket send handlers must not build it from client input.
// Decoding accepts it, so stored and forwarded messages read back. The
// reference delivers these notices through its SDKs' own protocol rather than
// as MsgBody JSON (onReceiveRESTCustomData for app-defined ones), so the
// element name, taken from the reference's Web SDK, is Parley's choice for its
// WebSocket protocol and webhooks. In-chat group tips ("X joined") are a
// different reference element (TIMGroupTipElem) and are not defined here.
type SystemNoticeElem struct {
	OperationType    int    `json:"OperationType"`    // a Notice... constant
	GroupID          string `json:"GroupId"`          // the group concerned
	Operator         string `json:"Operator_Account"` // who caused it; empty for the system
	UserDefinedField string `json:"UserDefinedField"` // app-defined content (NoticeCustom)
}

// MsgType implements Content.
func (SystemNoticeElem) MsgType() string { return MsgTypeSystemNotice }

func (c SystemNoticeElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendIntField(dst, `{"OperationType":`, c.OperationType)
	dst = appendStringField(dst, `,"GroupId":`, c.GroupID)
	dst = appendStringField(dst, `,"Operator_Account":`, c.Operator)
	dst = appendStringField(dst, `,"UserDefinedField":`, c.UserDefinedField)
	return append(dst, '}'), nil
}

// validate is never reached for client input (MsgBody.Validate refuses the
// type first); it accepts any value the server builds.
func (SystemNoticeElem) validate(*Limits, int) error { return nil }
