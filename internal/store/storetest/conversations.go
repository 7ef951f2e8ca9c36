package storetest

import (
	"slices"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

var conversationCases = []testCase{
	{"BothParticipantsGetOne", func(t *testing.T, s store.Store) {
		mustAppendOne(t, s, app1, send("alice", "bob", 1, t0))
		mustAppendOne(t, s, app1, send("alice", "bob", 2, t0+5))
		want := map[string]store.Conversation{
			"alice": {Owner: "alice", Conv: im.C2C("bob"), LastSeq: 2, LastTime: t0 + 5, UpdatedAt: t0 + 5},
			"bob":   {Owner: "bob", Conv: im.C2C("alice"), LastSeq: 2, LastTime: t0 + 5, UpdatedAt: t0 + 5, Unread: 2},
		}
		for owner, w := range want {
			if c := mustConversation(t, s, app1, owner, w.Conv.ID); c != w {
				t.Errorf("%s's conversation = %+v, want %+v", owner, c, w)
			}
		}
	}},
	{"ListOrderAndCursor", func(t *testing.T, s store.Store) {
		// bob's peers by last message time; p2/p3 and p5/p6 tie.
		times := map[string]int64{"p1": 10, "p2": 30, "p3": 30, "p4": 20, "p5": 50, "p6": 50, "p7": 5}
		for _, peer := range []string{"p6", "p3", "p1", "p7", "p5", "p2", "p4"} {
			mustAppendOne(t, s, app1, send(peer, "bob", 1, t0+times[peer]))
		}
		wantOrder := []string{"p5", "p6", "p2", "p3", "p4", "p1", "p7"}
		all := mustList(t, s, app1, "bob", 0, im.ConvID{}, 100)
		if got := peersOf(all); !slices.Equal(got, wantOrder) {
			t.Fatalf("ListConversations = %q, want %q", got, wantOrder)
		}
		for _, c := range all {
			if c.Owner != "bob" || c.UpdatedAt != t0+times[c.Conv.ID] || c.Unread != 1 || c.LastSeq != 1 {
				t.Errorf("listed conversation %+v, want UpdatedAt %d, Unread 1, LastSeq 1", c, t0+times[c.Conv.ID])
			}
		}
		for _, size := range []int{1, 2, 3, 7} {
			var paged []string
			before, after := int64(0), im.ConvID{}
			for range 10 {
				page := mustList(t, s, app1, "bob", before, after, size)
				paged = append(paged, peersOf(page)...)
				if len(page) < size {
					break
				}
				before, after = page[len(page)-1].UpdatedAt, page[len(page)-1].Conv
			}
			if !slices.Equal(paged, wantOrder) {
				t.Errorf("pages of %d = %q, want %q", size, paged, wantOrder)
			}
		}
		// A new message moves its conversation to the top.
		mustAppendOne(t, s, app1, send("bob", "p7", 2, t0+100))
		if got := peersOf(mustList(t, s, app1, "bob", 0, im.ConvID{}, 2)); !slices.Equal(got, []string{"p7", "p5"}) {
			t.Errorf("after bob writes to p7 the list starts %q, want p7, p5", got)
		}
		if got := mustList(t, s, app1, "nobody", 0, im.ConvID{}, 10); len(got) != 0 {
			t.Errorf("list of a user without conversations = %v", got)
		}
	}},
	{"GetConversations", func(t *testing.T, s store.Store) {
		mustAppendOne(t, s, app1, send("alice", "bob", 1, t0))
		mustAppendOne(t, s, app1, send("carol", "bob", 1, t0+1))
		got, err := s.GetConversations(t.Context(), app1, "bob", []im.ConvID{im.C2C("alice"), im.C2C("missing"), im.C2C("carol"), im.C2C("alice")})
		if err != nil {
			t.Fatalf("GetConversations: %v", err)
		}
		if len(got) != 2 || got[im.C2C("alice")].Conv != im.C2C("alice") || got[im.C2C("carol")].LastTime != t0+1 {
			t.Errorf("GetConversations = %+v, want alice's and carol's", got)
		}
		got, err = s.GetConversations(t.Context(), app1, "bob", nil)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("GetConversations(no peers) = %v, %v; want an empty map", got, err)
		}
	}},
	{"MarkRead", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 5, 1, t0) // seqs 1..5
		for _, step := range []struct {
			upTo        uint64
			read        uint64
			unread      int
			explanation string
		}{
			{3, 3, 2, "read up to 3"},
			{2, 3, 2, "ReadSeq never goes back"},
			{3, 3, 2, "same again"},
			{100, 5, 0, "capped at the latest seq"},
		} {
			c := mustMarkRead(t, s, app1, "bob", "alice", step.upTo)
			if c.ReadSeq != step.read || c.Unread != step.unread || c.Owner != "bob" || c.Conv != im.C2C("alice") || c.LastSeq != 5 {
				t.Errorf("%s: MarkRead(%d) = %+v, want ReadSeq %d, Unread %d", step.explanation, step.upTo, c, step.read, step.unread)
			}
			if got := mustConversation(t, s, app1, "bob", "alice"); got != c {
				t.Errorf("stored conversation %+v differs from MarkRead's %+v", got, c)
			}
		}
		mustAppendOne(t, s, app1, send("alice", "bob", 6, t0+6))
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 1 || c.ReadSeq != 5 {
			t.Errorf("after a new message: %+v, want ReadSeq 5, Unread 1", c)
		}
		_, err := s.MarkRead(t.Context(), app1, "bob", im.C2C("nobody"), 1)
		checkErrorIs(t, "MarkRead of a missing conversation", err, store.ErrNotFound)
	}},
	{"MarkReadCountsOnlyUnreadMessagesToTheOwner", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 2, 1, t0)              // 1, 2
		mustAppendOne(t, s, app1, send("bob", "alice", 3, t0+2)) // 3: bob's own
		silent := send("alice", "bob", 4, t0+3)                  // 4: not Unread
		silent.Msg.Unread = false
		mustAppendOne(t, s, app1, silent)
		sendN(t, s, app1, "alice", "bob", 2, 5, t0+4) // 5, 6
		if err := s.UpdateC2C(t.Context(), app1, "alice", "bob", store.C2CUpdate{Seq: 6, Doc: []byte(`{}`), State: store.StateRecalled}); err != nil {
			t.Fatal(err)
		}
		if c := mustMarkRead(t, s, app1, "bob", "alice", 1); c.Unread != 2 { // 2 and 5
			t.Errorf("Unread after reading up to 1 = %d, want 2", c.Unread)
		}
		if c := mustMarkRead(t, s, app1, "alice", "bob", 0); c.Unread != 1 || c.ReadSeq != 0 { // 3
			t.Errorf("alice's conversation = %+v, want Unread 1, ReadSeq 0", c)
		}
	}},
	{"MarkAllRead", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		sendN(t, s, app1, "carol", "bob", 2, 1, t0)
		quiet := send("carol", "bob", 9, t0+9)
		quiet.Msg.NoLastMsg = true
		mustAppendOne(t, s, app1, quiet)
		sendN(t, s, app1, "bob", "alice", 1, 7, t0+10)
		if err := s.MarkAllRead(t.Context(), app1, "bob"); err != nil {
			t.Fatalf("MarkAllRead: %v", err)
		}
		for peer, read := range map[string]uint64{"alice": 4, "carol": 3} {
			if c := mustConversation(t, s, app1, "bob", peer); c.Unread != 0 || c.ReadSeq != read {
				t.Errorf("bob's conversation with %s = %+v, want Unread 0, ReadSeq %d", peer, c, read)
			}
		}
		if c := mustConversation(t, s, app1, "alice", "bob"); c.Unread != 1 {
			t.Errorf("alice's Unread = %d, want 1 (not hers to mark)", c.Unread)
		}
		if err := s.MarkAllRead(t.Context(), app1, "nobody"); err != nil {
			t.Errorf("MarkAllRead of a user without conversations: %v", err)
		}
		mustAppendOne(t, s, app1, send("carol", "bob", 10, t0+20))
		if c := mustConversation(t, s, app1, "bob", "carol"); c.Unread != 1 {
			t.Errorf("Unread after a new message = %d, want 1", c.Unread)
		}
	}},
	{"DeleteKeepingHistory", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 3, 1, t0)
		if err := s.DeleteConversation(t.Context(), app1, "bob", im.C2C("alice"), false); err != nil {
			t.Fatalf("DeleteConversation: %v", err)
		}
		if got := peersOf(mustList(t, s, app1, "bob", 0, im.ConvID{}, 10)); len(got) != 0 {
			t.Errorf("bob's list after deleting = %q, want empty", got)
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.Unread != 0 || c.ClearedSeq != 0 || c.ReadSeq != 3 {
			t.Errorf("deleted conversation = %+v, want Unread 0, ReadSeq 3, ClearedSeq 0", c)
		}
		checkSeqs(t, "bob's stream", syncSeqs(readAllSync(t, s, app1, "bob", 10, 0)), seqRange(1, 3))
		checkSeqs(t, "history", seqsOf(fullHistory(t, s, app1, "alice", "bob")), seqRange(1, 3))
		if got := peersOf(mustList(t, s, app1, "alice", 0, im.ConvID{}, 10)); !slices.Equal(got, []string{"bob"}) {
			t.Errorf("alice's list = %q, want bob's conversation kept", got)
		}
		mustAppendOne(t, s, app1, send("alice", "bob", 4, t0+10))
		list := mustList(t, s, app1, "bob", 0, im.ConvID{}, 10)
		if len(list) != 1 || list[0].Unread != 1 || list[0].LastSeq != 4 || list[0].UpdatedAt != t0+10 {
			t.Errorf("after the next message bob's list = %+v, want the conversation back with Unread 1, LastSeq 4", list)
		}
	}},
	{"DeleteClearingHistory", func(t *testing.T, s store.Store) {
		sendN(t, s, app1, "alice", "bob", 2, 1, t0)              // bob's sync 1, 2
		mustAppendOne(t, s, app1, send("carol", "bob", 1, t0+2)) // bob's sync 3
		mustAppendOne(t, s, app1, send("bob", "alice", 3, t0+3)) // bob's sync 4
		if err := s.DeleteConversation(t.Context(), app1, "bob", im.C2C("alice"), true); err != nil {
			t.Fatalf("DeleteConversation: %v", err)
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.ClearedSeq != 3 || c.Unread != 0 {
			t.Errorf("cleared conversation = %+v, want ClearedSeq 3, Unread 0", c)
		}
		checkSeqs(t, "bob's stream", syncSeqs(readAllSync(t, s, app1, "bob", 10, 0)), []uint64{3})
		checkSeqs(t, "alice's stream", syncSeqs(readAllSync(t, s, app1, "alice", 10, 0)), seqRange(1, 3))
		checkSeqs(t, "stored history", seqsOf(fullHistory(t, s, app1, "alice", "bob")), seqRange(1, 3))
		if got := peersOf(mustList(t, s, app1, "bob", 0, im.ConvID{}, 10)); !slices.Equal(got, []string{"carol"}) {
			t.Errorf("bob's list = %q, want only carol", got)
		}
		// The conversation reappears with its ClearedSeq.
		out := mustAppendOne(t, s, app1, send("alice", "bob", 4, t0+4))
		c := mustConversation(t, s, app1, "bob", "alice")
		if c.ClearedSeq != 3 || c.LastSeq != 4 || c.Unread != 1 {
			t.Errorf("reappeared conversation = %+v, want ClearedSeq 3, LastSeq 4, Unread 1", c)
		}
		checkSeqs(t, "bob's view of the history",
			seqsOf(mustHistory(t, s, app1, "bob", "alice", store.HistoryQuery{AfterSeq: c.ClearedSeq, Limit: 10})), []uint64{4})
		checkSeqs(t, "bob's stream after", syncSeqs(readAllSync(t, s, app1, "bob", 10, 0)), []uint64{3, out.RecipientSyncSeq})
		if out.RecipientSyncSeq != 5 {
			t.Errorf("bob's next sync seq = %d, want 5", out.RecipientSyncSeq)
		}
		// Clearing again moves ClearedSeq on.
		if err := s.DeleteConversation(t.Context(), app1, "bob", im.C2C("alice"), true); err != nil {
			t.Fatal(err)
		}
		if c := mustConversation(t, s, app1, "bob", "alice"); c.ClearedSeq != 4 {
			t.Errorf("ClearedSeq after clearing again = %d, want 4", c.ClearedSeq)
		}
		checkSeqs(t, "bob's stream at the end", syncSeqs(readAllSync(t, s, app1, "bob", 10, 0)), []uint64{3})
	}},
	{"DeleteMissing", func(t *testing.T, s store.Store) {
		for _, clear := range []bool{false, true} {
			if err := s.DeleteConversation(t.Context(), app1, "bob", im.C2C("nobody"), clear); err != nil {
				t.Errorf("DeleteConversation(missing, clear %v): %v", clear, err)
			}
		}
		if hasConversation(t, s, app1, "bob", "nobody") {
			t.Error("deleting a missing conversation created it")
		}
	}},
	{"Isolation", func(t *testing.T, s store.Store) {
		for _, app := range []uint64{app1, app2} {
			sendN(t, s, app, "alice", "bob", 2, 1, t0)
		}
		if err := s.MarkAllRead(t.Context(), app1, "bob"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteConversation(t.Context(), app1, "alice", im.C2C("bob"), true); err != nil {
			t.Fatal(err)
		}
		if c := mustConversation(t, s, app2, "bob", "alice"); c.Unread != 2 || c.ReadSeq != 0 {
			t.Errorf("app2's conversation of bob = %+v after marking app1's read", c)
		}
		if got := peersOf(mustList(t, s, app2, "alice", 0, im.ConvID{}, 10)); !slices.Equal(got, []string{"bob"}) {
			t.Errorf("app2's list of alice = %q after deleting in app1", got)
		}
		checkSeqs(t, "app2's stream of alice", syncSeqs(readAllSync(t, s, app2, "alice", 10, 0)), seqRange(1, 2))
		_, err := s.MarkRead(t.Context(), app2, "bob", im.C2C("carol"), 1)
		checkErrorIs(t, "MarkRead in app2", err, store.ErrNotFound)
		for _, owner := range []string{"alice", "bob"} {
			if got := mustList(t, s, 999, owner, 0, im.ConvID{}, 10); len(got) != 0 {
				t.Errorf("%s has conversations %v in an app without messages", owner, got)
			}
		}
	}},
	{"GroupBesideC2CWithTheSameID", func(t *testing.T, s store.Store) {
		// alice's C2C conversation with bob (seqs 1..3, all unread) and a
		// group whose GroupId is also "bob" are two rows.
		c2c, group, other := im.C2C("bob"), im.Group("bob"), im.Group("other")
		sendN(t, s, app1, "bob", "alice", 3, 1, t0) // UpdatedAt t0+2
		update := func(us ...store.ConversationUpdate) {
			t.Helper()
			if err := s.UpdateConversations(t.Context(), app1, us); err != nil {
				t.Fatalf("UpdateConversations(%+v): %v", us, err)
			}
		}
		update(
			store.ConversationUpdate{Owner: "alice", Conv: group, LastSeq: 4, LastTime: t0 + 10, MaxSeq: 4, Unread: 4, Newest: t0 + 10},
			// A repeated row is merged in order: the later last message, the
			// highest seq, the unread counts added.
			store.ConversationUpdate{Owner: "alice", Conv: group, LastSeq: 5, LastTime: t0 + 11, MaxSeq: 6, Unread: 2, Newest: t0 + 12},
			// Same UpdatedAt as the C2C row: C2C (kind 1) is listed first.
			store.ConversationUpdate{Owner: "alice", Conv: other, LastSeq: 1, LastTime: t0 + 2, MaxSeq: 1, Unread: 1, Newest: t0 + 2},
		)
		wantGroup := store.Conversation{Owner: "alice", Conv: group, LastSeq: 5, LastTime: t0 + 11, Unread: 6, UpdatedAt: t0 + 11}
		wantC2C := store.Conversation{Owner: "alice", Conv: c2c, LastSeq: 3, LastTime: t0 + 2, Unread: 3, UpdatedAt: t0 + 2}
		check := func(when string, wants ...store.Conversation) {
			t.Helper()
			for _, w := range wants {
				if c := mustConversationOf(t, s, app1, "alice", w.Conv); c != w {
					t.Errorf("%s: %v = %+v, want %+v", when, w.Conv, c, w)
				}
			}
		}
		check("written", wantGroup, wantC2C)
		got, err := s.GetConversations(t.Context(), app1, "alice", []im.ConvID{c2c, group, im.Group("missing"), group})
		if err != nil || len(got) != 2 || got[c2c] != wantC2C || got[group] != wantGroup {
			t.Errorf("GetConversations = %+v, %v; want the C2C and the group row", got, err)
		}
		wantOrder := []string{"group:bob", "bob", "group:other"}
		if got := peersOf(mustList(t, s, app1, "alice", 0, im.ConvID{}, 10)); !slices.Equal(got, wantOrder) {
			t.Errorf("list = %q, want %q", got, wantOrder)
		}
		var paged []string
		before, after := int64(0), im.ConvID{}
		for range 5 {
			page := mustList(t, s, app1, "alice", before, after, 1)
			if len(page) == 0 {
				break
			}
			paged = append(paged, peersOf(page)...)
			before, after = page[0].UpdatedAt, page[0].Conv
		}
		if !slices.Equal(paged, wantOrder) {
			t.Errorf("pages of 1 = %q, want %q", paged, wantOrder)
		}

		// Read positions are per row; a group's unread is at most the seqs
		// after its read position.
		wantGroup.ReadSeq, wantGroup.Unread = 2, 4
		if c := mustMarkReadOf(t, s, app1, "alice", group, 2); c != wantGroup {
			t.Errorf("MarkRead(group, 2) = %+v, want %+v", c, wantGroup)
		}
		wantC2C.ReadSeq, wantC2C.Unread = 1, 2
		if c := mustMarkReadOf(t, s, app1, "alice", c2c, 1); c != wantC2C {
			t.Errorf("MarkRead(c2c, 1) = %+v, want %+v", c, wantC2C)
		}
		check("after reading both", wantGroup, wantC2C)
		wantGroup.ReadSeq, wantGroup.Unread = 6, 0
		if c := mustMarkReadOf(t, s, app1, "alice", group, 100); c != wantGroup {
			t.Errorf("MarkRead(group, 100) = %+v, want %+v (capped at the highest seq)", c, wantGroup)
		}
		_, err = s.MarkRead(t.Context(), app1, "alice", im.Group("missing"), 1)
		checkErrorIs(t, "MarkRead of a missing group conversation", err, store.ErrNotFound)

		// Deleting the group's row clears only that row; alice's C2C
		// stream and conversation stay.
		if err := s.DeleteConversation(t.Context(), app1, "alice", group, true); err != nil {
			t.Fatalf("DeleteConversation(group): %v", err)
		}
		wantGroup.ClearedSeq = 6
		check("after deleting the group", wantGroup, wantC2C)
		if got := peersOf(mustList(t, s, app1, "alice", 0, im.ConvID{}, 10)); !slices.Equal(got, []string{"bob", "group:other"}) {
			t.Errorf("list after deleting the group = %q, want bob, group:other", got)
		}
		checkSeqs(t, "alice's stream", syncSeqs(readAllSync(t, s, app1, "alice", 10, 0)), seqRange(1, 3))

		// Its next message brings it back; one without a last message keeps
		// the last one.
		update(store.ConversationUpdate{Owner: "alice", Conv: group, LastSeq: 7, LastTime: t0 + 20, MaxSeq: 7, Unread: 1, Newest: t0 + 20})
		update(store.ConversationUpdate{Owner: "alice", Conv: group, MaxSeq: 8, Unread: 1, Newest: t0 + 21})
		wantGroup.LastSeq, wantGroup.LastTime, wantGroup.UpdatedAt, wantGroup.Unread = 7, t0+20, t0+20, 2
		check("back", wantGroup)

		// Deleting the C2C row leaves the group's.
		if err := s.DeleteConversation(t.Context(), app1, "alice", c2c, false); err != nil {
			t.Fatalf("DeleteConversation(c2c): %v", err)
		}
		if got := peersOf(mustList(t, s, app1, "alice", 0, im.ConvID{}, 10)); !slices.Equal(got, []string{"group:bob", "group:other"}) {
			t.Errorf("list after deleting the C2C conversation = %q, want both groups", got)
		}
		if err := s.MarkAllRead(t.Context(), app1, "alice"); err != nil {
			t.Fatal(err)
		}
		wantGroup.ReadSeq, wantGroup.Unread = 8, 0
		check("after MarkAllRead", wantGroup)
		if c := mustConversationOf(t, s, app1, "alice", other); c.Unread != 0 || c.ReadSeq != 1 {
			t.Errorf("other group after MarkAllRead = %+v, want read up to 1", c)
		}
		if !hasConversation(t, s, app1, "bob", "alice") {
			t.Error("bob's side of the C2C conversation is gone")
		}
	}},
}
