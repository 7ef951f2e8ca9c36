package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/parley-im/parley/pkg/protocol"
)

// This file is the client's side of the sync stream (the sync command in
// docs/protocol.md, "Messaging commands"): Sync and the resync after a
// reconnect, and the bookkeeping that delivers every stored message once,
// as a message or as a revision.

// Sync returns the messages to or from this user that were stored after
// the client's sync position and that the client has not delivered yet
// (through Events or an earlier Sync), oldest first, and moves the
// position to the end of the stream. It reads page after page until the
// server says the page is complete. The first Sync of a client starts at
// the beginning (SetSyncSeq sets a saved position), which gives a new
// device the offline cache: per conversation at most the latest 100
// unseen messages; older ones stay reachable with History.
//
// Once the client has a position, it also resynchronises by itself after
// each reconnect, delivering what it missed through Events as message
// events followed by a sync_complete event, before OnReconnect runs.
// Messages are identified by (peer, MsgSeq): none is delivered twice.
//
// A message recalled or modified since it was delivered (or while it was
// in flight) comes back as a revision: Sync returns it with IsRevision 1
// and its new state (Recalled, IsModified); the resync after a reconnect
// delivers it as a message_revoked or message_modified event instead. The
// client remembers the last state it reported of each message (the
// latest 65536), so a revision that a live event or an earlier sync
// already reported is not reported again.
func (c *Client) Sync(ctx context.Context) ([]Message, error) {
	entries, _, err := c.syncAll(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(entries))
	for i, e := range entries {
		out[i] = e.msg
	}
	return out, nil
}

// SyncSeq returns the client's sync position: where the next Sync starts.
func (c *Client) SyncSeq() uint64 {
	c.stream.mu.Lock()
	defer c.stream.mu.Unlock()
	return c.stream.pos
}

// SetSyncSeq sets the sync position, e.g. one saved by an earlier run of
// the application (SyncSeq), so that Sync and the resync after a
// reconnect start there.
func (c *Client) SetSyncSeq(seq uint64) {
	c.stream.mu.Lock()
	defer c.stream.mu.Unlock()
	c.stream.pos, c.stream.positioned = seq, true
	clear(c.stream.seen)
}

// syncPageSize is the Limit of each sync page the client asks for.
const syncPageSize = 500

// syncEntry is a message of a sync page, with the event that delivers it
// (name, data): a message event, or for a revision message_revoked or
// message_modified.
type syncEntry struct {
	msg  Message
	name string
	raw  json.RawMessage
}

// asRevision turns an entry into the event reporting its new state.
func (e syncEntry) asRevision() syncEntry {
	e.msg.IsRevision = 1
	if !e.msg.Recalled() {
		e.name = EventMessageModified
		return e
	}
	m := e.msg
	// A struct of strings and numbers always marshals.
	e.raw, _ = json.Marshal(MessageRevoked{
		From: m.From, To: m.To, MsgSeq: m.MsgSeq, MsgRandom: m.MsgRandom, MsgTime: m.MsgTime, MsgKey: m.MsgKey,
	})
	e.name = EventMessageRevoked
	return e
}

// syncAll reads the sync stream from the position to its end and commits
// the new position; it returns the entries not delivered before and the
// head reached.
func (c *Client) syncAll(ctx context.Context) ([]syncEntry, uint64, error) {
	c.stream.run.Lock()
	defer c.stream.run.Unlock()
	after := c.SyncSeq()
	var entries []syncEntry
	for {
		var page protocol.SyncAnswer[json.RawMessage]
		req := protocol.SyncRequest{After: after, Limit: syncPageSize}
		if err := c.Call(ctx, protocol.CmdSync, req, &page); err != nil {
			return nil, 0, err
		}
		for _, raw := range page.Entries {
			e := syncEntry{name: EventMessage, raw: raw}
			if err := json.Unmarshal(raw, &e.msg); err != nil {
				return nil, 0, fmt.Errorf("client: decode sync entry: %w", err)
			}
			entries = append(entries, e)
		}
		if !page.Complete && page.Next <= after {
			return nil, 0, fmt.Errorf("client: sync page after %d did not advance", after)
		}
		after = page.Next
		if page.Complete {
			return c.stream.commit(c.opts.UserID, entries, after), after, nil
		}
	}
}

// resync runs after a reconnect when the client has a sync position: it
// syncs and delivers the new messages, then sync_complete, through
// Events. A failure is reported to OnDisconnect; the next reconnect (or
// Sync) tries again from the same position.
func (c *Client) resync() {
	if !c.stream.hasPosition() {
		return
	}
	entries, head, err := c.syncAll(c.ctx)
	if err != nil {
		if f := c.opts.OnDisconnect; f != nil && c.ctx.Err() == nil {
			f(fmt.Errorf("client: resync: %w", err))
		}
		return
	}
	for _, e := range entries {
		if !c.push(Event{Name: e.name, Data: e.raw}) {
			return
		}
	}
	done, _ := json.Marshal(SyncComplete{Head: head, Count: len(entries)})
	c.push(Event{Name: EventSyncComplete, Data: done})
}

// push hands the application an event the client made, waiting for room;
// it reports false when the client was closed meanwhile.
func (c *Client) push(ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// deliver hands a server event to the application without blocking. A
// message event the client delivered already (live or through Sync) is
// dropped, and so is a revision it reported already.
func (c *Client) deliver(ev Event) error {
	switch ev.Name {
	case EventMessage:
	case EventMessageRevoked, EventMessageModified:
		return c.deliverRevision(ev)
	default:
		return c.offer(ev)
	}
	var head struct {
		SyncSeq uint64 `json:"SyncSeq"`
		From    string `json:"From_Account"`
		To      string `json:"To_Account"`
		MsgSeq  uint64 `json:"MsgSeq"`
	}
	if json.Unmarshal(ev.Data, &head) != nil || head.MsgSeq == 0 || head.SyncSeq == 0 {
		return c.offer(ev) // online-only: nothing to deduplicate by
	}
	m := Message{From: head.From, To: head.To}
	id := msgID{peer: m.Peer(c.opts.UserID), seq: head.MsgSeq}
	return c.stream.deliverOnce(id, head.SyncSeq, func() error { return c.offer(ev) })
}

// deliverRevision hands a live message_revoked or message_modified event
// to the application unless a sync reported that state already.
func (c *Client) deliverRevision(ev Event) error {
	var m Message // message_revoked has the identifying fields too
	if json.Unmarshal(ev.Data, &m) != nil || m.MsgSeq == 0 {
		return c.offer(ev)
	}
	mark := markRecalled
	if ev.Name == EventMessageModified {
		m.MsgFlagBits, m.IsModified = 0, 1
		mark = revisionMark(&m)
	}
	id := msgID{peer: m.Peer(c.opts.UserID), seq: m.MsgSeq}
	return c.stream.reviseOnce(id, mark, func() error { return c.offer(ev) })
}

// offer queues an event for the application, or fails when Events is full.
func (c *Client) offer(ev Event) error {
	select {
	case c.events <- ev:
		return nil
	default:
		return errOverflow
	}
}

// msgID identifies a stored message from one user's side.
type msgID struct {
	peer string
	seq  uint64
}

// maxSeen bounds the messages a client remembers past its sync position.
const maxSeen = 1 << 16

// syncState is a client's position in its user's sync stream and the
// messages it delivered beyond it. Lock order: run, then mu.
type syncState struct {
	run sync.Mutex // serialises sync runs

	mu         sync.Mutex
	positioned bool   // a Sync completed or SetSyncSeq was called
	pos        uint64 // where the next sync starts
	// seen holds the messages delivered (or sent by this client) that a
	// sync from pos may return again, with their SyncSeq (0: sent here,
	// SyncSeq unknown).
	seen map[msgID]uint64
	// revised holds the last revision reported of recalled or modified
	// messages (revisionMark), at most maxSeen of them.
	revised map[msgID]string
}

// markRecalled is the revisionMark of every recalled message.
const markRecalled = "recalled"

// revisionMark identifies a message's state for revision dedup: "" for an
// unchanged message, markRecalled, or the modified content.
func revisionMark(m *Message) string {
	switch {
	case m.Recalled():
		return markRecalled
	case m.IsModified == 0:
		return ""
	}
	body, _ := json.Marshal(m.MsgBody) // raw JSON elements always marshal
	return "modified\x00" + string(body) + "\x00" + m.CloudCustomData
}

// reviseOnce runs deliver for a live revision unless it was reported
// already, and remembers it when deliver succeeds.
func (st *syncState) reviseOnce(id msgID, mark string, deliver func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.revised[id] == mark {
		return nil
	}
	if err := deliver(); err != nil {
		return err
	}
	st.rememberRevision(id, mark)
	return nil
}

// noteRevision remembers a revision this client made (Revoke, Modify), so
// that no sync reports it back.
func (st *syncState) noteRevision(id msgID, mark string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rememberRevision(id, mark)
}

// rememberRevision records a message's last reported state, dropping an
// arbitrary half of revised when it grows past maxSeen (a revision of a
// forgotten message may then be reported again).
func (st *syncState) rememberRevision(id msgID, mark string) {
	if st.revised == nil {
		st.revised = map[msgID]string{}
	}
	st.revised[id] = mark
	if len(st.revised) <= maxSeen {
		return
	}
	n := 0
	for k := range st.revised {
		if n++; n > maxSeen/2 {
			break
		}
		delete(st.revised, k)
	}
	st.revised[id] = mark
}

func (st *syncState) hasPosition() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.positioned
}

// deliverOnce runs deliver for a live message unless it was delivered
// already or lies at or before the position (a sync returned it), and
// remembers it when deliver succeeds.
func (st *syncState) deliverOnce(id msgID, syncSeq uint64, deliver func() error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.seen[id]; dup || st.positioned && syncSeq <= st.pos {
		return nil
	}
	if err := deliver(); err != nil {
		return err
	}
	st.remember(id, syncSeq)
	return nil
}

// noteSent remembers a message this client sent, so that no sync returns it.
func (st *syncState) noteSent(id msgID) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.remember(id, 0)
}

// remember adds a message to seen, halving seen when it grows past
// maxSeen (oldest first), so a client that never syncs stays bounded.
func (st *syncState) remember(id msgID, syncSeq uint64) {
	if st.seen == nil {
		st.seen = map[msgID]uint64{}
	}
	st.seen[id] = syncSeq
	if len(st.seen) <= maxSeen {
		return
	}
	seqs := make([]uint64, 0, len(st.seen))
	for _, s := range st.seen {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	cut := seqs[len(seqs)/2]
	for k, s := range st.seen {
		if s <= cut {
			delete(st.seen, k)
		}
	}
}

// commit moves the position to pos after a sync and returns what to
// deliver: the messages not delivered before, and revisions not reported
// before (a revision entry, or the entry of a message delivered before
// that shows a new state); what lies at or before pos is forgotten from
// seen, since no later sync returns it.
func (st *syncState) commit(me string, entries []syncEntry, pos uint64) []syncEntry {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := entries[:0]
	known := map[msgID]bool{} // delivered before or earlier in this sync
	for _, e := range entries {
		id := msgID{peer: e.msg.Peer(me), seq: e.msg.MsgSeq}
		if _, ok := st.seen[id]; ok {
			delete(st.seen, id)
			known[id] = true
		}
		mark := revisionMark(&e.msg)
		if e.msg.IsRevision == 0 && !known[id] {
			known[id] = true
			if mark != "" {
				st.rememberRevision(id, mark)
			}
			out = append(out, e)
			continue
		}
		if mark == "" || st.revised[id] == mark {
			continue
		}
		st.rememberRevision(id, mark)
		out = append(out, e.asRevision())
	}
	for k, s := range st.seen {
		if s > 0 && s <= pos {
			delete(st.seen, k)
		}
	}
	st.pos, st.positioned = pos, true
	return out
}
