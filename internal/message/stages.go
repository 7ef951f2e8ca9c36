package message

import "time"

// Stage names a stage of the send pipeline whose duration the service
// reports to Config.ObserveStage. The values are stable: they become the
// label of a metric.
//
// A stage is observed only when it runs, so its count says how often it
// ran: a rejected send observes validate alone, an online-only one has no
// store and no push, a duplicate ends after before_send or store. A stage
// may cover several steps of the pipeline (pipeline.go): validate is the
// validate and authorize steps, before_send the dedup and before-send
// steps, observed as one when they run one after the other. SendC2C
// observes each stage at most once. The steps that work copy by copy
// (deliver, push, after-send) are observed once per copy: BatchSendC2C
// observes validate and store once for the batch (one atomic append) and
// deliver and push once per recipient's copy. ImportC2C observes validate,
// store (including its dedup lookup) and, by mode, deliver and push.
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
	// StageAdmit: admission (frequency control); only with a
	// Config.Admission.
	StageAdmit Stage = "admit"
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
	return []Stage{StageValidate, StageBeforeSend, StageAdmit, StageStore, StageDeliver, StagePush, StageAfterSend}
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
