package message

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// RunRetention sweeps expired messages every RetentionInterval until ctx
// is done, then returns. Its owner (internal/app) runs it in a goroutine
// and waits for it at shutdown. A failed sweep is logged and retried at the
// next interval.
func (s *Service) RunRetention(ctx context.Context) {
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := s.SweepOnce(ctx, s.now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.LogAttrs(ctx, slog.LevelError, "message: retention sweep failed", slog.Int("deleted", n), slog.Any("err", err))
		case n > 0:
			s.log.LogAttrs(ctx, slog.LevelInfo, "message: retention sweep", slog.Int("deleted", n))
		}
	}
}

// SweepOnce deletes, for every app, the messages older than the app's
// retention at now, RetentionBatch at a time so that sends interleave with
// the sweep, and returns how many it deleted. Tests call it directly with
// their own now.
func (s *Service) SweepOnce(ctx context.Context, now time.Time) (int, error) {
	apps, err := s.settings.AppIDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("message: retention: list apps: %w", err)
	}
	total := 0
	var errs []error
	for _, app := range apps {
		n, err := s.sweepApp(ctx, app, now)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return total, errors.Join(errs...)
}

// sweepApp deletes one app's expired messages in batches.
func (s *Service) sweepApp(ctx context.Context, sdkAppID uint64, now time.Time) (int, error) {
	keep, err := s.settings.Retention(ctx, sdkAppID)
	if err != nil {
		return 0, fmt.Errorf("message: retention of app %d: %w", sdkAppID, err)
	}
	cutoff := now.Add(-keep).UnixMilli()
	total := 0
	for ctx.Err() == nil {
		n, err := s.store.DeleteC2CBefore(ctx, sdkAppID, cutoff, RetentionBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("message: retention of app %d: %w", sdkAppID, err)
		}
		if n < RetentionBatch {
			break
		}
	}
	return total, ctx.Err()
}
