package message

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// c2c is the target of one-to-one conversations: a copy's conversation
// is im.C2C(recipient) and its message goes From the sender To the
// recipient. One pass sends to one recipient, or, partial, to a batch's.
type c2c struct {
	s *Service
	// importLocks serialise the lookup and append of imports into one
	// conversation (byImportKey).
	importLocks *[64]sync.Mutex
}

// validate checks the participants' IDs, the body and the options, then
// that the participants are accounts. In a batch, a recipient that is not
// a valid UserID or not an account gets 90012 of its own.
func (t c2c) validate(ctx context.Context, p *pass) error {
	if p.partial {
		return t.validateBatch(ctx, p)
	}
	to := p.out[0].conv.ID
	if err := checkParticipants(p.from, to); err != nil {
		return err
	}
	if err := t.s.checkMessage(p); err != nil {
		return err
	}
	return t.s.checkAccounts(ctx, p.app, p.from, to)
}

func (t c2c) validateBatch(ctx context.Context, p *pass) error {
	if err := im.CheckUserID(p.from); err != nil {
		return im.Errorf(im.CodeC2CInvalidUser, "sender: %v", err)
	}
	if err := t.s.checkMessage(p); err != nil {
		return err
	}
	ids := []string{p.from}
	for i := range p.out {
		if id := p.out[i].conv.ID; im.CheckUserID(id) == nil {
			ids = append(ids, id)
		}
	}
	found, err := t.s.accounts.Exists(ctx, p.app, ids)
	if err != nil {
		return fmt.Errorf("message: accounts of app %d: %w", p.app, err)
	}
	if !found[p.from] {
		return im.Errorf(im.CodeC2CInvalidUser, "sender %q is not an account", p.from)
	}
	for i := range p.out {
		if !found[p.out[i].conv.ID] {
			p.out[i].code = im.CodeMsgToNotRegistered
		}
	}
	return nil
}

// authorize asks Permissions about each recipient.
func (t c2c) authorize(ctx context.Context, p *pass) error {
	for i := range p.out {
		if o := &p.out[i]; o.live() {
			if err := t.s.permissions.Authorize(ctx, p.app, p.from, o.conv); err != nil {
				return err
			}
		}
	}
	return nil
}

// recent finds the first stored message of the same sender with the same
// MsgRandom in the conversation within DedupWindow.
func (t c2c) recent(ctx context.Context, p *pass, o *outgoing) (Message, bool, error) {
	return t.s.findRecent(ctx, p.app, &o.msg, p.now)
}

// append stores the live copies. bySender: in one atomic append that
// deduplicates each copy. byImportKey: each copy under its conversation's
// import lock, after looking the key up.
func (t c2c) append(ctx context.Context, p *pass) error {
	if p.route.dedup == byImportKey {
		for i := range p.out {
			if o := &p.out[i]; o.live() {
				if err := t.appendImport(ctx, p, o); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var live []*outgoing
	var appends []store.C2CAppend
	for i := range p.out {
		o := &p.out[i]
		if !o.live() {
			continue
		}
		a, err := appendOf(p, &o.msg)
		if err != nil {
			return err
		}
		a.DedupSince = p.now.Add(-DedupWindow).UnixMilli()
		live, appends = append(live, o), append(appends, a)
	}
	res, err := t.s.store.AppendC2C(ctx, p.app, appends)
	if err != nil {
		if len(appends) == 1 {
			return fmt.Errorf("message: append %s->%s in app %d: %w", p.from, appends[0].Msg.To, p.app, err)
		}
		return fmt.Errorf("message: batch append of %d in app %d: %w", len(appends), p.app, err)
	}
	if len(res) != len(appends) {
		return fmt.Errorf("message: append returned %d results for %d messages", len(res), len(appends))
	}
	for i, o := range live {
		o.appended(res[i])
	}
	return nil
}

// appended records what the store did with o's message.
func (o *outgoing) appended(res store.C2CAppended) {
	o.msg.Seq, o.msg.Time = res.Msg.Seq, res.Msg.Time
	o.duplicate = res.Duplicate
	o.recipientSync, o.senderSync = res.RecipientSyncSeq, res.SenderSyncSeq
}

// appendImport stores an imported copy unless the conversation holds its
// (MsgSeq, MsgRandom, MsgTimeStamp) already. The lock makes the lookup and
// the append one step on this node; two nodes importing the same message
// at the same instant could both store it.
func (t c2c) appendImport(ctx context.Context, p *pass, o *outgoing) error {
	mu := &t.importLocks[conversationStripe(p.app, o.msg.From, o.msg.To, len(t.importLocks))]
	mu.Lock()
	defer mu.Unlock()
	first, found, err := t.s.findImported(ctx, p.app, &o.msg)
	if err != nil {
		return err
	}
	if found {
		o.msg, o.duplicate = first, true
		return nil
	}
	a, err := appendOf(p, &o.msg)
	if err != nil {
		return err
	}
	res, err := t.s.store.AppendC2C(ctx, p.app, []store.C2CAppend{a})
	if err != nil {
		return fmt.Errorf("message: import %s->%s in app %d: %w", o.msg.From, o.msg.To, p.app, err)
	}
	if len(res) != 1 {
		return fmt.Errorf("message: import append returned %d results for 1 message", len(res))
	}
	o.appended(res[0])
	return nil
}

// recipients: the recipient's sessions and, unless SyncOtherMachine 2 said
// not to, the sender's other sessions. A message to oneself reaches the
// sender's other sessions once.
func (c2c) recipients(p *pass, o *outgoing) []recipient {
	m := &o.msg
	to := recipient{user: m.To, syncSeq: o.recipientSync}
	if m.To == m.From {
		to.except = p.session
	}
	if !m.SenderSync {
		return []recipient{to}
	}
	return []recipient{to, {user: m.From, syncSeq: o.senderSync, except: p.session}}
}

// find resolves a revision's MsgKey to the message of the conversation
// {r.from, r.conv.ID} and checks that r.from sent it; rev is the
// message's revision as read.
func (t c2c) find(ctx context.Context, r *revision) (Message, uint64, error) {
	rec, err := t.s.resolve(ctx, r.app, r.from, r.conv.ID, r.key, r.byAdmin)
	if err != nil {
		return Message{}, 0, err
	}
	m, err := fromStored(rec, 0)
	return m, rec.Rev, err
}

// update writes a revised message over the stored one if it is still at
// rev; errChanged if another update came first.
func (t c2c) update(ctx context.Context, sdkAppID uint64, m *Message, rev uint64) error {
	return t.s.update(ctx, sdkAppID, m, rev)
}

// watchers: a revision reaches both participants' devices except the
// caller's session; for a conversation with oneself, once.
func (c2c) watchers(m *Message, session string) []recipient {
	ws := []recipient{{user: m.From, except: session}}
	if m.To != m.From {
		ws = append(ws, recipient{user: m.To})
	}
	return ws
}

// appendOf is the store request for copy m of p's message.
func appendOf(p *pass, m *Message) (store.C2CAppend, error) {
	rec, err := m.toStored()
	if err != nil {
		return store.C2CAppend{}, err
	}
	rec.Unread = !p.noUnread && m.From != m.To
	rec.NoLastMsg = p.opts.NoLastMsg()
	return store.C2CAppend{Msg: rec}, nil
}

// checkParticipants checks the shape of the sender and recipient IDs.
func checkParticipants(from, to string) error {
	if err := im.CheckUserID(from); err != nil {
		return im.Errorf(im.CodeC2CInvalidUser, "sender: %v", err)
	}
	if to == "" {
		return im.Errorf(im.CodeMsgToAccount, "To_Account missing")
	}
	if err := im.CheckUserID(to); err != nil {
		return im.Errorf(im.CodeMsgToNotRegistered, "To_Account: %v", err)
	}
	return nil
}

// checkAccounts requires the sender and the recipient to be accounts.
func (s *Service) checkAccounts(ctx context.Context, sdkAppID uint64, from, to string) error {
	found, err := s.accounts.Exists(ctx, sdkAppID, []string{from, to})
	if err != nil {
		return fmt.Errorf("message: accounts of app %d: %w", sdkAppID, err)
	}
	fromOK, toOK := found[from], found[to]
	switch {
	case !fromOK && !toOK:
		return im.Errorf(im.CodeC2CBadRequest, "neither sender %q nor recipient %q is an account", from, to)
	case !fromOK:
		return im.Errorf(im.CodeC2CInvalidUser, "sender %q is not an account", from)
	case !toOK:
		return im.Errorf(im.CodeMsgToNotRegistered, "To_Account %q is not an account", to)
	}
	return nil
}

// findRecent looks for an earlier stored message of the same sender with
// the same MsgRandom in the conversation within DedupWindow, returning the
// first one.
func (s *Service) findRecent(ctx context.Context, sdkAppID uint64, m *Message, now time.Time) (Message, bool, error) {
	q := store.HistoryQuery{MinTime: now.Add(-DedupWindow).UnixMilli(), Limit: 100}
	var first *store.C2CMessage
	for {
		page, err := s.store.C2CHistory(ctx, sdkAppID, m.From, m.To, q)
		if err != nil {
			return Message{}, false, fmt.Errorf("message: dedup lookup %s->%s in app %d: %w", m.From, m.To, sdkAppID, err)
		}
		for i := range page {
			if page[i].From == m.From && page[i].Random == m.Random {
				first = &page[i] // newest first: the last match is the first sent
			}
		}
		if len(page) < q.Limit {
			break
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
	if first == nil {
		return Message{}, false, nil
	}
	found, err := fromStored(*first, 0)
	return found, err == nil, err
}

// findImported looks for a message of m's conversation with m's
// (ClientSeq, Random, second), in either direction.
func (s *Service) findImported(ctx context.Context, sdkAppID uint64, m *Message) (Message, bool, error) {
	second := m.TimeSeconds() * 1000
	q := store.HistoryQuery{MinTime: second, MaxTime: second + 999, Limit: 100}
	for {
		page, err := s.store.C2CHistory(ctx, sdkAppID, m.From, m.To, q)
		if err != nil {
			return Message{}, false, fmt.Errorf("message: import dedup lookup: %w", err)
		}
		for _, r := range page {
			if r.Random == m.Random && r.ClientSeq == m.ClientSeq {
				found, err := fromStored(r, 0)
				return found, err == nil, err
			}
		}
		if len(page) < q.Limit {
			return Message{}, false, nil
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
}

// conversationStripe picks one of n locks for the conversation {a, b}.
func conversationStripe(sdkAppID uint64, a, b string, n int) int {
	if b < a {
		a, b = b, a
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", sdkAppID, a, b)
	return int(h.Sum32() % uint32(n))
}
