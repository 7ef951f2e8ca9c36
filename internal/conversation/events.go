package conversation

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
)

// Event names the service publishes.
const (
	// EventUnreadChanged goes to the owner's devices when a conversation's
	// unread count changes by the owner's action (UnreadChanged's JSON).
	EventUnreadChanged = "unread_changed"
	// EventReadReceipt goes to the peer's devices when the owner reads the
	// peer's messages further (ReadReceipt's JSON).
	EventReadReceipt = "read_receipt"
	// EventConversationDeleted goes to the owner's other devices when a
	// conversation is deleted (ConversationDeleted's JSON).
	EventConversationDeleted = "conversation_deleted"
)

// UnreadChanged is the payload of EventUnreadChanged:
//
//	{"TotalUnread":3,"Peer":"bob","Unread":0,"ReadSeq":12}
//
// After MarkAllRead, Peer is left out and Unread and ReadSeq are 0.
type UnreadChanged struct {
	TotalUnread int    `json:"TotalUnread"`
	Peer        string `json:"Peer,omitempty"`
	Unread      int    `json:"Unread"`
	ReadSeq     uint64 `json:"ReadSeq"`
}

// ReadReceipt is the payload of EventReadReceipt, seen from the receiving
// (sending) side: Peer, the reader, has read every message up to ReadSeq
// of the conversation with the receiver.
//
//	{"Peer":"bob","ReadSeq":12}
type ReadReceipt struct {
	Peer    string `json:"Peer"`
	ReadSeq uint64 `json:"ReadSeq"`
}

// ConversationDeleted is the payload of EventConversationDeleted:
//
//	{"Peer":"bob","ClearRamble":1}
type ConversationDeleted struct {
	Peer        string `json:"Peer"`
	ClearRamble int    `json:"ClearRamble,omitempty"`
}

// publish encodes v and delivers it to user, logging failures: delivery is
// fire-and-forget, and clients can always re-read their conversations.
func (s *Service) publish(ctx context.Context, sdkAppID uint64, user, name, exceptSession string, v any) {
	if s.bus == nil {
		return
	}
	data, err := json.Marshal(v)
	if err == nil {
		err = s.bus.PublishUser(ctx, sdkAppID, user, bus.Event{Name: name, Data: data, ExceptSession: exceptSession})
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "conversation: publish failed", slog.Uint64("sdkappid", sdkAppID),
			slog.String("user", user), slog.String("event", name), slog.Any("err", err))
	}
}
