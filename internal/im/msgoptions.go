package im

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Option values and bounds of the reference's per-message options.
const (
	// MaxMsgLifeTime is the longest offline lifetime, 7 days in seconds; it
	// is also the lifetime of a message whose request leaves MsgLifeTime out.
	MaxMsgLifeTime = 604800

	SyncToSender   = 1 // SyncOtherMachine: also deliver to the sender's devices and roaming
	NoSyncToSender = 2 // SyncOtherMachine: do not

	SendControlNoUnread              = "NoUnread"              // not counted as unread
	SendControlNoLastMsg             = "NoLastMsg"             // does not update the conversation's last message
	SendControlWithMuteNotifications = "WithMuteNotifications" // honour the receiver's do-not-disturb

	ForbidBeforeSendMsgCallback = "ForbidBeforeSendMsgCallback"
	ForbidAfterSendMsgCallback  = "ForbidAfterSendMsgCallback"
)

// SendOptions are the per-message options of a send command: everything
// in the request besides the addressing (From_Account, To_Account, GroupId)
// and MsgBody. REST handlers and the WebSocket gateway obtain them from
// ParseSendOptions, so the rules below exist once.
//
// A SendOptions built in Go (rather than parsed) means what its fields say:
// in particular MsgLifeTime 0 is "no offline storage", not "default".
type SendOptions struct {
	// MsgRandom is the caller's random number ("MsgRandom"; group commands
	// say "Random"), used to recognise retries. Required.
	MsgRandom uint32

	// MsgTimeStamp is the caller's send time in Unix seconds, 0 when absent
	// (the server's clock is used then). Only importmsg requires it; see
	// RequireMsgTimeStamp.
	MsgTimeStamp int64

	// MsgLifeTime is how long, in seconds (0..MaxMsgLifeTime), the message
	// waits for an offline receiver; 0 means online delivery only, no
	// offline storage. MaxMsgLifeTime when the request leaves it out.
	MsgLifeTime int

	// SyncOtherMachine is SyncToSender, NoSyncToSender, or 0 when absent,
	// which behaves as SyncToSender.
	SyncOtherMachine int

	// OnlineOnly is OnlineOnlyFlag (group: also MsgOnlineOnlyFlag) == 1:
	// deliver to online receivers only; no storage, no unread.
	OnlineOnly bool

	// MsgPriority orders group messages under frequency control.
	MsgPriority MsgPriority

	// SendMsgControl holds SendControl... values; not allowed together
	// with OnlineOnly.
	SendMsgControl []string

	// ForbidCallbackControl holds ForbidBeforeSendMsgCallback and/or
	// ForbidAfterSendMsgCallback.
	ForbidCallbackControl []string

	// CloudCustomData is stored with the message and delivered with it; at
	// most Limits.MaxCloudCustomDataBytes bytes.
	CloudCustomData string

	// OfflinePushInfo configures offline push; nil when absent.
	OfflinePushInfo *OfflinePushInfo

	// SupportMessageExtension is SupportMessageExtension == 1.
	SupportMessageExtension bool

	// NeedReadReceipt is IsNeedReadReceipt (group: NeedReadReceipt) == 1.
	NeedReadReceipt bool
}

// rawSendOptions picks the option fields out of a request object.
type rawSendOptions struct {
	MsgRandom               json.RawMessage `json:"MsgRandom"`
	Random                  json.RawMessage `json:"Random"`
	MsgTimeStamp            json.RawMessage `json:"MsgTimeStamp"`
	MsgLifeTime             json.RawMessage `json:"MsgLifeTime"`
	SyncOtherMachine        json.RawMessage `json:"SyncOtherMachine"`
	OnlineOnlyFlag          json.RawMessage `json:"OnlineOnlyFlag"`
	MsgOnlineOnlyFlag       json.RawMessage `json:"MsgOnlineOnlyFlag"`
	MsgPriority             json.RawMessage `json:"MsgPriority"`
	SendMsgControl          json.RawMessage `json:"SendMsgControl"`
	ForbidCallbackControl   json.RawMessage `json:"ForbidCallbackControl"`
	CloudCustomData         json.RawMessage `json:"CloudCustomData"`
	OfflinePushInfo         json.RawMessage `json:"OfflinePushInfo"`
	SupportMessageExtension json.RawMessage `json:"SupportMessageExtension"`
	IsNeedReadReceipt       json.RawMessage `json:"IsNeedReadReceipt"`
	NeedReadReceipt         json.RawMessage `json:"NeedReadReceipt"`
}

// ParseSendOptions reads the options out of raw, a whole send request (a
// JSON object; fields it does not know, such as To_Account and MsgBody, are
// ignored), applies the defaults and validates the result against lim (see
// Validate). A field given as null counts as absent. Every failure is an
// *Error:
//
//	90001  raw is not a JSON object
//	90005  MsgRandom (or Random) missing, or not an integer in 0..4294967295
//	90006  MsgTimeStamp not an integer in 0..4294967295
//	90044  MsgLifeTime not an integer
//	90026  MsgLifeTime outside 0..604800
//	90031  SyncOtherMachine not an integer, or not 1 or 2
//	90010  any other option of the wrong JSON type or value
//	80002  CloudCustomData over lim.MaxCloudCustomDataBytes
//
// Both spellings the reference has used are accepted: MsgRandom/Random,
// OnlineOnlyFlag/MsgOnlineOnlyFlag, IsNeedReadReceipt/NeedReadReceipt; the
// first of each pair wins when both are present.
func ParseSendOptions(raw []byte, lim Limits) (SendOptions, error) {
	raw = trimJSONSpace(raw)
	var r rawSendOptions
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &r) != nil {
		return SendOptions{}, Errorf(CodeMsgJSONParse, "request is not a valid JSON object")
	}
	o := SendOptions{MsgLifeTime: MaxMsgLifeTime}
	for _, step := range []func(*rawSendOptions, *SendOptions) error{
		parseRandom, parseTimeStamp, parseLifeTime, parseSyncOtherMachine,
		parseFlags, parseStrings, parsePushInfo,
	} {
		if err := step(&r, &o); err != nil {
			return SendOptions{}, err
		}
	}
	if err := o.Validate(lim); err != nil {
		return SendOptions{}, err
	}
	return o, nil
}

// Validate checks the option values: MsgTimeStamp and MsgLifeTime ranges,
// SyncOtherMachine, MsgPriority, the SendMsgControl and
// ForbidCallbackControl vocabularies (and SendMsgControl without
// OnlineOnly), the CloudCustomData size and OfflinePushInfo. Codes as at
// ParseSendOptions. It cannot tell whether MsgRandom was given; parsing does.
func (o *SendOptions) Validate(lim Limits) error {
	lim = lim.withDefaults()
	switch {
	case o.MsgTimeStamp < 0 || o.MsgTimeStamp > math.MaxUint32:
		return Errorf(CodeMsgTimeStamp, "MsgTimeStamp %d is outside 0..4294967295", o.MsgTimeStamp)
	case o.MsgLifeTime < 0 || o.MsgLifeTime > MaxMsgLifeTime:
		return Errorf(CodeMsgLifeTime, "MsgLifeTime %d is outside 0..%d seconds", o.MsgLifeTime, MaxMsgLifeTime)
	case o.SyncOtherMachine != 0 && o.SyncOtherMachine != SyncToSender && o.SyncOtherMachine != NoSyncToSender:
		return Errorf(CodeMsgSyncOtherMachine, "SyncOtherMachine %d is not 1 or 2", o.SyncOtherMachine)
	case !o.MsgPriority.valid():
		return Errorf(CodeMsgFormat, "invalid %v", o.MsgPriority)
	case o.OnlineOnly && len(o.SendMsgControl) > 0:
		return Errorf(CodeMsgFormat, "SendMsgControl cannot be used with OnlineOnlyFlag 1")
	}
	err := firstErr(
		CheckCloudCustomData(o.CloudCustomData, lim),
		checkVocabulary("SendMsgControl", o.SendMsgControl,
			SendControlNoUnread, SendControlNoLastMsg, SendControlWithMuteNotifications),
		checkVocabulary("ForbidCallbackControl", o.ForbidCallbackControl,
			ForbidBeforeSendMsgCallback, ForbidAfterSendMsgCallback),
	)
	if err != nil || o.OfflinePushInfo == nil {
		return err
	}
	return o.OfflinePushInfo.Validate()
}

// CheckCloudCustomData reports, as an 80002 *Error, a CloudCustomData over
// lim.MaxCloudCustomDataBytes, for content that arrives without the rest of
// the options (modify commands, a before-send webhook's rewrite).
func CheckCloudCustomData(s string, lim Limits) error {
	if n, limit := len(s), lim.withDefaults().MaxCloudCustomDataBytes; n > limit {
		return Errorf(CodeMsgBodyTooLong, "CloudCustomData is %d bytes, at most %d allowed", n, limit)
	}
	return nil
}

// RequireMsgTimeStamp reports, as a 90006 *Error, a MsgTimeStamp that a
// command needing one (importmsg) did not get.
func (o *SendOptions) RequireMsgTimeStamp() error {
	if o.MsgTimeStamp == 0 {
		return Errorf(CodeMsgTimeStamp, "MsgTimeStamp missing")
	}
	return nil
}

// NoUnread reports whether SendMsgControl holds NoUnread.
func (o *SendOptions) NoUnread() bool {
	return slices.Contains(o.SendMsgControl, SendControlNoUnread)
}

// NoLastMsg reports whether SendMsgControl holds NoLastMsg.
func (o *SendOptions) NoLastMsg() bool {
	return slices.Contains(o.SendMsgControl, SendControlNoLastMsg)
}

// WithMuteNotifications reports whether SendMsgControl holds
// WithMuteNotifications.
func (o *SendOptions) WithMuteNotifications() bool {
	return slices.Contains(o.SendMsgControl, SendControlWithMuteNotifications)
}

// ForbidBeforeSendCallback reports whether the before-send webhook is
// suppressed for this message.
func (o *SendOptions) ForbidBeforeSendCallback() bool {
	return slices.Contains(o.ForbidCallbackControl, ForbidBeforeSendMsgCallback)
}

// ForbidAfterSendCallback reports whether the after-send webhook is
// suppressed for this message.
func (o *SendOptions) ForbidAfterSendCallback() bool {
	return slices.Contains(o.ForbidCallbackControl, ForbidAfterSendMsgCallback)
}

func parseRandom(r *rawSendOptions, o *SendOptions) error {
	name, raw := "MsgRandom", r.MsgRandom
	if absent(raw) {
		name, raw = "Random", r.Random
	}
	if absent(raw) {
		return Errorf(CodeMsgRandom, "MsgRandom missing")
	}
	v, ok := intLiteral(raw)
	if !ok || v < 0 || v > math.MaxUint32 {
		return Errorf(CodeMsgRandom, "%s must be an integer in 0..4294967295, got %s", name, clip(string(raw)))
	}
	o.MsgRandom = uint32(v)
	return nil
}

// The integer options are range-checked here and the errors quote the
// literal the caller sent: intLiteral clamps a value beyond int64, and
// SendOptions holds ints, so an error built from the parsed value would
// show a number the caller never sent. Every range is well inside int64,
// so a clamped value is outside it too. Validate repeats the checks for
// options built in Go.

func parseTimeStamp(r *rawSendOptions, o *SendOptions) error {
	if absent(r.MsgTimeStamp) {
		return nil
	}
	v, ok := intLiteral(r.MsgTimeStamp)
	if !ok {
		return Errorf(CodeMsgTimeStamp, "MsgTimeStamp must be an integer, got %s", clip(string(r.MsgTimeStamp)))
	}
	if v < 0 || v > math.MaxUint32 {
		return Errorf(CodeMsgTimeStamp, "MsgTimeStamp %s is outside 0..4294967295", clip(string(r.MsgTimeStamp)))
	}
	o.MsgTimeStamp = v
	return nil
}

func parseLifeTime(r *rawSendOptions, o *SendOptions) error {
	if absent(r.MsgLifeTime) {
		return nil
	}
	v, ok := intLiteral(r.MsgLifeTime)
	if !ok {
		return Errorf(CodeMsgLifeTimeNotInt, "MsgLifeTime must be an integer, got %s", clip(string(r.MsgLifeTime)))
	}
	if v < 0 || v > MaxMsgLifeTime {
		return Errorf(CodeMsgLifeTime, "MsgLifeTime %s is outside 0..%d seconds", clip(string(r.MsgLifeTime)), MaxMsgLifeTime)
	}
	o.MsgLifeTime = int(v)
	return nil
}

func parseSyncOtherMachine(r *rawSendOptions, o *SendOptions) error {
	if absent(r.SyncOtherMachine) {
		return nil
	}
	v, ok := intLiteral(r.SyncOtherMachine)
	if !ok {
		return Errorf(CodeMsgSyncOtherMachine, "SyncOtherMachine must be an integer, got %s", clip(string(r.SyncOtherMachine)))
	}
	if v != SyncToSender && v != NoSyncToSender {
		return Errorf(CodeMsgSyncOtherMachine, "SyncOtherMachine %s is not 1 or 2", clip(string(r.SyncOtherMachine)))
	}
	o.SyncOtherMachine = int(v)
	return nil
}

// parseFlags reads the 0/1 options.
func parseFlags(r *rawSendOptions, o *SendOptions) error {
	var err error
	if o.OnlineOnly, err = parseBit("OnlineOnlyFlag", r.OnlineOnlyFlag, "MsgOnlineOnlyFlag", r.MsgOnlineOnlyFlag); err != nil {
		return err
	}
	if o.SupportMessageExtension, err = parseBit("SupportMessageExtension", r.SupportMessageExtension, "", nil); err != nil {
		return err
	}
	o.NeedReadReceipt, err = parseBit("IsNeedReadReceipt", r.IsNeedReadReceipt, "NeedReadReceipt", r.NeedReadReceipt)
	return err
}

// parseStrings reads MsgPriority, the two control lists and CloudCustomData.
func parseStrings(r *rawSendOptions, o *SendOptions) error {
	var priority string
	err := firstErr(
		decodeOption("MsgPriority", r.MsgPriority, &priority),
		decodeOption("SendMsgControl", r.SendMsgControl, &o.SendMsgControl),
		decodeOption("ForbidCallbackControl", r.ForbidCallbackControl, &o.ForbidCallbackControl),
		decodeOption("CloudCustomData", r.CloudCustomData, &o.CloudCustomData),
	)
	if err != nil {
		return err
	}
	o.MsgPriority, err = ParseMsgPriority(priority)
	return err
}

func parsePushInfo(r *rawSendOptions, o *SendOptions) error {
	if absent(r.OfflinePushInfo) {
		return nil
	}
	p, err := decodeOfflinePushInfo(r.OfflinePushInfo)
	o.OfflinePushInfo = p
	return err
}

// parseBit reads a 0/1 option under either of two names (the first wins).
func parseBit(name string, raw json.RawMessage, altName string, alt json.RawMessage) (bool, error) {
	if absent(raw) {
		name, raw = altName, alt
	}
	if absent(raw) {
		return false, nil
	}
	v, ok := intLiteral(raw)
	if !ok || (v != 0 && v != 1) {
		return false, Errorf(CodeMsgFormat, "%s must be 0 or 1, got %s", name, clip(string(raw)))
	}
	return v == 1, nil
}

// decodeOption decodes a string or string-array option into v, leaving v
// untouched when the option is absent.
func decodeOption(name string, raw json.RawMessage, v any) error {
	if absent(raw) {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return Errorf(CodeMsgFormat, "%s", describeJSONError(err, name))
	}
	return nil
}

// checkVocabulary requires every value to be one of allowed.
func checkVocabulary(name string, values []string, allowed ...string) error {
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			return Errorf(CodeMsgFormat, "%s[%d]: %.40q is not one of %v", name, i, v, allowed)
		}
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// clip shortens a caller-supplied snippet quoted in an error message.
func clip(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// absent reports whether an option was left out or given as null.
func absent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// intLiteral parses a JSON integer (no fraction, no exponent), clamping a
// value beyond int64 to its bound; ok is false for anything else.
func intLiteral(raw []byte) (v int64, ok bool) {
	digits := raw
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return v, true // on overflow ParseInt returned the bound
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
