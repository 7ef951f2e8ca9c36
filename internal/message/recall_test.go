package message_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
)

func TestRecall(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		first := h.send(t, "alice", "bob", "oops", 1)
		second := h.send(t, "alice", "bob", "fine", 2)
		h.bus.take()
		recall := func(from, to, key string, admin bool) error {
			return h.svc.Recall(ctx, message.RecallRequest{SDKAppID: h.app, From: from, To: to, MsgKey: key, ByAdmin: admin, Session: "s-" + from})
		}
		wantCode(t, "recipient recalls", recall("bob", "alice", first.MsgKey, false), im.CodeMsgAdminRequired)
		wantCode(t, "malformed key", recall("alice", "bob", "1-2-3", false), im.CodeMsgKeyInvalid)
		wantCode(t, "unknown key", recall("alice", "bob", "9_9_9", false), im.CodeC2CRecallNotFound)
		wantCode(t, "admin, wrong direction", recall("bob", "alice", first.MsgKey, true), im.CodeC2CRecallNotFound)

		h.advance(2*time.Minute - time.Second)
		if err := recall("alice", "bob", first.MsgKey, false); err != nil {
			t.Fatalf("recall within the window: %v", err)
		}
		evs := h.bus.take()
		if len(evs) != 2 || evs[0].user != "alice" || evs[0].ev.ExceptSession != "s-alice" || evs[1].user != "bob" || evs[0].ev.Name != protocol.EventMessageRevoked {
			t.Fatalf("revoke events %+v", evs)
		}
		if p := decode(t, evs[1].ev.Data); p["MsgKey"] != first.MsgKey || p["From_Account"] != "alice" || p["To_Account"] != "bob" {
			t.Errorf("revoke payload %s", evs[1].ev.Data)
		}
		wantCode(t, "recall twice", recall("alice", "bob", first.MsgKey, false), im.CodeC2CAlreadyRecalled)

		h.advance(2 * time.Second) // the second message is now past the window
		wantCode(t, "too late", recall("alice", "bob", second.MsgKey, false), im.CodeC2CRecallTimeLimit)
		h.advance(24 * time.Hour)
		if err := recall("alice", "bob", second.MsgKey, true); err != nil {
			t.Errorf("admin recall has no time limit: %v", err)
		}
		for _, m := range h.history(t, "bob", "alice") {
			if !m.Recalled || len(m.Body) != 0 {
				t.Errorf("history shows %+v, want recalled without content", m)
			}
			if b, _ := m.MarshalJSON(); !strings.Contains(string(b), `"MsgBody":[]`) || !strings.Contains(string(b), `"MsgFlagBits":1`) {
				t.Errorf("recalled message JSON %s", b)
			}
		}
		// Recalling unread messages takes them out of the unread count.
		if c := h.conv(t, "bob", "alice"); c.Unread != 0 {
			t.Errorf("unread %d after recalling both messages", c.Unread)
		}
		page, _ := h.svc.Sync(ctx, h.app, "bob", 0, 0)
		if len(page.Entries) != 2 || !page.Entries[0].Recalled {
			t.Errorf("sync after recall %+v", page.Entries)
		}
	})
}

func TestModify(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		sent := h.send(t, "alice", "bob", "draft", 1)
		h.bus.take()
		ccd := "meta"
		mod := func(from, to string, body im.MsgBody, ccd *string, admin bool) (message.Message, error) {
			return h.svc.Modify(ctx, message.ModifyRequest{SDKAppID: h.app, From: from, To: to, MsgKey: sent.MsgKey, Body: body, CloudCustomData: ccd, ByAdmin: admin, Session: "s"})
		}
		_, err := mod("alice", "bob", nil, nil, false)
		wantCode(t, "nothing to modify", err, im.CodeMsgFormat)
		_, err = mod("bob", "alice", text("hacked"), nil, false)
		wantCode(t, "recipient modifies", err, im.CodeMsgAdminRequired)
		_, err = mod("alice", "bob", text(strings.Repeat("x", im.DefaultMaxBodyBytes)), nil, false)
		wantCode(t, "body too long", err, im.CodeMsgBodyTooLong)

		m, err := mod("alice", "bob", text("final"), &ccd, false)
		if err != nil || !m.Modified || m.CloudCustomData != "meta" {
			t.Fatalf("modify: %+v %v", m, err)
		}
		evs := h.bus.take()
		if len(evs) != 2 || evs[0].ev.Name != protocol.EventMessageModified || evs[1].user != "bob" {
			t.Fatalf("modify events %+v", evs)
		}
		if p := decode(t, evs[1].ev.Data); p["IsModified"] != float64(1) || p["CloudCustomData"] != "meta" {
			t.Errorf("modify payload %s", evs[1].ev.Data)
		}
		hist := h.history(t, "bob", "alice")
		if got := texts(hist); len(got) != 1 || got[0] != "final" || !hist[0].Modified || hist[0].Key() != sent.MsgKey {
			t.Errorf("history after modify %+v", hist)
		}
		if _, err := mod("alice", "bob", nil, new(string), true); err != nil {
			t.Errorf("admin modify: %v", err)
		}
		if err := h.svc.Recall(ctx, message.RecallRequest{SDKAppID: h.app, From: "alice", To: "bob", MsgKey: sent.MsgKey, ByAdmin: true}); err != nil {
			t.Fatal(err)
		}
		_, err = mod("alice", "bob", text("again"), nil, true)
		wantCode(t, "modify a recalled message", err, im.CodeC2CAlreadyRecalled)
	})
}

func TestBatchSend(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "admin", "u1", "u2", "u3")
		ctx := context.Background()
		batch := func(to []string, random uint32) (message.BatchResult, error) {
			return h.svc.BatchSendC2C(ctx, message.BatchRequest{SDKAppID: h.app, From: "admin", To: to, Body: text("news"), Options: opts(random)})
		}
		_, err := batch(numbered("u", 1, message.MaxBatchRecipients+1), 1)
		wantCode(t, "501 recipients", err, im.CodeMsgBatchTooMany)
		_, err = batch(nil, 1)
		wantCode(t, "no recipients", err, im.CodeMsgToAccount)
		_, err = h.svc.BatchSendC2C(ctx, message.BatchRequest{SDKAppID: h.app, From: "ghost", To: []string{"u1"}, Body: text("x"), Options: opts(1)})
		wantCode(t, "unknown sender", err, im.CodeC2CInvalidUser)

		res, err := batch([]string{"u1", "ghost", "u2", "u1", "u3"}, 7)
		if err != nil {
			t.Fatal(err)
		}
		sec := h.now.Load() / 1000
		if res.MsgKey != "0_7_"+strconv.FormatInt(sec, 10) || len(res.Results) != 4 {
			t.Fatalf("batch result %+v", res)
		}
		if f := res.Failed(); len(f) != 1 || f[0].To != "ghost" || f[0].Code != im.CodeMsgToNotRegistered {
			t.Errorf("failures %+v", f)
		}
		for _, u := range []string{"u1", "u2", "u3"} {
			if got := texts(h.history(t, u, "admin")); len(got) != 1 || got[0] != "news" {
				t.Errorf("%s's history %v", u, got)
			}
		}
		// The one batch key finds the copy in each conversation.
		if err := h.svc.Recall(ctx, message.RecallRequest{SDKAppID: h.app, From: "admin", To: "u2", MsgKey: res.MsgKey, ByAdmin: true}); err != nil {
			t.Errorf("recall u2's copy by the batch key: %v", err)
		}
		if m := h.history(t, "u2", "admin"); !m[0].Recalled {
			t.Error("u2's copy not recalled")
		}
		if m := h.history(t, "u1", "admin"); m[0].Recalled {
			t.Error("u1's copy recalled too")
		}
		// A retry is a duplicate for every recipient and keeps the first key.
		h.advance(time.Minute)
		again, err := batch([]string{"u1", "u3"}, 7)
		if err != nil || again.MsgKey != res.MsgKey || !again.Results[0].Duplicate || !again.Results[1].Duplicate {
			t.Errorf("retried batch %+v %v", again, err)
		}
		// Every recipient failing fails the call, with the results.
		res, err = batch([]string{"ghost1", "ghost2"}, 8)
		wantCode(t, "no recipient exists", err, im.CodeMsgToNotRegistered)
		if len(res.Failed()) != 2 {
			t.Errorf("all-failed results %+v", res)
		}
	})
}

func TestImport(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		ts := int64(1_600_000_000)
		imp := func(from, to string, mode message.ImportMode, seq uint64, random uint32, ts int64) (message.SendResult, error) {
			return h.svc.ImportC2C(ctx, message.ImportRequest{SDKAppID: h.app, From: from, To: to, Body: text("old"), Random: random, TimeStamp: ts, ClientSeq: seq, Mode: mode})
		}
		res, err := imp("alice", "bob", message.ImportHistory, 10, 20, ts)
		if err != nil || res.MsgSeq != 1 || res.MsgTime != ts || res.Duplicate {
			t.Fatalf("import: %+v %v", res, err)
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 0 || c.LastSeq != 1 {
			t.Errorf("history import: conversation %+v, want no unread, last message set", c)
		}
		if evs := h.bus.take(); len(evs) != 0 {
			t.Errorf("history import was delivered: %+v", evs)
		}
		// The same (MsgSeq, MsgRandom, MsgTimeStamp), either direction, is the first import.
		for _, dup := range [][2]string{{"alice", "bob"}, {"bob", "alice"}} {
			again, err := imp(dup[0], dup[1], message.ImportHistory, 10, 20, ts)
			if err != nil || !again.Duplicate || again.MsgKey != res.MsgKey {
				t.Errorf("re-import %v: %+v %v", dup, again, err)
			}
		}
		// Any part different is another message.
		for i, p := range [][3]int64{{11, 20, ts}, {10, 21, ts}, {10, 20, ts + 1}} {
			r, err := imp("alice", "bob", message.ImportHistory, uint64(p[0]), uint32(p[1]), p[2])
			if err != nil || r.Duplicate || r.MsgSeq != uint64(2+i) {
				t.Errorf("import %v: %+v %v", p, r, err)
			}
		}
		// Real-time imports count as unread and are delivered.
		if _, err := imp("alice", "bob", message.ImportRealtimePush, 1, 1, ts+10); err != nil {
			t.Fatal(err)
		}
		if c := h.conv(t, "bob", "alice"); c.Unread != 1 {
			t.Errorf("real-time import: unread %d, want 1", c.Unread)
		}
		if evs := h.bus.take(); len(evs) != 2 {
			t.Errorf("real-time import events %+v", evs)
		}
		_, err = imp("alice", "bob", 3, 1, 1, ts)
		wantCode(t, "mode 3", err, im.CodeMsgFormat)
		_, err = imp("alice", "bob", message.ImportHistory, 1, 1, 0)
		wantCode(t, "no timestamp", err, im.CodeMsgTimeStamp)
		_, err = imp("alice", "ghost", message.ImportHistory, 1, 1, ts)
		wantCode(t, "unknown recipient", err, im.CodeMsgToNotRegistered)
	})
}

func TestRetentionSweep(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		for i := range message.RetentionBatch + 20 {
			h.send(t, "alice", "bob", "old", uint32(i))
		}
		// Another app of the same store keeps its messages for 30 days.
		other := h.app + 1_000_000
		h.settings.retention[other] = 30 * 24 * time.Hour
		if _, err := h.store.ImportAccounts(ctx, other, []store.NewAccount{{UserID: "x"}, {UserID: "y"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.SendC2C(ctx, message.SendRequest{SDKAppID: other, From: "x", To: "y", Body: text("kept"), Options: opts(1)}); err != nil {
			t.Fatal(err)
		}
		h.advance(3 * 24 * time.Hour)
		h.send(t, "alice", "bob", "new", 1)
		deleted, err := h.svc.SweepOnce(ctx, time.UnixMilli(h.now.Load()).Add(5*24*time.Hour))
		if err != nil || deleted != message.RetentionBatch+20 {
			t.Fatalf("sweep deleted %d (%v), want %d", deleted, err, message.RetentionBatch+20)
		}
		if got := texts(h.history(t, "bob", "alice")); len(got) != 1 || got[0] != "new" {
			t.Errorf("after the sweep: %d messages", len(got))
		}
		page, _ := h.svc.Sync(ctx, h.app, "bob", 0, 0)
		if len(page.Entries) != 1 {
			t.Errorf("sync after the sweep: %d entries", len(page.Entries))
		}
		if n, err := h.svc.SweepOnce(ctx, time.UnixMilli(h.now.Load())); err != nil || n != 0 {
			t.Errorf("second sweep deleted %d (%v)", n, err)
		}
		kept, err := h.svc.History(ctx, message.HistoryRequest{SDKAppID: other, User: "y", Peer: "x"})
		if err != nil || len(kept.Messages) != 1 {
			t.Errorf("the other app's message: %+v %v", kept.Messages, err)
		}
	})
}

// TestSyncCarriesRevisions: after a recall and a modify, a sync from a
// position past the messages returns one revision entry each, in the
// messages' new state and flagged IsRevision; a sync from before them
// returns the messages themselves in their new state.
func TestSyncCarriesRevisions(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		h.accounts(t, "alice", "bob")
		ctx := context.Background()
		first := h.send(t, "alice", "bob", "oops", 1)
		second := h.send(t, "alice", "bob", "draft", 2)
		if err := h.svc.Recall(ctx, message.RecallRequest{SDKAppID: h.app, From: "alice", To: "bob", MsgKey: first.MsgKey}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Modify(ctx, message.ModifyRequest{SDKAppID: h.app, From: "alice", To: "bob", MsgKey: second.MsgKey, Body: text("final")}); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"bob", "alice"} {
			page, err := h.svc.Sync(ctx, h.app, user, 2, 10)
			if err != nil || !page.Complete || page.Head != 4 || len(page.Entries) != 2 {
				t.Fatalf("%s's sync after 2: %+v %v, want two revisions up to 4", user, page, err)
			}
			recalled, modified := page.Entries[0], page.Entries[1]
			if !recalled.Revision || !recalled.Recalled || recalled.Key() != first.MsgKey || recalled.SyncSeq != 3 {
				t.Errorf("%s's first revision %+v", user, recalled)
			}
			if !modified.Revision || !modified.Modified || modified.Key() != second.MsgKey || texts([]message.Message{modified})[0] != "final" {
				t.Errorf("%s's second revision %+v", user, modified)
			}
			b, _ := recalled.MarshalJSON()
			if p := decode(t, b); p["IsRevision"] != 1.0 || p["MsgFlagBits"] != 1.0 || p["MsgKey"] != first.MsgKey {
				t.Errorf("%s's revision JSON %s", user, b)
			}
			page, err = h.svc.Sync(ctx, h.app, user, 0, 10)
			if err != nil || len(page.Entries) != 2 || page.Entries[0].Revision || !page.Entries[0].Recalled ||
				page.Entries[1].Revision || !page.Entries[1].Modified {
				t.Errorf("%s's sync from the start: %+v %v, want both messages in their new state", user, page.Entries, err)
			}
		}
	})
}

// TestConcurrentRecallsOneOutcome races recalls of one message, by the
// sender and by an admin: exactly one answers success and exactly one
// revoke event goes to each participant; the others answer 20023.
func TestConcurrentRecallsOneOutcome(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		const (
			trials  = 5
			callers = 20
		)
		h.accounts(t, "alice", "bob")
		for trial := range trials {
			sent := h.send(t, "alice", "bob", "race", uint32(100+trial))
			h.bus.take()
			errs := make([]error, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					errs[i] = h.svc.Recall(context.Background(), message.RecallRequest{
						SDKAppID: h.app, From: "alice", To: "bob", MsgKey: sent.MsgKey, ByAdmin: i%2 == 1,
					})
				})
			}
			wg.Wait()
			won := 0
			for i, err := range errs {
				if err == nil {
					won++
					continue
				}
				if code, _ := im.CodeOf(err); code != im.CodeC2CAlreadyRecalled {
					t.Errorf("trial %d caller %d: %v, want success or code %d", trial, i, err, im.CodeC2CAlreadyRecalled)
				}
			}
			if won != 1 {
				t.Errorf("trial %d: %d of %d concurrent recalls succeeded, want exactly 1", trial, won, callers)
			}
			revoked := map[string]int{}
			for _, p := range h.bus.take() {
				if p.ev.Name == protocol.EventMessageRevoked {
					revoked[p.user]++
				}
			}
			if revoked["alice"] != 1 || revoked["bob"] != 1 {
				t.Errorf("trial %d: revoke events per user %v, want one each for alice and bob", trial, revoked)
			}
		}
	})
}

// TestConcurrentModifiesAllApply races modifies of one message's
// CloudCustomData: each either applies on top of the state it finally read
// or reports an error; none is lost silently, and every success sends its
// event.
func TestConcurrentModifiesAllApply(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		const callers = 6
		h.accounts(t, "alice", "bob")
		sent := h.send(t, "alice", "bob", "draft", 1)
		h.bus.take()
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				ccd := strconv.Itoa(i)
				_, errs[i] = h.svc.Modify(context.Background(), message.ModifyRequest{
					SDKAppID: h.app, From: "alice", To: "bob", MsgKey: sent.MsgKey, CloudCustomData: &ccd,
				})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			}
		}
		modified := 0
		for _, p := range h.bus.take() {
			if p.user == "bob" && p.ev.Name == protocol.EventMessageModified {
				modified++
			}
		}
		if ok == 0 || modified != ok {
			t.Errorf("%d of %d modifies succeeded and bob got %d modify events; want at least one, and one event per success", ok, callers, modified)
		}
		// The stored message is one of the successful modifies' results.
		got := h.history(t, "bob", "alice")
		if len(got) != 1 || !got[0].Modified || errs[mustAtoi(t, got[0].CloudCustomData)] != nil {
			t.Errorf("stored message after the race = %+v", got)
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("Atoi(%q): %v", s, err)
	}
	return n
}
