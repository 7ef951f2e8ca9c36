package message

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
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

// turn calls req.Turn, if set.
func (req *SendRequest) turn() {
	if req.Turn != nil {
		req.Turn()
	}
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

// SendC2C runs the pipeline for one C2C message: validate, authorise,
// deduplicate, before-send webhook, store (deduplicating atomically),
// acknowledge, deliver to the recipient's sessions and the sender's other
// sessions, offline push, after-send webhook. It returns only after the
// message is durable. Online-only messages are not deduplicated (nothing
// is stored to compare with). The duration of each stage that runs goes
// to Config.ObserveStage.
//
// Codes: 20003 the sender is not an account; 90003 no To; 90012 the
// recipient is not an account; 20001 neither is; the body and option codes
// of im.ParseMsgBody and im.ParseSendOptions; Permissions' and BeforeSend's
// codes for user sends. User sends ignore ForbidCallbackControl. A message to oneself is allowed: it is stored once,
// never unread, and reaches the sender's other devices once.
func (s *Service) SendC2C(ctx context.Context, req SendRequest) (SendResult, error) {
	if !req.ByAdmin {
		// ForbidCallbackControl is the app's option: a user may not skip
		// the app's webhooks.
		req.Options.ForbidCallbackControl = nil
	}
	if err := s.checkSend(ctx, &req); err != nil {
		return SendResult{}, err
	}
	now := s.now()
	msg := s.compose(ctx, req.SDKAppID, req.From, req.To, req.Body, &req.Options, now)
	msg.ClientSeq = s.clientSeq(req.ClientSeq)
	if res, done, err := s.beforeStore(ctx, &req, &msg, now); done || err != nil {
		return res, err
	}
	if msg.OnlineOnly {
		req.turn()
		s.deliver(context.WithoutCancel(ctx), req.SDKAppID, &msg, 0, 0, req.Session)
		s.afterSent(ctx, req.SDKAppID, &req.Options, msg)
		return resultOf(&msg, false), nil
	}
	appended, err := s.appendOne(ctx, req.SDKAppID, &msg, &req.Options, now)
	req.turn()
	if err != nil {
		return SendResult{}, err
	}
	if appended.Duplicate {
		return resultOf(&msg, true), nil
	}
	dctx := context.WithoutCancel(ctx) // stored: finish delivering even if the caller hangs up
	s.deliver(dctx, req.SDKAppID, &msg, appended.RecipientSyncSeq, appended.SenderSyncSeq, req.Session)
	s.push(dctx, req.SDKAppID, msg)
	s.afterSent(dctx, req.SDKAppID, &req.Options, msg)
	return resultOf(&msg, false), nil
}

// beforeStore runs steps 3 and 4 for a message about to be stored or
// delivered: when the before-send webhook will run, a retry is first
// answered by dedup (docs/architecture.md puts dedup before the webhook; without
// a webhook the store's atomic dedup does it alone); then the webhook may
// reject, drop or rewrite the message. done reports that res is the answer.
func (s *Service) beforeStore(ctx context.Context, req *SendRequest, m *Message, now time.Time) (res SendResult, done bool, err error) {
	if s.beforeSend == nil || req.Options.ForbidBeforeSendCallback() {
		return SendResult{}, false, nil
	}
	defer s.observeSince(StageBeforeSend, time.Now())
	if !m.OnlineOnly {
		first, found, err := s.findRecent(ctx, req.SDKAppID, m, now)
		if err != nil || found {
			return resultOf(&first, true), found, err
		}
	}
	verdict, err := s.runBeforeSend(ctx, req.SDKAppID, m)
	if err != nil || verdict == Drop {
		return resultOf(m, false), true, err
	}
	return SendResult{}, false, nil
}

// checkSend validates a send request: participants, body, options,
// accounts and, for users, Permissions.
func (s *Service) checkSend(ctx context.Context, req *SendRequest) error {
	defer s.observeSince(StageValidate, time.Now())
	if err := checkParticipants(req.From, req.To); err != nil {
		return err
	}
	if err := req.Body.Validate(s.limits); err != nil {
		return err
	}
	if err := req.Options.Validate(s.limits); err != nil {
		return err
	}
	if err := s.checkAccounts(ctx, req.SDKAppID, req.From, req.To); err != nil {
		return err
	}
	if req.ByAdmin {
		return nil
	}
	return s.permissions.CheckC2C(ctx, req.SDKAppID, req.From, req.To)
}

// checkParticipants checks the shape of the sender and recipient IDs.
func checkParticipants(from, to string) error {
	if err := im.CheckUserID(from); err != nil {
		return im.Errorf(im.CodeC2CInvalidUser, "sender: %v", err)
	}
	if to == "" {
		return im.Errorf(im.CodeMsgToAccount, "To_Account missing")
	}
	if err := im.CheckUserID(to); err != nil {
		return im.Errorf(im.CodeMsgToNotRegistered, "To_Account: %v", err)
	}
	return nil
}

// checkAccounts requires the sender and the recipient to be accounts.
func (s *Service) checkAccounts(ctx context.Context, sdkAppID uint64, from, to string) error {
	found, err := s.store.GetAccounts(ctx, sdkAppID, []string{from, to})
	if err != nil {
		return fmt.Errorf("message: accounts of app %d: %w", sdkAppID, err)
	}
	_, fromOK := found[from]
	_, toOK := found[to]
	switch {
	case !fromOK && !toOK:
		return im.Errorf(im.CodeC2CBadRequest, "neither sender %q nor recipient %q is an account", from, to)
	case !fromOK:
		return im.Errorf(im.CodeC2CInvalidUser, "sender %q is not an account", from)
	case !toOK:
		return im.Errorf(im.CodeMsgToNotRegistered, "To_Account %q is not an account", to)
	}
	return nil
}

// compose builds the outgoing message, with the sender's profile.
func (s *Service) compose(ctx context.Context, sdkAppID uint64, from, to string, body im.MsgBody, o *im.SendOptions, now time.Time) Message {
	m := Message{
		From: from, To: to, Random: o.MsgRandom, Time: now.UnixMilli(), Body: body,
		CloudCustomData: o.CloudCustomData, OnlineOnly: o.OnlineOnly || o.MsgLifeTime == 0,
		NeedReadReceipt: o.NeedReadReceipt, ClientTime: o.MsgTimeStamp, PushInfo: o.OfflinePushInfo,
		WithMuteNotifications: o.WithMuteNotifications(),
		SenderSync:            o.SyncOtherMachine != im.NoSyncToSender && from != to,
	}
	p := s.senderProfile(ctx, sdkAppID, from)
	m.Nick, m.FaceURL = p.Nick, p.FaceURL
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

// runBeforeSend calls the before-send hook, keeping the original content
// when the hook returns an invalid one.
func (s *Service) runBeforeSend(ctx context.Context, sdkAppID uint64, m *Message) (Verdict, error) {
	body, ccd := m.Body, m.CloudCustomData
	verdict, err := s.beforeSend.BeforeSendC2C(ctx, sdkAppID, m)
	if err != nil {
		return Drop, err
	}
	if err := s.checkContent(m.Body, m.CloudCustomData); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "message: before-send hook returned invalid content; keeping the original",
			slog.Uint64("sdkappid", sdkAppID), slog.Any("err", err))
		m.Body, m.CloudCustomData = body, ccd
	}
	return verdict, nil
}

// findRecent looks for an earlier stored message of the same sender with
// the same MsgRandom in the conversation within DedupWindow, returning the
// first one.
func (s *Service) findRecent(ctx context.Context, sdkAppID uint64, m *Message, now time.Time) (Message, bool, error) {
	q := store.HistoryQuery{MinTime: now.Add(-DedupWindow).UnixMilli(), Limit: 100}
	var first *store.C2CMessage
	for {
		page, err := s.store.C2CHistory(ctx, sdkAppID, m.From, m.To, q)
		if err != nil {
			return Message{}, false, fmt.Errorf("message: dedup lookup %s->%s in app %d: %w", m.From, m.To, sdkAppID, err)
		}
		for i := range page {
			if page[i].From == m.From && page[i].Random == m.Random {
				first = &page[i] // newest first: the last match is the first sent
			}
		}
		if len(page) < q.Limit {
			break
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
	if first == nil {
		return Message{}, false, nil
	}
	found, err := fromStored(*first, 0)
	return found, err == nil, err
}

// checkContent validates a body and a CloudCustomData against the limits.
func (s *Service) checkContent(body im.MsgBody, cloudCustomData string) error {
	if err := body.Validate(s.limits); err != nil {
		return err
	}
	opts := im.SendOptions{CloudCustomData: cloudCustomData}
	return opts.Validate(s.limits)
}

// appendOne stores m with dedup and fills in what the store assigned (or,
// for a duplicate, the first message's Seq and Time).
func (s *Service) appendOne(ctx context.Context, sdkAppID uint64, m *Message, o *im.SendOptions, now time.Time) (store.C2CAppended, error) {
	defer s.observeSince(StageStore, time.Now())
	a, err := appendOf(m, o, now)
	if err != nil {
		return store.C2CAppended{}, err
	}
	res, err := s.store.AppendC2C(ctx, sdkAppID, []store.C2CAppend{a})
	if err != nil {
		return store.C2CAppended{}, fmt.Errorf("message: append %s->%s in app %d: %w", m.From, m.To, sdkAppID, err)
	}
	if len(res) != 1 {
		return store.C2CAppended{}, fmt.Errorf("message: append returned %d results for 1 message", len(res))
	}
	m.Seq, m.Time = res[0].Msg.Seq, res[0].Msg.Time
	return res[0], nil
}

// appendOf is the store request for a user or admin send.
func appendOf(m *Message, o *im.SendOptions, now time.Time) (store.C2CAppend, error) {
	rec, err := m.toStored()
	if err != nil {
		return store.C2CAppend{}, err
	}
	rec.Unread = !o.NoUnread() && m.From != m.To
	rec.NoLastMsg = o.NoLastMsg()
	return store.C2CAppend{Msg: rec, DedupSince: now.Add(-DedupWindow).UnixMilli()}, nil
}

// deliver publishes a new message to the recipient's sessions and, unless
// SyncOtherMachine 2 said not to, to the sender's other sessions. The
// message is encoded once; each participant's copy only gains its own
// SyncSeq (0 for online-only messages).
func (s *Service) deliver(ctx context.Context, sdkAppID uint64, m *Message, recipientSync, senderSync uint64, session string) {
	if s.bus == nil {
		return
	}
	defer s.observeSince(StageDeliver, time.Now())
	shared, err := m.AppendJSON(nil)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "message: encode event", slog.Any("err", err))
		return
	}
	toRecipient := bus.Event{Name: protocol.EventMessage, Data: withSyncSeq(shared, recipientSync)}
	if m.To == m.From {
		toRecipient.ExceptSession = session
	}
	s.publish(ctx, sdkAppID, m.To, toRecipient)
	if m.SenderSync {
		s.publish(ctx, sdkAppID, m.From, bus.Event{Name: protocol.EventMessage, Data: withSyncSeq(shared, senderSync), ExceptSession: session})
	}
}

// push offers a stored message to offline push unless its OfflinePushInfo
// says PushFlag 1.
func (s *Service) push(ctx context.Context, sdkAppID uint64, m Message) {
	if s.pusher == nil || (m.PushInfo != nil && m.PushInfo.PushFlag == 1) {
		return
	}
	defer s.observeSince(StagePush, time.Now())
	s.pusher.PushC2C(ctx, sdkAppID, m)
}

// afterSent runs the after-send hook unless the message forbids it.
func (s *Service) afterSent(ctx context.Context, sdkAppID uint64, o *im.SendOptions, m Message) {
	if s.afterSend == nil || o.ForbidAfterSendCallback() {
		return
	}
	defer s.observeSince(StageAfterSend, time.Now())
	s.afterSend.AfterSendC2C(ctx, sdkAppID, m)
}

// clientSeq returns the caller's MsgSeq, or a random one when it gave none.
func (s *Service) clientSeq(given *uint32) uint64 {
	if given != nil {
		return uint64(*given)
	}
	return uint64(s.rand())
}

func resultOf(m *Message, duplicate bool) SendResult {
	return SendResult{MsgSeq: m.Seq, MsgTime: m.TimeSeconds(), MsgKey: m.Key(), Duplicate: duplicate}
}
