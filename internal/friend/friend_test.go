package friend

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// TestAddRules runs friend_add over every combination of the target's
// AllowType, a blacklist either way, one-way or two-way, and forced or
// not, asserting the item's code and the relation it leaves.
func TestAddRules(t *testing.T) {
	type blacklist int
	const (
		noBlock blacklist = iota
		senderBlocks
		targetBlocks
	)
	type tc struct {
		allow string
		block blacklist
		both  bool
		force bool
		code  int
		rel   store.Relation
	}
	var cases []tc
	for _, allow := range []string{AllowAny, AllowConfirm, AllowDeny} {
		for _, block := range []blacklist{noBlock, senderBlocks, targetBlocks} {
			for _, both := range []bool{false, true} {
				for _, force := range []bool{false, true} {
					c := tc{allow: allow, block: block, both: both, force: force}
					switch {
					case block == senderBlocks:
						c.code = im.CodeSNSPeerBlocked
					case block == targetBlocks:
						c.code = im.CodeSNSBlockedByPeer
					case force || allow == AllowAny:
						c.rel = store.Relation{AHasB: true, BHasA: both}
					case allow == AllowDeny:
						c.code = im.CodeSNSPeerDeniesAdds
					default:
						c.code = im.CodeSNSNeedsConfirm
					}
					cases = append(cases, c)
				}
			}
		}
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		for i, c := range cases {
			a, b := name("a", i), name("b", i)
			h.users(t, a, b)
			h.accounts.set(b, TagAllowType, c.allow)
			switch c.block {
			case senderBlocks:
				mustBlock(t, h, a, b)
			case targetBlocks:
				mustBlock(t, h, b, a)
			}
			res, err := h.svc.Add(t.Context(), h.app, AddRequest{From: a, Both: c.both, Force: c.force,
				Items: []AddItem{{UserID: b, AddSource: "AddSource_Type_Test", Group: "g"}}})
			what := fmt.Sprintf("%s, blacklist %d, both %v, force %v", c.allow, c.block, c.both, c.force)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if res[0].Code != c.code {
				t.Errorf("%s: code %d (%s), want %d", what, res[0].Code, res[0].Info, c.code)
			}
			if got := h.relation(t, a, b); got != c.rel {
				t.Errorf("%s: relation %+v, want %+v", what, got, c.rel)
			}
			reqs, err := h.svc.Requests(t.Context(), h.app, b, true)
			if err != nil {
				t.Fatal(err)
			}
			if pending := len(reqs) == 1 && reqs[0].From == a; pending != (c.code == im.CodeSNSNeedsConfirm) {
				t.Errorf("%s: pending requests %+v", what, reqs)
			}
		}
	})
}

func mustBlock(t *testing.T, h *harness, owner string, peers ...string) {
	t.Helper()
	res, err := h.svc.Block(t.Context(), h.app, owner, peers)
	if err != nil || slices.ContainsFunc(res, func(r ItemResult) bool { return r.Code != 0 }) {
		t.Fatalf("Block(%s, %q) = %+v, %v", owner, peers, res, err)
	}
}

func mustAdd(t *testing.T, h *harness, from string, both bool, peers ...string) {
	t.Helper()
	items := make([]AddItem, len(peers))
	for i, p := range peers {
		items[i] = AddItem{UserID: p, AddSource: "AddSource_Type_Test"}
	}
	res, err := h.svc.Add(t.Context(), h.app, AddRequest{From: from, Both: both, Force: true, Items: items})
	if err != nil || slices.ContainsFunc(res, func(r ItemResult) bool { return r.Code != 0 }) {
		t.Fatalf("Add(%s, %q) = %+v, %v", from, peers, res, err)
	}
}

func TestAddChecks(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b", "c", "f")
		h.accounts.set("b", TagAllowType, AllowAny)
		h.accounts.set("f", TagAdminForbidType, ForbidSendOut)
		items := []AddItem{
			{UserID: "b", AddSource: "bad"},
			{UserID: "b", AddSource: "AddSource_Type_TooLongKey"},
			{UserID: "b", AddSource: "AddSource_Type_X", Remark: string(make([]byte, MaxRemarkBytes+1))},
			{UserID: "b", AddSource: "AddSource_Type_X", Wording: string(make([]byte, MaxAddWordingBytes+1))},
			{UserID: "b", AddSource: "AddSource_Type_X", Group: string(make([]byte, MaxListNameBytes+1))},
			{UserID: "a", AddSource: "AddSource_Type_X"},
			{UserID: "nobody", AddSource: "AddSource_Type_X"},
			{UserID: "b", AddSource: "AddSource_Type_X"},
			{UserID: "b", AddSource: "AddSource_Type_X"},
		}
		res, err := h.svc.Add(t.Context(), h.app, AddRequest{From: "a", Items: items})
		if err != nil {
			t.Fatal(err)
		}
		want := []int{30001, 30001, 30001, 30001, 30001, 30001, 30003, 0, 30001}
		if !slices.Equal(codes(res), want) {
			t.Errorf("codes %v, want %v", codes(res), want)
		}
		res, err = h.svc.Add(t.Context(), h.app, AddRequest{From: "f", Items: []AddItem{{UserID: "b", AddSource: "AddSource_Type_X"}}})
		if err != nil || res[0].Code != im.CodeSNSAddForbidden {
			t.Errorf("add by a SendOut-forbidden user: %+v, %v", res, err)
		}
		_, err = h.svc.Add(t.Context(), h.app, AddRequest{From: "nobody", Items: items[:1]})
		mustCode(t, "from a missing account", err, im.CodeSNSAccountNotFound)
		_, err = h.svc.Add(t.Context(), h.app, AddRequest{From: "a"})
		mustCode(t, "no items", err, im.CodeSNSBadParams)
		_, err = h.svc.Add(t.Context(), h.app, AddRequest{From: "a", Items: make([]AddItem, MaxAddBatch+1)})
		mustCode(t, "too many items", err, im.CodeSNSBadParams)
	})
}

// TestLimits lowers the service's limits and asserts each one's code.
func TestLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.svc.limits = store.FriendLimits{Friends: 1, Lists: 1, Blacklist: 1, Requests: 1}
		h.users(t, "a", "b", "c", "d", "e")
		add := func(from string, both bool, item AddItem) int {
			t.Helper()
			item.AddSource = "AddSource_Type_X"
			res, err := h.svc.Add(t.Context(), h.app, AddRequest{From: from, Both: both, Force: true, Items: []AddItem{item}})
			if err != nil {
				t.Fatal(err)
			}
			return res[0].Code
		}
		if c := add("a", false, AddItem{UserID: "b", Group: "g1"}); c != 0 {
			t.Fatalf("first add: %d", c)
		}
		if c := add("a", false, AddItem{UserID: "c"}); c != im.CodeSNSFriendLimit {
			t.Errorf("own list full: %d, want 30010", c)
		}
		if c := add("c", true, AddItem{UserID: "a"}); c != im.CodeSNSPeerFriendLimit {
			t.Errorf("peer's list full: %d, want 30014", c)
		}
		if c := add("c", false, AddItem{UserID: "d", Group: "g1"}); c != 0 {
			t.Errorf("add into a first list: %d", c)
		}
		_, _, err := h.svc.AddLists(t.Context(), h.app, "c", []string{"g2"}, nil)
		mustCode(t, "lists full", err, im.CodeSNSListLimit)
		res, err := h.svc.Update(t.Context(), h.app, "c", []UpdateItem{{UserID: "d", Fields: []Field{{TagGroup, json.RawMessage(`["g1","g2"]`)}}}})
		if err != nil || res[0].Code != im.CodeSNSListLimit {
			t.Errorf("update into a new list past the limit: %+v, %v", res, err)
		}
		if res, _ := h.svc.Add(t.Context(), h.app, AddRequest{From: "d", Items: []AddItem{{UserID: "e", AddSource: "AddSource_Type_X"}}}); res[0].Code != im.CodeSNSNeedsConfirm {
			t.Fatalf("first request: %+v", res)
		}
		if res, _ := h.svc.Add(t.Context(), h.app, AddRequest{From: "b", Items: []AddItem{{UserID: "e", AddSource: "AddSource_Type_X"}}}); res[0].Code != im.CodeSNSRequestLimit {
			t.Errorf("pending requests full: %+v, want 30012", res)
		}
		mustBlock(t, h, "e", "a")
		res, err = h.svc.Block(t.Context(), h.app, "e", []string{"b"})
		if err != nil || res[0].Code != im.CodeSNSBlacklistLimit {
			t.Errorf("blacklist full: %+v, %v; want 30013", res, err)
		}
	})
}

func TestRequestAnswers(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b", "c")
		for _, from := range []string{"a", "c"} {
			res, err := h.svc.Add(t.Context(), h.app, AddRequest{From: from, Both: true,
				Items: []AddItem{{UserID: "b", AddSource: "AddSource_Type_X", Remark: "bee", Wording: "hi"}}})
			if err != nil || res[0].Code != im.CodeSNSNeedsConfirm {
				t.Fatalf("request from %s: %+v, %v", from, res, err)
			}
		}
		out, err := h.svc.Requests(t.Context(), h.app, "a", false)
		if err != nil || len(out) != 1 || out[0].To != "b" || out[0].AddWording != "hi" {
			t.Errorf("outgoing requests of a: %+v, %v", out, err)
		}
		if err := h.svc.Answer(t.Context(), h.app, "b", "a", true, false); err != nil {
			t.Fatalf("agree: %v", err)
		}
		if got := h.relation(t, "a", "b"); got != (store.Relation{AHasB: true}) {
			t.Errorf("after agree: %+v, want a has b only", got)
		}
		if err := h.svc.Answer(t.Context(), h.app, "b", "c", true, true); err != nil {
			t.Fatalf("agree and add: %v", err)
		}
		if got := h.relation(t, "c", "b"); got != (store.Relation{AHasB: true, BHasA: true}) {
			t.Errorf("after agree and add: %+v", got)
		}
		mustCode(t, "answer again", h.svc.Answer(t.Context(), h.app, "b", "c", false, false), im.CodeSNSRequestNotFound)
		page, err := h.svc.GetList(t.Context(), h.app, "a", []string{"b"}, []string{TagRemark, TagAddWording})
		if err != nil || len(page) != 1 || len(page[0].Fields) != 2 || string(page[0].Fields[0].Value) != `"bee"` {
			t.Errorf("requester's entry: %+v, %v", page, err)
		}
		// Refusing leaves no friendship.
		h.users(t, "d")
		h.svc.Add(t.Context(), h.app, AddRequest{From: "d", Items: []AddItem{{UserID: "b", AddSource: "AddSource_Type_X"}}})
		if err := h.svc.Answer(t.Context(), h.app, "b", "d", false, false); err != nil {
			t.Fatalf("refuse: %v", err)
		}
		if got := h.relation(t, "d", "b"); got != (store.Relation{}) {
			t.Errorf("after refuse: %+v", got)
		}
	})
}

func TestCheckRelations(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "both", "mine", "theirs", "none")
		mustAdd(t, h, "a", true, "both")
		mustAdd(t, h, "a", false, "mine")
		mustAdd(t, h, "theirs", false, "a")
		peers := []string{"both", "mine", "theirs", "none", "ghost"}
		for _, c := range []struct {
			both bool
			want []string
		}{
			{false, []string{RelationAWithB, RelationAWithB, RelationNone, RelationNone, RelationNone}},
			{true, []string{RelationBothWay, RelationAWithB, RelationBWithA, RelationNone, RelationNone}},
		} {
			res, err := h.svc.Check(t.Context(), h.app, "a", peers, c.both)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.Relation)
			}
			if !slices.Equal(got, c.want) || res[4].Code != im.CodeSNSAccountNotFound {
				t.Errorf("check both=%v: %v (ghost code %d), want %v", c.both, got, res[4].Code, c.want)
			}
		}
		mustBlock(t, h, "a", "mine")
		mustBlock(t, h, "theirs", "a")
		mustBlock(t, h, "a", "theirs")
		res, err := h.svc.CheckBlacklist(t.Context(), h.app, "a", []string{"mine", "theirs", "none"}, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := []string{res[0].Relation, res[1].Relation, res[2].Relation}; !slices.Equal(got, []string{BlackAWithB, BlackBothWay, BlackNone}) {
			t.Errorf("blacklist check: %v", got)
		}
	})
}

func TestGetPagesAndDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		peers := make([]string, FriendPageSize+5)
		for i := range peers {
			peers[i] = fmt.Sprintf("p%03d", i)
		}
		h.users(t, append(peers, "a")...)
		for chunk := range slices.Chunk(peers, MaxAddBatch) {
			mustAdd(t, h, "a", true, chunk...)
		}
		var seen []string
		start := 0
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("too many pages")
			}
			p, err := h.svc.Get(t.Context(), h.app, "a", start)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Friends {
				seen = append(seen, e.UserID)
			}
			if p.Total != len(peers) || p.Sequence == 0 {
				t.Errorf("page at %d: total %d seq %d", start, p.Total, p.Sequence)
			}
			if p.Complete {
				break
			}
			start = p.Next
		}
		if !slices.Equal(seen, peers) {
			t.Errorf("paged friends %d, want %d in order", len(seen), len(peers))
		}
		res, err := h.svc.Delete(t.Context(), h.app, "a", []string{"p000", "p000"}, false)
		if err != nil || !slices.Equal(codes(res), []int{0, im.CodeSNSNotFriends}) {
			t.Errorf("delete: %+v, %v", res, err)
		}
		if got := h.relation(t, "a", "p000"); got != (store.Relation{BHasA: true}) {
			t.Errorf("after one-way delete: %+v", got)
		}
		if err := h.svc.DeleteAll(t.Context(), h.app, "a", true); err != nil {
			t.Fatal(err)
		}
		if got := h.relation(t, "a", "p001"); got != (store.Relation{}) {
			t.Errorf("after delete all both ways: %+v", got)
		}
	})
}

func TestUpdateAndLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b", "c")
		h.policy.declare("Nick")
		mustAdd(t, h, "a", false, "b")
		res, err := h.svc.Update(t.Context(), h.app, "a", []UpdateItem{
			{UserID: "b", Fields: []Field{{TagRemark, json.RawMessage(`"bee"`)}, {TagGroup, json.RawMessage(`["x"]`)}, {"Tag_SNS_Custom_Nick", json.RawMessage(`"bb"`)}}},
			{UserID: "c", Fields: []Field{{TagRemark, json.RawMessage(`"sea"`)}}},
			{UserID: "b", Fields: []Field{{TagAddTime, json.RawMessage(`1`)}}},
			{UserID: "b", Fields: []Field{{TagRemark, json.RawMessage(`1`)}}},
		})
		if err != nil || !slices.Equal(codes(res), []int{0, im.CodeSNSNotFriends, 30001, 30001}) {
			t.Errorf("update: %+v, %v", res, err)
		}
		got, err := h.svc.GetList(t.Context(), h.app, "a", []string{"b"}, []string{TagGroup, TagRemark, "Tag_SNS_Custom_Nick", "Tag_SNS_Custom_Other"})
		if err != nil {
			t.Fatal(err)
		}
		var vals []string
		for _, f := range got[0].Fields {
			vals = append(vals, string(f.Value))
		}
		if want := []string{`["x"]`, `"bee"`, `"bb"`, `""`}; !slices.Equal(vals, want) {
			t.Errorf("friend_get_list values %v, want %v", vals, want)
		}
		members, seq, err := h.svc.AddLists(t.Context(), h.app, "a", []string{"y"}, []string{"b", "c"})
		if err != nil || !slices.Equal(codes(members), []int{0, im.CodeSNSNotFriends}) || seq == 0 {
			t.Errorf("AddLists: %+v, %d, %v", members, seq, err)
		}
		lists, _, err := h.svc.Lists(t.Context(), h.app, "a", nil)
		if err != nil || len(lists) != 2 || lists[1].Name != "y" || !slices.Equal(lists[1].Members, []string{"b"}) {
			t.Errorf("Lists: %+v, %v", lists, err)
		}
		seq2, err := h.svc.DeleteLists(t.Context(), h.app, "a", []string{"x"})
		if err != nil || seq2 <= seq {
			t.Errorf("DeleteLists: %d, %v", seq2, err)
		}
		if lists, _, _ := h.svc.Lists(t.Context(), h.app, "a", []string{"x"}); len(lists) != 0 {
			t.Errorf("deleted list still there: %+v", lists)
		}
	})
}

func TestBlacklistPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b", "c", "d")
		mustAdd(t, h, "a", true, "b")
		mustBlock(t, h, "a", "b", "c", "d")
		if got := h.relation(t, "a", "b"); got != (store.Relation{}) {
			t.Errorf("blacklisting left a friendship: %+v", got)
		}
		var seen []string
		start := 0
		for range 3 {
			p, err := h.svc.GetBlacklist(t.Context(), h.app, "a", start, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Entries {
				seen = append(seen, e.UserID)
			}
			if p.Next == 0 {
				break
			}
			start = p.Next
		}
		if !slices.Equal(seen, []string{"b", "c", "d"}) {
			t.Errorf("blacklist pages: %v", seen)
		}
		res, err := h.svc.Unblock(t.Context(), h.app, "a", []string{"b", "b"})
		if err != nil || !slices.Equal(codes(res), []int{0, im.CodeSNSNotFriends}) {
			t.Errorf("unblock: %+v, %v", res, err)
		}
		_, err = h.svc.GetBlacklist(t.Context(), h.app, "a", 0, 0)
		mustCode(t, "MaxLimited 0", err, im.CodeSNSBadParams)
	})
}

// TestAuthorize covers the C2C permission rule over blacklists and the
// FriendsOnly policy.
func TestAuthorize(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		h.users(t, "a", "b", "mine", "theirs", "both", "blocker", "x")
		mustAdd(t, h, "a", true, "both")
		mustAdd(t, h, "a", false, "mine")
		mustAdd(t, h, "theirs", false, "a")
		mustBlock(t, h, "blocker", "a")
		auth := func(from, to string) int {
			err := h.svc.Authorize(t.Context(), h.app, from, im.C2C(to))
			code, _ := im.CodeOf(err)
			if err != nil && code == 0 {
				t.Fatalf("Authorize(%s, %s): %v", from, to, err)
			}
			return code
		}
		for _, friendsOnly := range []bool{false, true} {
			h.policy.friendsOnly.Store(friendsOnly)
			want := map[string]int{"both": 0, "mine": 0, "theirs": 0, "x": 0, "blocker": im.CodeC2CBlocked}
			if friendsOnly {
				want = map[string]int{"both": 0, "mine": im.CodeC2CNotInPeerFriends, "theirs": im.CodeC2CPeerNotInFriends,
					"x": im.CodeC2CNotFriends, "blocker": im.CodeC2CBlocked}
			}
			for to, code := range want {
				if got := auth("a", to); got != code {
					t.Errorf("friendsOnly %v: a to %s: %d, want %d", friendsOnly, to, got, code)
				}
			}
		}
		h.policy.friendsOnly.Store(false)
		if got := auth("blocker", "a"); got != 0 {
			t.Errorf("the blocker messaging the blocked: %d, want 0", got)
		}
		if err := h.svc.Authorize(t.Context(), h.app, "a", im.Group("g")); err != nil {
			t.Errorf("group conversation: %v", err)
		}
	})
}

// TestConcurrentBothSides races adds, deletes and blacklisting of both
// users of many pairs and checks that no pair ends up friends while one
// blocks the other, and that a check agrees with the store.
func TestConcurrentBothSides(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const pairs = 8
		for i := range pairs {
			h.users(t, name("x", i), name("y", i))
		}
		var wg sync.WaitGroup
		ctx := context.Background()
		for i := range pairs {
			x, y := name("x", i), name("y", i)
			item := func(p string) []AddItem { return []AddItem{{UserID: p, AddSource: "AddSource_Type_X"}} }
			wg.Go(func() { h.svc.Add(ctx, h.app, AddRequest{From: x, Both: true, Force: true, Items: item(y)}) })
			wg.Go(func() { h.svc.Add(ctx, h.app, AddRequest{From: y, Both: true, Force: true, Items: item(x)}) })
			wg.Go(func() { h.svc.Delete(ctx, h.app, y, []string{x}, true) })
			if i%2 == 0 {
				wg.Go(func() { h.svc.Block(ctx, h.app, x, []string{y}) })
			}
		}
		wg.Wait()
		for i := range pairs {
			x, y := name("x", i), name("y", i)
			rel := h.relation(t, x, y)
			if i%2 == 0 && rel != (store.Relation{}) {
				t.Errorf("%s blocked %s but they are friends: %+v", x, y, rel)
			}
			res, err := h.svc.Check(t.Context(), h.app, x, []string{y}, true)
			if err != nil {
				t.Fatal(err)
			}
			if want := friendRelations.name(rel, true); res[0].Relation != want {
				t.Errorf("check %s-%s: %s, want %s", x, y, res[0].Relation, want)
			}
			if rel.AHasB != rel.BHasA {
				t.Errorf("%s-%s: two-way adds and deletes left a one-way friendship %+v", x, y, rel)
			}
		}
	})
}
