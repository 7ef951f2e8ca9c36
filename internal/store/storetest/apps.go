package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/store"
)

var appCases = []testCase{
	{"CreateThenGet", func(t *testing.T, s store.Store) {
		want := store.App{
			SDKAppID:  app1,
			SecretKey: "k3y-with-ünïcode",
			Config:    []byte(`{"admins":["administrator"],"retention_days":7}`),
			CreatedAt: time.UnixMilli(1_700_000_000_123),
		}
		mustCreateApp(t, s, want)
		got, err := s.GetApp(t.Context(), app1)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		checkApp(t, got, want)
	}},
	{"CreateDuplicateConflicts", func(t *testing.T, s store.Store) {
		first := store.App{SDKAppID: app1, SecretKey: "first", Config: []byte(`{}`), CreatedAt: time.UnixMilli(1000)}
		mustCreateApp(t, s, first)
		err := s.CreateApp(t.Context(), store.App{SDKAppID: app1, SecretKey: "second", Config: []byte(`{"x":1}`)})
		checkErrorIs(t, "CreateApp of an existing SDKAppID", err, store.ErrConflict)
		got, err := s.GetApp(t.Context(), app1)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		checkApp(t, got, first)
	}},
	{"GetMissing", func(t *testing.T, s store.Store) {
		_, err := s.GetApp(t.Context(), app1)
		checkErrorIs(t, "GetApp on an empty store", err, store.ErrNotFound)
		mustCreateApp(t, s, store.App{SDKAppID: app2, Config: []byte(`{}`)})
		_, err = s.GetApp(t.Context(), app1)
		checkErrorIs(t, "GetApp of another SDKAppID", err, store.ErrNotFound)
	}},
	{"ListOrderedBySDKAppID", func(t *testing.T, s store.Store) {
		apps, err := s.ListApps(t.Context())
		if err != nil || len(apps) != 0 {
			t.Fatalf("ListApps on an empty store = %v, %v; want none", apps, err)
		}
		ids := []uint64{1 << 40, 20, 1400000000, 3}
		for _, id := range ids {
			mustCreateApp(t, s, store.App{SDKAppID: id, SecretKey: "k", Config: []byte(`{}`)})
		}
		apps, err = s.ListApps(t.Context())
		if err != nil {
			t.Fatalf("ListApps: %v", err)
		}
		var got []uint64
		for _, a := range apps {
			got = append(got, a.SDKAppID)
		}
		want := []uint64{3, 20, 1400000000, 1 << 40}
		if len(got) != len(want) {
			t.Fatalf("ListApps IDs = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ListApps IDs = %v, want %v", got, want)
			}
		}
	}},
	{"SetConfigReplacesOnlyThatApp", func(t *testing.T, s store.Store) {
		a := store.App{SDKAppID: app1, SecretKey: "a", Config: []byte(`{"v":1,"keep":true}`), CreatedAt: time.UnixMilli(5000)}
		b := store.App{SDKAppID: app2, SecretKey: "b", Config: []byte(`{"v":1}`), CreatedAt: time.UnixMilli(6000)}
		mustCreateApp(t, s, a)
		mustCreateApp(t, s, b)
		if rev, err := s.SetAppConfig(t.Context(), app1, []byte(`{"v":2}`), 0); err != nil || rev != 1 {
			t.Fatalf("SetAppConfig = %d, %v; want revision 1", rev, err)
		}
		a.Config = []byte(`{"v":2}`) // replaced, not merged
		a.Revision = 1
		for _, want := range []store.App{a, b} {
			got, err := s.GetApp(t.Context(), want.SDKAppID)
			if err != nil {
				t.Fatalf("GetApp(%d): %v", want.SDKAppID, err)
			}
			checkApp(t, got, want)
		}
	}},
	{"SetConfigMissing", func(t *testing.T, s store.Store) {
		_, err := s.SetAppConfig(t.Context(), app1, []byte(`{}`), 0)
		checkErrorIs(t, "SetAppConfig of a missing app", err, store.ErrNotFound)
		if _, err := s.GetApp(t.Context(), app1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetAppConfig of a missing app created it (GetApp error %v)", err)
		}
	}},
	{"SetConfigAtAStaleRevisionConflicts", func(t *testing.T, s store.Store) {
		mustCreateApp(t, s, store.App{SDKAppID: app1, SecretKey: "k", Config: []byte(`{"v":0}`), Revision: 7})
		got, err := s.GetApp(t.Context(), app1)
		if err != nil || got.Revision != 0 {
			t.Fatalf("new app: revision %d, %v; want 0 (CreateApp ignores Revision)", got.Revision, err)
		}
		for rev := range int64(3) {
			next, err := s.SetAppConfig(t.Context(), app1, fmt.Appendf(nil, `{"v":%d}`, rev+1), rev)
			if err != nil || next != rev+1 {
				t.Fatalf("SetAppConfig at revision %d = %d, %v", rev, next, err)
			}
		}
		for _, stale := range []int64{0, 2, 4} {
			_, err := s.SetAppConfig(t.Context(), app1, []byte(`{"v":"stale"}`), stale)
			checkErrorIs(t, fmt.Sprintf("SetAppConfig at revision %d of 3", stale), err, store.ErrConflict)
		}
		got, err = s.GetApp(t.Context(), app1)
		if err != nil || got.Revision != 3 || string(got.Config) != `{"v":3}` {
			t.Errorf("after stale writes: %q at revision %d, %v; want {\"v\":3} at 3", got.Config, got.Revision, err)
		}
	}},
	{"RacingConfigWritersOneWins", func(t *testing.T, s store.Store) {
		racingConfigWriters(t, []store.Store{s, s})
	}},
	{"ConfigBytesExact", func(t *testing.T, s store.Store) {
		for i, config := range byteExactValues() {
			id := app1 + uint64(i)
			mustCreateApp(t, s, store.App{SDKAppID: id, SecretKey: "k", Config: config.value})
			got, err := s.GetApp(t.Context(), id)
			if err != nil {
				t.Fatalf("GetApp(%s): %v", config.name, err)
			}
			if !bytes.Equal(got.Config, config.value) {
				t.Errorf("config %s after CreateApp = %q, want %q", config.name, got.Config, config.value)
			}
			// And through SetAppConfig, reversed.
			reversed := slices.Clone(config.value)
			slices.Reverse(reversed)
			if _, err := s.SetAppConfig(t.Context(), id, reversed, 0); err != nil {
				t.Fatalf("SetAppConfig(%s): %v", config.name, err)
			}
			got, err = s.GetApp(t.Context(), id)
			if err != nil {
				t.Fatalf("GetApp(%s): %v", config.name, err)
			}
			if !bytes.Equal(got.Config, reversed) {
				t.Errorf("config %s after SetAppConfig = %q, want %q", config.name, got.Config, reversed)
			}
		}
	}},
}

func checkApp(t *testing.T, got, want store.App) {
	t.Helper()
	if got.SDKAppID != want.SDKAppID || got.SecretKey != want.SecretKey || got.Revision != want.Revision ||
		!bytes.Equal(got.Config, want.Config) || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("app = {%d %q %q %v}, want {%d %q %q %v}",
			got.SDKAppID, got.SecretKey, got.Config, got.CreatedAt,
			want.SDKAppID, want.SecretKey, want.Config, want.CreatedAt)
	}
}

// namedValue is a stored value with a name for messages.
type namedValue struct {
	name  string
	value []byte
}

// byteExactValues are values that must come back byte for byte.
func byteExactValues() []namedValue {
	long := []byte(`"` + strings.Repeat("x", 498) + `"`)
	raw := make([]byte, 256)
	for i := range raw {
		raw[i] = byte(i)
	}
	return []namedValue{
		{"empty JSON string", []byte(`""`)},
		{"CJK and emoji", []byte(`"你好，世界 🌍 مرحبا"`)},
		{"combining accent", []byte("\"e\u0301\"")},
		{"escaped JSON", []byte(`"line\nbreak \"quoted\" \u00e9"`)},
		{"integer", []byte(`123`)},
		{"negative float", []byte(`-1.5e10`)},
		{"500 bytes", long},
		{"every byte", raw},
		{"trailing spaces", []byte(`"x"  `)},
	}
}

// racingConfigWriters races two conditional settings writes at the
// revision both read, one through each store: exactly one succeeds, the
// other gets store.ErrConflict, and the stored document is the winner's.
func racingConfigWriters(t *testing.T, stores []store.Store) {
	mustCreateApp(t, stores[0], store.App{SDKAppID: app1, SecretKey: "k", Config: []byte(`{}`)})
	const rounds = 20
	for round := range int64(rounds) {
		app, err := stores[0].GetApp(t.Context(), app1)
		if err != nil || app.Revision != round {
			t.Fatalf("round %d: revision %d, %v", round, app.Revision, err)
		}
		var (
			wg   sync.WaitGroup
			errs [2]error
			revs [2]int64
		)
		start := make(chan struct{})
		for i := range 2 {
			wg.Go(func() {
				<-start
				revs[i], errs[i] = stores[i].SetAppConfig(t.Context(), app1, fmt.Appendf(nil, `{"writer":%d}`, i), app.Revision)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: both writers at revision %d succeeded", round, app.Revision)
				}
				winner = i
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("round %d: writer %d: %v, want nil or store.ErrConflict", round, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: neither writer succeeded: %v", round, errs)
		}
		got, err := stores[1].GetApp(t.Context(), app1)
		if err != nil || got.Revision != revs[winner] || string(got.Config) != fmt.Sprintf(`{"writer":%d}`, winner) {
			t.Fatalf("round %d: stored %q at revision %d (%v), want writer %d's at %d", round, got.Config, got.Revision, err, winner, revs[winner])
		}
	}
}
