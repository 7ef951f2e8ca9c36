package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// platforms are those a client may announce at login.
var platforms = protocol.Platforms()

// maxSigExpiresAt caps SigExpiresAt in the login answer (year 9999), so a
// UserSig that never expires reads as a date rather than as a number
// JavaScript cannot hold exactly.
const maxSigExpiresAt = 253402300799

// login signs the session in, or answers why not and closes it.
func (s *Session) login(req request) {
	var in protocol.LoginRequest
	if err := json.Unmarshal(req.Data, &in); err != nil {
		s.refuse(req, im.Errorf(im.CodeInvalidParameter, "login data must be {SDKAppID, UserID, UserSig, Platform, ProtocolVersion}: %v", err))
		return
	}
	if !slices.Contains(platforms, in.Platform) {
		s.refuse(req, im.Errorf(im.CodeInvalidParameter, "Platform %q: want one of %v", in.Platform, platforms))
		return
	}
	if in.ProtocolVersion < 1 {
		s.refuse(req, im.Errorf(im.CodeInvalidParameter, "ProtocolVersion must be 1 or higher"))
		return
	}
	ctx, cancel := context.WithTimeout(s.gw.ctx, s.gw.cfg.CommandTimeout)
	defer cancel()
	p, err := s.gw.auth.Authenticate(ctx, in.SDKAppID, in.UserID, in.UserSig)
	if err != nil {
		s.refuse(req, s.publicError(req.ID, err))
		return
	}
	now := s.gw.now()
	s.id = newSessionID()
	s.sdkAppID, s.userID, s.platform = in.SDKAppID, p.Identifier, in.Platform
	s.loginAt = now.UnixNano()
	answer, _ := json.Marshal(protocol.LoginAnswer{
		SessionID:       s.id,
		ServerTime:      now.UnixMilli(),
		SigExpiresAt:    min(p.SigExpiresAt, maxSigExpiresAt),
		ProtocolVersion: min(in.ProtocolVersion, protocol.Version),
		MaxFrameBytes:   s.gw.cfg.MaxFrameBytes,
	})
	// Older sessions are told first: with the in-process bus they are
	// closing before this client reads its answer.
	s.gw.signIn(ctx, s, p.App.Settings.MultiLoginPolicy)
	// The answer is queued inside register, before any event of the user
	// can be, so it is the first thing the client reads.
	if err := s.gw.hub.register(s, func() { s.activate(encodeResponse(req.ID, 0, "", answer)) }); err != nil {
		s.refuse(req, s.publicError(req.ID, err))
		return
	}
	s.gw.metrics.logins.Inc()
	s.gw.metrics.command(protocol.CmdLogin, 0)
	s.gw.log.Debug("gateway: login", "session", s.id, "sdkappid", s.sdkAppID, "user", s.userID, "platform", s.platform)
	s.watchSig(p.SigExpiresAt, now)
	if f := s.gw.cfg.OnLogin; f != nil {
		f(ctx, s)
	}
}

// refuse answers a failed login and closes the session.
func (s *Session) refuse(req request, e *im.Error) {
	s.gw.metrics.loginFailures.Inc()
	s.reject(req, e)
	s.close(protocol.ReasonLoginFailed, false)
}

// activate marks the session signed in and queues the login answer.
func (s *Session) activate(answer []byte) {
	s.mu.Lock()
	if s.state == stateNew {
		s.state = stateActive
	}
	s.mu.Unlock()
	s.enqueue(answer)
}

// watchSig closes the session when its UserSig expires.
func (s *Session) watchSig(expiresAt int64, now time.Time) {
	if expiresAt >= maxSigExpiresAt {
		return
	}
	d := time.Unix(expiresAt, 0).Sub(now)
	t := time.AfterFunc(d, func() {
		defer s.recoverPanic("UserSig expiry")
		data, _ := json.Marshal(protocol.SigExpired{SigExpiresAt: expiresAt})
		if s.close(protocol.ReasonSigExpired, false, EncodeEvent(protocol.EventSigExpired, data)) {
			s.gw.metrics.events.named(protocol.EventSigExpired).Inc()
		}
	})
	s.mu.Lock()
	if s.state == stateClosing {
		t.Stop()
	}
	s.sigTimer = t
	s.mu.Unlock()
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
