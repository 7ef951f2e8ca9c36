package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/store"
)

// limits are roomy bounds for cases that do not test them.
var limits = store.FriendLimits{Friends: 100, Lists: 10, Blacklist: 100, Requests: 100}

func users(t *testing.T, s store.Store, ids ...string) {
	t.Helper()
	accts := make([]store.NewAccount, len(ids))
	for i, id := range ids {
		accts[i] = account(id)
	}
	mustImport(t, s, app1, accts...)
}

func add(mode store.FriendAddMode, peer string, groups ...string) store.FriendAdd {
	return store.FriendAdd{Mode: mode, Friend: store.Friend{UserID: peer, Groups: groups, AddSource: "AddSource_Type_Test", AddTime: 10}}
}

func mustAdd(t *testing.T, s store.Store, owner string, l store.FriendLimits, adds ...store.FriendAdd) []store.FriendOutcome {
	t.Helper()
	out, err := s.AddFriends(t.Context(), app1, owner, adds, l)
	if err != nil {
		t.Fatalf("AddFriends(%q): %v", owner, err)
	}
	return out
}

func checkOutcomes(t *testing.T, what string, got []store.FriendOutcome, want ...store.FriendOutcome) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: outcomes %v, want %v", what, got, want)
	}
}

func relation(t *testing.T, s store.Store, owner, peer string) store.Relation {
	t.Helper()
	rel, err := s.FriendRelations(t.Context(), app1, owner, []string{peer})
	if err != nil {
		t.Fatalf("FriendRelations: %v", err)
	}
	return rel[peer]
}

func friendIDs(t *testing.T, s store.Store, owner string) []string {
	t.Helper()
	fs, _, err := s.GetFriends(t.Context(), app1, owner, nil)
	if err != nil {
		t.Fatalf("GetFriends(%q): %v", owner, err)
	}
	ids := []string{}
	for _, f := range fs {
		ids = append(ids, f.UserID)
	}
	return ids
}

func mustBlock(t *testing.T, s store.Store, owner string, peers ...string) []store.FriendOutcome {
	t.Helper()
	out, err := s.AddToBlacklist(t.Context(), app1, owner, peers, 5, limits)
	if err != nil {
		t.Fatalf("AddToBlacklist(%q): %v", owner, err)
	}
	return out
}

var friendCases = []testCase{
	{"AddBothWaysAndOneWay", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c")
		checkOutcomes(t, "add", mustAdd(t, s, "a", limits, add(store.AddBothWays, "b", "work"), add(store.AddOneWay, "c")),
			store.FriendDone, store.FriendDone)
		if got := relation(t, s, "a", "b"); got != (store.Relation{AHasB: true, BHasA: true}) {
			t.Errorf("a-b relation %+v, want both ways", got)
		}
		if got := relation(t, s, "a", "c"); got != (store.Relation{AHasB: true}) {
			t.Errorf("a-c relation %+v, want a has c only", got)
		}
		if got := relation(t, s, "c", "a"); got != (store.Relation{BHasA: true}) {
			t.Errorf("c-a relation %+v, want a has c only", got)
		}
		checkOutcomes(t, "again", mustAdd(t, s, "a", limits, add(store.AddBothWays, "b"), add(store.AddOneWay, "c")),
			store.FriendExists, store.FriendExists)
		// Both ways completes a one-way friendship.
		checkOutcomes(t, "complete", mustAdd(t, s, "a", limits, add(store.AddBothWays, "c")), store.FriendDone)
		if got := relation(t, s, "a", "c"); got != (store.Relation{AHasB: true, BHasA: true}) {
			t.Errorf("a-c relation after both ways %+v", got)
		}
		fs, seq, err := s.GetFriends(t.Context(), app1, "a", []string{"b", "x"})
		if err != nil || len(fs) != 1 || fs[0].UserID != "b" || !slices.Equal(fs[0].Groups, []string{"work"}) ||
			fs[0].AddSource != "AddSource_Type_Test" || fs[0].AddTime != 10 || seq == 0 {
			t.Errorf("GetFriends(a, [b x]) = %+v, %d, %v", fs, seq, err)
		}
	}},
	{"Limits", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c", "d")
		l := store.FriendLimits{Friends: 1, Lists: 1, Blacklist: 1, Requests: 1}
		checkOutcomes(t, "own", mustAdd(t, s, "a", l, add(store.AddOneWay, "b"), add(store.AddOneWay, "c")),
			store.FriendDone, store.FriendOwnLimit)
		checkOutcomes(t, "peer", mustAdd(t, s, "c", l, add(store.AddBothWays, "a")), store.FriendPeerLimit)
		checkOutcomes(t, "lists", mustAdd(t, s, "c", l, add(store.AddOneWay, "d", "x", "y")), store.FriendListLimit)
		checkOutcomes(t, "requests", mustAdd(t, s, "b", l, add(store.AddRequest, "d"), add(store.AddRequest, "d")),
			store.FriendRequested, store.FriendRequested)
		checkOutcomes(t, "requests full", mustAdd(t, s, "c", l, add(store.AddRequest, "d")), store.FriendRequestLimit)
		out, err := s.AddToBlacklist(t.Context(), app1, "d", []string{"a", "b"}, 1, l)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, "blacklist", out, store.FriendDone, store.FriendBlacklistLimit)
		if ids := friendIDs(t, s, "c"); len(ids) != 0 {
			t.Errorf("refused adds wrote friends: %q", ids)
		}
	}},
	{"BlacklistBlocksAndUnfriends", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c")
		mustAdd(t, s, "a", limits, add(store.AddBothWays, "b"), add(store.AddRequest, "c"))
		checkOutcomes(t, "block", mustBlock(t, s, "a", "b", "c"), store.FriendDone, store.FriendDone)
		checkOutcomes(t, "block again", mustBlock(t, s, "a", "b"), store.FriendExists)
		if got := relation(t, s, "a", "b"); got != (store.Relation{}) {
			t.Errorf("relation after blacklisting %+v, want none", got)
		}
		if reqs, err := s.FriendRequests(t.Context(), app1, "c", true); err != nil || len(reqs) != 0 {
			t.Errorf("requests after blacklisting: %+v, %v", reqs, err)
		}
		checkOutcomes(t, "adds", mustAdd(t, s, "a", limits, add(store.AddOneWay, "b")), store.FriendBlocking)
		checkOutcomes(t, "adds", mustAdd(t, s, "b", limits, add(store.AddRequest, "a")), store.FriendBlockedBy)
		rel, err := s.BlacklistRelations(t.Context(), app1, "b", []string{"a", "c"})
		if err != nil || rel["a"] != (store.Relation{BHasA: true}) || rel["c"] != (store.Relation{}) {
			t.Errorf("BlacklistRelations(b) = %+v, %v", rel, err)
		}
		list, seq, err := s.Blacklist(t.Context(), app1, "a")
		if err != nil || len(list) != 2 || list[0] != (store.BlacklistEntry{UserID: "b", AddedAt: 5}) || seq == 0 {
			t.Errorf("Blacklist(a) = %+v, %d, %v", list, seq, err)
		}
		out, err := s.RemoveFromBlacklist(t.Context(), app1, "a", []string{"b", "b"})
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, "remove", out, store.FriendDone, store.FriendMissing)
		checkOutcomes(t, "add after", mustAdd(t, s, "a", limits, add(store.AddOneWay, "b")), store.FriendDone)
	}},
	{"Requests", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c")
		checkOutcomes(t, "request", mustAdd(t, s, "a", limits, add(store.AddRequest, "b", "g")), store.FriendRequested)
		mustAdd(t, s, "c", limits, add(store.AddRequest, "b"))
		in, err := s.FriendRequests(t.Context(), app1, "b", true)
		if err != nil || len(in) != 2 {
			t.Fatalf("incoming requests of b: %+v, %v", in, err)
		}
		out, err := s.FriendRequests(t.Context(), app1, "a", false)
		if err != nil || len(out) != 1 || out[0].To != "b" || out[0].Group != "g" {
			t.Fatalf("outgoing requests of a: %+v, %v", out, err)
		}
		o, err := s.AnswerFriendRequest(t.Context(), app1, "b", "a", true, true, store.Friend{AddTime: 20}, limits)
		if err != nil || o != store.FriendDone {
			t.Fatalf("accept: %v, %v", o, err)
		}
		if got := relation(t, s, "a", "b"); got != (store.Relation{AHasB: true, BHasA: true}) {
			t.Errorf("relation after accept-and-add %+v", got)
		}
		if fs, _, _ := s.GetFriends(t.Context(), app1, "a", []string{"b"}); len(fs) != 1 || !slices.Equal(fs[0].Groups, []string{"g"}) {
			t.Errorf("requester's entry %+v, want in list g", fs)
		}
		o, err = s.AnswerFriendRequest(t.Context(), app1, "b", "c", false, false, store.Friend{}, limits)
		if err != nil || o != store.FriendDone {
			t.Fatalf("refuse: %v, %v", o, err)
		}
		o, err = s.AnswerFriendRequest(t.Context(), app1, "b", "c", true, false, store.Friend{}, limits)
		if err != nil || o != store.FriendMissing {
			t.Errorf("answer a settled request: %v, %v; want FriendMissing", o, err)
		}
		checkOutcomes(t, "request to a friend", mustAdd(t, s, "a", limits, add(store.AddRequest, "b")), store.FriendExists)
	}},
	{"RequestsRead", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c", "d")
		at := func(peer string, when int64) store.FriendAdd {
			a := add(store.AddRequest, peer)
			a.Friend.AddTime = when
			return a
		}
		mustAdd(t, s, "a", limits, at("b", 10))
		mustAdd(t, s, "c", limits, at("b", 20))
		mustAdd(t, s, "b", limits, at("d", 10))
		readOf := func(user string, incoming bool) map[string]bool {
			t.Helper()
			rs, err := s.FriendRequests(t.Context(), app1, user, incoming)
			if err != nil {
				t.Fatalf("FriendRequests(%q): %v", user, err)
			}
			m := map[string]bool{}
			for _, r := range rs {
				m[r.From+">"+r.To] = r.Read
			}
			return m
		}
		mark := func(user string, upTo int64, want int) {
			t.Helper()
			n, err := s.MarkFriendRequestsRead(t.Context(), app1, user, upTo)
			if err != nil || n != want {
				t.Fatalf("MarkFriendRequestsRead(%q, %d) = %d, %v; want %d", user, upTo, n, err, want)
			}
		}
		if got := readOf("b", true); got["a>b"] || got["c>b"] || len(got) != 2 {
			t.Fatalf("new requests to b: %v, want two unread", got)
		}
		// Up to a time marks only the requests made by then, and only the
		// target's incoming ones.
		mark("b", 15, 1)
		if got := readOf("b", true); !got["a>b"] || got["c>b"] {
			t.Errorf("after marking up to 15: %v, want a>b read, c>b unread", got)
		}
		if got := readOf("d", true); got["b>d"] {
			t.Errorf("b's outgoing request was marked: %v", got)
		}
		mark("b", 15, 0)
		mark("b", 0, 1)
		if got := readOf("b", true); !got["a>b"] || !got["c>b"] {
			t.Errorf("after marking all: %v, want both read", got)
		}
		if got := readOf("a", false); !got["a>b"] {
			t.Errorf("the requester's listing reads %v, want the stored flag", got)
		}
		// Asking again makes the request unread again.
		mustAdd(t, s, "a", limits, at("b", 30))
		if got := readOf("b", true); got["a>b"] || !got["c>b"] {
			t.Errorf("after a refresh: %v, want a>b unread again", got)
		}
		mark("b", 0, 1)
		mark("nobody", 0, 0)
	}},
	{"UpdateDeleteAndLists", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b", "c")
		mustAdd(t, s, "a", limits, add(store.AddBothWays, "b"), add(store.AddBothWays, "c"))
		remark := "bee"
		out, err := s.UpdateFriends(t.Context(), app1, "a", []store.FriendUpdate{
			{UserID: "b", Remark: &remark, RemarkTime: 7, Groups: []string{"x"}, Custom: items("Tag_SNS_Custom_K", `"v"`)},
			{UserID: "zz"},
		}, limits)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, "update", out, store.FriendDone, store.FriendMissing)
		fs, _, _ := s.GetFriends(t.Context(), app1, "a", []string{"b"})
		if len(fs) != 1 || fs[0].Remark != "bee" || fs[0].RemarkTime != 7 || len(fs[0].Custom) != 1 || !slices.Equal(fs[0].Groups, []string{"x"}) {
			t.Errorf("after update %+v", fs)
		}
		lo, seq1, err := s.AddFriendLists(t.Context(), app1, "a", []string{"x", "y"}, []string{"c", "nobody"}, limits)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, "lists", lo, store.FriendExists, store.FriendDone)
		lists, seq2, err := s.FriendLists(t.Context(), app1, "a")
		want := []store.FriendList{{Name: "x", Members: []string{"b", "c"}}, {Name: "y", Members: []string{"c"}}}
		if err != nil || !slices.EqualFunc(lists, want, func(p, q store.FriendList) bool {
			return p.Name == q.Name && slices.Equal(p.Members, q.Members)
		}) || seq2 != seq1 {
			t.Errorf("FriendLists = %+v, %d (%d), %v; want %+v", lists, seq2, seq1, err, want)
		}
		do, seq3, err := s.DeleteFriendLists(t.Context(), app1, "a", []string{"y", "nope"})
		if err != nil || seq3 <= seq2 {
			t.Fatalf("DeleteFriendLists: %v (seq %d after %d)", err, seq3, seq2)
		}
		checkOutcomes(t, "delete lists", do, store.FriendDone, store.FriendMissing)
		dout, err := s.DeleteFriends(t.Context(), app1, "a", []string{"b", "zz"}, false)
		if err != nil {
			t.Fatal(err)
		}
		checkOutcomes(t, "delete", dout, store.FriendDone, store.FriendMissing)
		if got := relation(t, s, "a", "b"); got != (store.Relation{BHasA: true}) {
			t.Errorf("after one-way delete %+v", got)
		}
		if err := s.DeleteAllFriends(t.Context(), app1, "a", true); err != nil {
			t.Fatal(err)
		}
		if ids := friendIDs(t, s, "a"); len(ids) != 0 {
			t.Errorf("after delete all: %q", ids)
		}
		if ids := friendIDs(t, s, "c"); len(ids) != 0 {
			t.Errorf("c after a deleted all both ways: %q", ids)
		}
	}},
	{"DeletedAccountTakesRelations", func(t *testing.T, s store.Store) {
		users(t, s, "a", "b")
		mustAdd(t, s, "a", limits, add(store.AddBothWays, "b"))
		mustBlock(t, s, "b", "a")
		if _, err := s.DeleteAccounts(t.Context(), app1, []string{"b"}, 0); err != nil {
			t.Fatal(err)
		}
		users(t, s, "b")
		if got := relation(t, s, "a", "b"); got != (store.Relation{}) {
			t.Errorf("relation with a re-imported account %+v", got)
		}
		if rel, _ := s.BlacklistRelations(t.Context(), app1, "a", []string{"b"}); rel["b"] != (store.Relation{}) {
			t.Errorf("blacklist of a deleted account survived: %+v", rel["b"])
		}
	}},
	{"ConcurrentBothSides", func(t *testing.T, s store.Store) {
		// Both users add, block and unfriend each other at once, many
		// times; every outcome must leave a consistent pair: never friends
		// while either blocks the other.
		const pairs = 6
		for i := range pairs {
			users(t, s, fmt.Sprintf("x%d", i), fmt.Sprintf("y%d", i))
		}
		var wg sync.WaitGroup
		for i := range pairs {
			x, y := fmt.Sprintf("x%d", i), fmt.Sprintf("y%d", i)
			wg.Go(func() {
				if _, err := s.AddFriends(t.Context(), app1, x, []store.FriendAdd{add(store.AddBothWays, y)}, limits); err != nil {
					t.Errorf("add: %v", err)
				}
			})
			wg.Go(func() {
				if _, err := s.AddToBlacklist(t.Context(), app1, y, []string{x}, 1, limits); err != nil {
					t.Errorf("block: %v", err)
				}
			})
			wg.Go(func() {
				if _, err := s.AddFriends(t.Context(), app1, y, []store.FriendAdd{add(store.AddBothWays, x)}, limits); err != nil {
					t.Errorf("add back: %v", err)
				}
			})
		}
		wg.Wait()
		for i := range pairs {
			x, y := fmt.Sprintf("x%d", i), fmt.Sprintf("y%d", i)
			if got := relation(t, s, x, y); got != (store.Relation{}) {
				t.Errorf("%s-%s are friends %+v although %s blocks %s", x, y, got, y, x)
			}
		}
	}},
}
