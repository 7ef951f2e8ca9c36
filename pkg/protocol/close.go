package protocol

// Close reasons: why the server ended a session. A reason is the text of
// the close frame, and for kicks also the Reason of the kicked event sent
// just before it; CloseCode gives its status code.
const (
	ReasonLogout         = "logout"
	ReasonShutdown       = "server_shutdown"
	ReasonProtocolError  = "protocol_error"
	ReasonFrameTooLarge  = "frame_too_large"
	ReasonInternalError  = "internal_error"
	ReasonLoginTimeout   = "login_timeout"
	ReasonLoginFailed    = "login_failed"
	ReasonLoginElsewhere = "login_elsewhere"
	ReasonKickedByAdmin  = "kicked_by_admin"
	ReasonSigExpired     = "sig_expired"
	ReasonSlowConsumer   = "slow_consumer"
	ReasonIdleTimeout    = "idle_timeout"
	ReasonAccountDeleted = "account_deleted"
)

// Close status codes (RFC 6455 §7.4). The 1xxx codes are the RFC's; the
// 4xxx codes, in the range it leaves to applications, are Parley's.
const (
	CloseLogout         = 1000 // normal closure
	CloseShutdown       = 1001 // going away
	CloseProtocolError  = 1002
	CloseFrameTooLarge  = 1009 // message too big
	CloseInternalError  = 1011
	CloseLoginTimeout   = 4000
	CloseLoginFailed    = 4001
	CloseLoginElsewhere = 4002
	CloseKickedByAdmin  = 4003
	CloseSigExpired     = 4004
	CloseSlowConsumer   = 4005
	CloseIdleTimeout    = 4006
	CloseAccountDeleted = 4007
)

// CloseCode returns the status code of the close frame that ends a session
// for reason, and false for a string that is not a close reason.
func CloseCode(reason string) (code uint16, ok bool) {
	switch reason {
	case ReasonLogout:
		return CloseLogout, true
	case ReasonShutdown:
		return CloseShutdown, true
	case ReasonProtocolError:
		return CloseProtocolError, true
	case ReasonFrameTooLarge:
		return CloseFrameTooLarge, true
	case ReasonInternalError:
		return CloseInternalError, true
	case ReasonLoginTimeout:
		return CloseLoginTimeout, true
	case ReasonLoginFailed:
		return CloseLoginFailed, true
	case ReasonLoginElsewhere:
		return CloseLoginElsewhere, true
	case ReasonKickedByAdmin:
		return CloseKickedByAdmin, true
	case ReasonSigExpired:
		return CloseSigExpired, true
	case ReasonSlowConsumer:
		return CloseSlowConsumer, true
	case ReasonIdleTimeout:
		return CloseIdleTimeout, true
	case ReasonAccountDeleted:
		return CloseAccountDeleted, true
	}
	return 0, false
}
