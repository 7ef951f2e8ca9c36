package message

import "time"

// Stage names a stage of the send pipeline whose duration the service
// reports to Config.ObserveStage. The values are stable: they become the
// label of a metric.
//
// A stage is observed only when it runs, so its count says how often it
// ran: a rejected send observes validate alone, an online-only one has no
// store and no push, a duplicate ends after before_send or store. SendC2C
// observes each stage at most once. BatchSendC2C observes validate and
// store once for the batch (one atomic append) and deliver and push once
// per recipient's copy, as it delivers and pushes the copies one by one;
// so do ImportC2C's delivery and push (modes 1 and 5), which are the same
// work.
type Stage string

// The stages, in pipeline order (docs/architecture.md, "The send pipeline").
const (
	// StageValidate: envelope, body and options, the accounts of sender
	// and recipients and, for user sends, Permissions. Observed for
	// rejected sends too.
	StageValidate Stage = "validate"
	// StageBeforeSend: the dedup lookup and the before-send webhook; only
	// when the webhook runs (Config.BeforeSend set and not forbidden).
	StageBeforeSend Stage = "before_send"
	// StageStore: the durable append, including the wait for the store's
	// group commit; not for online-only messages.
	StageStore Stage = "store"
	// StageDeliver: publishing to the participants' sessions; only with a
	// Config.Bus.
	StageDeliver Stage = "deliver"
	// StagePush: handing a stored message to offline push; only with a
	// Config.Pusher and without PushFlag 1.
	StagePush Stage = "push"
	// StageAfterSend: queueing the after-send webhook; only with a
	// Config.AfterSend and when not forbidden.
	StageAfterSend Stage = "after_send"
)

// Stages returns every Stage in pipeline order, for observers that create
// their per-stage state up front.
func Stages() []Stage {
	return []Stage{StageValidate, StageBeforeSend, StageStore, StageDeliver, StagePush, StageAfterSend}
}

// observeSince reports the time since start as stage's duration. A stage
// function calls it as
//
//	defer s.observeSince(StageX, time.Now())
//
// right after its "does this stage run" guard: start is taken there, and
// every return, error or not, is observed. It uses the monotonic clock, not
// Config.Clock, which stamps messages: a test's fixed clock would make every
// stage take zero.
func (s *Service) observeSince(stage Stage, start time.Time) {
	s.observeStage(stage, time.Since(start))
}
