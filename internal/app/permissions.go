package app

import (
	"context"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// allOf is the send pipeline's one Permissions: every rule, in order, and
// the first refusal answers. Each domain keeps its own rule; this is the
// one place they are put together.
type allOf []message.Permissions

// Authorize implements message.Permissions.
func (ps allOf) Authorize(ctx context.Context, sdkAppID uint64, from string, conv im.ConvID) error {
	for _, p := range ps {
		if err := p.Authorize(ctx, sdkAppID, from, conv); err != nil {
			return err
		}
	}
	return nil
}

// speaking refuses a globally muted sender (openconfigsvr/setnospeaking),
// the account service's rule.
type speaking struct{ accounts *account.Service }

// Authorize implements message.Permissions.
func (s speaking) Authorize(ctx context.Context, sdkAppID uint64, from string, conv im.ConvID) error {
	return s.accounts.CheckSpeaking(ctx, sdkAppID, from, conv)
}
