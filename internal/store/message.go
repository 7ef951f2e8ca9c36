package store

import (
	"context"

	"github.com/parley-im/parley/internal/im"
)

// queuedKey is the context key of WithQueuedNotice.
type queuedKey struct{}

// WithQueuedNotice returns a copy of ctx that makes AppendC2C call notice
// once the append has taken its place in the store's commit order (it is
// queued behind the appends called before it and ahead of those called
// after), before it is durable. A store whose other writes are queued for
// one writer (SQLite) calls it for those too, once a write is queued: it
// then runs after the appends queued before it. A caller that must keep its own appends in
// order, such as a session with several sends in flight, waits for the
// notice before calling AppendC2C again instead of for the whole append.
// notice is called at most once, from any goroutine.
func WithQueuedNotice(ctx context.Context, notice func()) context.Context {
	return context.WithValue(ctx, queuedKey{}, notice)
}

// NotifyQueued calls the notice ctx carries (WithQueuedNotice), if any.
// AppendC2C implementations call it once the append's place in the
// commit order is fixed.
func NotifyQueued(ctx context.Context) {
	if notice, ok := ctx.Value(queuedKey{}).(func()); ok && notice != nil {
		notice()
	}
}

// C2CMessage is one stored one-to-one message. A C2C conversation is the
// unordered pair {From, To}; its messages are numbered by Seq from 1 with
// no gaps.
type C2CMessage struct {
	From string
	To   string
	// Seq is the message's number in its conversation, assigned by the
	// store in the transaction that persists it.
	Seq uint64
	// Random is the sender's MsgRandom, part of the MsgKey and the dedup key.
	Random uint32
	// Time is the server's send time in Unix milliseconds.
	Time int64
	// ClientSeq is the caller's MsgSeq (REST; not unique), kept for the
	// reference's history order and importmsg dedup.
	ClientSeq uint64
	// Doc is the message document (MsgBody, CloudCustomData,
	// OfflinePushInfo, sender profile, ...) as JSON; the message package
	// owns its shape, the store keeps it opaque.
	Doc []byte
	// State is the message's lifecycle: StateNormal, StateRecalled or
	// StateModified.
	State int
	// Unread: the message counts as unread for its recipient.
	Unread bool
	// SenderSync: the message is also indexed into the sender's sync stream
	// and updates the sender's conversation (false for SyncOtherMachine 2:
	// neither happens).
	SenderSync bool
	// NoLastMsg: the message does not become the conversations' last message.
	NoLastMsg bool
	// Rev is the message's revision: 0 as appended, changed (never back to
	// an earlier value) by every UpdateC2C. A caller that read the message
	// passes it back in C2CUpdate.Rev, so its change applies only to the
	// state it read. Ignored by AppendC2C.
	Rev uint64
}

// Message lifecycle states.
const (
	StateNormal   = 0
	StateRecalled = 1
	StateModified = 2
)

// C2CAppend asks AppendC2C to store one message.
type C2CAppend struct {
	Msg C2CMessage // Seq is ignored: the store assigns it
	// DedupSince (Unix ms), when non-zero, makes the append idempotent: if
	// the conversation holds a message from the same sender with the same
	// Random and Time >= DedupSince, nothing is stored and that message is
	// returned with Duplicate set.
	DedupSince int64
}

// C2CAppended is the outcome of one C2CAppend.
type C2CAppended struct {
	Msg       C2CMessage // as stored (the first one, for a duplicate)
	Duplicate bool
	// RecipientSyncSeq and SenderSyncSeq are the message's positions in the
	// participants' sync streams (SenderSyncSeq is 0 when SenderSync is
	// false). For a duplicate they are 0.
	RecipientSyncSeq uint64
	SenderSyncSeq    uint64
}

// C2CUpdate asks UpdateC2C to change one stored message.
type C2CUpdate struct {
	Seq uint64 // the message's Seq in its conversation
	// Rev is the message's Rev as the caller read it: the update applies
	// only if no other update came in between.
	Rev   uint64
	Doc   []byte
	State int
}

// SyncEntry is one position of a user's sync stream: a message to or from
// the user, or a revision of one, in the order the store committed them.
// Msg is the message as stored now (its current Doc and State).
type SyncEntry struct {
	SyncSeq uint64
	// Conv is the entry's conversation from the user's point of view
	// (for now always C2C: the other participant).
	Conv im.ConvID
	Msg  C2CMessage
	// Revision: this entry re-announces a stored message whose state
	// changed (UpdateC2C); the message has its own, earlier entry.
	Revision bool
}

// SyncQuery selects a page of a user's sync stream.
type SyncQuery struct {
	After uint64 // entries with SyncSeq > After
	Limit int    // page size, > 0
	// PerPeer, when > 0, keeps only the latest PerPeer entries of each
	// conversation among all entries after After (the offline cache: older ones stay
	// reachable through history).
	PerPeer int
}

// HistoryQuery selects messages of one conversation, newest first: by Seq,
// or with ByTime by HistoryPos.
type HistoryQuery struct {
	BeforeSeq uint64 // only Seq < BeforeSeq (0: from the newest)
	MinTime   int64  // only Time >= MinTime (Unix ms; 0: no bound)
	MaxTime   int64  // only Time <= MaxTime (Unix ms; 0: no bound)
	AfterSeq  uint64 // only Seq > AfterSeq (a viewer's cleared history)
	Limit     int    // > 0
	// ByTime orders the messages by HistoryPos, newest first, instead of
	// by Seq: the REST API's history order, in which the messages of one
	// second follow the caller's MsgSeq. The other bounds still apply.
	ByTime bool
	// Before, with ByTime, keeps only the messages that come after it in
	// that order (older ones): the position of the previous page's last
	// message. A zero Seq means no bound.
	Before HistoryPos
}

// HistoryPos is a message's place in the time order of HistoryQuery.ByTime:
// Second, then ClientSeq, then Seq, each compared as a number. A ClientSeq
// above 2^63-1 is kept but has no defined place (the REST API stores
// 32-bit values only).
type HistoryPos struct {
	Second    int64 // Time / 1000
	ClientSeq uint64
	Seq       uint64
}

// Pos returns the message's HistoryPos.
func (m *C2CMessage) Pos() HistoryPos {
	return HistoryPos{Second: m.Time / 1000, ClientSeq: m.ClientSeq, Seq: m.Seq}
}

// Less reports whether p comes before o in HistoryPos order (is older).
func (p HistoryPos) Less(o HistoryPos) bool {
	if p.Second != o.Second {
		return p.Second < o.Second
	}
	if p.ClientSeq != o.ClientSeq {
		return p.ClientSeq < o.ClientSeq
	}
	return p.Seq < o.Seq
}

// Messages stores C2C messages and the per-user sync streams.
type Messages interface {
	// AppendC2C stores the messages, in order, atomically: for each it
	// assigns the conversation's next Seq, appends it to the recipient's
	// (and, with SenderSync, the sender's) sync stream, and updates both
	// participants' conversations (last message unless NoLastMsg, the
	// recipient's unread count when Unread). Concurrent callers may be
	// batched into one transaction (group commit); each returns only after
	// its messages are durable. A call cancelled while still queued returns
	// ctx.Err() and writes nothing; once its batch has started it completes. Seqs and sync seqs are unique and gapless
	// under any concurrency, across processes sharing the database. If ctx
	// carries a WithQueuedNotice, AppendC2C calls it once the call's place
	// in the commit order is fixed: a later call is committed after it.
	AppendC2C(ctx context.Context, sdkAppID uint64, msgs []C2CAppend) ([]C2CAppended, error)
	// ReadSync returns a page of the user's sync stream, ascending. A
	// revision entry is returned only when the message's own entry is at
	// or before q.After (the reader passed it before the change);
	// otherwise the own entry, which shows the current state, suffices.
	// Revision entries do not count against q.PerPeer.
	ReadSync(ctx context.Context, sdkAppID uint64, userID string, q SyncQuery) ([]SyncEntry, error)
	// SyncHead returns the user's latest sync seq (0 when none).
	SyncHead(ctx context.Context, sdkAppID uint64, userID string) (uint64, error)
	// C2CHistory returns messages of the conversation {a, b}, newest first.
	C2CHistory(ctx context.Context, sdkAppID uint64, a, b string, q HistoryQuery) ([]C2CMessage, error)
	// GetC2C returns one message of the conversation {a, b}; ErrNotFound.
	GetC2C(ctx context.Context, sdkAppID uint64, a, b string, seq uint64) (C2CMessage, error)
	// UpdateC2C replaces the Doc and State of a stored message (recall,
	// modify) if its Rev is still u.Rev, and gives it a new Rev; recalling an unread message takes it out of the recipient's
	// unread count. In the same transaction it appends a revision entry
	// (SyncEntry.Revision) pointing at the message to the recipient's sync
	// stream and, unless the message has SenderSync false, the sender's,
	// numbered like appends (gapless under any concurrency), so a device
	// that syncs later learns the new state. The message's previous
	// revision entries, superseded, are removed. ErrNotFound if there is
	// no such message; ErrConflict, with nothing written, if its Rev is no
	// longer u.Rev (another update won: re-read and decide again). Of any
	// number of concurrent updates read at one Rev, exactly one succeeds,
	// across processes sharing the database.
	UpdateC2C(ctx context.Context, sdkAppID uint64, a, b string, u C2CUpdate) error
	// DeleteC2CBefore deletes up to limit messages (with their sync and
	// revision entries) of the app older than before (Unix ms) and returns how many
	// it deleted; the retention sweeper calls it in small batches.
	DeleteC2CBefore(ctx context.Context, sdkAppID uint64, before int64, limit int) (int, error)
}

// Conversation is one entry of a user's recent contacts. Its seqs are
// those of its kind: a C2C pair's seqs, or (later) a group's SEQ.
type Conversation struct {
	Owner string
	// Conv names the conversation from the owner's point of view: a C2C
	// peer or a group. A group conversation and a C2C one with the same ID
	// string are different rows.
	Conv im.ConvID
	// LastSeq and LastTime describe the last message of the conversation
	// (0 when none, e.g. only NoLastMsg messages).
	LastSeq  uint64
	LastTime int64
	// ReadSeq is the Seq up to which the owner has read.
	ReadSeq uint64
	// Unread counts the unread messages after ReadSeq.
	Unread int
	// UpdatedAt (Unix ms) orders the recent-contacts list.
	UpdatedAt int64
	// ClearedSeq: the owner cleared history up to this Seq (recentcontact
	// delete with ClearRamble); history shown to the owner starts after it.
	ClearedSeq uint64
}

// ConversationUpdate is what new messages of one conversation change in
// one owner's row, for the kinds whose messages AppendC2C does not apply
// itself (group messages, once they are stored).
type ConversationUpdate struct {
	Owner string
	Conv  im.ConvID
	// LastSeq and LastTime describe the newest message that becomes the
	// last message (LastSeq 0: none does; the row keeps its own).
	LastSeq  uint64
	LastTime int64
	// MaxSeq is the highest seq of the messages, NoLastMsg ones included:
	// read positions never pass it.
	MaxSeq uint64
	// Unread is how many of the messages count as unread for the owner.
	Unread int
	// Newest (Unix ms) is the time of the newest message: the UpdatedAt of
	// a row that gets no last message (a new or a deleted one).
	Newest int64
}

// Conversations stores each user's recent contacts and read positions,
// for every kind of conversation.
type Conversations interface {
	// ListConversations returns the owner's conversations, most recently
	// updated first and, among equal UpdatedAt, by Conv (Kind, then ID),
	// after the cursor (UpdatedAt, Conv) of the previous page's last entry
	// (zero values for the first page).
	ListConversations(ctx context.Context, sdkAppID uint64, owner string, beforeUpdated int64, after im.ConvID, limit int) ([]Conversation, error)
	// GetConversations returns the owner's conversations among convs that
	// exist, by Conv.
	GetConversations(ctx context.Context, sdkAppID uint64, owner string, convs []im.ConvID) (map[im.ConvID]Conversation, error)
	// UpdateConversations applies the updates, in one transaction, as
	// AppendC2C applies C2C messages: each creates the row or brings a
	// deleted one back, raises its MaxSeq, replaces its last message when
	// LastSeq > 0 and adds Unread to its unread count. C2C rows are
	// AppendC2C's to keep; callers pass other kinds.
	UpdateConversations(ctx context.Context, sdkAppID uint64, updates []ConversationUpdate) error
	// MarkRead sets ReadSeq to max(ReadSeq, upTo) and recomputes Unread as
	// the unread messages after it; ErrNotFound if there is no conversation.
	// For kinds whose messages the store does not hold (groups, for now),
	// Unread becomes at most the seqs after ReadSeq (0 once all are read).
	MarkRead(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID, upTo uint64) (Conversation, error)
	// MarkAllRead marks every conversation of the owner read up to its LastSeq.
	MarkAllRead(ctx context.Context, sdkAppID uint64, owner string) error
	// DeleteConversation removes the conversation from the owner's list;
	// with clearHistory it also deletes the owner's sync entries of it and
	// records ClearedSeq = LastSeq, kept if the conversation reappears.
	// Deleting a missing conversation is not an error.
	DeleteConversation(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID, clearHistory bool) error
}
