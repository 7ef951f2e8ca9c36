// Package message is the send pipeline and everything about stored
// one-to-one messages: validation, authorisation and webhook hook points,
// deduplication, durable append, live delivery to every device, sync,
// history, recall, modify and the retention sweeper (docs/architecture.md,
// "The send pipeline", "Storage and sync model").
//
// One path serves the REST API and the WebSocket gateway: both edges build
// a request struct and call the same method, so every rule exists once.
// Failures the caller caused are *im.Error values carrying the reference's
// C2C codes (20xxx, 80xxx, 90xxx); anything else is an internal failure
// wrapped with context.
//
// Sequence numbers are never assigned here: the store assigns them inside
// its append. Live delivery is fire-and-forget on top of that durable
// append; a client that missed an event repairs with Sync.
package message

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Limits and windows of the C2C rules.
const (
	// DedupWindow: a send with the same sender, conversation and MsgRandom
	// within this window returns the first result and stores nothing.
	DedupWindow = 5 * time.Minute
	// MaxBatchRecipients bounds batchsendmsg (90011 above it).
	MaxBatchRecipients = 500
	// OfflineCachePerPeer is how many of a conversation's unseen messages
	// Sync returns at most (the offline cache); older ones stay reachable
	// through history, and unread counts still count all of them.
	OfflineCachePerPeer = 100
	// DefaultSyncLimit and MaxSyncLimit bound a Sync page.
	DefaultSyncLimit = 100
	MaxSyncLimit     = 1000
	// DefaultHistoryCount and MaxHistoryCount bound a History page and an
	// admin_getroammsg page (MaxCnt).
	DefaultHistoryCount = 20
	MaxHistoryCount     = 100
	// DefaultPageBytes bounds a Sync or History page in bytes as well as in
	// count, so that 1,000 entries of the largest size cannot make a frame
	// of many megabytes. Entries are measured by PageEntryBytes; a page
	// stops before the entry that would take it over the bound, but always
	// holds at least one entry, so a client following the continuation
	// always progresses.
	DefaultPageBytes = 256 << 10
	// DefaultRoamPageBytes bounds an admin_getroammsg page likewise. The
	// reference pages admin_getroammsg when a result exceeds about 13 KB,
	// so app backends written for it already continue with LastMsgKey
	// whenever Complete is 0; Parley keeps that page size so they see the
	// same pages, while clients (Sync, History) get larger ones.
	DefaultRoamPageBytes = 13 << 10
	// PageEntryOverhead is what PageEntryBytes adds to each entry's stored
	// document for its other fields (accounts, numbers, MsgKey, JSON
	// names): about what the encoding of a message without content takes.
	PageEntryOverhead = 200
	// DefaultRecallWindow and DefaultRetention apply when no Settings are
	// configured (the tenant defaults: 120 s and 7 days).
	DefaultRecallWindow = 2 * time.Minute
	DefaultRetention    = 7 * 24 * time.Hour
	// DefaultRetentionInterval is how often RunRetention sweeps.
	DefaultRetentionInterval = time.Minute
	// RetentionBatch is how many messages one DeleteC2CBefore call removes,
	// so a sweep never holds the writer for long.
	RetentionBatch = 500
)

// Store is the storage the service needs: the messages and sync streams and
// the conversations (for a viewer's cleared history and the peer's read
// position).
type Store interface {
	store.Messages
	store.Conversations
}

// Accounts is what the pipeline needs of the account service, which
// implements it and internal/app wires it: sender and recipients must be
// accounts.
type Accounts interface {
	// Exists reports which of userIDs are accounts of the app (present and
	// true in the map); the others are absent.
	Exists(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]bool, error)
}

// Clock returns the current time.
type Clock func() time.Time

// Config wires a Service. Every field but Store is optional; its zero value
// means the default stated on it.
type Config struct {
	// Store persists messages. Required.
	Store Store
	// Accounts tells which users are accounts. Required.
	Accounts Accounts
	// Bus delivers events to online sessions. Nil: nothing is delivered
	// live; clients still get every stored message through Sync.
	Bus bus.Bus
	// Settings gives each app's recall window and retention. Nil: the
	// defaults for every app, and the retention sweeper has no apps to visit.
	Settings Settings
	// Permissions authorises user sends (friends-only, blacklist, mute).
	// Nil: every user may message every user.
	Permissions Permissions
	// BeforeSend is the before-send webhook. Nil: every message passes.
	BeforeSend BeforeSend
	// Admission is frequency control. Nil: every message is admitted.
	Admission Admission
	// Pusher hands stored messages to offline push. Nil: no push.
	Pusher Pusher
	// AfterSend is the after-send webhook. Nil: none.
	AfterSend AfterSend
	// Profiles supplies the sender's nick and avatar, stored and delivered
	// with each message. Nil: they are omitted.
	Profiles Profiles
	// Limits bounds message bodies. Zero: the reference's C2C limits.
	Limits im.Limits
	// PageBytes bounds Sync and History pages (DefaultPageBytes when
	// zero); RoamPageBytes admin_getroammsg pages (DefaultRoamPageBytes
	// when zero). Tests lower them to reach the bounds with few messages.
	PageBytes     int
	RoamPageBytes int
	// Clock stamps messages and measures windows. Nil: time.Now.
	Clock Clock
	// Rand draws the MsgSeq of a message sent without one (SendRequest.
	// ClientSeq). It must be safe for concurrent use. Nil: math/rand/v2's
	// Uint32.
	Rand func() uint32
	// RetentionInterval is the pause between retention sweeps
	// (DefaultRetentionInterval when zero).
	RetentionInterval time.Duration
	// Logger receives diagnostics. Nil discards them.
	Logger *slog.Logger
	// ObserveStage is told how long each stage of a send took (Stage says
	// which stages run and when each is observed). Sends call it on their
	// own goroutines, concurrently, before they return: it must be safe for
	// concurrent use and quick (a histogram's Observe, not I/O). Nil:
	// nothing is observed.
	ObserveStage func(stage Stage, elapsed time.Duration)
}

// Service runs the send pipeline. It is safe for concurrent use; all state
// lives in the store, except the in-process locks that serialise imports of
// one conversation.
type Service struct {
	store       Store
	accounts    Accounts
	bus         bus.Bus
	settings    Settings
	permissions Permissions
	beforeSend  BeforeSend
	admission   Admission
	pusher      Pusher
	afterSend   AfterSend
	profiles    Profiles
	limits      im.Limits
	pageBytes   int
	roamBytes   int
	now         Clock
	rand        func() uint32
	interval    time.Duration
	log         *slog.Logger
	// observeStage is never nil: New puts a no-op in for a nil
	// Config.ObserveStage, so stage functions call it unconditionally.
	observeStage func(Stage, time.Duration)
	// targets answers the pipeline's questions per conversation kind.
	targets map[im.ConvKind]target

	importLocks [64]sync.Mutex
}

// New returns a Service. It panics if cfg.Store or cfg.Accounts is nil:
// that is a wiring bug, not a runtime condition.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Accounts == nil {
		panic("message: Config.Store and Config.Accounts are required")
	}
	s := &Service{
		store:        cfg.Store,
		accounts:     cfg.Accounts,
		bus:          cfg.Bus,
		settings:     cfg.Settings,
		permissions:  cfg.Permissions,
		beforeSend:   cfg.BeforeSend,
		admission:    cfg.Admission,
		pusher:       cfg.Pusher,
		afterSend:    cfg.AfterSend,
		profiles:     cfg.Profiles,
		limits:       cfg.Limits,
		pageBytes:    cfg.PageBytes,
		roamBytes:    cfg.RoamPageBytes,
		now:          cfg.Clock,
		rand:         cfg.Rand,
		interval:     cfg.RetentionInterval,
		log:          cfg.Logger,
		observeStage: cfg.ObserveStage,
	}
	if s.settings == nil {
		s.settings = defaultSettings{}
	}
	if s.permissions == nil {
		s.permissions = AllowAll{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Uint32
	}
	if s.pageBytes <= 0 {
		s.pageBytes = DefaultPageBytes
	}
	if s.roamBytes <= 0 {
		s.roamBytes = DefaultRoamPageBytes
	}
	if s.interval <= 0 {
		s.interval = DefaultRetentionInterval
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.observeStage == nil {
		s.observeStage = func(Stage, time.Duration) {}
	}
	s.targets = map[im.ConvKind]target{im.ConvC2C: c2c{s: s, importLocks: &s.importLocks}}
	return s
}

// Limits returns the limits message bodies and options are checked
// against, for edges that parse requests (im.ParseMsgBody,
// im.ParseSendOptions) before calling the service.
func (s *Service) Limits() im.Limits { return s.limits }
