package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

var messageCases = []testCase{
	{"SeqsStartAtOneAndAreGaplessPerConversation", func(t *testing.T, s store.Store) {
		var got []uint64
		got = append(got, sendN(t, s, app1, "alice", "bob", 2, 1, t0)...)
		got = append(got, sendN(t, s, app1, "bob", "alice", 2, 1, t0+10)...)
		for _, out := range mustAppend(t, s, app1, send("alice", "bob", 5, t0+20), send("bob", "alice", 5, t0+21)) {
			got = append(got, out.Msg.Seq)
		}
		checkSeqs(t, "seqs of {alice, bob} in both directions", got, seqRange(1, 6))
		checkSeqs(t, "seqs of {alice, carol}", sendN(t, s, app1, "carol", "alice", 3, 1, t0), seqRange(1, 3))
		checkSeqs(t, "history of {alice, bob}", seqsOf(fullHistory(t, s, app1, "bob", "alice")), seqRange(1, 6))
	}},
	{"AppendReturnsAndStoresEveryField", func(t *testing.T, s store.Store) {
		in := store.C2CMessage{
			From: "ünï", To: "b/c?#%", Seq: 99, Random: math.MaxUint32, Time: t0 + 123,
			ClientSeq: math.MaxUint64 - 1, Doc: []byte(`{"MsgBody":[{"MsgType":"TIMTextElem"}]}`),
			State: store.StateModified, Unread: true, SenderSync: true,
		}
		out := mustAppendOne(t, s, app1, store.C2CAppend{Msg: in})
		want := in
		want.Seq = 1
		checkMessage(t, "AppendC2C outcome", out.Msg, want)
		if out.Duplicate || out.RecipientSyncSeq != 1 || out.SenderSyncSeq != 1 {
			t.Errorf("outcome = dup %v, sync seqs %d/%d; want new, 1/1", out.Duplicate, out.RecipientSyncSeq, out.SenderSyncSeq)
		}
		got, err := s.GetC2C(t.Context(), app1, in.To, in.From, 1)
		if err != nil {
			t.Fatalf("GetC2C: %v", err)
		}
		checkMessage(t, "GetC2C", got, want)
		entries := mustReadSync(t, s, app1, in.To, store.SyncQuery{Limit: 10})
		if len(entries) != 1 || entries[0].Conv != im.C2C(in.From) || entries[0].SyncSeq != 1 {
			t.Fatalf("recipient's sync stream = %+v, want one entry with peer %q", entries, in.From)
		}
		checkMessage(t, "ReadSync", entries[0].Msg, want)
		flags := store.C2CMessage{From: "x", To: "y", Time: t0, Doc: []byte{}, NoLastMsg: true, SenderSync: true}
		out = mustAppendOne(t, s, app1, store.C2CAppend{Msg: flags})
		flags.Seq = 1
		checkMessage(t, "message with NoLastMsg and an empty doc", out.Msg, flags)
		got, err = s.GetC2C(t.Context(), app1, "x", "y", 1)
		if err != nil {
			t.Fatalf("GetC2C: %v", err)
		}
		checkMessage(t, "GetC2C of it", got, flags)
	}},
	{"SyncSeqsAreGaplessPerUser", func(t *testing.T, s store.Store) {
		// bob receives from alice and carol and sends to alice.
		outs := []store.C2CAppended{
			mustAppendOne(t, s, app1, send("alice", "bob", 1, t0)),
			mustAppendOne(t, s, app1, send("carol", "bob", 1, t0+1)),
		}
		outs = append(outs, mustAppend(t, s, app1, send("bob", "alice", 2, t0+2), send("alice", "bob", 3, t0+3))...)
		wantRecipient := []uint64{1, 2, 2, 4} // bob, bob, alice, bob
		wantSender := []uint64{1, 1, 3, 3}    // alice, carol, bob, alice
		for i, out := range outs {
			if out.RecipientSyncSeq != wantRecipient[i] || out.SenderSyncSeq != wantSender[i] {
				t.Errorf("message %d sync seqs = %d/%d, want %d/%d", i, out.RecipientSyncSeq, out.SenderSyncSeq, wantRecipient[i], wantSender[i])
			}
		}
		for user, want := range map[string][]string{
			"bob":   {"alice", "carol", "alice", "alice"},
			"alice": {"bob", "bob", "bob"},
			"carol": {"bob"},
		} {
			entries := readAllSync(t, s, app1, user, 100, 0)
			checkSeqs(t, user+"'s sync seqs", syncSeqs(entries), seqRange(1, uint64(len(want))))
			var peers []string
			for _, e := range entries {
				peers = append(peers, e.Conv.ID)
			}
			if !slices.Equal(peers, want) {
				t.Errorf("%s's sync peers = %q, want %q", user, peers, want)
			}
			if head := mustSyncHead(t, s, app1, user); head != uint64(len(want)) {
				t.Errorf("SyncHead(%s) = %d, want %d", user, head, len(want))
			}
		}
		if head := mustSyncHead(t, s, app1, "nobody"); head != 0 {
			t.Errorf("SyncHead of a user without messages = %d, want 0", head)
		}
		if e := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 2, Limit: 100}); !slices.Equal(syncSeqs(e), []uint64{3, 4}) ||
			e[0].Msg.Seq != 2 || e[0].Msg.From != "bob" {
			t.Errorf("bob's stream after 2 = %+v, want sync seqs 3, 4 starting with his own message 2", e)
		}
	}},
	{"SenderSyncFalse", func(t *testing.T, s store.Store) {
		m := send("alice", "bob", 1, t0)
		m.Msg.SenderSync = false
		out := mustAppendOne(t, s, app1, m)
		if out.RecipientSyncSeq != 1 || out.SenderSyncSeq != 0 {
			t.Errorf("sync seqs = %d/%d, want 1/0", out.RecipientSyncSeq, out.SenderSyncSeq)
		}
		if got := mustReadSync(t, s, app1, "alice", store.SyncQuery{Limit: 10}); len(got) != 0 {
			t.Errorf("the sender's stream holds %+v, want nothing", got)
		}
		if head := mustSyncHead(t, s, app1, "alice"); head != 0 {
			t.Errorf("sender's SyncHead = %d, want 0", head)
		}
		if hasConversation(t, s, app1, "alice", "bob") {
			t.Error("the sender got a conversation")
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.LastSeq != 1 || c.Unread != 1 {
			t.Errorf("recipient's conversation = %+v, want LastSeq 1, Unread 1", c)
		}
		// The next synced message is the sender's first entry.
		if out := mustAppendOne(t, s, app1, send("alice", "bob", 2, t0+1)); out.SenderSyncSeq != 1 || out.Msg.Seq != 2 {
			t.Errorf("next message: seq %d, sender sync seq %d; want 2, 1", out.Msg.Seq, out.SenderSyncSeq)
		}
	}},
	{"Dedup", func(t *testing.T, s store.Store) {
		// Each row sends a first message at t0 (Random 7, alice -> bob), then
		// the second; wantDup says whether the second is a duplicate.
		for _, tc := range []struct {
			name    string
			second  func(from, to string) store.C2CAppend
			wantDup bool
		}{
			{"InsideWindow", func(f, to string) store.C2CAppend { return deduped(send(f, to, 7, t0+500), t0-1000) }, true},
			{"WindowStartsAtFirstTime", func(f, to string) store.C2CAppend { return deduped(send(f, to, 7, t0+500), t0) }, true},
			{"OutsideWindow", func(f, to string) store.C2CAppend { return deduped(send(f, to, 7, t0+500), t0+1) }, false},
			{"NoDedupSince", func(f, to string) store.C2CAppend { return send(f, to, 7, t0+500) }, false},
			{"OtherRandom", func(f, to string) store.C2CAppend { return deduped(send(f, to, 8, t0+500), t0-1000) }, false},
			{"OtherSender", func(f, to string) store.C2CAppend { return deduped(send(to, f, 7, t0+500), t0-1000) }, false},
			{"OtherConversation", func(f, to string) store.C2CAppend { return deduped(send(f, to+"-2", 7, t0+500), t0-1000) }, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				from, to := "alice-"+tc.name, "bob-"+tc.name
				first := mustAppendOne(t, s, app1, send(from, to, 7, t0))
				second := tc.second(from, to)
				out := mustAppendOne(t, s, app1, second)
				if out.Duplicate != tc.wantDup {
					t.Fatalf("Duplicate = %v, want %v", out.Duplicate, tc.wantDup)
				}
				if !tc.wantDup {
					return
				}
				checkMessage(t, "duplicate's Msg", out.Msg, first.Msg)
				if out.RecipientSyncSeq != 0 || out.SenderSyncSeq != 0 {
					t.Errorf("duplicate's sync seqs = %d/%d, want 0/0", out.RecipientSyncSeq, out.SenderSyncSeq)
				}
				checkSeqs(t, "history after the duplicate", seqsOf(fullHistory(t, s, app1, from, to)), []uint64{1})
				if head := mustSyncHead(t, s, app1, to); head != 1 {
					t.Errorf("recipient's SyncHead = %d, want 1", head)
				}
				if c := mustConversation(t, s, app1, to, from); c.Unread != 1 {
					t.Errorf("recipient's Unread = %d, want 1", c.Unread)
				}
				// Seqs stay gapless after a duplicate.
				if next := mustAppendOne(t, s, app1, send(from, to, 9, t0+600)); next.Msg.Seq != 2 || next.RecipientSyncSeq != 2 {
					t.Errorf("next message: seq %d, sync seq %d; want 2, 2", next.Msg.Seq, next.RecipientSyncSeq)
				}
			})
		}
	}},
	{"DedupWithinOneCall", func(t *testing.T, s store.Store) {
		outs := mustAppend(t, s, app1,
			send("alice", "bob", 9, t0),
			deduped(send("alice", "bob", 9, t0+1), t0-1000),   // duplicate of the first
			deduped(send("alice", "bob", 10, t0+2), t0-1000),  // new
			deduped(send("alice", "bob", 9, t0+3), t0),        // duplicate of the first
			deduped(send("alice", "bob", 9, t0+4), t0+1),      // outside the first's window: new
			deduped(send("alice", "bob", 9, t0+5), t0+4),      // duplicate of the previous
			deduped(send("bob", "alice", 9, t0+6), t0-1000),   // other sender: new
			deduped(send("alice", "carol", 9, t0+7), t0-1000), // other conversation: new
		)
		want := []struct {
			dup bool
			seq uint64
		}{{false, 1}, {true, 1}, {false, 2}, {true, 1}, {false, 3}, {true, 3}, {false, 4}, {false, 1}}
		for i, out := range outs {
			if out.Duplicate != want[i].dup || out.Msg.Seq != want[i].seq {
				t.Errorf("message %d: Duplicate %v, Seq %d; want %v, %d", i, out.Duplicate, out.Msg.Seq, want[i].dup, want[i].seq)
			}
		}
		checkMessage(t, "in-call duplicate's Msg", outs[1].Msg, outs[0].Msg)
		checkSeqs(t, "history of {alice, bob}", seqsOf(fullHistory(t, s, app1, "alice", "bob")), seqRange(1, 4))
		checkSeqs(t, "bob's sync seqs", syncSeqs(readAllSync(t, s, app1, "bob", 100, 0)), seqRange(1, 4))
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 3 || c.LastSeq != 4 {
			t.Errorf("bob's conversation = %+v, want Unread 3, LastSeq 4", c)
		}
	}},
	{"ConcurrentIdenticalSends", func(t *testing.T, s store.Store) {
		// A retried send arriving several times at once is stored once.
		const senders = 8
		var wg sync.WaitGroup
		outs := make([]store.C2CAppended, senders)
		errs := make([]error, senders)
		for i := range senders {
			wg.Go(func() {
				var out []store.C2CAppended
				out, errs[i] = s.AppendC2C(t.Context(), app1, []store.C2CAppend{deduped(send("alice", "bob", 42, t0), t0-300_000)})
				if errs[i] == nil {
					outs[i] = out[0]
				}
			})
		}
		wg.Wait()
		fresh := 0
		for i := range senders {
			if errs[i] != nil {
				t.Fatalf("AppendC2C: %v", errs[i])
			}
			if !outs[i].Duplicate {
				fresh++
			}
			if outs[i].Msg.Seq != 1 {
				t.Errorf("sender %d got Seq %d, want 1", i, outs[i].Msg.Seq)
			}
		}
		if fresh != 1 {
			t.Errorf("%d sends were stored, want exactly 1", fresh)
		}
		checkSeqs(t, "history", seqsOf(fullHistory(t, s, app1, "alice", "bob")), []uint64{1})
	}},
	{"NoLastMsg", func(t *testing.T, s store.Store) {
		mustAppendOne(t, s, app1, send("alice", "bob", 1, t0))
		quiet := send("alice", "bob", 2, t0+1000)
		quiet.Msg.NoLastMsg = true
		if out := mustAppendOne(t, s, app1, quiet); out.Msg.Seq != 2 {
			t.Fatalf("NoLastMsg message got Seq %d, want 2", out.Msg.Seq)
		}
		for _, owner := range []string{"alice", "bob"} {
			peer := map[string]string{"alice": "bob", "bob": "alice"}[owner]
			c := mustConversation(t, s, app1, owner, peer)
			if c.LastSeq != 1 || c.LastTime != t0 || c.UpdatedAt != t0 {
				t.Errorf("%s's conversation = %+v, want LastSeq 1, LastTime and UpdatedAt %d", owner, c, t0)
			}
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 2 {
			t.Errorf("bob's Unread = %d, want 2 (NoLastMsg still counts)", c.Unread)
		}
		// A conversation of NoLastMsg messages only has no last message.
		quiet = send("carol", "dave", 1, t0+5)
		quiet.Msg.NoLastMsg = true
		mustAppendOne(t, s, app1, quiet)
		if c := mustConversation(t, s, app1, "dave", "carol"); c.LastSeq != 0 || c.LastTime != 0 || c.UpdatedAt != t0+5 || c.Unread != 1 {
			t.Errorf("dave's conversation = %+v, want no last message, UpdatedAt %d, Unread 1", c, t0+5)
		}
		if got := len(mustReadSync(t, s, app1, "dave", store.SyncQuery{Limit: 10})); got != 1 {
			t.Errorf("dave's stream holds %d entries, want 1", got)
		}
	}},
	{"UnreadCounting", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		silent := send("alice", "bob", 10, t0+10)
		silent.Msg.Unread = false
		mustAppendOne(t, s, app1, silent)
		mustAppendOne(t, s, app1, send("bob", "alice", 11, t0+11))
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 3 || c.LastSeq != 5 {
			t.Errorf("bob's conversation = %+v, want Unread 3 (not the Unread=false one, not his own), LastSeq 5", c)
		}
		if c := mustConversation(t, s, app1, "alice", "bob"); c.Unread != 1 {
			t.Errorf("alice's Unread = %d, want 1", c.Unread)
		}
	}},
	{"ReadSyncPaging", func(t *testing.T, s store.Store) {
		for i := range 25 {
			mustAppendOne(t, s, app1, send(fmt.Sprintf("peer%d", i%4), "bob", uint32(i), t0+int64(i)))
		}
		whole := mustReadSync(t, s, app1, "bob", store.SyncQuery{Limit: 100})
		checkSeqs(t, "one page", syncSeqs(whole), seqRange(1, 25))
		for _, size := range []int{1, 7, 25, 26} {
			paged := readAllSync(t, s, app1, "bob", size, 0)
			checkSeqs(t, fmt.Sprintf("pages of %d", size), syncSeqs(paged), seqRange(1, 25))
		}
		for i, e := range whole {
			if want := fmt.Sprintf("peer%d", i%4); e.Conv != im.C2C(want) || e.Msg.From != want || e.Msg.Time != t0+int64(i) {
				t.Errorf("entry %d = peer %q, message from %q at %d; want %q at %d", i, e.Conv, e.Msg.From, e.Msg.Time, want, t0+int64(i))
			}
		}
		if got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 25, Limit: 10}); len(got) != 0 {
			t.Errorf("ReadSync after the head returned %d entries", len(got))
		}
		if _, err := s.ReadSync(t.Context(), app1, "bob", store.SyncQuery{Limit: 0}); err == nil {
			t.Error("ReadSync with Limit 0 succeeded, want an error")
		}
	}},
	{"ReadSyncPerPeer", func(t *testing.T, s store.Store) {
		// 150 messages from alice to bob; carol and dave write in between.
		type entry struct {
			syncSeq uint64
			peer    string
		}
		var stream []entry // bob's stream as appended
		add := func(from string, i int) {
			out := mustAppendOne(t, s, app1, send(from, "bob", uint32(i), t0+int64(i)))
			stream = append(stream, entry{out.RecipientSyncSeq, from})
		}
		for i := range 150 {
			add("alice", i)
			if i%10 == 0 {
				add("carol", i)
			}
			if i%50 == 49 {
				add("dave", i)
			}
		}
		// want models PerPeer: of the entries after after, the latest k per peer.
		want := func(after uint64, k int) []uint64 {
			kept := map[string]int{}
			out := []uint64{}
			for i := len(stream) - 1; i >= 0; i-- {
				if e := stream[i]; e.syncSeq > after && kept[e.peer] < k {
					kept[e.peer]++
					out = append(out, e.syncSeq)
				}
			}
			slices.Sort(out)
			return out
		}
		got := mustReadSync(t, s, app1, "bob", store.SyncQuery{Limit: 1000, PerPeer: 100})
		checkSeqs(t, "PerPeer 100 in one page", syncSeqs(got), want(0, 100))
		if n := len(got); n != 100+15+3 {
			t.Errorf("PerPeer 100 returned %d entries, want 118 (100 of alice's, all 15 of carol's and 3 of dave's)", n)
		}
		var aliceSeqs []uint64
		for _, e := range got {
			if e.Conv == im.C2C("alice") {
				aliceSeqs = append(aliceSeqs, e.Msg.Seq)
			}
		}
		checkSeqs(t, "alice's messages kept", aliceSeqs, seqRange(51, 150))
		checkSeqs(t, "PerPeer 100 in pages of 30", syncSeqs(readAllSync(t, s, app1, "bob", 30, 100)), want(0, 100))
		for _, after := range []uint64{1, 60, 150} {
			for _, k := range []int{1, 2, 100} {
				got := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: after, Limit: 1000, PerPeer: k})
				checkSeqs(t, fmt.Sprintf("PerPeer %d after %d", k, after), syncSeqs(got), want(after, k))
			}
		}
		got = mustReadSync(t, s, app1, "bob", store.SyncQuery{Limit: 10, PerPeer: 100})
		checkSeqs(t, "first page of 10 with PerPeer 100", syncSeqs(got), want(0, 100)[:10])
	}},
	{"History", func(t *testing.T, s store.Store) {
		for i := range 10 { // seq i+1 at t0 + 1000 i, both directions
			from, to := "alice", "bob"
			if i%2 == 1 {
				from, to = to, from
			}
			mustAppendOne(t, s, app1, send(from, to, uint32(i), t0+1000*int64(i)))
		}
		sendN(t, s, app1, "alice", "carol", 3, 1, t0)
		for _, tc := range []struct {
			name string
			q    store.HistoryQuery
			want []uint64
		}{
			{"Newest", store.HistoryQuery{Limit: 3}, []uint64{10, 9, 8}},
			{"All", store.HistoryQuery{Limit: 100}, []uint64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"BeforeSeq", store.HistoryQuery{BeforeSeq: 5, Limit: 100}, []uint64{4, 3, 2, 1}},
			{"BeforeSeqPage", store.HistoryQuery{BeforeSeq: 8, Limit: 2}, []uint64{7, 6}},
			{"AfterSeq", store.HistoryQuery{AfterSeq: 7, Limit: 100}, []uint64{10, 9, 8}},
			{"MinTime", store.HistoryQuery{MinTime: t0 + 5000, Limit: 100}, []uint64{10, 9, 8, 7, 6}},
			{"MaxTime", store.HistoryQuery{MaxTime: t0 + 2000, Limit: 100}, []uint64{3, 2, 1}},
			{"TimeRange", store.HistoryQuery{MinTime: t0 + 2000, MaxTime: t0 + 6500, Limit: 100}, []uint64{7, 6, 5, 4, 3}},
			{"Everything", store.HistoryQuery{BeforeSeq: 9, AfterSeq: 2, MinTime: t0 + 2500, MaxTime: t0 + 6000, Limit: 2}, []uint64{7, 6}},
			{"Empty", store.HistoryQuery{BeforeSeq: 3, AfterSeq: 2, Limit: 10}, []uint64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				checkSeqs(t, "history of (alice, bob)", seqsOf(mustHistory(t, s, app1, "alice", "bob", tc.q)), tc.want)
				checkSeqs(t, "history of (bob, alice)", seqsOf(mustHistory(t, s, app1, "bob", "alice", tc.q)), tc.want)
			})
		}
		checkSeqs(t, "history of a conversation without messages", seqsOf(mustHistory(t, s, app1, "bob", "carol", store.HistoryQuery{Limit: 5})), []uint64{})
	}},
	{"HistoryByTime", func(t *testing.T, s store.Store) {
		// Seq order is not time order (an import of an old message, a
		// late commit), and one second holds several ClientSeqs, one twice.
		for _, m := range []struct {
			at        int64
			clientSeq uint64
		}{{t0 + 5000, 7}, {t0 + 1200, 9}, {t0 + 1900, 3}, {t0 + 1100, 9}, {t0 + 3000, 0}, {t0, 1}, {t0 + 1500, 5}} {
			a := send("alice", "bob", uint32(m.clientSeq), m.at)
			a.Msg.ClientSeq = m.clientSeq
			mustAppendOne(t, s, app1, a)
		}
		all := []uint64{1, 5, 4, 2, 7, 3, 6} // by second, then ClientSeq, then Seq, newest first
		pos := func(seq uint64) store.HistoryPos {
			m, err := s.GetC2C(t.Context(), app1, "alice", "bob", seq)
			if err != nil {
				t.Fatalf("GetC2C %d: %v", seq, err)
			}
			return m.Pos()
		}
		for _, tc := range []struct {
			name string
			q    store.HistoryQuery
			want []uint64
		}{
			{"All", store.HistoryQuery{Limit: 100}, all},
			{"Newest", store.HistoryQuery{Limit: 3}, all[:3]},
			{"BeforeInASecond", store.HistoryQuery{Before: pos(2), Limit: 100}, []uint64{7, 3, 6}},
			{"BeforeATie", store.HistoryQuery{Before: pos(4), Limit: 100}, []uint64{2, 7, 3, 6}},
			{"MaxTime", store.HistoryQuery{MaxTime: t0 + 1999, Limit: 100}, []uint64{4, 2, 7, 3, 6}},
			{"MinTime", store.HistoryQuery{MinTime: t0 + 1000, Limit: 100}, []uint64{1, 5, 4, 2, 7, 3}},
			{"AfterSeq", store.HistoryQuery{AfterSeq: 3, Limit: 100}, []uint64{5, 4, 7, 6}},
			{"BeforeSeq", store.HistoryQuery{BeforeSeq: 4, Limit: 100}, []uint64{1, 2, 3}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.ByTime = true
				checkSeqs(t, "history of (bob, alice)", seqsOf(mustHistory(t, s, app1, "bob", "alice", tc.q)), tc.want)
			})
		}
		var paged []uint64
		q := store.HistoryQuery{ByTime: true, Limit: 2}
		for range len(all) + 1 {
			page := mustHistory(t, s, app1, "alice", "bob", q)
			if len(page) == 0 {
				break
			}
			paged = append(paged, seqsOf(page)...)
			q.Before = page[len(page)-1].Pos()
		}
		checkSeqs(t, "pages of 2 continued from the last position", paged, all)
	}},
	{"GetAndUpdate", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		_, err := s.GetC2C(t.Context(), app1, "alice", "bob", 4)
		checkErrorIs(t, "GetC2C of a missing seq", err, store.ErrNotFound)
		_, err = s.GetC2C(t.Context(), app1, "alice", "carol", 1)
		checkErrorIs(t, "GetC2C of a missing conversation", err, store.ErrNotFound)

		if err := s.UpdateC2C(t.Context(), app1, "bob", "alice", store.C2CUpdate{Seq: 2, Doc: []byte(`{"modified":true}`), State: store.StateModified}); err != nil {
			t.Fatalf("UpdateC2C: %v", err)
		}
		got, err := s.GetC2C(t.Context(), app1, "alice", "bob", 2)
		if err != nil {
			t.Fatalf("GetC2C: %v", err)
		}
		want := send("alice", "bob", 2, t0+1).Msg
		want.Seq, want.Doc, want.State = 2, []byte(`{"modified":true}`), store.StateModified
		checkMessage(t, "updated message", got, want)
		entries := mustReadSync(t, s, app1, "bob", store.SyncQuery{After: 1, Limit: 1})
		if len(entries) != 1 {
			t.Fatalf("bob's stream after 1 has %d entries", len(entries))
		}
		checkMessage(t, "updated message in the sync stream", entries[0].Msg, want)
		checkErrorIs(t, "UpdateC2C of a missing message",
			s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: 9, Doc: []byte(`{}`), State: store.StateRecalled}), store.ErrNotFound)
	}},
	{"RecallLowersUnread", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		for range 2 { // recalling twice counts once
			mustUpdate(t, s, app1, "alice", "bob", 3, []byte(`{"recalled":1}`), store.StateRecalled)
			if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 2 {
				t.Errorf("bob's Unread after recalling message 3 = %d, want 2", c.Unread)
			}
		}
		if got, _ := s.GetC2C(t.Context(), app1, "alice", "bob", 3); string(got.Doc) != `{"recalled":1}` {
			t.Errorf("recalled doc = %s", got.Doc)
		}
		mustMarkRead(t, s, app1, "bob", "alice", 1)
		if err := s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: 1, Doc: []byte(`{}`), State: store.StateRecalled}); err != nil {
			t.Fatal(err)
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 1 {
			t.Errorf("recalling a read message changed Unread to %d, want 1", c.Unread)
		}
		if c := mustMarkRead(t, s, app1, "bob", "alice", 1); c.Unread != 1 {
			t.Errorf("recomputed Unread = %d, want 1", c.Unread)
		}
	}},
	{"DeleteBefore", func(t *testing.T, s store.Store) {
		// Times t0 .. t0+9, alternating conversations {alice, bob} and
		// {carol, bob}; app2 has old messages too.
		for i := range 10 {
			from := []string{"alice", "carol"}[i%2]
			mustAppendOne(t, s, app1, send(from, "bob", uint32(i), t0+int64(i)))
		}
		sendN(t, s, app2, "alice", "bob", 3, 1, t0-100)
		for _, step := range []struct{ limit, want int }{{3, 3}, {3, 2}, {3, 0}} {
			n, err := s.DeleteC2CBefore(t.Context(), app1, t0+5, step.limit)
			if err != nil {
				t.Fatalf("DeleteC2CBefore: %v", err)
			}
			if n != step.want {
				t.Errorf("DeleteC2CBefore(limit %d) deleted %d, want %d", step.limit, n, step.want)
			}
		}
		checkSeqs(t, "history of {alice, bob}", seqsOf(fullHistory(t, s, app1, "alice", "bob")), []uint64{4, 5})
		checkSeqs(t, "history of {carol, bob}", seqsOf(fullHistory(t, s, app1, "carol", "bob")), []uint64{3, 4, 5})
		checkSeqs(t, "bob's stream", syncSeqs(readAllSync(t, s, app1, "bob", 100, 0)), seqRange(6, 10))
		checkSeqs(t, "alice's stream", syncSeqs(readAllSync(t, s, app1, "alice", 100, 0)), []uint64{4, 5})
		if head := mustSyncHead(t, s, app1, "bob"); head != 10 {
			t.Errorf("bob's SyncHead = %d, want 10", head)
		}
		checkSeqs(t, "app2's history", seqsOf(fullHistory(t, s, app2, "alice", "bob")), seqRange(1, 3))
		// Numbering goes on; nothing is reused.
		if out := mustAppendOne(t, s, app1, send("alice", "bob", 99, t0+20)); out.Msg.Seq != 6 || out.RecipientSyncSeq != 11 {
			t.Errorf("next message: seq %d, sync seq %d; want 6, 11", out.Msg.Seq, out.RecipientSyncSeq)
		}
		if n, err := s.DeleteC2CBefore(t.Context(), app1, t0+100, 100); err != nil || n != 6 {
			t.Errorf("DeleteC2CBefore(everything) = %d, %v; want 6", n, err)
		}
	}},
	{"TenantIsolation", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		out := mustAppendOne(t, s, app2, deduped(send("alice", "bob", 1, t0), t0-1000))
		if out.Duplicate || out.Msg.Seq != 1 || out.RecipientSyncSeq != 1 {
			t.Errorf("first message in app2 = %+v, want new with seq 1 and sync seq 1", out)
		}
		checkSeqs(t, "app2's history", seqsOf(fullHistory(t, s, app2, "alice", "bob")), []uint64{1})
		checkSeqs(t, "app2's stream of bob", syncSeqs(readAllSync(t, s, app2, "bob", 10, 0)), []uint64{1})
		if c := mustConversation(t, s, app2, "bob", "alice"); c.Unread != 1 || c.LastSeq != 1 {
			t.Errorf("app2's conversation = %+v, want Unread 1, LastSeq 1", c)
		}
		if err := s.UpdateC2C(t.Context(), app2, "alice", "bob", store.C2CUpdate{Seq: 3, State: store.StateRecalled}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateC2C of app1's message through app2 = %v, want ErrNotFound", err)
		}
		if n, err := s.DeleteC2CBefore(t.Context(), app2, t0+100, 100); err != nil || n != 1 {
			t.Errorf("DeleteC2CBefore(app2) = %d, %v; want 1", n, err)
		}
		checkSeqs(t, "app1's history", seqsOf(fullHistory(t, s, app1, "alice", "bob")), seqRange(1, 3))
		if head := mustSyncHead(t, s, app1, "bob"); head != 3 {
			t.Errorf("app1's SyncHead(bob) = %d, want 3", head)
		}
	}},
	{"AppendNothing", func(t *testing.T, s store.Store) {
		out, err := s.AppendC2C(t.Context(), app1, nil)
		if err != nil || len(out) != 0 {
			t.Errorf("AppendC2C(nil) = %v, %v; want nothing, no error", out, err)
		}
	}},
	{"MessageToOneself", func(t *testing.T, s store.Store) {
		out := mustAppendOne(t, s, app1, send("alice", "alice", 1, t0))
		if out.Msg.Seq != 1 || out.RecipientSyncSeq != 1 || out.SenderSyncSeq != 1 {
			t.Errorf("outcome = %+v, want seq 1 and one sync entry (1/1)", out)
		}
		checkSeqs(t, "alice's stream", syncSeqs(readAllSync(t, s, app1, "alice", 10, 0)), []uint64{1})
		if c := mustConversation(t, s, app1, "alice", "alice"); c.LastSeq != 1 {
			t.Errorf("conversation with oneself = %+v, want LastSeq 1", c)
		}
	}},
}
