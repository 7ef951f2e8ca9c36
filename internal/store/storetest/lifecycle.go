package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

var isolationCases = []testCase{
	{"SameUserIDInTwoApps", func(t *testing.T, s store.Store) {
		checkFlags(t, "created in app1", mustImport(t, s, app1, account("u", items("N", `"one"`)...)), []bool{true})
		checkFlags(t, "created in app2", mustImport(t, s, app2, account("u", items("N", `"two"`, "X", `2`)...)), []bool{true})

		if err := s.SetProfile(t.Context(), app1, "u", items("N", `"one-b"`)); err != nil {
			t.Fatalf("SetProfile: %v", err)
		}
		if err := s.RevokeSignIns(t.Context(), app1, "u", 500); err != nil {
			t.Fatalf("RevokeSignIns: %v", err)
		}
		checkProfiles(t, mustGetProfiles(t, s, app2, []string{"u"}),
			map[string][]store.ProfileItem{"u": items("N", `"two"`, "X", `2`)})
		if got := mustRevokedAt(t, s, app2, "u"); got != 0 {
			t.Errorf("app2's SignInsRevokedAt = %d after revoking in app1", got)
		}

		existed, err := s.DeleteAccounts(t.Context(), app1, []string{"u"}, 600)
		if err != nil {
			t.Fatalf("DeleteAccounts: %v", err)
		}
		checkFlags(t, "existed", existed, []bool{true})
		if got := mustGetAccounts(t, s, app2, "u"); len(got) != 1 {
			t.Errorf("deleting in app1 removed the account of app2: %v", got)
		}
		checkProfiles(t, mustGetProfiles(t, s, app2, []string{"u"}),
			map[string][]store.ProfileItem{"u": items("N", `"two"`, "X", `2`)})
		checkProfiles(t, mustGetProfiles(t, s, app1, []string{"u"}), map[string][]store.ProfileItem{})
		if got := mustRevokedAt(t, s, app2, "u"); got != 0 {
			t.Errorf("app2's SignInsRevokedAt = %d after deleting in app1", got)
		}
		if got := mustRevokedAt(t, s, app1, "u"); got != 600 {
			t.Errorf("app1's SignInsRevokedAt = %d after deleting, want 600", got)
		}
	}},
	{"AppsDoNotShareAccounts", func(t *testing.T, s store.Store) {
		mustCreateApp(t, s, store.App{SDKAppID: app1, Config: []byte(`{}`)})
		mustImport(t, s, app1, account("u"))
		if got := mustGetAccounts(t, s, app2, "u"); len(got) != 0 {
			t.Errorf("app2 sees app1's account: %v", got)
		}
		if err := s.RevokeSignIns(t.Context(), app2, "u", 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeSignIns in app2: %v, want ErrNotFound", err)
		}
	}},
}

var concurrencyCases = []testCase{
	{"ConcurrentImports", func(t *testing.T, s store.Store) {
		const (
			workers = 16
			rounds  = 10
			own     = 5
		)
		// sharedCreated[r] counts how many workers saw shared-r created:
		// exactly one must.
		var (
			mu            sync.Mutex
			sharedCreated [rounds]int
			wg            sync.WaitGroup
			errs          = make(chan error, workers*rounds)
		)
		for w := range workers {
			wg.Go(func() {
				for r := range rounds {
					batch := []store.NewAccount{account(fmt.Sprintf("shared-%d", r), items("W", fmt.Sprint(w))...)}
					for i := range own {
						batch = append(batch, account(fmt.Sprintf("w%d-r%d-%d", w, r, i), items("N", `"x"`)...))
					}
					created, err := s.ImportAccounts(t.Context(), app1, batch)
					if err != nil {
						errs <- fmt.Errorf("worker %d round %d: ImportAccounts: %w", w, r, err)
						return
					}
					if created[0] {
						mu.Lock()
						sharedCreated[r]++
						mu.Unlock()
					}
					if err := s.SetProfile(t.Context(), app1, batch[1].UserID, items("M", `1`)); err != nil {
						errs <- fmt.Errorf("worker %d round %d: SetProfile: %w", w, r, err)
						return
					}
					if _, err := s.GetProfiles(t.Context(), app1, []string{batch[0].UserID, batch[1].UserID}, nil); err != nil {
						errs <- fmt.Errorf("worker %d round %d: GetProfiles: %w", w, r, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for r, n := range sharedCreated {
			if n != 1 {
				t.Errorf("shared-%d reported created by %d workers, want exactly 1", r, n)
			}
		}
		var ids []string
		for w := range workers {
			for r := range rounds {
				for i := range own {
					ids = append(ids, fmt.Sprintf("w%d-r%d-%d", w, r, i))
				}
			}
		}
		for r := range rounds {
			ids = append(ids, fmt.Sprintf("shared-%d", r))
		}
		if got := mustGetAccounts(t, s, app1, ids...); len(got) != len(ids) {
			t.Errorf("found %d of %d imported accounts", len(got), len(ids))
		}
	}},
	{"CloseDuringWrites", func(t *testing.T, s store.Store) {
		// Calls racing with Close either complete or fail with ErrClosed.
		var wg sync.WaitGroup
		started := make(chan struct{}, 8)
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					_, err := s.ImportAccounts(t.Context(), app1, []store.NewAccount{account(fmt.Sprintf("w%d-%d", w, i))})
					if i == 0 {
						started <- struct{}{}
					}
					if errors.Is(err, store.ErrClosed) {
						return
					}
					if err != nil {
						errs <- fmt.Errorf("worker %d: %w", w, err)
						return
					}
				}
			})
		}
		for range 8 {
			<-started
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("write racing with Close failed with %v, want nil or ErrClosed", err)
		}
	}},
}

var lifecycleCases = []testCase{
	{"Ping", func(t *testing.T, s store.Store) {
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	}},
	{"ErrClosedAfterClose", func(t *testing.T, s store.Store) {
		mustCreateApp(t, s, store.App{SDKAppID: app1, Config: []byte(`{}`)})
		mustImport(t, s, app1, account("a"))
		mustAppendOne(t, s, app1, send("a", "b", 1, t0))
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for name, call := range everyMethod(app1) {
			checkErrorIs(t, name+" after Close", call(t.Context(), s), store.ErrClosed)
		}
	}},
	{"CanceledContext", func(t *testing.T, s store.Store) {
		mustCreateApp(t, s, store.App{SDKAppID: app1, Config: []byte(`{"v":1}`)})
		mustImport(t, s, app1, account("a"))
		mustAppendOne(t, s, app1, send("a", "b", 1, t0))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for name, call := range everyMethod(app1) {
			checkErrorIs(t, name+" with a canceled context", call(ctx, s), context.Canceled)
		}
		// Nothing was written.
		if got := mustGetAccounts(t, s, app1, "new"); len(got) != 0 {
			t.Errorf("canceled ImportAccounts created an account")
		}
		app, err := s.GetApp(t.Context(), app1)
		if err != nil || string(app.Config) != `{"v":1}` {
			t.Errorf("after canceled SetAppConfig GetApp = %q, %v", app.Config, err)
		}
		if err := s.CreateApp(t.Context(), store.App{SDKAppID: app2, Config: []byte(`{}`)}); err != nil {
			t.Errorf("canceled CreateApp left the app behind: %v", err)
		}
		checkSeqs(t, "history after a canceled append", seqsOf(fullHistory(t, s, app1, "a", "b")), []uint64{1})
		if c := mustConversation(t, s, app1, "a", "b"); c.ClearedSeq != 0 {
			t.Errorf("canceled DeleteConversation cleared history: %+v", c)
		}
	}},
}

// everyMethod calls each method of the port once (except Close) against
// app, with arguments that would succeed on a store holding that app, its
// account "a" and a message from "a" to "b"; it returns only the error.
func everyMethod(app uint64) map[string]func(context.Context, store.Store) error {
	return map[string]func(context.Context, store.Store) error{
		"Ping": func(ctx context.Context, s store.Store) error { return s.Ping(ctx) },
		"CreateApp": func(ctx context.Context, s store.Store) error {
			return s.CreateApp(ctx, store.App{SDKAppID: app2, Config: []byte(`{}`)})
		},
		"GetApp": func(ctx context.Context, s store.Store) error { _, err := s.GetApp(ctx, app); return err },
		"ListApps": func(ctx context.Context, s store.Store) error {
			_, err := s.ListApps(ctx)
			return err
		},
		"SetAppConfig": func(ctx context.Context, s store.Store) error {
			_, err := s.SetAppConfig(ctx, app, []byte(`{"v":2}`), 0)
			return err
		},
		"ImportAccounts": func(ctx context.Context, s store.Store) error {
			_, err := s.ImportAccounts(ctx, app, []store.NewAccount{account("new")})
			return err
		},
		"DeleteAccounts": func(ctx context.Context, s store.Store) error {
			_, err := s.DeleteAccounts(ctx, app, []string{"a"}, 1)
			return err
		},
		"GetAccounts": func(ctx context.Context, s store.Store) error {
			_, err := s.GetAccounts(ctx, app, []string{"a"})
			return err
		},
		"RevokeSignIns": func(ctx context.Context, s store.Store) error { return s.RevokeSignIns(ctx, app, "a", 1) },
		"SignInsRevokedAt": func(ctx context.Context, s store.Store) error {
			_, err := s.SignInsRevokedAt(ctx, app, "a")
			return err
		},
		"SetProfile": func(ctx context.Context, s store.Store) error {
			return s.SetProfile(ctx, app, "a", items("N", `"x"`))
		},
		"GetProfiles": func(ctx context.Context, s store.Store) error {
			_, err := s.GetProfiles(ctx, app, []string{"a"}, nil)
			return err
		},
		"AppendC2C": func(ctx context.Context, s store.Store) error {
			_, err := s.AppendC2C(ctx, app, []store.C2CAppend{send("a", "b", 1, t0)})
			return err
		},
		"ReadSync": func(ctx context.Context, s store.Store) error {
			_, err := s.ReadSync(ctx, app, "a", store.SyncQuery{Limit: 10, PerPeer: 5})
			return err
		},
		"SyncHead": func(ctx context.Context, s store.Store) error {
			_, err := s.SyncHead(ctx, app, "a")
			return err
		},
		"C2CHistory": func(ctx context.Context, s store.Store) error {
			_, err := s.C2CHistory(ctx, app, "a", "b", store.HistoryQuery{Limit: 10})
			return err
		},
		"GetC2C": func(ctx context.Context, s store.Store) error {
			_, err := s.GetC2C(ctx, app, "a", "b", 1)
			return err
		},
		"UpdateC2C": func(ctx context.Context, s store.Store) error {
			return s.UpdateC2C(ctx, app, "a", "b", store.C2CUpdate{Seq: 1, Doc: []byte(`{}`), State: store.StateRecalled})
		},
		"DeleteC2CBefore": func(ctx context.Context, s store.Store) error {
			_, err := s.DeleteC2CBefore(ctx, app, t0, 10)
			return err
		},
		"ListConversations": func(ctx context.Context, s store.Store) error {
			_, err := s.ListConversations(ctx, app, "a", 0, im.ConvID{}, 10)
			return err
		},
		"GetConversations": func(ctx context.Context, s store.Store) error {
			_, err := s.GetConversations(ctx, app, "a", []im.ConvID{im.C2C("b")})
			return err
		},
		"MarkRead": func(ctx context.Context, s store.Store) error {
			_, err := s.MarkRead(ctx, app, "a", im.C2C("b"), 1)
			return err
		},
		"UpdateConversations": func(ctx context.Context, s store.Store) error {
			return s.UpdateConversations(ctx, app, []store.ConversationUpdate{
				{Owner: "a", Conv: im.Group("g"), LastSeq: 1, LastTime: t0, MaxSeq: 1, Unread: 1, Newest: t0},
			})
		},
		"MarkAllRead": func(ctx context.Context, s store.Store) error { return s.MarkAllRead(ctx, app, "a") },
		"DeleteConversation": func(ctx context.Context, s store.Store) error {
			return s.DeleteConversation(ctx, app, "a", im.C2C("b"), true)
		},
	}
}
