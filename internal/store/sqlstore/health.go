package sqlstore

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// writeHealth remembers whether the last write transaction failed for a
// reason of the backend's (a full disk, an I/O error, a lost database), as
// opposed to the caller's (a conflict, a missing row, a cancelled context).
type writeHealth struct {
	failedAt atomic.Int64 // UnixNano of the last backend failure
	okAt     atomic.Int64 // UnixNano of the last committed write
}

// record notes the outcome of one write transaction.
func (h *writeHealth) record(err error) {
	now := time.Now().UnixNano()
	switch {
	case err == nil:
		h.okAt.Store(now)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	default:
		h.failedAt.Store(now)
	}
}

// failing reports whether the last write that ended either way failed,
// less than window ago.
func (h *writeHealth) failing(now time.Time, window time.Duration) bool {
	failed := h.failedAt.Load()
	return failed > h.okAt.Load() && now.UnixNano()-failed < int64(window)
}

// writeFailureWindow is how long a failed write keeps the store unhealthy
// when no write succeeds after it. Without traffic nothing shows that the
// backend recovered, so the store reports healthy again after it: a node
// taken out of rotation gets traffic again, and if writes still fail it
// leaves again.
const writeFailureWindow = 10 * time.Second

// ErrWritesFailing: the store's last write failed for a reason of the
// backend's (e.g. a full disk) and none has succeeded since.
var ErrWritesFailing = errors.New("sqlstore: writes are failing")

// CheckWrites reports ErrWritesFailing while the store's last write
// transaction failed for a reason of the backend's (a full disk, an I/O
// error, a lost database), not the caller's, less than 10 s ago. /readyz
// uses it so that a node whose every send fails leaves the balancer's
// rotation.
func (s *Store) CheckWrites(ctx context.Context) error {
	if err := s.open(); err != nil {
		return err
	}
	if s.health.failing(time.Now(), writeFailureWindow) {
		return ErrWritesFailing
	}
	return nil
}
