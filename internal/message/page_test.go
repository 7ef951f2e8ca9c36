package message_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// pageCase is one byte bound on pages over a conversation of messages
// alice sent bob, with texts of the given lengths.
type pageCase struct {
	name  string
	texts []int // text lengths, in send order
	// bytes is the page bound, given the entry size of a message with a
	// 100-byte text.
	bytes func(unit int) int
	count int   // page size in entries
	pages []int // entries on each page, in order, until Complete
}

var pageCases = []pageCase{
	{"entries exactly at the bound", repeat(100, 10), times(3), 100, []int{3, 3, 3, 1}},
	{"one byte under three entries", repeat(100, 10), func(u int) int { return 3*u - 1 }, 100, []int{2, 2, 2, 2, 2}},
	{"every entry over the bound", repeat(100, 4), func(u int) int { return u / 2 }, 100, []int{1, 1, 1, 1}},
	{"many small entries: the count bounds", repeat(100, 10), times(100), 4, []int{4, 4, 2}},
	{"one huge entry among small ones", []int{100, 100, 6000, 100, 100}, times(3), 100, []int{2, 1, 2}},
}

func repeat(n, times int) []int { return slices.Repeat([]int{n}, times) }

func times(k int) func(int) int { return func(u int) int { return k * u } }

// pagedHarness sends the case's messages on a SQLite harness whose pages
// are bounded as the case says (in units of the entry size of a message
// with a 100-byte text, measured on a probe harness).
func pagedHarness(t *testing.T, tc pageCase) *harness {
	t.Helper()
	probe := newHarness(t, oneBackend, nil)
	probe.accounts(t, "alice", "bob")
	probe.send(t, "alice", "bob", strings.Repeat("x", 100), 1)
	stored, err := probe.store.GetC2C(context.Background(), probe.app, "alice", "bob", 1)
	if err != nil {
		t.Fatal(err)
	}
	bound := tc.bytes(message.PageEntryBytes(&stored))
	h := newHarness(t, oneBackend, func(c *message.Config) { c.PageBytes, c.RoamPageBytes = bound, bound })
	h.accounts(t, "alice", "bob")
	for i, n := range tc.texts {
		h.send(t, "alice", "bob", strings.Repeat("x", n), uint32(i+1))
	}
	return h
}

// TestSyncPagesBoundedInBytes follows Sync pages to the end: each page
// holds what the bound allows (at least one entry), and the pages together
// hold every entry exactly once, in order.
func TestSyncPagesBoundedInBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range pageCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := pagedHarness(t, tc)
			var sizes []int
			var seqs []uint64
			after := uint64(0)
			for range 20 {
				page, err := h.svc.Sync(context.Background(), h.app, "bob", after, tc.count)
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(page.Entries))
				for _, m := range page.Entries {
					seqs = append(seqs, m.SyncSeq)
				}
				if n := len(page.Entries); n > 0 && page.Next != page.Entries[n-1].SyncSeq {
					t.Errorf("Next %d, want the last entry's SyncSeq %d", page.Next, page.Entries[n-1].SyncSeq)
				}
				after = page.Next
				if page.Complete {
					if page.Next != page.Head {
						t.Errorf("complete page: Next %d, Head %d", page.Next, page.Head)
					}
					break
				}
			}
			if !slices.Equal(sizes, tc.pages) {
				t.Errorf("page sizes %v, want %v", sizes, tc.pages)
			}
			if want := seqRange(1, len(tc.texts)); !slices.Equal(seqs, want) {
				t.Errorf("SyncSeqs over all pages %v, want %v", seqs, want)
			}
		})
	}
}

// TestHistoryPagesBoundedInBytes does the same with History (continued
// before the last message's Seq) and admin_getroammsg pages (continued with
// LastMsgKey), newest first.
func TestHistoryPagesBoundedInBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range pageCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := pagedHarness(t, tc)
			wantSeqs := seqRange(1, len(tc.texts))
			slices.Reverse(wantSeqs)
			var sizes []int
			var seqs []uint64
			before := uint64(0)
			for range 20 {
				page, err := h.svc.History(context.Background(), message.HistoryRequest{
					SDKAppID: h.app, User: "bob", Peer: "alice", BeforeSeq: before, Count: tc.count,
				})
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(page.Messages))
				for _, m := range page.Messages {
					seqs = append(seqs, m.Seq)
				}
				if len(page.Messages) > 0 {
					before = page.Messages[len(page.Messages)-1].Seq
				}
				if page.Complete {
					break
				}
			}
			// The cases read the same newest first as oldest first.
			if !slices.Equal(sizes, tc.pages) {
				t.Errorf("history page sizes %v, want %v", sizes, tc.pages)
			}
			if !slices.Equal(seqs, wantSeqs) {
				t.Errorf("history Seqs over all pages %v, want %v", seqs, wantSeqs)
			}

			seqs = seqs[:0]
			key := ""
			for range 20 {
				page, err := h.svc.RoamHistory(context.Background(), message.RoamRequest{
					SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: tc.count, LastMsgKey: key,
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range page.Messages {
					seqs = append(seqs, m.Seq)
				}
				key = page.LastMsgKey
				if page.Complete {
					break
				}
			}
			if !slices.Equal(seqs, wantSeqs) {
				t.Errorf("admin_getroammsg Seqs over all pages %v, want %v", seqs, wantSeqs)
			}
		})
	}
}

// TestRoamPagesAtTheReferenceSize: with the default bound an
// admin_getroammsg page holds about 13 KB of messages, as the reference's
// do, while a History page of the same messages holds them all.
func TestRoamPagesAtTheReferenceSize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneBackend, nil)
	h.accounts(t, "alice", "bob")
	for i := range 10 {
		h.send(t, "alice", "bob", strings.Repeat("y", 4000), uint32(i+1))
	}
	page, err := h.svc.RoamHistory(context.Background(), message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Messages); n != 3 || page.Complete {
		t.Errorf("roam page of 4 KB messages: %d messages, Complete %v; want 3 (13 KiB), not complete", n, page.Complete)
	}
	hist, err := h.svc.History(context.Background(), message.HistoryRequest{SDKAppID: h.app, User: "bob", Peer: "alice", Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 10 || !hist.Complete {
		t.Errorf("history page: %d messages, Complete %v; want all 10", len(hist.Messages), hist.Complete)
	}
}

// TestCursorEdges: positions beyond what the store can hold are refused
// with the value quoted, and a sync position beyond the head is answered
// with the head.
func TestCursorEdges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneBackend, nil)
	h.accounts(t, "alice", "bob")
	for i := range 3 {
		h.send(t, "alice", "bob", fmt.Sprint("m", i), uint32(i+1))
	}
	ctx := context.Background()
	for _, after := range []uint64{1 << 63, 1<<64 - 1} {
		_, err := h.svc.Sync(ctx, h.app, "bob", after, 10)
		wantCodeQuoting(t, fmt.Sprintf("sync after %d", after), err, im.CodeMsgFormat, fmt.Sprint(after))
	}
	for _, after := range []uint64{4, 1000, im.MaxSeq} {
		page, err := h.svc.Sync(ctx, h.app, "bob", after, 10)
		if err != nil {
			t.Fatalf("sync after %d: %v", after, err)
		}
		if len(page.Entries) != 0 || !page.Complete || page.Next != 3 || page.Head != 3 {
			t.Errorf("sync after %d (head 3) = %d entries, Next %d, Head %d, Complete %v; want none, Next 3, complete",
				after, len(page.Entries), page.Next, page.Head, page.Complete)
		}
	}
	// Following Next from beyond the head misses nothing sent later.
	page, _ := h.svc.Sync(ctx, h.app, "bob", 1000, 10)
	h.send(t, "alice", "bob", "later", 9)
	if next, _ := h.svc.Sync(ctx, h.app, "bob", page.Next, 10); len(next.Entries) != 1 || texts(next.Entries)[0] != "later" {
		t.Errorf("after following Next %d: %+v, want the later message", page.Next, next.Entries)
	}

	history := func(mod func(*message.HistoryRequest)) error {
		req := message.HistoryRequest{SDKAppID: h.app, User: "bob", Peer: "alice"}
		mod(&req)
		_, err := h.svc.History(ctx, req)
		return err
	}
	wantCodeQuoting(t, "history before 2^63", history(func(r *message.HistoryRequest) { r.BeforeSeq = 1 << 63 }), im.CodeMsgFormat, "9223372036854775808")
	wantCodeQuoting(t, "history MaxTime beyond ms range", history(func(r *message.HistoryRequest) { r.MaxTime = 1 << 62 }), im.CodeMsgFormat, fmt.Sprint(int64(1<<62)))
	wantCodeQuoting(t, "history negative MinTime", history(func(r *message.HistoryRequest) { r.MinTime = -5 }), im.CodeMsgFormat, "-5")
	if err := history(func(r *message.HistoryRequest) { r.BeforeSeq = im.MaxSeq }); err != nil {
		t.Errorf("history before MaxSeq: %v", err)
	}
	_, err := h.svc.RoamHistory(ctx, message.RoamRequest{SDKAppID: h.app, Operator: "alice", Peer: "bob", MaxCnt: 5, LastMsgKey: "9223372036854775808_1_1"})
	wantCodeQuoting(t, "roam key beyond 2^63", err, im.CodeMsgKeyInvalid, "9223372036854775808_1_1")
	err = h.svc.Recall(ctx, message.RecallRequest{SDKAppID: h.app, From: "alice", To: "bob", MsgKey: "18446744073709551615_1_1"})
	wantCodeQuoting(t, "recall key beyond 2^63", err, im.CodeMsgKeyInvalid, "18446744073709551615_1_1")
}

// wantCodeQuoting fails unless err carries code and its text contains raw.
func wantCodeQuoting(t *testing.T, what string, err error, code int, raw string) {
	t.Helper()
	wantCode(t, what, err, code)
	if !strings.Contains(err.Error(), raw) {
		t.Errorf("%s: error %q does not quote %q", what, err, raw)
	}
}

func seqRange(from, to int) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, uint64(i))
	}
	return out
}
