package message

import (
	"context"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
)

// Event names the service publishes to users' sessions.
const (
	// EventMessage carries a new message (Message's JSON, with the
	// receiving user's SyncSeq when the message is stored).
	EventMessage = "message"
	// EventMessageRevoked tells both participants' devices that a message
	// was recalled (RevokedEvent's JSON).
	EventMessageRevoked = "message_revoked"
	// EventMessageModified carries a modified message (Message's JSON,
	// without SyncSeq).
	EventMessageModified = "message_modified"
)

// RevokedEvent is the payload of EventMessageRevoked: which message of
// which conversation was recalled, and by whom ("admin" recalls set
// ByAdmin).
type RevokedEvent struct {
	From    string `json:"From_Account"`
	To      string `json:"To_Account"`
	Seq     uint64 `json:"MsgSeq"`
	Random  uint32 `json:"MsgRandom"`
	Time    int64  `json:"MsgTime"`
	Key     string `json:"MsgKey"`
	ByAdmin int    `json:"ByAdmin,omitempty"`
}

// publish delivers one event to user, logging (not returning) a failure:
// delivery is fire-and-forget on top of the durable store.
func (s *Service) publish(ctx context.Context, sdkAppID uint64, user string, ev bus.Event) {
	if s.bus == nil {
		return
	}
	if err := s.bus.PublishUser(ctx, sdkAppID, user, ev); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "message: publish failed",
			slog.Uint64("sdkappid", sdkAppID), slog.String("user", user),
			slog.String("event", ev.Name), slog.Any("err", err))
	}
}

// publishBoth delivers an event about a conversation to both participants'
// devices except the session that caused it; for a conversation with
// oneself, once.
func (s *Service) publishBoth(ctx context.Context, sdkAppID uint64, from, to, exceptSession, name string, data []byte) {
	s.publish(ctx, sdkAppID, from, bus.Event{Name: name, Data: data, ExceptSession: exceptSession})
	if to != from {
		s.publish(ctx, sdkAppID, to, bus.Event{Name: name, Data: data})
	}
}
