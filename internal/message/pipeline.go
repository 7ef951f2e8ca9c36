package message

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// The send pipeline is one ordered list of steps (docs/architecture.md,
// "The send pipeline"). Every entry point (a user's send, an admin's send,
// a batch, an import) is a route: a declared selection of those steps, run
// in pipeline order by one runner. What depends on the kind of
// conversation (who may send, how the message is stored, who receives
// it) is asked of the pass's target; everything else is written once here.

// step is one step of the send pipeline. Its values are in pipeline order.
type step uint8

// The steps, in pipeline order.
const (
	// stepValidate: the entry point's request checks, then the target's
	// (participants, body, options, accounts).
	stepValidate step = iota + 1
	// stepAuthorize: may the sender send to the conversation (the target
	// asks Permissions).
	stepAuthorize
	// stepDedup: answer a retry from the stored message before the
	// before-send webhook sees it; only when that webhook runs (otherwise
	// the store's append deduplicates alone, atomically).
	stepDedup
	// stepBeforeSend: the before-send webhook may reject, drop or rewrite.
	stepBeforeSend
	// stepAdmit: admission (frequency control) may reject or shed.
	stepAdmit
	// stepStore: the target's durable append, deduplicating by the
	// route's key; not for online-only messages.
	stepStore
	// stepDeliver: publish each copy to its recipients' sessions.
	stepDeliver
	// stepPush: offer each stored copy to offline push.
	stepPush
	// stepAfterSend: report each copy to the after-send webhook.
	stepAfterSend
)

var stepNames = [...]string{
	stepValidate: "validate", stepAuthorize: "authorize", stepDedup: "dedup",
	stepBeforeSend: "before-send", stepAdmit: "admit", stepStore: "store",
	stepDeliver: "deliver", stepPush: "push", stepAfterSend: "after-send",
}

func (st step) String() string { return stepNames[st] }

// dedupKey is what makes two sends the same message for a route.
type dedupKey uint8

const (
	// bySender: the same sender, conversation and MsgRandom within
	// DedupWindow. The store decides it inside the append.
	bySender dedupKey = iota
	// byImportKey: importmsg's (MsgSeq, MsgRandom, MsgTimeStamp) in either
	// direction of the conversation. The store port cannot decide it, so
	// the target looks it up and appends under a per-conversation lock.
	byImportKey
)

// route is an entry point: the steps it runs, in pipeline order, and its
// dedup key.
type route struct {
	name  string
	steps []step
	dedup dedupKey
}

// The entry points. A step left out is never run; a step selected runs
// unless its hook is not configured or the message rules it out (the
// guards in stepDefs).
var (
	// routeUserSend: a user's send over the WebSocket (send_c2c).
	routeUserSend = route{name: "user send", steps: []step{
		stepValidate, stepAuthorize, stepDedup, stepBeforeSend, stepAdmit, stepStore, stepDeliver, stepPush, stepAfterSend,
	}}
	// routeAdminSend: an admin's send over REST (sendmsg), which checks no
	// friendship, blocklist or mute.
	routeAdminSend = route{name: "admin send", steps: []step{
		stepValidate, stepDedup, stepBeforeSend, stepAdmit, stepStore, stepDeliver, stepPush, stepAfterSend,
	}}
	// routeBatchSend: batchsendmsg, which runs no webhooks and no
	// Permissions; dedup per recipient happens in the store's append.
	routeBatchSend = route{name: "batch send", steps: []step{
		stepValidate, stepAdmit, stepStore, stepDeliver, stepPush,
	}}
	// The importmsg modes: history (2) is stored only; real-time (1) is
	// delivered as well; real-time with push (5) is also pushed. Imports run
	// no webhooks, no Permissions and no admission.
	routeImportHistory = route{name: "import history", dedup: byImportKey, steps: []step{
		stepValidate, stepStore,
	}}
	routeImportRealtime = route{name: "import real-time", dedup: byImportKey, steps: []step{
		stepValidate, stepStore, stepDeliver,
	}}
	routeImportRealtimePush = route{name: "import real-time with push", dedup: byImportKey, steps: []step{
		stepValidate, stepStore, stepDeliver, stepPush,
	}}
)

// routes lists every route, for the tests that check them.
var routes = []*route{
	&routeUserSend, &routeAdminSend, &routeBatchSend,
	&routeImportHistory, &routeImportRealtime, &routeImportRealtimePush,
}

// target is what the pipeline asks of a conversation kind. It is chosen
// by the kind of the pass's conversations (Service.target).
type target interface {
	// validate checks the participants, the body and the options, and
	// that the participants exist. An error fails the whole send; in a
	// partial pass (a batch) a copy whose recipient is unfit gets its own
	// code instead.
	validate(ctx context.Context, p *pass) error
	// authorize asks whether p.from may send to each copy's conversation.
	authorize(ctx context.Context, p *pass) error
	// recent finds the stored message a retry of o's message repeats
	// (bySender, within DedupWindow of p.now).
	recent(ctx context.Context, p *pass, o *outgoing) (Message, bool, error)
	// append stores p's live copies, deduplicating by p.route.dedup: it
	// fills in each copy's Seq and Time (for a duplicate, the first
	// message's, and marks it) and its recipients' sync positions.
	append(ctx context.Context, p *pass) error
	// recipients lists who gets copy o live, with their sync positions.
	recipients(p *pass, o *outgoing) []recipient

	// A revision (recall, modify) asks the same target:
	// find resolves r's MsgKey in its conversation and checks that r.from
	// may change the message; rev is its revision as read.
	find(ctx context.Context, r *revision) (m Message, rev uint64, err error)
	// update writes m over the stored message if it is still at rev
	// (errChanged otherwise).
	update(ctx context.Context, sdkAppID uint64, m *Message, rev uint64) error
	// watchers lists who hears of a revision of m, except session.
	watchers(m *Message, session string) []recipient
}

// recipient is one user a copy is delivered to.
type recipient struct {
	user string
	// syncSeq is the copy's position in the user's sync stream (0: not in
	// it, for an online-only message).
	syncSeq uint64
	// except is a session that must not get it (the sending one).
	except string
}

// pass is one send on its way through the pipeline.
type pass struct {
	route  *route
	target target
	app    uint64
	from   string
	opts   im.SendOptions
	// check, when set, is the entry point's own request check, run first
	// in the validate step (a batch's recipient count, an import's mode).
	check func() error
	// partial: a copy may fail on its own (a batch's unfit recipient)
	// without failing the send.
	partial bool
	// noUnread: stored copies do not count as unread.
	noUnread bool
	// drawClientSeq: the message has no caller's MsgSeq; one random value
	// is drawn for all its copies once it is authorised.
	drawClientSeq bool
	// onlineOnly: the message is delivered, not stored.
	onlineOnly bool
	session    string
	turn       func()
	turned     bool
	now        time.Time
	// out is the message's copies, one per conversation it goes to.
	out []outgoing
}

// outgoing is one copy of the message: what it is, where it goes and
// what the pipeline decided about it.
type outgoing struct {
	conv im.ConvID
	msg  Message
	// code is a partial pass's reference code for a copy that failed.
	code int
	// duplicate: a retry; msg is the first message, nothing more is done.
	duplicate bool
	// dropped: the before-send webhook dropped it or admission shed it.
	dropped bool
	// recipientSync and senderSync are the sync positions the target's
	// append assigned.
	recipientSync, senderSync uint64
}

// live reports whether the copy still goes on through the pipeline.
func (o *outgoing) live() bool { return o.code == 0 && !o.duplicate && !o.dropped }

// anyLive reports whether any copy still goes on.
func (p *pass) anyLive() bool {
	for i := range p.out {
		if p.out[i].live() {
			return true
		}
	}
	return false
}

// takeTurn calls the caller's Turn once: after the store step, whatever
// its outcome, or before anything is delivered.
func (p *pass) takeTurn() {
	if p.turn != nil && !p.turned {
		p.turned = true
		p.turn()
	}
}

// stepDef is how the runner runs a step.
type stepDef struct {
	// stage is the Stage the step's time is observed under.
	stage Stage
	// runs reports whether the step runs for p at all: its hook is
	// configured and the message does not rule it out. A step that does
	// not run is not observed.
	runs func(s *Service, p *pass) bool
	// run does the step for the whole pass; or, for a step that works copy
	// by copy, each does it for one live copy, observed once per copy.
	run  func(s *Service, ctx context.Context, p *pass) error
	each func(s *Service, ctx context.Context, p *pass, o *outgoing)
}

func always(*Service, *pass) bool { return true }

var stepDefs = [...]stepDef{
	stepValidate: {stage: StageValidate, runs: always, run: (*Service).validateStep},
	stepAuthorize: {stage: StageValidate, runs: always, run: func(_ *Service, ctx context.Context, p *pass) error {
		return p.target.authorize(ctx, p)
	}},
	stepDedup: {stage: StageBeforeSend, runs: func(s *Service, p *pass) bool {
		return !p.onlineOnly && s.beforeSendRuns(p)
	}, run: (*Service).dedupStep},
	stepBeforeSend: {stage: StageBeforeSend, runs: (*Service).beforeSendRuns, run: (*Service).beforeSendStep},
	stepAdmit: {stage: StageAdmit, runs: func(s *Service, _ *pass) bool {
		return s.admission != nil
	}, run: (*Service).admitStep},
	stepStore: {stage: StageStore, runs: func(_ *Service, p *pass) bool {
		return !p.onlineOnly
	}, run: func(_ *Service, ctx context.Context, p *pass) error {
		return p.target.append(ctx, p)
	}},
	stepDeliver: {stage: StageDeliver, runs: func(s *Service, _ *pass) bool {
		return s.bus != nil
	}, each: (*Service).deliverCopy},
	stepPush: {stage: StagePush, runs: func(s *Service, p *pass) bool {
		info := p.opts.OfflinePushInfo
		return s.pusher != nil && !p.onlineOnly && (info == nil || info.PushFlag != 1)
	}, each: func(s *Service, ctx context.Context, p *pass, o *outgoing) {
		s.pusher.Push(ctx, p.app, o.conv, o.msg)
	}},
	stepAfterSend: {stage: StageAfterSend, runs: func(s *Service, p *pass) bool {
		return s.afterSend != nil && !p.opts.ForbidAfterSendCallback()
	}, each: func(s *Service, ctx context.Context, p *pass, o *outgoing) {
		s.afterSend.AfterSend(ctx, p.app, o.conv, o.msg)
	}},
}

// run takes p through its route's steps in order, stopping at the first
// error or once no copy goes on (each failed, was a duplicate or was
// dropped). Once the message is authorised, its copies are completed with
// the sender's profile (and a drawn MsgSeq). From the store step on the
// message is the caller's, so the steps after it run even if ctx is
// cancelled.
//
// Consecutive steps of one Stage are observed as one (validate and
// authorize are the validate stage; dedup and before-send the before_send
// stage), counting only the time spent in them; steps that work copy by
// copy are observed per copy.
func (s *Service) run(ctx context.Context, p *pass) error {
	var clock stageClock
	defer clock.flush(s)
	composed := false
	for _, st := range p.route.steps {
		if st != stepValidate && !p.anyLive() {
			return nil
		}
		if st == stepDeliver {
			p.takeTurn()
		}
		if st > stepAuthorize && !composed {
			composed = true
			s.completeCopies(ctx, p)
		}
		if st > stepStore {
			ctx = context.WithoutCancel(ctx)
		}
		def := &stepDefs[st]
		if !def.runs(s, p) {
			continue
		}
		if def.each != nil {
			clock.flush(s)
			for i := range p.out {
				if o := &p.out[i]; o.live() {
					start := time.Now()
					def.each(s, ctx, p, o)
					s.observeStage(def.stage, time.Since(start))
				}
			}
			continue
		}
		start := time.Now()
		err := def.run(s, ctx, p)
		clock.add(s, def.stage, time.Since(start))
		if st == stepStore {
			p.takeTurn()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stageClock adds up the time of consecutive steps of one Stage.
type stageClock struct {
	stage Stage
	spent time.Duration
	open  bool
}

func (c *stageClock) add(s *Service, stage Stage, d time.Duration) {
	if c.open && c.stage != stage {
		c.flush(s)
	}
	c.stage, c.open = stage, true
	c.spent += d
}

func (c *stageClock) flush(s *Service) {
	if c.open {
		s.observeStage(c.stage, c.spent)
		c.open, c.spent = false, 0
	}
}

// validateStep runs the entry point's check, then the target's.
func (s *Service) validateStep(ctx context.Context, p *pass) error {
	if p.check != nil {
		if err := p.check(); err != nil {
			return err
		}
	}
	return p.target.validate(ctx, p)
}

// completeCopies gives every copy still fit to send the sender's profile
// and, when the caller gave no MsgSeq, one drawn value.
func (s *Service) completeCopies(ctx context.Context, p *pass) {
	prof := s.senderProfile(ctx, p.app, p.from)
	var clientSeq uint64
	if p.drawClientSeq {
		clientSeq = uint64(s.rand())
	}
	for i := range p.out {
		if m := &p.out[i].msg; p.out[i].code == 0 {
			m.Nick, m.FaceURL = prof.Nick, prof.FaceURL
			if p.drawClientSeq {
				m.ClientSeq = clientSeq
			}
		}
	}
}

// beforeSendRuns: the before-send webhook is configured and the message
// does not forbid it (ForbidCallbackControl, honoured for admins only).
func (s *Service) beforeSendRuns(p *pass) bool {
	return s.beforeSend != nil && !p.opts.ForbidBeforeSendCallback()
}

// dedupStep answers each copy that repeats a stored message with that
// message.
func (s *Service) dedupStep(ctx context.Context, p *pass) error {
	for i := range p.out {
		o := &p.out[i]
		if !o.live() {
			continue
		}
		first, found, err := p.target.recent(ctx, p, o)
		if err != nil {
			return err
		}
		if found {
			o.msg, o.duplicate = first, true
		}
	}
	return nil
}

// beforeSendStep runs the before-send webhook on each copy.
func (s *Service) beforeSendStep(ctx context.Context, p *pass) error {
	for i := range p.out {
		o := &p.out[i]
		if !o.live() {
			continue
		}
		verdict, err := s.runBeforeSend(ctx, p.app, o.conv, &o.msg)
		if err != nil {
			return err
		}
		o.dropped = verdict == Drop
	}
	return nil
}

// runBeforeSend calls the before-send hook, keeping the original content
// when the hook returns an invalid one.
func (s *Service) runBeforeSend(ctx context.Context, sdkAppID uint64, conv im.ConvID, m *Message) (Verdict, error) {
	body, ccd := m.Body, m.CloudCustomData
	verdict, err := s.beforeSend.BeforeSend(ctx, sdkAppID, conv, m)
	if err != nil {
		return Drop, err
	}
	if err := s.checkContent(m.Body, m.CloudCustomData); err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "message: before-send hook returned invalid content; keeping the original",
			slog.Uint64("sdkappid", sdkAppID), slog.Any("err", err))
		m.Body, m.CloudCustomData = body, ccd
	}
	return verdict, nil
}

// admitStep asks admission about each copy.
func (s *Service) admitStep(ctx context.Context, p *pass) error {
	for i := range p.out {
		o := &p.out[i]
		if !o.live() {
			continue
		}
		verdict, err := s.admission.Admit(ctx, p.app, o.conv, p.opts.MsgPriority)
		if err != nil {
			return err
		}
		o.dropped = verdict == Drop
	}
	return nil
}

// deliverCopy publishes copy o to its recipients' sessions. The message is
// encoded once; each recipient's copy only gains its own SyncSeq.
func (s *Service) deliverCopy(ctx context.Context, p *pass, o *outgoing) {
	shared, err := o.msg.AppendJSON(nil)
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelError, "message: encode event", slog.Any("err", err))
		return
	}
	for _, r := range p.target.recipients(p, o) {
		s.publish(ctx, p.app, r.user, bus.Event{Name: protocol.EventMessage, Data: withSyncSeq(shared, r.syncSeq), ExceptSession: r.except})
	}
}

// target returns the target of a conversation kind.
func (s *Service) target(kind im.ConvKind) target {
	return s.targets[kind]
}
