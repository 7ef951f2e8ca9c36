package message

import (
	"context"
	"time"
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

// Permissions authorises a user's C2C send (step 2 of the pipeline). Admin
// sends through the REST API skip it, as the reference's sendmsg does not
// check friendship, blocklist or mute.
type Permissions interface {
	// CheckC2C returns nil when from may message to, or an *im.Error with
	// the reference code (20007 blocked, 20009/20010/20011 not friends,
	// 20012 muted).
	CheckC2C(ctx context.Context, sdkAppID uint64, from, to string) error
}

// AllowAll is the default Permissions: strangers may message each other.
type AllowAll struct{}

// CheckC2C implements Permissions.
func (AllowAll) CheckC2C(context.Context, uint64, string, string) error { return nil }

// Verdict is the before-send webhook's decision.
type Verdict int

// Before-send verdicts.
const (
	// Deliver: store and deliver the message (possibly as modified by the
	// hook).
	Deliver Verdict = iota
	// Drop: discard the message silently; the sender sees success with no
	// MsgSeq, nothing is stored, delivered or pushed.
	Drop
)

// BeforeSend is the before-send webhook hook point (step 4). It runs after
// validation, authorisation and deduplication, before the message is
// stored: a retry of a stored message within DedupWindow is answered
// without it. Two concurrent attempts of one message may both reach it;
// the store's append still keeps only the first.
type BeforeSend interface {
	// BeforeSendC2C decides about msg (Seq is 0). It may replace msg.Body or
	// msg.CloudCustomData; a replaced body that fails validation is ignored
	// and the original kept. To reject, it returns an *im.Error (20006, or
	// the app's own code in 120001-130000). It owns its time budget and
	// fails open: on timeout it returns Deliver.
	BeforeSendC2C(ctx context.Context, sdkAppID uint64, msg *Message) (Verdict, error)
}

// Pusher is the offline-push hook point (step 8).
type Pusher interface {
	// PushC2C offers a stored message to its recipient's offline devices.
	// It must not block: it queues and returns. msg.PushInfo carries the
	// sender's OfflinePushInfo (nil when none).
	PushC2C(ctx context.Context, sdkAppID uint64, msg Message)
}

// AfterSend is the after-send webhook hook point (step 9).
type AfterSend interface {
	// AfterSendC2C reports a stored or online-only message to the app's
	// backend. It must not block: it queues (bounded) and returns.
	AfterSendC2C(ctx context.Context, sdkAppID uint64, msg Message)
}

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
