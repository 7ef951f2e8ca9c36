package conversation

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
)

// MaxUnreadPeers bounds UnreadCounts' peer list.
const MaxUnreadPeers = 500

// ReadRequest asks MarkRead to mark one of the owner's conversations read.
type ReadRequest struct {
	SDKAppID uint64
	Owner    string // the reader
	Conv     im.ConvID
	// UpToSeq marks read up to this MsgSeq (capped at the newest message).
	// 0: up to the newest message, or with UpToTime, up to the newest
	// message sent at or before UpToTime (Unix seconds; admin_set_msg_read
	// MsgReadTime; C2C conversations only).
	UpToSeq  uint64
	UpToTime int64
	// Session is the reader's WebSocket session, which gets no
	// protocol.EventUnreadChanged ("" for REST).
	Session string
	// Turn, if set, is called before any event is published: a session
	// with several commands in flight (WithQueuedNotice) waits there for
	// its previous command to be answered, so events keep request order.
	Turn func()
}

// WithQueuedNotice returns a copy of ctx that makes MarkRead call notice
// once its write has taken its place in the store's write order (a later
// write of the caller lands after it), so that a caller keeping several
// commands of one session in flight can start the next one then. A
// MarkRead that writes nothing never calls it; the caller waits for it to
// return instead.
func WithQueuedNotice(ctx context.Context, notice func()) context.Context {
	return store.WithQueuedNotice(ctx, notice)
}

// MarkRead moves the owner's read position forward (never back) and
// returns the conversation as it now is. When the position of a C2C
// conversation moves, the peer's devices get protocol.EventReadReceipt;
// when the unread count or position changes, the owner's other devices get
// protocol.EventUnreadChanged with the new total. Marking a conversation
// that does not exist changes nothing.
//
// Codes: 70402 malformed UserIDs or conversation, UpToSeq beyond im.MaxSeq,
// UpToTime outside 0..im.MaxUnixSeconds or given for a group; 70107 Owner
// or the C2C peer is not an account.
func (s *Service) MarkRead(ctx context.Context, req ReadRequest) (Conversation, error) {
	if err := im.CheckSeq("UpToSeq", req.UpToSeq, im.CodeInvalidParameter); err != nil {
		return Conversation{}, err
	}
	if err := im.CheckUnixSeconds("UpToTime", req.UpToTime, im.CodeInvalidParameter); err != nil {
		return Conversation{}, err
	}
	if err := s.checkConv(ctx, req.SDKAppID, req.Owner, req.Conv); err != nil {
		return Conversation{}, err
	}
	if req.Conv.Kind != im.ConvC2C && req.UpToTime != 0 {
		return Conversation{}, im.Errorf(im.CodeInvalidParameter, "a read time applies to C2C conversations only")
	}
	prev, ok, err := s.get(ctx, req.SDKAppID, req.Owner, req.Conv)
	if err != nil || !ok {
		return Conversation{Conv: req.Conv}, err
	}
	upTo, err := s.readTarget(ctx, &req, prev)
	if err != nil {
		return Conversation{}, err
	}
	if upTo <= prev.ReadSeq && prev.Unread == 0 {
		return fromStore(prev), nil
	}
	conv, err := s.store.MarkRead(ctx, req.SDKAppID, req.Owner, req.Conv, upTo)
	if errors.Is(err, store.ErrNotFound) {
		return Conversation{Conv: req.Conv}, nil // deleted meanwhile
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation: mark %q's %v read in app %d: %w", req.Owner, req.Conv, req.SDKAppID, err)
	}
	ctx = context.WithoutCancel(ctx)
	if req.Turn != nil {
		req.Turn()
	}
	if conv.ReadSeq > prev.ReadSeq && req.Conv.Kind == im.ConvC2C && req.Owner != req.Conv.ID {
		s.publish(ctx, req.SDKAppID, req.Conv.ID, protocol.EventReadReceipt, "", protocol.ReadReceipt{Peer: req.Owner, ReadSeq: conv.ReadSeq})
	}
	if conv.Unread != prev.Unread || conv.ReadSeq != prev.ReadSeq {
		ev := protocol.UnreadChanged{Unread: conv.Unread, ReadSeq: conv.ReadSeq}
		ev.Type, ev.Peer, ev.GroupID = wireConv(req.Conv)
		s.unreadChanged(ctx, req.SDKAppID, req.Owner, req.Session, ev)
	}
	return fromStore(conv), nil
}

// readTarget is the MsgSeq a ReadRequest marks read up to. For a group
// conversation, whose messages are not readable here, it is UpToSeq or,
// for everything, the largest seq: the store caps it at the newest.
func (s *Service) readTarget(ctx context.Context, req *ReadRequest, prev store.Conversation) (uint64, error) {
	if req.Conv.Kind != im.ConvC2C {
		if req.UpToSeq > 0 {
			return req.UpToSeq, nil
		}
		return im.MaxSeq, nil
	}
	var q store.HistoryQuery
	if req.UpToSeq == 0 && req.UpToTime > 0 {
		q.MaxTime = req.UpToTime*1000 + 999
	}
	newest, err := s.newestSeq(ctx, req.SDKAppID, req.Owner, req.Conv.ID, q)
	if err != nil {
		return 0, err
	}
	if q.MaxTime == 0 {
		newest = max(newest, prev.LastSeq)
	}
	if req.UpToSeq > 0 {
		return min(req.UpToSeq, newest), nil
	}
	return newest, nil
}

// newestSeq returns the Seq of the newest message matching q (0: none).
func (s *Service) newestSeq(ctx context.Context, sdkAppID uint64, a, b string, q store.HistoryQuery) (uint64, error) {
	q.Limit = 1
	msgs, err := s.store.C2CHistory(ctx, sdkAppID, a, b, q)
	if err != nil {
		return 0, fmt.Errorf("conversation: newest message of %q-%q in app %d: %w", a, b, sdkAppID, err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	return msgs[0].Seq, nil
}

// MarkAllRead marks every conversation of the owner read up to its last
// message and returns the owner's total unread afterwards (messages sent
// with NoLastMsg after a conversation's last message stay unread). The
// owner's other devices get protocol.EventUnreadChanged naming no
// conversation.
//
// Codes: 70402 a malformed Owner; 70107 not an account.
func (s *Service) MarkAllRead(ctx context.Context, sdkAppID uint64, owner, session string) (int, error) {
	if err := s.checkUsers(ctx, sdkAppID, owner); err != nil {
		return 0, err
	}
	if err := s.store.MarkAllRead(ctx, sdkAppID, owner); err != nil {
		return 0, fmt.Errorf("conversation: mark all read for %q in app %d: %w", owner, sdkAppID, err)
	}
	total, err := s.totalUnread(ctx, sdkAppID, owner)
	if err != nil {
		return 0, err
	}
	s.publish(context.WithoutCancel(ctx), sdkAppID, owner, protocol.EventUnreadChanged, session, protocol.UnreadChanged{TotalUnread: total})
	return total, nil
}

// TotalUnread returns the owner's unread messages over all conversations.
// Codes: 70402 a malformed Owner; 70107 not an account.
func (s *Service) TotalUnread(ctx context.Context, sdkAppID uint64, owner string) (int, error) {
	if err := s.checkUsers(ctx, sdkAppID, owner); err != nil {
		return 0, err
	}
	return s.totalUnread(ctx, sdkAppID, owner)
}

// totalUnread sums the unread counts of every conversation of the owner.
// The store has no running total, so this reads the whole list.
func (s *Service) totalUnread(ctx context.Context, sdkAppID uint64, owner string) (int, error) {
	const batch = 1000
	total := 0
	before, after := int64(0), im.ConvID{}
	for {
		convs, err := s.store.ListConversations(ctx, sdkAppID, owner, before, after, batch)
		if err != nil {
			return 0, fmt.Errorf("conversation: total unread of %q in app %d: %w", owner, sdkAppID, err)
		}
		for _, c := range convs {
			total += c.Unread
			before, after = c.UpdatedAt, c.Conv
		}
		if len(convs) < batch {
			return total, nil
		}
	}
}

// unreadChanged publishes protocol.EventUnreadChanged with the owner's new
// total.
func (s *Service) unreadChanged(ctx context.Context, sdkAppID uint64, owner, session string, ev protocol.UnreadChanged) {
	if s.bus == nil {
		return
	}
	total, err := s.totalUnread(ctx, sdkAppID, owner)
	if err != nil {
		s.log.WarnContext(ctx, "conversation: total unread for event", "sdkappid", sdkAppID, "user", owner, "err", err)
		return
	}
	ev.TotalUnread = total
	s.publish(ctx, sdkAppID, owner, protocol.EventUnreadChanged, session, ev)
}

// PeerUnread is one conversation's unread count.
type PeerUnread struct {
	Peer   string
	Unread int
}

// PeerError is a peer UnreadCounts could not answer for.
type PeerError struct {
	Peer string
	Code int // 70107: not an account (or not a valid UserID)
}

// UnreadCounts answers get_c2c_unread_msg_num.
type UnreadCounts struct {
	Total  int          // over all of the owner's conversations
	Peers  []PeerUnread // one per distinct existing peer asked about
	Errors []PeerError  // one per distinct peer that is not an account
}

// UnreadCounts returns the owner's total unread and, for each peer asked
// about, the unread count of that conversation (0 without one).
//
// Codes: 70402 a malformed Owner or more than MaxUnreadPeers peers; 70107
// the owner is not an account.
func (s *Service) UnreadCounts(ctx context.Context, sdkAppID uint64, owner string, peers []string) (UnreadCounts, error) {
	if len(peers) > MaxUnreadPeers {
		return UnreadCounts{}, im.Errorf(im.CodeInvalidParameter, "%d peers, at most %d allowed", len(peers), MaxUnreadPeers)
	}
	if err := s.checkUsers(ctx, sdkAppID, owner); err != nil {
		return UnreadCounts{}, err
	}
	out := UnreadCounts{Peers: []PeerUnread{}, Errors: []PeerError{}}
	existing, err := s.existingPeers(ctx, sdkAppID, peers, &out)
	if err != nil {
		return UnreadCounts{}, err
	}
	convs := map[im.ConvID]store.Conversation{}
	if len(existing) > 0 {
		ids := make([]im.ConvID, len(existing))
		for i, p := range existing {
			ids[i] = im.C2C(p)
		}
		if convs, err = s.store.GetConversations(ctx, sdkAppID, owner, ids); err != nil {
			return UnreadCounts{}, fmt.Errorf("conversation: unread of %q in app %d: %w", owner, sdkAppID, err)
		}
	}
	for _, p := range existing {
		out.Peers = append(out.Peers, PeerUnread{Peer: p, Unread: convs[im.C2C(p)].Unread})
	}
	out.Total, err = s.totalUnread(ctx, sdkAppID, owner)
	return out, err
}

// existingPeers returns the distinct peers that are accounts, recording
// the others in out.Errors.
func (s *Service) existingPeers(ctx context.Context, sdkAppID uint64, peers []string, out *UnreadCounts) ([]string, error) {
	seen := map[string]bool{}
	var valid []string
	for _, p := range peers {
		if !seen[p] && im.CheckUserID(p) == nil {
			valid = append(valid, p)
		}
		seen[p] = true
	}
	found := map[string]bool{}
	if len(valid) > 0 {
		var err error
		if found, err = s.accounts.Exists(ctx, sdkAppID, valid); err != nil {
			return nil, fmt.Errorf("conversation: accounts of app %d: %w", sdkAppID, err)
		}
	}
	clear(seen)
	var existing []string
	for _, p := range peers {
		if seen[p] {
			continue
		}
		seen[p] = true
		if found[p] {
			existing = append(existing, p)
		} else {
			out.Errors = append(out.Errors, PeerError{Peer: p, Code: im.CodeAccountNotFound})
		}
	}
	return existing, nil
}
