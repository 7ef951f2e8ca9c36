package im

// Reference error codes used by Parley (reference-api.md §1.4). Each group is
// the code range of one reference service; the names say what the caller did
// wrong, not where the check happens.
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
)
