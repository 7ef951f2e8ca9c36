package message

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// HistoryRequest selects a page of a user's C2C history with a peer
// (the reference client SDK's getC2CHistoryMessageList, or
// getHistoryMessageList with the cloud, older-first getType).
type HistoryRequest struct {
	SDKAppID uint64
	User     string // the viewer
	Peer     string
	// BeforeSeq is the MsgSeq of lastMsg: only older messages are
	// returned, lastMsg itself excluded. 0: from the newest.
	BeforeSeq uint64
	// MinTime and MaxTime bound MsgTime (Unix seconds, inclusive; 0 means
	// unbounded): getTimeBegin and getTimeBegin+getTimePeriod.
	MinTime, MaxTime int64
	// Count is the page size (DefaultHistoryCount when <= 0, at most
	// MaxHistoryCount). A page also stops at the service's page bytes
	// (DefaultPageBytes), after at least one message.
	Count int
}

// HistoryPage is a page of history, newest first.
type HistoryPage struct {
	Messages []Message
	// Complete: no older message matches; otherwise ask again with
	// BeforeSeq set to the last message's Seq.
	Complete bool
}

// History returns the viewer's messages with a peer, newest first. It
// shows what the viewer may see: nothing at or before the viewer's cleared
// position (recentcontact delete with ClearRamble), and not the viewer's
// own messages sent with SyncOtherMachine 2. Recalled messages are
// included, flagged, without content.
//
// Codes: 20003 invalid User; 90003/90012 missing or invalid Peer; 90010
// MinTime after MaxTime, a time outside 0..im.MaxUnixSeconds or BeforeSeq
// beyond im.MaxSeq.
func (s *Service) History(ctx context.Context, req HistoryRequest) (HistoryPage, error) {
	if err := checkParticipants(req.User, req.Peer); err != nil {
		return HistoryPage{}, err
	}
	if err := im.CheckSeq("BeforeSeq", req.BeforeSeq, im.CodeMsgFormat); err != nil {
		return HistoryPage{}, err
	}
	q, err := timeRange(req.MinTime, req.MaxTime)
	if err != nil {
		return HistoryPage{}, err
	}
	q.BeforeSeq = req.BeforeSeq
	msgs, complete, err := s.history(ctx, req.SDKAppID, req.User, req.Peer, q, pageCount(req.Count, DefaultHistoryCount), s.pageBytes)
	return HistoryPage{Messages: msgs, Complete: complete}, err
}

// RoamRequest is admin_getroammsg: the operator's history with a peer in
// a time range, newest first, continued with LastMsgKey. Its order is the
// reference's: by MsgTime (whole seconds), then by the caller's MsgSeq
// (Message.ClientSeq), then, for equal MsgSeqs, by Seq.
type RoamRequest struct {
	SDKAppID uint64
	Operator string // Operator_Account (old name From_Account)
	Peer     string // Peer_Account (old name To_Account)
	// MaxCnt is the page size, 1..MaxHistoryCount (larger is capped). A
	// page also stops at the service's roam page bytes
	// (DefaultRoamPageBytes), after at least one message, with Complete
	// false.
	MaxCnt int
	// MinTime and MaxTime bound MsgTime (Unix seconds, inclusive; 0 means
	// unbounded).
	MinTime, MaxTime int64
	// LastMsgKey continues after the previous page's LastMsgKey, the key
	// of its last message: the page holds what comes after that message in
	// the order above. The caller may also move MaxTime to LastMsgTime, as
	// the reference asks; nothing after the key is later than that. If the
	// key's message is gone (retention), the page starts at the second
	// before the key's MsgTime.
	LastMsgKey string
}

// RoamPage is an admin_getroammsg answer.
type RoamPage struct {
	Messages []Message // newest first
	// Complete: the range holds nothing older than this page.
	Complete bool
	// LastMsgTime (Unix seconds) and LastMsgKey describe the page's last
	// (oldest) message; zero for an empty page.
	LastMsgTime int64
	LastMsgKey  string

	operator    string
	peerReadSeq uint64
}

// IsPeerRead reports whether the peer has read m: true for the operator's
// messages at or before the peer's read position.
func (p *RoamPage) IsPeerRead(m *Message) bool {
	return m.From == p.operator && m.From != m.To && m.Seq <= p.peerReadSeq
}

// RoamHistory answers admin_getroammsg. It applies History's visibility
// rules from the operator's side, so a message sent with SyncOtherMachine 2
// is found only with the recipient as Operator, as in the reference.
//
// Codes: 20003/90012/20001 as SendC2C for accounts that do not exist;
// 90010 MaxCnt < 1 or MinTime after MaxTime; 90054 an invalid LastMsgKey.
func (s *Service) RoamHistory(ctx context.Context, req RoamRequest) (RoamPage, error) {
	if err := checkParticipants(req.Operator, req.Peer); err != nil {
		return RoamPage{}, err
	}
	if req.MaxCnt < 1 {
		return RoamPage{}, im.Errorf(im.CodeMsgFormat, "MaxCnt %d: want 1..%d", req.MaxCnt, MaxHistoryCount)
	}
	q, err := timeRange(req.MinTime, req.MaxTime)
	if err != nil {
		return RoamPage{}, err
	}
	q.ByTime = true
	if req.LastMsgKey != "" {
		if q.Before, err = s.roamCursor(ctx, req.SDKAppID, req.Operator, req.Peer, req.LastMsgKey); err != nil {
			return RoamPage{}, err
		}
	}
	if err := s.checkAccounts(ctx, req.SDKAppID, req.Operator, req.Peer); err != nil {
		return RoamPage{}, err
	}
	msgs, complete, err := s.history(ctx, req.SDKAppID, req.Operator, req.Peer, q, min(req.MaxCnt, MaxHistoryCount), s.roamBytes)
	if err != nil {
		return RoamPage{}, err
	}
	page := RoamPage{Messages: msgs, Complete: complete, operator: req.Operator}
	if n := len(msgs); n > 0 {
		page.LastMsgTime, page.LastMsgKey = msgs[n-1].TimeSeconds(), msgs[n-1].Key()
	}
	page.peerReadSeq, err = s.readSeq(ctx, req.SDKAppID, req.Peer, req.Operator)
	return page, err
}

// roamCursor returns the position after which a page continuing from
// lastMsgKey starts: that of the message the key names, or, when there is
// no such message any more, the end of the second before the key's time.
// Codes: 90054 a malformed key or one that can name no stored message.
func (s *Service) roamCursor(ctx context.Context, sdkAppID uint64, operator, peer, lastMsgKey string) (store.HistoryPos, error) {
	seq, random, t, err := im.ParseMsgKey(lastMsgKey)
	if err != nil {
		return store.HistoryPos{}, err
	}
	if seq == 0 {
		return store.HistoryPos{}, im.Errorf(im.CodeMsgKeyInvalid, "LastMsgKey %q names no stored message", lastMsgKey)
	}
	r, err := s.store.GetC2C(ctx, sdkAppID, operator, peer, seq)
	switch {
	case err == nil && r.Random == random && r.Time/1000 == t:
		return r.Pos(), nil
	case err == nil || errors.Is(err, store.ErrNotFound):
		// Seq 1 at ClientSeq 0 is before every message of second t.
		return store.HistoryPos{Second: t, Seq: 1}, nil
	}
	return store.HistoryPos{}, fmt.Errorf("message: LastMsgKey %q of %q with %q in app %d: %w", lastMsgKey, operator, peer, sdkAppID, err)
}

// history collects up to count visible messages matching q, newest first
// (by Seq, or with q.ByTime by store.HistoryPos), within pageBytes (at
// least one message), and reports whether the range holds no more. A page
// cut short by either bound ends just before the first message it left
// out, so continuing after its last message misses nothing.
func (s *Service) history(ctx context.Context, sdkAppID uint64, viewer, peer string, q store.HistoryQuery, count, pageBytes int) ([]Message, bool, error) {
	conv, err := s.conversation(ctx, sdkAppID, viewer, peer)
	if err != nil {
		return nil, false, err
	}
	q.AfterSeq = conv.ClearedSeq
	budget := pageBudget{limit: pageBytes}
	var out []Message
	for len(out) <= count {
		q.Limit = count + 1 - len(out)
		page, err := s.store.C2CHistory(ctx, sdkAppID, viewer, peer, q)
		if err != nil {
			return nil, false, fmt.Errorf("message: history of %q with %q in app %d: %w", viewer, peer, sdkAppID, err)
		}
		for _, r := range page {
			if !visibleTo(viewer, &r) {
				continue
			}
			if len(out) < count && !budget.take(&r) {
				return out, false, nil
			}
			m, err := fromStored(r, 0)
			if err != nil {
				return nil, false, err
			}
			out = append(out, m)
		}
		if len(page) < q.Limit {
			break
		}
		if last := &page[len(page)-1]; q.ByTime {
			q.Before = last.Pos()
		} else {
			q.BeforeSeq = last.Seq
		}
	}
	if len(out) > count {
		return out[:count], false, nil
	}
	return out, true, nil
}

// visibleTo reports whether viewer's history shows r: a message sent with
// SyncOtherMachine 2 is not in its sender's history.
func visibleTo(viewer string, r *store.C2CMessage) bool {
	return r.SenderSync || r.From != viewer || r.From == r.To
}

// conversation returns the owner's conversation with peer (zero if none).
func (s *Service) conversation(ctx context.Context, sdkAppID uint64, owner, peer string) (store.Conversation, error) {
	conv := im.C2C(peer)
	convs, err := s.store.GetConversations(ctx, sdkAppID, owner, []im.ConvID{conv})
	if err != nil {
		return store.Conversation{}, fmt.Errorf("message: conversation of %q with %q in app %d: %w", owner, peer, sdkAppID, err)
	}
	return convs[conv], nil
}

// readSeq returns how far owner has read the conversation with peer.
func (s *Service) readSeq(ctx context.Context, sdkAppID uint64, owner, peer string) (uint64, error) {
	conv, err := s.conversation(ctx, sdkAppID, owner, peer)
	return conv.ReadSeq, err
}

// timeRange converts an inclusive range of Unix seconds to the store's
// milliseconds (0 stays unbounded).
func timeRange(minTime, maxTime int64) (store.HistoryQuery, error) {
	if err := firstErr(im.CheckUnixSeconds("MinTime", minTime, im.CodeMsgFormat),
		im.CheckUnixSeconds("MaxTime", maxTime, im.CodeMsgFormat)); err != nil {
		return store.HistoryQuery{}, err
	}
	if maxTime > 0 && minTime > maxTime {
		return store.HistoryQuery{}, im.Errorf(im.CodeMsgFormat, "time range %d..%d is invalid", minTime, maxTime)
	}
	q := store.HistoryQuery{MinTime: minTime * 1000}
	if maxTime > 0 {
		q.MaxTime = maxTime*1000 + 999
	}
	return q, nil
}

func pageCount(n, def int) int {
	if n <= 0 {
		return def
	}
	return min(n, MaxHistoryCount)
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
