package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// Helpers shared by the message and conversation cases.

// t0 is the base message time of the cases (Unix ms).
const t0 int64 = 1_700_000_000_000

// send builds an ordinary message: unread for the recipient, in the
// sender's sync stream, becoming the last message; its Doc names it.
func send(from, to string, random uint32, at int64) store.C2CAppend {
	return store.C2CAppend{Msg: store.C2CMessage{
		From: from, To: to, Random: random, Time: at,
		Doc:    fmt.Appendf(nil, `{"from":%q,"random":%d,"time":%d}`, from, random, at),
		Unread: true, SenderSync: true,
	}}
}

// deduped sets DedupSince.
func deduped(a store.C2CAppend, since int64) store.C2CAppend {
	a.DedupSince = since
	return a
}

func mustAppend(t *testing.T, s store.Store, app uint64, msgs ...store.C2CAppend) []store.C2CAppended {
	t.Helper()
	out, err := s.AppendC2C(t.Context(), app, msgs)
	if err != nil {
		t.Fatalf("AppendC2C(%d, %d messages): %v", app, len(msgs), err)
	}
	if len(out) != len(msgs) {
		t.Fatalf("AppendC2C returned %d outcomes for %d messages", len(out), len(msgs))
	}
	return out
}

// mustAppendOne appends one message and returns its outcome.
func mustAppendOne(t *testing.T, s store.Store, app uint64, msg store.C2CAppend) store.C2CAppended {
	t.Helper()
	return mustAppend(t, s, app, msg)[0]
}

// sendN appends n ordinary messages from → to, one per call, with times
// at, at+1, ... and randoms from random up; it returns their seqs.
func sendN(t *testing.T, s store.Store, app uint64, from, to string, n int, random uint32, at int64) []uint64 {
	t.Helper()
	var seqs []uint64
	for i := range n {
		seqs = append(seqs, mustAppendOne(t, s, app, send(from, to, random+uint32(i), at+int64(i))).Msg.Seq)
	}
	return seqs
}

func mustReadSync(t *testing.T, s store.Store, app uint64, user string, q store.SyncQuery) []store.SyncEntry {
	t.Helper()
	got, err := s.ReadSync(t.Context(), app, user, q)
	if err != nil {
		t.Fatalf("ReadSync(%d, %q, %+v): %v", app, user, q, err)
	}
	if got == nil {
		t.Fatalf("ReadSync(%d, %q, %+v) returned nil, want a non-nil slice", app, user, q)
	}
	return got
}

// readAllSync pages through the user's stream (page size pageSize) from
// the start and checks that pages are ascending and consistent.
func readAllSync(t *testing.T, s store.Store, app uint64, user string, pageSize, perPeer int) []store.SyncEntry {
	t.Helper()
	var all []store.SyncEntry
	after := uint64(0)
	for range 10000 {
		page := mustReadSync(t, s, app, user, store.SyncQuery{After: after, Limit: pageSize, PerPeer: perPeer})
		if len(page) > pageSize {
			t.Fatalf("ReadSync returned %d entries with Limit %d", len(page), pageSize)
		}
		for _, e := range page {
			if e.SyncSeq <= after {
				t.Fatalf("ReadSync of %q after %d returned SyncSeq %d out of order", user, after, e.SyncSeq)
			}
			after = e.SyncSeq
		}
		all = append(all, page...)
		if len(page) < pageSize {
			return all
		}
	}
	t.Fatal("ReadSync paging did not end")
	return nil
}

func syncSeqs(entries []store.SyncEntry) []uint64 {
	out := []uint64{}
	for _, e := range entries {
		out = append(out, e.SyncSeq)
	}
	return out
}

// fullHistory returns every message of {a, b}, oldest first.
func fullHistory(t *testing.T, s store.Store, app uint64, a, b string) []store.C2CMessage {
	t.Helper()
	msgs := mustHistory(t, s, app, a, b, store.HistoryQuery{Limit: 1 << 20})
	slices.Reverse(msgs)
	return msgs
}

func mustHistory(t *testing.T, s store.Store, app uint64, a, b string, q store.HistoryQuery) []store.C2CMessage {
	t.Helper()
	got, err := s.C2CHistory(t.Context(), app, a, b, q)
	if err != nil {
		t.Fatalf("C2CHistory(%d, %q, %q, %+v): %v", app, a, b, q, err)
	}
	if got == nil {
		t.Fatalf("C2CHistory returned nil, want a non-nil slice")
	}
	return got
}

func seqsOf(msgs []store.C2CMessage) []uint64 {
	out := []uint64{}
	for _, m := range msgs {
		out = append(out, m.Seq)
	}
	return out
}

// seqRange returns first..last (empty when last < first).
func seqRange(first, last uint64) []uint64 {
	out := []uint64{}
	for i := first; i <= last; i++ {
		out = append(out, i)
	}
	return out
}

func checkSeqs(t *testing.T, what string, got, want []uint64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// checkMessage compares every field of a stored message.
// checkMessage compares everything but Rev, whose values only the
// conditional-update cases look at.
func checkMessage(t *testing.T, what string, got, want store.C2CMessage) {
	t.Helper()
	got.Rev, want.Rev = 0, 0
	if !reflect.DeepEqual(withoutDoc(got), withoutDoc(want)) || !bytes.Equal(got.Doc, want.Doc) {
		t.Errorf("%s:\n got %+v doc %s\nwant %+v doc %s", what, withoutDoc(got), got.Doc, withoutDoc(want), want.Doc)
	}
}

func withoutDoc(m store.C2CMessage) store.C2CMessage {
	m.Doc = nil
	return m
}

func mustConversation(t *testing.T, s store.Store, app uint64, owner, peer string) store.Conversation {
	t.Helper()
	return mustConversationOf(t, s, app, owner, im.C2C(peer))
}

func mustConversationOf(t *testing.T, s store.Store, app uint64, owner string, conv im.ConvID) store.Conversation {
	t.Helper()
	got, err := s.GetConversations(t.Context(), app, owner, []im.ConvID{conv})
	if err != nil {
		t.Fatalf("GetConversations(%d, %q, %v): %v", app, owner, conv, err)
	}
	c, ok := got[conv]
	if !ok {
		t.Fatalf("%q has no conversation %v", owner, conv)
	}
	return c
}

func hasConversation(t *testing.T, s store.Store, app uint64, owner, peer string) bool {
	t.Helper()
	got, err := s.GetConversations(t.Context(), app, owner, []im.ConvID{im.C2C(peer)})
	if err != nil {
		t.Fatalf("GetConversations(%d, %q, %q): %v", app, owner, peer, err)
	}
	_, ok := got[im.C2C(peer)]
	return ok
}

func mustList(t *testing.T, s store.Store, app uint64, owner string, beforeUpdated int64, after im.ConvID, limit int) []store.Conversation {
	t.Helper()
	got, err := s.ListConversations(t.Context(), app, owner, beforeUpdated, after, limit)
	if err != nil {
		t.Fatalf("ListConversations(%d, %q, %d, %v, %d): %v", app, owner, beforeUpdated, after, limit, err)
	}
	if got == nil {
		t.Fatalf("ListConversations returned nil, want a non-nil slice")
	}
	return got
}

// peersOf lists the conversations by C2C peer, other kinds as ConvID.String.

func peersOf(convs []store.Conversation) []string {
	out := []string{}
	for _, c := range convs {
		if c.Conv.Kind != im.ConvC2C {
			out = append(out, c.Conv.String())
			continue
		}
		out = append(out, c.Conv.ID)
	}
	return out
}

func mustMarkRead(t *testing.T, s store.Store, app uint64, owner, peer string, upTo uint64) store.Conversation {
	t.Helper()
	return mustMarkReadOf(t, s, app, owner, im.C2C(peer), upTo)
}

func mustMarkReadOf(t *testing.T, s store.Store, app uint64, owner string, conv im.ConvID, upTo uint64) store.Conversation {
	t.Helper()
	c, err := s.MarkRead(t.Context(), app, owner, conv, upTo)
	if err != nil {
		t.Fatalf("MarkRead(%d, %q, %v, %d): %v", app, owner, conv, upTo, err)
	}
	return c
}

func mustSyncHead(t *testing.T, s store.Store, app uint64, user string) uint64 {
	t.Helper()
	head, err := s.SyncHead(t.Context(), app, user)
	if err != nil {
		t.Fatalf("SyncHead(%d, %q): %v", app, user, err)
	}
	return head
}
