package message

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/bus"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
)

// RecallRequest asks Recall to withdraw one message.
type RecallRequest struct {
	SDKAppID uint64
	// From and To are the message's sender and recipient. For a user's
	// recall From is the user: only the sender may recall.
	From   string
	To     string
	MsgKey string
	// ByAdmin: admin_msgwithdraw, with no time limit.
	ByAdmin bool
	// Session is the recalling WebSocket session, which gets no event.
	Session string
}

// Recall withdraws a stored message: its content is removed, history shows
// it flagged as recalled (MsgFlagBits FlagRecalled), and both participants'
// devices get protocol.EventMessageRevoked. A user may recall only their own
// message, within the app's recall window; an admin any message, any time.
// Of concurrent recalls of one message exactly one succeeds and sends the
// event; the others answer 20023, as a recall after it would.
//
// Codes: 90054 a malformed MsgKey; 20022 no such message (from From to
// To); 90009 a user recalling someone else's message; 20023 already
// recalled; 20016 the recall window has passed.
func (s *Service) Recall(ctx context.Context, req RecallRequest) error {
	r := &revision{
		app: req.SDKAppID, from: req.From, conv: im.C2C(req.To), key: req.MsgKey, byAdmin: req.ByAdmin, session: req.Session,
		change: func(ctx context.Context, m *Message) error {
			if m.Recalled {
				return im.Errorf(im.CodeC2CAlreadyRecalled, "message %s was already recalled", req.MsgKey)
			}
			if !req.ByAdmin {
				if err := s.checkRecallWindow(ctx, req.SDKAppID, m.Time); err != nil {
					return err
				}
			}
			m.Body, m.CloudCustomData, m.Recalled, m.Modified = im.MsgBody{}, "", true, false
			return nil
		},
	}
	m, err := s.revise(ctx, r)
	if err != nil {
		return err
	}
	data, err := appendJSON(nil, protocol.MessageRevoked{
		From: m.From, To: m.To, MsgSeq: m.Seq, MsgRandom: m.Random, MsgTime: m.TimeSeconds(), MsgKey: m.Key(), ByAdmin: bit(req.ByAdmin),
	})
	if err != nil {
		return err
	}
	s.announce(ctx, r, &m, protocol.EventMessageRevoked, data)
	return nil
}

// revision is a change to a stored message (a recall, a modify). It takes
// the send pipeline's shape, with the target of the conversation's kind
// answering what depends on it: validate and authorize (the target finds
// the message the key names and checks that the caller may change it;
// change refuses what may not change and changes the rest), store (the
// target writes the change if the message is still as read; otherwise it
// is read again), deliver (announce: an event to whoever the target says
// follows the conversation). A revision has no webhooks, no admission and
// no push.
type revision struct {
	app uint64
	// from is the caller: the message's sender (users), or the sender the
	// admin names.
	from    string
	conv    im.ConvID
	key     string
	byAdmin bool
	// session is the caller's WebSocket session, which gets no event.
	session string
	// change checks the message as read and changes it; an error refuses
	// the revision.
	change func(ctx context.Context, m *Message) error
}

// revise runs r's validate, authorize and store steps, reading the message
// again when another update came in between, and returns the message as
// now stored.
func (s *Service) revise(ctx context.Context, r *revision) (Message, error) {
	t := s.target(r.conv.Kind)
	var m Message
	err := retryChanged(func() error {
		found, rev, err := t.find(ctx, r)
		if err != nil {
			return err
		}
		if err := r.change(ctx, &found); err != nil {
			return err
		}
		if err := t.update(ctx, r.app, &found, rev); err != nil {
			return err
		}
		m = found
		return nil
	})
	return m, err
}

// announce is a revision's deliver step: the event reaches everyone the
// target says follows m's conversation, except the caller's session.
func (s *Service) announce(ctx context.Context, r *revision, m *Message, name string, data []byte) {
	ctx = context.WithoutCancel(ctx)
	for _, w := range s.target(r.conv.Kind).watchers(m, r.session) {
		s.publish(ctx, r.app, w.user, bus.Event{Name: name, Data: data, ExceptSession: w.except})
	}
}

// checkRecallWindow refuses (20016) a user's recall after the app's window.
func (s *Service) checkRecallWindow(ctx context.Context, sdkAppID uint64, sentMillis int64) error {
	window, err := s.settings.RecallWindow(ctx, sdkAppID)
	if err != nil {
		return fmt.Errorf("message: recall window of app %d: %w", sdkAppID, err)
	}
	if age := s.now().Sub(time.UnixMilli(sentMillis)); age > window {
		return im.Errorf(im.CodeC2CRecallTimeLimit, "message sent %s ago; it can be recalled for %s", age.Truncate(time.Second), window)
	}
	return nil
}

// ModifyRequest asks Modify to overwrite a stored message's content.
type ModifyRequest struct {
	SDKAppID uint64
	// From and To are the message's sender and recipient. For a user's
	// modify From is the user: only the sender may modify.
	From   string
	To     string
	MsgKey string
	// Body replaces the body when non-nil; CloudCustomData replaces it
	// when non-nil. At least one is required.
	Body            im.MsgBody
	CloudCustomData *string
	// ByAdmin: modify_c2c_msg from the REST API.
	ByAdmin bool
	// Session is the modifying WebSocket session, which gets no event.
	Session string
}

// Modify replaces the body and/or CloudCustomData of a stored message
// (modify_c2c_msg, a client's modifyMessage) and returns the message as
// now stored. History shows the new content with IsModified; both
// participants' devices get protocol.EventMessageModified carrying the
// message.
// The change applies to the message as stored when it is written: if a
// concurrent modify or recall changed it after Modify read it, Modify reads
// it again (and answers 20023 if it was recalled meanwhile).
//
// Codes: 90010 nothing to modify; the body and CloudCustomData codes;
// 90054, 20022, 90009 as Recall; 20023 the message was recalled.
func (s *Service) Modify(ctx context.Context, req ModifyRequest) (Message, error) {
	if req.Body == nil && req.CloudCustomData == nil {
		return Message{}, im.Errorf(im.CodeMsgFormat, "give MsgBody or CloudCustomData to modify")
	}
	r := &revision{
		app: req.SDKAppID, from: req.From, conv: im.C2C(req.To), key: req.MsgKey, byAdmin: req.ByAdmin, session: req.Session,
		change: func(_ context.Context, m *Message) error {
			if m.Recalled {
				return im.Errorf(im.CodeC2CAlreadyRecalled, "message %s was recalled", req.MsgKey)
			}
			if req.Body != nil {
				m.Body = req.Body
			}
			if req.CloudCustomData != nil {
				m.CloudCustomData = *req.CloudCustomData
			}
			if err := s.checkContent(m.Body, m.CloudCustomData); err != nil {
				return err
			}
			m.Modified = true
			return nil
		},
	}
	m, err := s.revise(ctx, r)
	if err != nil {
		return Message{}, err
	}
	data, err := m.AppendJSON(nil)
	if err != nil {
		return Message{}, err
	}
	s.announce(ctx, r, &m, protocol.EventMessageModified, data)
	return m, nil
}

// errChanged: the message changed between reading and updating it.
var errChanged = errors.New("message: changed since read")

// maxUpdateAttempts bounds how often Recall and Modify read a message
// again after losing a race to another update. Each loss means another
// update succeeded, so a few attempts end any realistic race; a message
// modified without pause is reported as an internal error, not retried
// forever.
const maxUpdateAttempts = 4

// retryChanged runs attempt until it returns something other than
// errChanged, at most maxUpdateAttempts times.
func retryChanged(attempt func() error) error {
	var err error
	for range maxUpdateAttempts {
		if err = attempt(); !errors.Is(err, errChanged) {
			return err
		}
	}
	return fmt.Errorf("message: gave up after %d attempts: %w", maxUpdateAttempts, err)
}

// update writes m's document and state over the stored message if it is
// still at revision rev; errChanged if another update came first.
func (s *Service) update(ctx context.Context, sdkAppID uint64, m *Message, rev uint64) error {
	doc, err := m.encodeDoc()
	if err != nil {
		return err
	}
	err = s.store.UpdateC2C(ctx, sdkAppID, m.From, m.To, store.C2CUpdate{Seq: m.Seq, Rev: rev, Doc: doc, State: m.state()})
	switch {
	case errors.Is(err, store.ErrConflict):
		return errChanged
	case errors.Is(err, store.ErrNotFound):
		return im.Errorf(im.CodeC2CRecallNotFound, "message %s no longer exists", m.Key())
	case err != nil:
		return fmt.Errorf("message: update %s in app %d: %w", m.Key(), sdkAppID, err)
	}
	return nil
}

// resolve finds the message a MsgKey names in the conversation {from, to}
// and checks that from sent it.
func (s *Service) resolve(ctx context.Context, sdkAppID uint64, from, to, key string, byAdmin bool) (store.C2CMessage, error) {
	if from == "" || to == "" {
		return store.C2CMessage{}, im.Errorf(im.CodeC2CRecallNotFound, "From_Account and To_Account are required")
	}
	seq, random, sec, err := im.ParseMsgKey(key)
	if err != nil {
		return store.C2CMessage{}, err
	}
	r, found, err := s.lookup(ctx, sdkAppID, from, to, seq, random, sec)
	switch {
	case err != nil:
		return store.C2CMessage{}, err
	case !found:
		return store.C2CMessage{}, im.Errorf(im.CodeC2CRecallNotFound, "no message %s between %q and %q", key, from, to)
	case r.From != from && byAdmin:
		return store.C2CMessage{}, im.Errorf(im.CodeC2CRecallNotFound, "message %s was not sent by %q", key, from)
	case r.From != from:
		return store.C2CMessage{}, im.Errorf(im.CodeMsgAdminRequired, "only the sender (or an admin) may change message %s", key)
	}
	return r, nil
}

// lookup finds a message by its key parts: by Seq when it matches the
// key's Random and second, otherwise (a batch key, "0_...") by Random
// within that second, preferring a message from the given sender.
func (s *Service) lookup(ctx context.Context, sdkAppID uint64, from, to string, seq uint64, random uint32, sec int64) (store.C2CMessage, bool, error) {
	if seq > 0 {
		r, err := s.store.GetC2C(ctx, sdkAppID, from, to, seq)
		switch {
		case err == nil && r.Random == random && r.Time/1000 == sec:
			return r, true, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return store.C2CMessage{}, false, fmt.Errorf("message: get %d of %q-%q in app %d: %w", seq, from, to, sdkAppID, err)
		}
	}
	q := store.HistoryQuery{MinTime: sec * 1000, MaxTime: sec*1000 + 999, Limit: 100}
	var candidate store.C2CMessage
	found := false
	for {
		page, err := s.store.C2CHistory(ctx, sdkAppID, from, to, q)
		if err != nil {
			return store.C2CMessage{}, false, fmt.Errorf("message: find key in %q-%q in app %d: %w", from, to, sdkAppID, err)
		}
		for _, r := range page {
			if r.Random != random {
				continue
			}
			if r.From == from {
				return r, true, nil
			}
			candidate, found = r, true
		}
		if len(page) < q.Limit {
			return candidate, found, nil
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
}
