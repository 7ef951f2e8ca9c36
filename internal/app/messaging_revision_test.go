package app_test

import (
	"context"
	"testing"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// TestRecallAndModifyReachOfflineDevices: a device that was offline when a
// message was recalled and another modified learns both through the sync
// stream, once each; a device that was online got them live and no
// duplicate from a later sync; the acting device gets nothing back.
func TestRecallAndModifyReachOfflineDevices(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		ctx := context.Background()
		alice := dial(t, s.base, "alice", "Linux")
		b1 := dial(t, s.base, "bob", "Android")
		if _, err := b1.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		b1In := watch(b1)
		var keys []string
		for _, text := range []string{"m1", "m2", "m3"} {
			keys = append(keys, send(t, alice, "bob", text).MsgKey)
		}
		b1In.messages(t, "the three messages live on device 1", 3)

		// Device 2 syncs the messages, then loses its connection.
		p := newProxy(t, s.base[len("http://"):])
		b2 := dialWith(t, "ws://"+p.ln.Addr().String()+"/ws", dialOptions(t, "bob", "iOS"))
		synced, err := b2.Sync(ctx)
		if err != nil || len(synced) != 3 {
			t.Fatalf("device 2's first sync: %d messages %v, want 3", len(synced), err)
		}
		savedPos := b2.SyncSeq()
		b2In := watch(b2)
		p.cut(true)

		if err := alice.Revoke(ctx, "bob", keys[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Modify(ctx, "bob", keys[1], []client.Element{client.TextElem("m2 edited")}, nil); err != nil {
			t.Fatal(err)
		}
		b1In.wait(t, "the live revoke and modify on device 1", func(evs []client.Event) bool {
			return len(decoded[*client.MessageRevoked](t, evs)) > 0 && len(decoded[*client.MessageModified](t, evs)) > 0
		})

		p.allow()
		evs := b2In.wait(t, "sync_complete on device 2", func(evs []client.Event) bool {
			return len(decoded[*client.SyncComplete](t, evs)) > 0
		})
		checkRevisions(t, "device 2 after reconnecting", evs, keys[0], keys[1])
		if done := decoded[*client.SyncComplete](t, evs)[0]; done.Count != 2 {
			t.Errorf("device 2's sync_complete %+v, want 2 events", done)
		}
		if n := len(decoded[*client.Message](t, evs)); n != 0 {
			t.Errorf("device 2 got %d message events after reconnecting, want none: %s", n, describe(evs))
		}
		if again, err := b2.Sync(ctx); err != nil || len(again) != 0 {
			t.Errorf("device 2's sync after the resync: %+v %v, want nothing", again, err)
		}

		// Device 1 got the live events; its own sync reports nothing again.
		if again, err := b1.Sync(ctx); err != nil || len(again) != 0 {
			t.Errorf("device 1's sync after the live events: %+v %v, want nothing", again, err)
		}
		b1In.mu.Lock()
		b1Events := append([]client.Event(nil), b1In.events...)
		b1In.mu.Unlock()
		checkRevisions(t, "device 1", b1Events, keys[0], keys[1])

		// A device starting from the position saved before the change gets
		// the revisions from Sync, once.
		b3 := dial(t, s.base, "bob", "Mac")
		b3.SetSyncSeq(savedPos)
		revs, err := b3.Sync(ctx)
		if err != nil || len(revs) != 2 || revs[0].IsRevision != 1 || !revs[0].Recalled() || revs[0].MsgKey != keys[0] ||
			revs[1].IsRevision != 1 || revs[1].IsModified != 1 || revs[1].Text() != "m2 edited" || revs[1].MsgKey != keys[1] {
			t.Errorf("sync from the saved position: %+v %v, want the revisions of m1 and m2", revs, err)
		}
		if again, err := b3.Sync(ctx); err != nil || len(again) != 0 {
			t.Errorf("second sync from the saved position: %+v %v, want nothing", again, err)
		}

		// The acting device's sync reports nothing back.
		if got, err := alice.Sync(ctx); err != nil || len(got) != 0 {
			t.Errorf("alice's sync after her changes: %+v %v, want nothing", got, err)
		}

		// The message list shows the new states.
		page, err := b2.History(ctx, "alice", client.HistoryOptions{})
		if err != nil || len(page.Messages) != 3 {
			t.Fatalf("device 2's history: %+v %v", page, err)
		}
		m3, m2, m1 := page.Messages[0], page.Messages[1], page.Messages[2]
		if !m1.Recalled() || len(m1.MsgBody) != 0 || m2.IsModified != 1 || m2.Text() != "m2 edited" ||
			m3.Recalled() || m3.IsModified != 0 || m3.Text() != "m3" {
			t.Errorf("device 2's history: %+v", page.Messages)
		}
	})
}

// checkRevisions checks that evs hold exactly one message_revoked, for
// recalled, and one message_modified, for modified.
func checkRevisions(t *testing.T, who string, evs []client.Event, recalled, modified string) {
	t.Helper()
	revoked := decoded[*client.MessageRevoked](t, evs)
	mods := decoded[*client.MessageModified](t, evs)
	if len(revoked) != 1 || revoked[0].MsgKey != recalled || revoked[0].From != "alice" || revoked[0].To != "bob" {
		t.Errorf("%s: message_revoked events %+v, want one for %s", who, revoked, recalled)
	}
	if len(mods) != 1 || mods[0].MsgKey != modified || mods[0].IsModified != 1 || mods[0].Text() != "m2 edited" {
		t.Errorf("%s: message_modified events %+v, want one for %s", who, mods, modified)
	}
}
