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
