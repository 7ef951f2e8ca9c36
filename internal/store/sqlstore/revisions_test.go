package sqlstore

import (
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// TestRevisionEntriesAreDeleted: revision entries are invisible once their
// message is gone (the contract suite checks that); this checks that they
// are also deleted, by retention and by clearing history, and that a
// later revision replaces the previous one.
func TestRevisionEntriesAreDeleted(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := openTest(t, Config{URL: b.URL(t)})
		ctx := t.Context()
		const app = 1400000001
		rows := func(user string) int {
			t.Helper()
			var n int
			if err := s.write.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM user_sync WHERE sdkappid = $1 AND user_id = $2`, appKey(app), user).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i := range 2 {
			msg := store.C2CMessage{From: "alice", To: "bob", Random: uint32(i + 1), Time: 1000 + int64(i),
				Doc: []byte(`{}`), Unread: true, SenderSync: true}
			if _, err := s.AppendC2C(ctx, app, []store.C2CAppend{{Msg: msg}}); err != nil {
				t.Fatal(err)
			}
		}
		update := func(seq uint64, state int) {
			t.Helper()
			cur, err := s.GetC2C(ctx, app, "alice", "bob", seq)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.UpdateC2C(ctx, app, "alice", "bob", store.C2CUpdate{Seq: seq, Rev: cur.Rev, Doc: []byte(`{}`), State: state}); err != nil {
				t.Fatal(err)
			}
		}
		update(1, store.StateModified)
		update(1, store.StateRecalled)
		update(2, store.StateModified)
		for _, user := range []string{"alice", "bob"} {
			if n := rows(user); n != 4 {
				t.Errorf("%s has %d sync rows after revising both messages, want 4 (2 messages, 2 latest revisions)", user, n)
			}
		}
		if err := s.DeleteConversation(ctx, app, "bob", im.C2C("alice"), true); err != nil {
			t.Fatal(err)
		}
		if n := rows("bob"); n != 0 {
			t.Errorf("bob has %d sync rows after clearing history, want 0", n)
		}
		if n, err := s.DeleteC2CBefore(ctx, app, 2000, 10); err != nil || n != 2 {
			t.Fatalf("DeleteC2CBefore = %d, %v; want 2", n, err)
		}
		if n := rows("alice"); n != 0 {
			t.Errorf("alice has %d sync rows after retention, want 0", n)
		}
	})
}
