// Package conversation keeps each user's recent contacts (conversations of
// every kind, im.ConvID: C2C ones now, group ones once groups store
// messages): the list with its paging cursor, unread counts and read
// positions, marking read, total unread, read receipts and deleting a
// conversation (the reference's recentcontact commands).
//
// The store updates conversations inside the message append; this package
// reads them and applies the user's actions, and tells the user's devices
// (and, for receipts, the peer's) through the bus. Failures the caller
// caused are *im.Error values: 70402 for a malformed UserID or parameter,
// 70107 for an account that does not exist. The recentcontact REST
// commands re-code them to 50002 and 50001 at their edge.
package conversation

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Store is the storage the service needs: the conversations and the
// message history (to turn a read time into a position and to find a
// conversation's newest message).
type Store interface {
	store.Conversations
	// C2CHistory returns messages of the conversation {a, b}, newest first.
	C2CHistory(ctx context.Context, sdkAppID uint64, a, b string, q store.HistoryQuery) ([]store.C2CMessage, error)
}

// Accounts is what the service needs of the account service, which
// implements it and internal/app wires it: owners and peers must be
// accounts.
type Accounts interface {
	// Exists reports which of userIDs are accounts of the app (present and
	// true in the map); the others are absent.
	Exists(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error)
}

// Config wires a Service.
type Config struct {
	// Store persists conversations. Required.
	Store Store
	// Accounts tells which users are accounts. Required.
	Accounts Accounts
	// Bus tells devices about read positions and unread counts. Nil:
	// nothing is published.
	Bus bus.Bus
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
}

// Service manages recent contacts. It is safe for concurrent use; all
// state lives in the store.
type Service struct {
	store    Store
	accounts Accounts
	bus      bus.Bus
	log      *slog.Logger
}

// New returns a Service. It panics if cfg.Store or cfg.Accounts is nil:
// that is a wiring bug, not a runtime condition.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Accounts == nil {
		panic("conversation: Config.Store and Config.Accounts are required")
	}
	s := &Service{store: cfg.Store, accounts: cfg.Accounts, bus: cfg.Bus, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Conversation is one entry of a user's recent contacts.
type Conversation struct {
	// Conv names the conversation: the C2C peer, or the group.
	Conv im.ConvID
	// LastSeq and LastTime (Unix seconds) describe the last message; 0
	// when the conversation has none (only NoLastMsg messages).
	LastSeq  uint64
	LastTime int64
	// ReadSeq is the MsgSeq up to which the owner has read.
	ReadSeq uint64
	// Unread counts the owner's unread messages in the conversation.
	Unread int
	// UpdatedAt (Unix milliseconds) orders the list, newest first.
	UpdatedAt int64
}

func fromStore(c store.Conversation) Conversation {
	return Conversation{
		Conv: c.Conv, LastSeq: c.LastSeq, LastTime: c.LastTime / 1000,
		ReadSeq: c.ReadSeq, Unread: c.Unread, UpdatedAt: c.UpdatedAt,
	}
}

// checkUsers validates the UserIDs and requires every one to be an account.
func (s *Service) checkUsers(ctx context.Context, sdkAppID uint64, ids ...string) error {
	for _, id := range ids {
		if err := im.CheckUserID(id); err != nil {
			return im.Errorf(im.CodeInvalidParameter, "UserID %.40q: %v", id, err)
		}
	}
	found, err := s.accounts.Exists(ctx, sdkAppID, ids)
	if err != nil {
		return fmt.Errorf("conversation: accounts of app %d: %w", sdkAppID, err)
	}
	for _, id := range ids {
		if !found[id] {
			return im.Errorf(im.CodeAccountNotFound, "account %q does not exist", id)
		}
	}
	return nil
}

// checkConv validates conv and requires the owner, and a C2C peer, to be
// accounts. A group's existence and membership are not checked: groups do
// not exist yet, so no group conversation can either, and reading or
// deleting a missing conversation changes nothing.
func (s *Service) checkConv(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID) error {
	switch conv.Kind {
	case im.ConvC2C:
		return s.checkUsers(ctx, sdkAppID, owner, conv.ID)
	case im.ConvGroup:
		if err := conv.Check(); err != nil {
			return im.Errorf(im.CodeInvalidParameter, "%v", err)
		}
		return s.checkUsers(ctx, sdkAppID, owner)
	}
	return im.Errorf(im.CodeInvalidParameter, "conversation type %d: want %d (C2C) or %d (group)", conv.Kind, im.ConvC2C, im.ConvGroup)
}

// get returns the owner's conversation conv and whether it exists.
func (s *Service) get(ctx context.Context, sdkAppID uint64, owner string, conv im.ConvID) (store.Conversation, bool, error) {
	convs, err := s.store.GetConversations(ctx, sdkAppID, owner, []im.ConvID{conv})
	if err != nil {
		return store.Conversation{}, false, fmt.Errorf("conversation: %q's %v in app %d: %w", owner, conv, sdkAppID, err)
	}
	c, ok := convs[conv]
	return c, ok, nil
}
