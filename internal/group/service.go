// Package group is the group system: the five group types and their rules,
// group IDs, profiles and stored members. It keeps all state in the store
// (store.Groups) and asks the account service which UserIDs are accounts.
package group

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/store"
)

// Accounts is what the service needs of the account service.
type Accounts interface {
	// Exists reports, for each of userIDs, whether it is an account.
	Exists(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error)
}

// Config wires a Service.
type Config struct {
	// Store persists groups and members. Required.
	Store store.Groups
	// Accounts answers which UserIDs are accounts. Required.
	Accounts Accounts
	// Clock stamps creation and join times. Nil means time.Now.
	Clock func() time.Time
	// Random feeds generated group IDs. Nil means crypto/rand.
	Random io.Reader
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
}

// Service manages groups. It is safe for concurrent use (as long as
// Random is); all state lives in the store.
type Service struct {
	store    store.Groups
	accounts Accounts
	now      func() time.Time
	random   io.Reader
	log      *slog.Logger
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, accounts: cfg.Accounts, now: cfg.Clock, random: cfg.Random, log: cfg.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}
