package message

import (
	"context"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
)

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
