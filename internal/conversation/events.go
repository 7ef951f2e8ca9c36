package conversation

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

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

// wireConv returns the protocol's fields naming c: Type (protocol.ConvC2C
// or ConvGroup, the same numbers as im's kinds) and Peer or GroupID.
func wireConv(c im.ConvID) (typ int, peer, groupID string) {
	if c.Kind == im.ConvGroup {
		return protocol.ConvGroup, "", c.ID
	}
	return protocol.ConvC2C, c.ID, ""
}
