package im

import "strconv"

// Kind is what went wrong, in terms several reference services have a code
// for: "account not found" is 70107 for accounts, 40003 for profiles,
// 90012 for C2C messages and 50001 for recent contacts. A domain service
// returns the code of its own service (the default code) and the kind
// comes with it; an edge whose command belongs to another service answers
// that service's code for the kind, from its one table. Kinds are added
// when an edge needs to tell failures apart, not before.
type Kind uint8

// Kinds of Error.
const (
	// KindOther is a failure with no counterpart in another service (or a
	// code Parley does not classify): every edge answers its code as is.
	KindOther Kind = iota
	// KindInvalid: a parameter is missing, malformed or out of range.
	KindInvalid
	// KindAccountNotFound: a UserID the request names is not an account.
	KindAccountNotFound
	// KindNotFound: something else the request names does not exist (an
	// app, a message, a profile tag).
	KindNotFound
	// KindTooLong: a value or body is over its size limit in bytes.
	KindTooLong
	// KindTooMany: a list is over its count limit.
	KindTooMany
	// KindUnauthenticated: the caller's UserSig does not sign it in.
	KindUnauthenticated
	// KindForbidden: the caller may not do this (not an admin, blocked,
	// not friends, muted).
	KindForbidden
	// KindConflict: the state the request acts on has already changed (a
	// message already recalled).
	KindConflict
	// KindRateLimited: too many calls.
	KindRateLimited
	// KindRejected: the content or the app's callback refused the request.
	KindRejected
	// KindInternal: the server failed; the caller may retry.
	KindInternal
)

var kindNames = [...]string{
	KindOther: "other", KindInvalid: "invalid", KindAccountNotFound: "account not found",
	KindNotFound: "not found", KindTooLong: "too long", KindTooMany: "too many",
	KindUnauthenticated: "unauthenticated", KindForbidden: "forbidden", KindConflict: "conflict",
	KindRateLimited: "rate limited", KindRejected: "rejected", KindInternal: "internal",
}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Bounds of the codes an app's C2C callback may answer with to refuse a
// message; they are KindRejected.
const (
	MinAppCallbackCode = 120001
	MaxAppCallbackCode = 130000
)

// KindOf returns the kind of a reference code: what the code means in its
// own service. A code Parley does not classify is KindOther.
func KindOf(code int) Kind {
	if code >= MinAppCallbackCode && code <= MaxAppCallbackCode {
		return KindRejected
	}
	return codeKinds[code]
}

// codeKinds classifies every code of codes.go; a test holds it to that.
var codeKinds = map[int]Kind{
	// REST envelope.
	CodeHTTPParse:           KindInvalid,
	CodeJSONParse:           KindInvalid,
	CodeIdentifierOrSig:     KindUnauthenticated,
	CodeSDKAppIDInvalid:     KindInvalid,
	CodeRESTRateLimit:       KindRateLimited,
	CodeMalformedRequest:    KindInvalid,
	CodeWrongResource:       KindInvalid,
	CodeNotAdmin:            KindForbidden,
	CodeSDKAppIDMissing:     KindInvalid,
	CodeIdentifierNotString: KindInvalid,

	// Accounts and UserSig.
	CodeSigExpired:       KindUnauthenticated,
	CodeSigEmpty:         KindUnauthenticated,
	CodeSigInvalid:       KindUnauthenticated,
	CodeSigMismatch:      KindUnauthenticated,
	CodeSigIdentifier:    KindUnauthenticated,
	CodeSigSDKAppID:      KindUnauthenticated,
	CodeAppNotFound:      KindNotFound,
	CodeSigRevoked:       KindUnauthenticated,
	CodeAccountNotFound:  KindAccountNotFound,
	CodeBatchSize:        KindTooMany,
	CodeInvalidParameter: KindInvalid,
	CodeInternal:         KindInternal,

	// Profiles.
	CodeProfileBadParams:    KindInvalid,
	CodeProfileNoAccount:    KindInvalid, // no account given
	CodeProfileNotFound:     KindAccountNotFound,
	CodeProfileInternal:     KindInternal,
	CodeProfileTagNotFound:  KindNotFound,
	CodeProfileValueTooLong: KindTooLong,
	CodeProfileBadValue:     KindInvalid,
	CodeProfileTypeMismatch: KindInvalid,

	// Recent contacts, groups, relationship chain.
	CodeRecentContactNoAccount: KindAccountNotFound,
	CodeRecentContactBadParams: KindInvalid,
	CodeRecentContactInternal:  KindInternal,
	CodeGroupInternal:          KindInternal,
	CodeGroupBadParams:         KindInvalid,
	CodeGroupNoPermission:      KindForbidden,
	CodeGroupNotFound:          KindNotFound,
	CodeGroupFull:              KindTooMany,
	CodeGroupIDInvalid:         KindInvalid,
	CodeGroupNoAccount:         KindAccountNotFound,
	CodeGroupIDTaken:           KindConflict,
	CodeGroupIDOwned:           KindConflict,
	CodeSNSBadParams:           KindInvalid,
	CodeSNSAccountNotFound:     KindAccountNotFound,
	CodeSNSInternal:            KindInternal,
	CodeSNSAddForbidden:        KindForbidden,
	CodeSNSFriendLimit:         KindTooMany,
	CodeSNSListLimit:           KindTooMany,
	CodeSNSRequestLimit:        KindTooMany,
	CodeSNSBlacklistLimit:      KindTooMany,
	CodeSNSPeerFriendLimit:     KindTooMany,
	CodeSNSPeerBlocked:         KindForbidden,
	CodeSNSPeerDeniesAdds:      KindForbidden,
	CodeSNSBlockedByPeer:       KindForbidden,
	CodeSNSNeedsConfirm:        KindOther, // a success, not a failure
	CodeSNSRequestNotFound:     KindNotFound,
	CodeSNSNotFriends:          KindNotFound,

	// Messages.
	CodeMsgDirtyWords:       KindRejected,
	CodeMsgBodyTooLong:      KindTooLong,
	CodeC2CBadRequest:       KindAccountNotFound, // neither sender nor recipient is one
	CodeC2CAuthFailed:       KindForbidden,
	CodeC2CInvalidUser:      KindAccountNotFound,
	CodeC2CInternal:         KindInternal,
	CodeC2CCallbackRejected: KindRejected,
	CodeC2CBlocked:          KindForbidden,
	CodeC2CNotFriends:       KindForbidden,
	CodeC2CNotInPeerFriends: KindForbidden,
	CodeC2CPeerNotInFriends: KindForbidden,
	CodeC2CSenderMuted:      KindForbidden,
	CodeC2CRecallTimeLimit:  KindOther, // groups have their own (10031), no kind needs it yet
	CodeC2CRecallNotFound:   KindNotFound,
	CodeC2CAlreadyRecalled:  KindConflict,
	CodeMsgJSONParse:        KindInvalid,
	CodeMsgBodyInvalid:      KindInvalid,
	CodeMsgToAccount:        KindInvalid,
	CodeMsgRandom:           KindInvalid,
	CodeMsgTimeStamp:        KindInvalid,
	CodeMsgBodyNotArray:     KindInvalid,
	CodeMsgFromAccount:      KindInvalid,
	CodeMsgAdminRequired:    KindForbidden,
	CodeMsgFormat:           KindInvalid,
	CodeMsgBatchTooMany:     KindTooMany,
	CodeMsgToNotRegistered:  KindAccountNotFound,
	CodeMsgLifeTime:         KindInvalid,
	CodeMsgSyncOtherMachine: KindInvalid,
	CodeMsgLifeTimeNotInt:   KindInvalid,
	CodeMsgAccountNotFound:  KindAccountNotFound,
	CodeMsgKeyInvalid:       KindInvalid,
	CodeMsgInternal:         KindInternal,
	CodeMsgPackageTooLong:   KindTooLong,
}
