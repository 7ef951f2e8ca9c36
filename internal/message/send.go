package message

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// SendRequest asks SendC2C to send one message. The REST handler and the
// WebSocket gateway fill it from their requests (im.ParseMsgBody and
// im.ParseSendOptions with Service.Limits); SendC2C validates it again, so
// a request built in Go obeys the same rules.
type SendRequest struct {
	SDKAppID uint64
	// From is the sender: the session's user (WebSocket), or From_Account
	// (REST; the calling admin when the request leaves it empty).
	From string
	To   string
	Body im.MsgBody
	// Options are the per-message options; a SendOptions built in Go means
	// what its fields say (MsgLifeTime 0 is online-only).
	Options im.SendOptions
	// ClientSeq is the REST request's MsgSeq: kept with the message, not
	// unique, shown by admin_getroammsg and ordering it within a second.
	// Nil (no MsgSeq, and every WebSocket send): a random 32-bit value
	// from Config.Rand, as the reference fills in.
	ClientSeq *uint32
	// ByAdmin: an app admin sends through the REST API, which skips
	// Permissions (the reference's sendmsg checks no friendship, blocklist
	// or mute).
	ByAdmin bool
	// Session is the sending WebSocket session's ID: the sender's other
	// devices get the message, this one does not ("" for REST).
	Session string
	// Turn, if set, is called once the message is stored (or found to be
	// a duplicate, or the store failed), or before an online-only message
	// is delivered, and before anything is delivered; SendC2C goes on when
	// it returns. A session with several sends in flight (see
	// WithQueuedNotice) waits there for its previous send to be delivered
	// and answered, so that its messages reach everyone in the order sent.
	Turn func()
}

// WithQueuedNotice returns a copy of ctx that makes SendC2C call notice
// once the message has taken its place in the store's commit order, so
// that a caller keeping several sends of one sender in flight can start
// the next one then: it is stored after this one. Sends that store
// nothing (online-only, rejected, answered from dedup) never call it; the
// caller waits for them to return instead.
func WithQueuedNotice(ctx context.Context, notice func()) context.Context {
	return store.WithQueuedNotice(ctx, notice)
}

// SendResult is the acknowledgement of a send.
type SendResult struct {
	// MsgSeq is the message's number in its conversation. It is 0 when the
	// message was not stored: online-only (OnlineOnlyFlag 1 or MsgLifeTime
	// 0) or silently dropped by the before-send webhook; MsgKey is then
	// "0_{MsgRandom}_{MsgTime}", which names no stored message.
	MsgSeq uint64
	// MsgTime is the server's send time in Unix seconds.
	MsgTime int64
	// MsgKey is "{MsgSeq}_{MsgRandom}_{MsgTime}", the handle for recall
	// and modify.
	MsgKey string
	// Duplicate: the same sender sent the same MsgRandom in this
	// conversation within DedupWindow; the fields above are the first
	// send's and nothing new was stored or delivered.
	Duplicate bool
}

// SendC2C sends one C2C message through the pipeline's user-send route,
// or, ByAdmin, its admin-send route (pipeline.go): validate, authorise
// (users only), deduplicate, before-send webhook, admission, store
// (deduplicating atomically), acknowledge, deliver to the recipient's
// sessions and the sender's other sessions, offline push, after-send
// webhook. It returns only after the message is durable. Online-only
// messages are not deduplicated (nothing is stored to compare with). The
// duration of each stage that runs goes to Config.ObserveStage.
//
// Codes: 20003 the sender is not an account; 90003 no To; 90012 the
// recipient is not an account; 20001 neither is; the body and option codes
// of im.ParseMsgBody and im.ParseSendOptions; Permissions' and BeforeSend's
// codes for user sends. User sends ignore ForbidCallbackControl. A message to oneself is allowed: it is stored once,
// never unread, and reaches the sender's other devices once.
func (s *Service) SendC2C(ctx context.Context, req SendRequest) (SendResult, error) {
	r := &routeUserSend
	if req.ByAdmin {
		r = &routeAdminSend
	} else {
		// ForbidCallbackControl is the app's option: a user may not skip
		// the app's webhooks.
		req.Options.ForbidCallbackControl = nil
	}
	p := s.newPass(r, req.SDKAppID, req.From, req.Options, req.ClientSeq)
	p.session, p.turn = req.Session, req.Turn
	p.addC2C(s.compose(req.From, req.Body, &p.opts, req.ClientSeq, p.now), req.To)
	if err := s.run(ctx, p); err != nil {
		return SendResult{}, err
	}
	o := &p.out[0]
	return resultOf(&o.msg, o.duplicate), nil
}

// newPass starts a send of a message from sender, with options o and
// the caller's MsgSeq (nil: one is drawn).
func (s *Service) newPass(r *route, sdkAppID uint64, from string, o im.SendOptions, clientSeq *uint32) *pass {
	return &pass{
		route: r, target: s.target(im.ConvC2C), app: sdkAppID, from: from, opts: o, now: s.now(),
		noUnread: o.NoUnread(), onlineOnly: o.OnlineOnly || o.MsgLifeTime == 0, drawClientSeq: clientSeq == nil,
	}
}

// addC2C adds the copy of m to the conversation with to.
func (p *pass) addC2C(m Message, to string) {
	m.To = to
	m.SenderSync = m.SenderSync && m.From != to
	p.out = append(p.out, outgoing{conv: im.C2C(to), msg: m})
}

// checkMessage validates the body and options of p's message, which all
// its copies share.
func (s *Service) checkMessage(p *pass) error {
	var body im.MsgBody
	if len(p.out) > 0 {
		body = p.out[0].msg.Body
	}
	if err := body.Validate(s.limits); err != nil {
		return err
	}
	return p.opts.Validate(s.limits)
}

// compose builds the outgoing message from options o, not yet addressed
// (To, and SenderSync for a message to oneself, are set per copy), without
// the sender's profile, which is added once the message is authorised, as
// is a drawn MsgSeq when the caller gave none (clientSeq nil).
func (s *Service) compose(from string, body im.MsgBody, o *im.SendOptions, clientSeq *uint32, now time.Time) Message {
	m := Message{
		From: from, Random: o.MsgRandom, Time: now.UnixMilli(), Body: body,
		CloudCustomData: o.CloudCustomData, OnlineOnly: o.OnlineOnly || o.MsgLifeTime == 0,
		NeedReadReceipt: o.NeedReadReceipt, ClientTime: o.MsgTimeStamp, PushInfo: o.OfflinePushInfo,
		WithMuteNotifications: o.WithMuteNotifications(),
		SenderSync:            o.SyncOtherMachine != im.NoSyncToSender,
	}
	if clientSeq != nil {
		m.ClientSeq = uint64(*clientSeq)
	}
	return m
}

// senderProfile looks up the sender's nick and avatar; a failure only
// leaves them out.
func (s *Service) senderProfile(ctx context.Context, sdkAppID uint64, from string) Profile {
	if s.profiles == nil {
		return Profile{}
	}
	found, err := s.profiles.Nicks(ctx, sdkAppID, []string{from})
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "message: sender profile", slog.Uint64("sdkappid", sdkAppID),
			slog.String("user", from), slog.Any("err", err))
	}
	return found[from]
}

// checkContent validates a body and a CloudCustomData against the limits.
func (s *Service) checkContent(body im.MsgBody, cloudCustomData string) error {
	if err := body.Validate(s.limits); err != nil {
		return err
	}
	opts := im.SendOptions{CloudCustomData: cloudCustomData}
	return opts.Validate(s.limits)
}

func resultOf(m *Message, duplicate bool) SendResult {
	return SendResult{MsgSeq: m.Seq, MsgTime: m.TimeSeconds(), MsgKey: m.Key(), Duplicate: duplicate}
}
