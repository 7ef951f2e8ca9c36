package message

import (
	"context"
	"time"

	"github.com/parley-im/parley/internal/im"
)

// The interfaces below are what the pipeline needs from outside the
// package. internal/app passes the implementing services (tenant, friend,
// webhook, push, account); this package never imports them.

// Settings are the per-app settings the service reads.
type Settings interface {
	// RecallWindow returns how long after sending a user may recall a
	// message (the app's RecallWindowSeconds).
	RecallWindow(ctx context.Context, sdkAppID uint64) (time.Duration, error)
	// Retention returns how long the app's messages are kept (the app's
	// HistoryRetentionDays).
	Retention(ctx context.Context, sdkAppID uint64) (time.Duration, error)
	// AppIDs lists every hosted app, for the retention sweeper.
	AppIDs(ctx context.Context) ([]uint64, error)
}

// The hooks below are kind-neutral: each takes the conversation the
// message goes to, named as its sender names it (im.C2C(recipient) for a
// one-to-one message, im.Group(groupID) for a group's), so that one
// implementation serves every conversation kind. A nil hook in Config is
// not run, and its stage is not observed; NopHooks is the do-nothing
// implementation of all of them, to embed in a hook that overrides a few.

// Permissions authorises a user's send (the authorize step). Admin sends
// through the REST API skip it, as the reference's sendmsg does not check
// friendship, blocklist or mute.
type Permissions interface {
	// Authorize returns nil when from may send to conv, or an *im.Error
	// with the reference code (C2C: 20007 blocked, 20009/20010/20011 not
	// friends, 20012 muted).
	Authorize(ctx context.Context, sdkAppID uint64, from string, conv im.ConvID) error
}

// AllowAll is the default Permissions: strangers may message each other.
type AllowAll struct{}

// Authorize implements Permissions.
func (AllowAll) Authorize(context.Context, uint64, string, im.ConvID) error { return nil }

// Verdict is the decision of the before-send webhook or of admission.
type Verdict int

// Verdicts.
const (
	// Deliver: store and deliver the message (possibly as modified by the
	// hook).
	Deliver Verdict = iota
	// Drop: discard the message silently; the sender sees success with no
	// MsgSeq, nothing is stored, delivered or pushed.
	Drop
)

// BeforeSend is the before-send webhook hook point (the before-send step).
// It runs after validation, authorisation and deduplication, before the
// message is stored: a retry of a stored message within DedupWindow is
// answered without it. Two concurrent attempts of one message may both
// reach it; the store's append still keeps only the first.
type BeforeSend interface {
	// BeforeSend decides about msg (Seq is 0), sent to conv. It may replace
	// msg.Body or msg.CloudCustomData; a replaced body that fails
	// validation is ignored and the original kept. To reject, it returns an
	// *im.Error (20006, or the app's own code in 120001-130000). It owns its
	// time budget and fails open: on timeout it returns Deliver.
	BeforeSend(ctx context.Context, sdkAppID uint64, conv im.ConvID, msg *Message) (Verdict, error)
}

// Admission is the admission hook point (the admit step), where frequency
// control lives: a conversation's budget of messages, spent by priority.
// It runs after the before-send webhook, before the message is stored.
type Admission interface {
	// Admit decides whether a message of the given priority may enter
	// conv now: Deliver admits it, Drop sheds it (the sender sees success
	// without a MsgSeq, and nothing is stored or delivered), an *im.Error
	// rejects the send with its code. It must be quick: it counts, it does
	// not wait.
	Admit(ctx context.Context, sdkAppID uint64, conv im.ConvID, priority im.MsgPriority) (Verdict, error)
}

// Pusher is the offline-push hook point (the push step).
type Pusher interface {
	// Push offers a message stored in conv to its recipients' offline
	// devices. It must not block: it queues and returns. msg.PushInfo
	// carries the sender's OfflinePushInfo (nil when none).
	Push(ctx context.Context, sdkAppID uint64, conv im.ConvID, msg Message)
}

// AfterSend is the after-send webhook hook point (the after-send step).
type AfterSend interface {
	// AfterSend reports a stored or online-only message sent to conv to
	// the app's backend. It must not block: it queues (bounded) and
	// returns.
	AfterSend(ctx context.Context, sdkAppID uint64, conv im.ConvID, msg Message)
}

// NopHooks implements every hook doing nothing: it authorises and admits
// every message, lets every message through the before-send webhook, and
// pushes and reports nothing.
type NopHooks struct{ AllowAll }

// BeforeSend implements BeforeSend.
func (NopHooks) BeforeSend(context.Context, uint64, im.ConvID, *Message) (Verdict, error) {
	return Deliver, nil
}

// Admit implements Admission.
func (NopHooks) Admit(context.Context, uint64, im.ConvID, im.MsgPriority) (Verdict, error) {
	return Deliver, nil
}

// Push implements Pusher.
func (NopHooks) Push(context.Context, uint64, im.ConvID, Message) {}

// AfterSend implements AfterSend.
func (NopHooks) AfterSend(context.Context, uint64, im.ConvID, Message) {}

// Profile is the sender information carried with a message.
type Profile struct {
	Nick    string
	FaceURL string
}

// Profiles supplies senders' nicks and avatars.
type Profiles interface {
	// Nicks returns the profiles of the existing accounts among userIDs;
	// an account without a nick or avatar maps to empty strings.
	Nicks(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]Profile, error)
}

// defaultSettings are the tenant defaults, used when Config.Settings is nil.
type defaultSettings struct{}

func (defaultSettings) RecallWindow(context.Context, uint64) (time.Duration, error) {
	return DefaultRecallWindow, nil
}

func (defaultSettings) Retention(context.Context, uint64) (time.Duration, error) {
	return DefaultRetention, nil
}

func (defaultSettings) AppIDs(context.Context) ([]uint64, error) { return nil, nil }
