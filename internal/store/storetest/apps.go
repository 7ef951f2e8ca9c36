package storetest

import (
	"bytes"
	"errors"
	"slices"
	"strings"
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
		if err := s.SetAppConfig(t.Context(), app1, []byte(`{"v":2}`)); err != nil {
			t.Fatalf("SetAppConfig: %v", err)
		}
		a.Config = []byte(`{"v":2}`) // replaced, not merged
		for _, want := range []store.App{a, b} {
			got, err := s.GetApp(t.Context(), want.SDKAppID)
			if err != nil {
				t.Fatalf("GetApp(%d): %v", want.SDKAppID, err)
			}
			checkApp(t, got, want)
		}
	}},
	{"SetConfigMissing", func(t *testing.T, s store.Store) {
		err := s.SetAppConfig(t.Context(), app1, []byte(`{}`))
		checkErrorIs(t, "SetAppConfig of a missing app", err, store.ErrNotFound)
		if _, err := s.GetApp(t.Context(), app1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetAppConfig of a missing app created it (GetApp error %v)", err)
		}
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
			if err := s.SetAppConfig(t.Context(), id, reversed); err != nil {
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
	if got.SDKAppID != want.SDKAppID || got.SecretKey != want.SecretKey ||
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
