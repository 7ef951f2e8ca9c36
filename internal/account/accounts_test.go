package account_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

func TestImportAccount(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		tests := []struct {
			name string
			acc  account.NewAccount
			code int
		}{
			{"plain", account.NewAccount{UserID: "alice"}, 0},
			{"32-byte UserID", account.NewAccount{UserID: strings.Repeat("u", 32)}, 0},
			{"with nick and face", account.NewAccount{UserID: "bob", Nick: "Bob", FaceURL: "https://x/b.png"}, 0},
			{"500-byte nick", account.NewAccount{UserID: "carol", Nick: strings.Repeat("n", 500)}, 0},
			{"empty UserID", account.NewAccount{UserID: ""}, im.CodeInvalidParameter},
			{"33-byte UserID", account.NewAccount{UserID: strings.Repeat("u", 33)}, im.CodeInvalidParameter},
			{"control char", account.NewAccount{UserID: "a\x01b"}, im.CodeInvalidParameter},
			{"invalid UTF-8", account.NewAccount{UserID: "a\xffb"}, im.CodeInvalidParameter},
			{"501-byte nick", account.NewAccount{UserID: "dave", Nick: strings.Repeat("n", 501)}, im.CodeInvalidParameter},
			{"501-byte face", account.NewAccount{UserID: "erin", FaceURL: strings.Repeat("f", 501)}, im.CodeInvalidParameter},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				app := h.newApp(t)
				before := h.snapshot(t, app, tt.acc.UserID)
				err := h.svc.ImportAccount(ctx, app, tt.acc)
				wantCode(t, err, tt.code)
				if tt.code != 0 {
					h.assertUnchanged(t, app, before, tt.acc.UserID)
					return
				}
				st, err := h.svc.CheckAccounts(ctx, app, []string{tt.acc.UserID})
				if err != nil || !st[0].Imported {
					t.Fatalf("after import: %+v, %v", st, err)
				}
			})
		}
	})
}

func TestReimportIsIdempotent(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		steps := []struct {
			acc        account.NewAccount
			nick, face string // expected afterwards
		}{
			{account.NewAccount{UserID: "u", Nick: "first", FaceURL: "f1"}, `"first"`, `"f1"`},
			{account.NewAccount{UserID: "u"}, `"first"`, `"f1"`},
			{account.NewAccount{UserID: "u", Nick: "second"}, `"second"`, `"f1"`},
			{account.NewAccount{UserID: "u", FaceURL: "f2"}, `"second"`, `"f2"`},
		}
		for i, s := range steps {
			if err := h.svc.ImportAccount(ctx, app, s.acc); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got := portraitValues(t, h, app, "u", account.TagNick, account.TagImage)
			if got[0] != s.nick || got[1] != s.face {
				t.Errorf("step %d: nick, face = %s, %s; want %s, %s", i, got[0], got[1], s.nick, s.face)
			}
		}
	})
}

func TestImportAccounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		newAccounts := func(ids ...string) []account.NewAccount {
			out := make([]account.NewAccount, len(ids))
			for i, id := range ids {
				out[i] = account.NewAccount{UserID: id}
			}
			return out
		}
		tests := []struct {
			name       string
			accounts   []account.NewAccount
			code       int
			failed     []string
			imported   []string
			notCreated []string
		}{
			{name: "empty", accounts: nil, code: im.CodeInvalidParameter},
			{name: "101 accounts", accounts: newAccounts(ids("m", 101)...), code: im.CodeBatchSize, notCreated: ids("m", 101)},
			{name: "100 accounts", accounts: newAccounts(ids("m", 100)...), failed: []string{}, imported: ids("m", 100)},
			{name: "duplicates", accounts: newAccounts("a", "a", "b"), failed: []string{}, imported: []string{"a", "b"}},
			{
				name:       "invalid items fail alone",
				accounts:   newAccounts("ok1", "", strings.Repeat("x", 33), "ok2", "c\x00"),
				failed:     []string{"", strings.Repeat("x", 33), "c\x00"},
				imported:   []string{"ok1", "ok2"},
				notCreated: []string{strings.Repeat("x", 33)},
			},
			{
				name:       "too long nick fails its item",
				accounts:   []account.NewAccount{{UserID: "n1", Nick: strings.Repeat("n", 501)}, {UserID: "n2", Nick: "ok"}},
				failed:     []string{"n1"},
				imported:   []string{"n2"},
				notCreated: []string{"n1"},
			},
			{name: "all invalid", accounts: newAccounts("", "\n"), failed: []string{"", "\n"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				app := h.newApp(t)
				before := h.snapshot(t, app, tt.notCreated...)
				failed, err := h.svc.ImportAccounts(ctx, app, tt.accounts)
				wantCode(t, err, tt.code)
				if !reflect.DeepEqual(failed, tt.failed) {
					t.Errorf("failed = %q, want %q", failed, tt.failed)
				}
				h.assertUnchanged(t, app, before, tt.notCreated...)
				if len(tt.imported) > 0 {
					assertImported(t, h, app, tt.imported...)
				}
			})
		}
	})
}

func TestImportAccountsUpdatesProfiles(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "old")
		failed, err := h.svc.ImportAccounts(ctx, app, []account.NewAccount{
			{UserID: "old", Nick: "Old Nick"}, {UserID: "new", FaceURL: "https://x/n.png"},
		})
		if err != nil || len(failed) != 0 {
			t.Fatalf("import: %q, %v", failed, err)
		}
		if got := portraitValues(t, h, app, "old", account.TagNick); got[0] != `"Old Nick"` {
			t.Errorf("old nick = %s", got[0])
		}
		if got := portraitValues(t, h, app, "new", account.TagImage); got[0] != `"https://x/n.png"` {
			t.Errorf("new face = %s", got[0])
		}
	})
}

func TestDeleteAccounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()

		t.Run("limits", func(t *testing.T) {
			app := h.newApp(t)
			h.importUsers(t, app, ids("d", 101)...)
			before := h.snapshot(t, app, ids("d", 101)...)
			_, err := h.svc.DeleteAccounts(ctx, app, nil)
			wantCode(t, err, im.CodeInvalidParameter)
			_, err = h.svc.DeleteAccounts(ctx, app, ids("d", 101))
			wantCode(t, err, im.CodeBatchSize)
			h.assertUnchanged(t, app, before, ids("d", 101)...)
			res, err := h.svc.DeleteAccounts(ctx, app, ids("d", 100))
			wantCode(t, err, 0)
			for _, r := range res {
				if r.Code != 0 {
					t.Errorf("delete %q: %d %s", r.UserID, r.Code, r.Info)
				}
			}
			assertImported(t, h, app, ids("d", 101)[100])
		})

		t.Run("per item", func(t *testing.T) {
			app := h.newApp(t)
			h.importUsers(t, app, "a", "b")
			h.setProfile(t, app, "a", account.TagNick, `"A"`)
			long := strings.Repeat("x", 33)
			res, err := h.svc.DeleteAccounts(ctx, app, []string{"a", "ghost", long, "b", "a"})
			wantCode(t, err, 0)
			wantCodes := []int{0, im.CodeAccountNotFound, im.CodeInvalidParameter, 0, 0}
			for i, r := range res {
				if r.Code != wantCodes[i] || (r.Code != 0) != (r.Info != "") {
					t.Errorf("item %d (%q): code %d info %q, want code %d", i, r.UserID, r.Code, r.Info, wantCodes[i])
				}
			}
			st, _ := h.svc.CheckAccounts(ctx, app, []string{"a", "b"})
			if st[0].Imported || st[1].Imported {
				t.Errorf("accounts still imported after delete: %+v", st)
			}
			// The profile went with the account: a re-import starts afresh.
			h.importUsers(t, app, "a")
			if got := portraitValues(t, h, app, "a", account.TagNick); got[0] != `""` {
				t.Errorf("nick after delete and re-import = %s, want empty", got[0])
			}
		})

		t.Run("revokes sign-ins and closes sessions", func(t *testing.T) {
			app := h.newApp(t)
			h.importUsers(t, app, "a", "b", "kicked")
			h.now.Store(1_700_000_500)
			wantCode(t, h.svc.Kick(ctx, app, "kicked"), 0)
			h.now.Store(1_700_000_300) // a clock stepped back keeps the later kick
			_, err := h.svc.DeleteAccounts(ctx, app, []string{"a", "kicked", "ghost", "a", strings.Repeat("x", 33)})
			wantCode(t, err, 0)
			for id, want := range map[string]int64{"a": 1_700_000_300, "kicked": 1_700_000_500, "ghost": 0, "b": 0} {
				if got := h.revokedAt(t, app, id); got != want {
					t.Errorf("revocation of %q = %d, want %d", id, got, want)
				}
			}
			// A re-import keeps the revocation.
			h.importUsers(t, app, "a")
			if got := h.revokedAt(t, app, "a"); got != 1_700_000_300 {
				t.Errorf("revocation of a after re-import = %d, want 1700000300", got)
			}
			// Every valid UserID given is closed once, existing or not.
			closed := slices.DeleteFunc(h.sessions.closedAsDeleted(), func(k string) bool {
				return !strings.HasPrefix(k, key(app, ""))
			})
			slices.Sort(closed)
			want := []string{key(app, "a"), key(app, "ghost"), key(app, "kicked")}
			if !slices.Equal(closed, want) {
				t.Errorf("sessions closed as deleted: %v, want %v", closed, want)
			}
		})
	})
}

// TestDeleteAccountsCloseFailure: when closing sessions fails the call
// reports it (the caller may retry), and the deletion and its revocation
// are kept.
func TestDeleteAccountsCloseFailure(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "a")
		bus := errors.New("bus down")
		h.sessions.mu.Lock()
		h.sessions.fail = bus
		h.sessions.mu.Unlock()
		if _, err := h.svc.DeleteAccounts(ctx, app, []string{"a"}); !errors.Is(err, bus) {
			t.Fatalf("DeleteAccounts = %v, want it to wrap %v", err, bus)
		}
		if st, _ := h.svc.CheckAccounts(ctx, app, []string{"a"}); st[0].Imported {
			t.Error("account still imported")
		}
		if h.revokedAt(t, app, "a") == 0 {
			t.Error("no revocation recorded")
		}
	})
}

func TestCheckAccounts(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "here")

		_, err := h.svc.CheckAccounts(ctx, app, nil)
		wantCode(t, err, im.CodeInvalidParameter)
		_, err = h.svc.CheckAccounts(ctx, app, ids("c", 101))
		wantCode(t, err, im.CodeBatchSize)
		_, err = h.svc.CheckAccounts(ctx, app, ids("c", 100))
		wantCode(t, err, 0)

		got, err := h.svc.CheckAccounts(ctx, app, []string{"here", "absent", "", "here"})
		wantCode(t, err, 0)
		want := []struct {
			code     int
			imported bool
		}{{0, true}, {0, false}, {im.CodeInvalidParameter, false}, {0, true}}
		for i, w := range want {
			if got[i].Code != w.code || got[i].Imported != w.imported {
				t.Errorf("item %d: %+v, want code %d imported %v", i, got[i], w.code, w.imported)
			}
		}
	})
}

func TestKick(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "k")

		if at := h.revokedAt(t, app, "k"); at != 0 {
			t.Fatalf("before kick: %d; want 0", at)
		}
		h.now.Store(1_700_000_100)
		wantCode(t, h.svc.Kick(ctx, app, "k"), 0)
		if at := h.revokedAt(t, app, "k"); at != 1_700_000_100 {
			t.Fatalf("after kick: %d; want 1700000100", at)
		}
		h.now.Store(1_700_000_200)
		wantCode(t, h.svc.Kick(ctx, app, "k"), 0)
		if at := h.revokedAt(t, app, "k"); at != 1_700_000_200 {
			t.Errorf("after second kick: %d, want 1700000200", at)
		}

		wantCode(t, h.svc.Kick(ctx, app, "ghost"), im.CodeAccountNotFound)
		wantCode(t, h.svc.Kick(ctx, app, ""), im.CodeInvalidParameter)
		wantCode(t, h.svc.Kick(ctx, app, strings.Repeat("k", 33)), im.CodeInvalidParameter)
		if at := h.revokedAt(t, app, "ghost"); at != 0 {
			t.Errorf("kick of a missing account recorded a revocation at %d", at)
		}
	})
}

// assertImported fails unless every id is imported.
func assertImported(t *testing.T, h *harness, app uint64, userIDs ...string) {
	t.Helper()
	st, err := h.svc.CheckAccounts(context.Background(), app, userIDs)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	for _, s := range st {
		if !s.Imported {
			t.Errorf("%q not imported", s.UserID)
		}
	}
}

// portraitValues returns the JSON values of tags of one account.
func portraitValues(t *testing.T, h *harness, app uint64, user string, tags ...string) []string {
	t.Helper()
	profiles, failed, err := h.svc.GetPortrait(context.Background(), app, []string{user}, tags)
	if err != nil || len(failed) != 0 {
		t.Fatalf("get portrait of %q: %v (failed %q)", user, err, failed)
	}
	out := make([]string, len(profiles[0].Items))
	for i, it := range profiles[0].Items {
		out[i] = string(it.Value)
	}
	return out
}
