package im

// Reference error codes used by Parley, from the reference's tables. Each
// group is the code range of one reference service; the names say what the
// caller did wrong, not where the check happens.
const (
	// REST envelope (60xxx).
	CodeHTTPParse           = 60002 // bad URL or query string
	CodeJSONParse           = 60003 // request body is not valid JSON
	CodeIdentifierOrSig     = 60004 // identifier or UserSig wrong in the URL
	CodeSDKAppIDInvalid     = 60006 // sdkappid not a valid number
	CodeRESTRateLimit       = 60007 // REST call rate over the app's limit
	CodeMalformedRequest    = 60008 // malformed HTTP request (e.g. body too large)
	CodeWrongResource       = 60009 // unknown service or command
	CodeNotAdmin            = 60010 // identifier is not an admin of the app
	CodeSDKAppIDMissing     = 60012 // sdkappid missing from the URL
	CodeIdentifierNotString = 60015

	// Accounts and UserSig (70xxx).
	CodeSigExpired       = 70001
	CodeSigEmpty         = 70002
	CodeSigInvalid       = 70003 // truncated or malformed
	CodeSigMismatch      = 70009 // does not verify with the app's key
	CodeSigIdentifier    = 70013 // identifier differs from the one inside the UserSig
	CodeSigSDKAppID      = 70014 // sdkappid differs from the one inside the UserSig
	CodeAppNotFound      = 70020
	CodeSigRevoked       = 70052 // invalidated by kick; issue a new one
	CodeAccountNotFound  = 70107
	CodeBatchSize        = 70206
	CodeInvalidParameter = 70402
	CodeInternal         = 70500

	// Profiles (40xxx).
	CodeProfileBadParams    = 40001
	CodeProfileNoAccount    = 40002
	CodeProfileNotFound     = 40003
	CodeProfileInternal     = 40006
	CodeProfileTagNotFound  = 40009
	CodeProfileValueTooLong = 40601
	CodeProfileBadValue     = 40605
	CodeProfileTypeMismatch = 40610

	// Recent contacts (50xxx).
	CodeRecentContactNoAccount = 50001
	CodeRecentContactBadParams = 50002
	CodeRecentContactInternal  = 50004

	// Groups (10xxx).
	CodeGroupInternal     = 10002
	CodeGroupBadParams    = 10004 // a parameter is missing, malformed or over its limit
	CodeGroupNoPermission = 10007 // the caller may not, or the group's type does not support it
	CodeGroupNotFound     = 10010 // no such group, or it was dismissed
	CodeGroupFull         = 10014
	CodeGroupIDInvalid    = 10015 // a custom group ID breaks the ID rules
	CodeGroupNoAccount    = 10019 // a UserID the request names is not an account
	CodeGroupIDTaken      = 10021
	CodeGroupIDOwned      = 10025 // the custom ID is taken by a group the caller owns

	// Relationship chain (30xxx, 31xxx): friends, requests, friend lists,
	// blacklists. 30539 is a success: a pending request was made.
	CodeSNSBadParams       = 30001
	CodeSNSAccountNotFound = 30003
	CodeSNSInternal        = 30006
	CodeSNSAddForbidden    = 30009 // the sender may not send friend requests
	CodeSNSFriendLimit     = 30010 // own friend list full
	CodeSNSListLimit       = 30011 // friend lists at their limit
	CodeSNSRequestLimit    = 30012 // the peer has too many pending requests
	CodeSNSBlacklistLimit  = 30013
	CodeSNSPeerFriendLimit = 30014 // the peer's friend list full
	CodeSNSPeerBlocked     = 30515 // the peer is in the sender's blacklist
	CodeSNSPeerDeniesAdds  = 30516 // the peer's AllowType is DenyAny
	CodeSNSBlockedByPeer   = 30525 // the sender is in the peer's blacklist
	CodeSNSNeedsConfirm    = 30539 // a pending request was made
	CodeSNSRequestNotFound = 30614
	CodeSNSNotFriends      = 31704
)

// Message codes (the reference's C2C table, plus 20022, 20023, 90008 and
// 90054 from its recall documentation). The message vocabulary in this
// package returns the C2C codes; a group command answers its own (usually
// 10004) through the kind each code carries (Kind) and its edge's table.
const (
	// Message content (80xxx).
	CodeMsgDirtyWords  = 80001 // text hit the content-security filter
	CodeMsgBodyTooLong = 80002 // MsgBody (or CloudCustomData) over its size limit

	// C2C permissions and state (20xxx).
	CodeC2CBadRequest       = 20001 // check that sender and receiver exist
	CodeC2CAuthFailed       = 20002
	CodeC2CInvalidUser      = 20003 // identifier invalid or not imported
	CodeC2CInternal         = 20005
	CodeC2CCallbackRejected = 20006 // before-send callback refused delivery
	CodeC2CBlocked          = 20007 // sender is in the receiver's blocklist
	CodeC2CNotFriends       = 20009 // friends-only policy and not friends
	CodeC2CNotInPeerFriends = 20010 // sender is not in the receiver's friend list
	CodeC2CPeerNotInFriends = 20011 // receiver is not in the sender's friend list
	CodeC2CSenderMuted      = 20012
	CodeC2CRecallTimeLimit  = 20016
	CodeC2CRecallNotFound   = 20022 // message to recall does not exist
	CodeC2CAlreadyRecalled  = 20023

	// C2C request format (90xxx, 93xxx).
	CodeMsgJSONParse        = 90001 // not valid JSON
	CodeMsgBodyInvalid      = 90002 // MsgBody missing, empty or an element malformed
	CodeMsgToAccount        = 90003 // To_Account missing or wrong type
	CodeMsgRandom           = 90005 // MsgRandom missing or not a 32-bit unsigned integer
	CodeMsgTimeStamp        = 90006 // MsgTimeStamp missing (where required) or not an integer
	CodeMsgBodyNotArray     = 90007
	CodeMsgFromAccount      = 90008 // From_Account missing or unknown
	CodeMsgAdminRequired    = 90009
	CodeMsgFormat           = 90010 // an element or option does not match the message format
	CodeMsgBatchTooMany     = 90011 // batchsendmsg to more than 500 accounts
	CodeMsgToNotRegistered  = 90012
	CodeMsgLifeTime         = 90026 // MsgLifeTime outside 0..604800
	CodeMsgSyncOtherMachine = 90031 // SyncOtherMachine not an integer (or not 1/2)
	CodeMsgLifeTimeNotInt   = 90044
	CodeMsgAccountNotFound  = 90048
	CodeMsgKeyInvalid       = 90054 // MsgKey malformed
	CodeMsgInternal         = 90994
	CodeMsgPackageTooLong   = 93000 // whole JSON request over its size limit
)
