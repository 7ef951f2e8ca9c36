package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPprofOption: --pprof (bare or with a value), PARLEY_PPROF and the
// config key pprof all reach app.Config.Pprof; it is off by default.
func TestPprofOption(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(file, []byte(`{"pprof":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"default", nil, nil, false},
		{"bare flag", []string{"--pprof"}, nil, true},
		{"flag false beats env", []string{"--pprof=false"}, map[string]string{"PARLEY_PPROF": "true"}, false},
		{"env", nil, map[string]string{"PARLEY_PPROF": "1"}, true},
		{"config file", nil, map[string]string{"PARLEY_CONFIG": file}, true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := loadConfig(fs, tc.args, func(k string) string { return tc.env[k] })
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cfg.Pprof != tc.want {
			t.Errorf("%s: Pprof = %v, want %v", tc.name, cfg.Pprof, tc.want)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := loadConfig(fs, nil, func(k string) string { return map[string]string{"PARLEY_PPROF": "maybe"}[k] }); err == nil {
		t.Error("PARLEY_PPROF=maybe accepted")
	}
}
