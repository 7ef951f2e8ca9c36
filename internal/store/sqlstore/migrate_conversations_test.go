package sqlstore

import (
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/storetest"
)

// TestMigrationKeysConversationsByKind: conversations written by schema
// version 6, keyed (owner, peer), come out of 0007 as C2C conversations
// with every field kept, and go on working: read positions recount from
// the messages, the next message updates the same row rather than adding
// one, and a group conversation with the same ID string is a row of its
// own.
func TestMigrationKeysConversationsByKind(t *testing.T) {
	const app = 1400000777
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		url := b.URL(t)
		bytesType := sqliteDialect.ddl.Bytes
		if IsPostgresURL(url) {
			bytesType = postgresDialect.ddl.Bytes
		}
		// alice sent bob seqs 1 and 2 (both unread); bob deleted, with
		// cleared history, an older conversation with carol.
		var fill []string
		for seq := 1; seq <= 2; seq++ {
			fill = append(fill, fmt.Sprintf(
				`INSERT INTO c2c_messages (sdkappid, user_lo, user_hi, seq, from_user, to_user, random,
				   sent_at, client_seq, doc, state, unread, sender_sync, no_last_msg, to_sync_seq, from_sync_seq)
				 VALUES (%d, 'alice', 'bob', %d, 'alice', 'bob', %d, %d, 0, CAST('{}' AS %s), 0, TRUE, TRUE, FALSE, %d, %d)`,
				app, seq, seq, 1000*seq, bytesType, seq, seq))
			for _, u := range [][2]string{{"bob", "alice"}, {"alice", "bob"}} {
				fill = append(fill, fmt.Sprintf(
					`INSERT INTO user_sync (sdkappid, user_id, sync_seq, peer, seq) VALUES (%d, '%s', %d, '%s', %d)`,
					app, u[0], seq, u[1], seq))
			}
		}
		fill = append(fill,
			fmt.Sprintf(`INSERT INTO seq_counters (sdkappid, kind, key, value) VALUES
			   (%d, %d, '%s', 2), (%d, %d, 'alice', 2), (%d, %d, 'bob', 2)`,
				app, counterConversation, conversationCounterKey("alice", "bob"), app, counterSync, app, counterSync),
			fmt.Sprintf(`INSERT INTO conversations (sdkappid, owner, peer, last_seq, last_time, max_seq,
			   read_seq, unread, updated_at, cleared_seq, deleted) VALUES
			   (%[1]d, 'bob', 'alice', 2, 2000, 2, 0, 2, 2000, 0, FALSE),
			   (%[1]d, 'alice', 'bob', 2, 2000, 2, 0, 0, 2000, 0, FALSE),
			   (%[1]d, 'bob', 'carol', 7, 500, 9, 9, 0, 500, 9, TRUE)`, app))
		createSchemaAt(t, url, 6, fill...)

		s := openTest(t, Config{URL: url})
		ctx := t.Context()
		alice, carol := im.C2C("alice"), im.C2C("carol")
		got, err := s.GetConversations(ctx, app, "bob", []im.ConvID{alice, carol, im.Group("alice")})
		if err != nil {
			t.Fatal(err)
		}
		want := map[im.ConvID]store.Conversation{
			alice: {Owner: "bob", Conv: alice, LastSeq: 2, LastTime: 2000, Unread: 2, UpdatedAt: 2000},
			carol: {Owner: "bob", Conv: carol, LastSeq: 7, LastTime: 500, ReadSeq: 9, UpdatedAt: 500, ClearedSeq: 9},
		}
		if len(got) != len(want) || got[alice] != want[alice] || got[carol] != want[carol] {
			t.Fatalf("after migration bob's conversations = %+v, want %+v", got, want)
		}
		list, err := s.ListConversations(ctx, app, "bob", 0, im.ConvID{}, 10)
		if err != nil || len(list) != 1 || list[0] != want[alice] {
			t.Errorf("after migration bob's list = %+v, %v; want only alice's (carol's stays deleted)", list, err)
		}

		if c, err := s.MarkRead(ctx, app, "bob", alice, 1); err != nil || c.ReadSeq != 1 || c.Unread != 1 {
			t.Errorf("MarkRead(alice, 1) = %+v, %v; want ReadSeq 1, Unread 1 (recounted from the messages)", c, err)
		}
		out, err := s.AppendC2C(ctx, app, []store.C2CAppend{{Msg: store.C2CMessage{
			From: "alice", To: "bob", Random: 3, Time: 3000, Doc: []byte(`{}`), Unread: true, SenderSync: true,
		}}})
		if err != nil {
			t.Fatalf("append after migration: %v", err)
		}
		if out[0].Msg.Seq != 3 || out[0].RecipientSyncSeq != 3 {
			t.Errorf("next message got seq %d, sync seq %d; want 3, 3", out[0].Msg.Seq, out[0].RecipientSyncSeq)
		}
		if err := s.UpdateConversations(ctx, app, []store.ConversationUpdate{
			{Owner: "bob", Conv: im.Group("alice"), LastSeq: 1, LastTime: 4000, MaxSeq: 1, Unread: 1, Newest: 4000},
		}); err != nil {
			t.Fatal(err)
		}
		list, err = s.ListConversations(ctx, app, "bob", 0, im.ConvID{}, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("bob's list = %+v, %v; want the group and alice's", list, err)
		}
		wantC2C := store.Conversation{Owner: "bob", Conv: alice, LastSeq: 3, LastTime: 3000, ReadSeq: 1, Unread: 2, UpdatedAt: 3000}
		if list[0].Conv != im.Group("alice") || list[1] != wantC2C {
			t.Errorf("bob's list = %+v, want the group, then %+v", list, wantC2C)
		}
	})
}
