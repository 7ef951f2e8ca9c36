package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/app"
)

// errUsage reports that flag parsing already printed what went wrong.
var errUsage = errors.New("usage")

// option is one setting of `parley serve`: a flag, its environment
// variable, and how it is stored in app.Config.
type option struct {
	flag, env, help string
	set             func(c *app.Config, v string) error
}

// booleanOptions may be given as a bare --flag, meaning true.
var booleanOptions = map[string]bool{"pprof": true}

// options lists every server setting once; --help, docs/configuration.md
// and the environment all follow this table.
var options = []option{
	{"addr", "PARLEY_ADDR", "listen address (default :8080)", func(c *app.Config, v string) error { c.Addr = v; return nil }},
	{"data", "PARLEY_DATA", "data directory for SQLite and key files (default " + app.DefaultDataDir + ")", func(c *app.Config, v string) error { c.DataDir = v; return nil }},
	{"store", "PARLEY_STORE", "storage: sqlite (default, in the data directory) or a postgres:// URL", func(c *app.Config, v string) error { c.Store = v; return nil }},
	{"bus", "PARLEY_BUS", "delivery bus between nodes: local (default)", func(c *app.Config, v string) error { c.Bus = v; return nil }},
	{"log-level", "PARLEY_LOG_LEVEL", "debug, info (default), warn or error", func(c *app.Config, v string) error { c.LogLevel = v; return nil }},
	{"sqlite-synchronous", "PARLEY_SQLITE_SYNCHRONOUS", "FULL (default; survives power loss) or NORMAL (faster)", func(c *app.Config, v string) error { c.SQLiteSynchronous = v; return nil }},
	{"max-body-bytes", "PARLEY_MAX_BODY_BYTES", fmt.Sprintf("largest REST request body (default %d)", app.DefaultMaxBodyBytes), func(c *app.Config, v string) (err error) {
		c.MaxBodyBytes, err = strconv.ParseInt(v, 10, 64)
		return err
	}},
	{"shutdown-timeout", "PARLEY_SHUTDOWN_TIMEOUT", "how long a graceful shutdown may take (default 10s)", durationOption(func(c *app.Config) *app.Duration { return &c.ShutdownTimeout })},
	{"read-timeout", "PARLEY_READ_TIMEOUT", "longest time to read one HTTP request, body included (default 30s)", durationOption(func(c *app.Config) *app.Duration { return &c.ReadTimeout })},
	{"write-timeout", "PARLEY_WRITE_TIMEOUT", "longest time to write one HTTP response (default 30s; not WebSocket traffic)", durationOption(func(c *app.Config) *app.Duration { return &c.WriteTimeout })},
	{"idle-timeout", "PARLEY_IDLE_TIMEOUT", "close a keep-alive HTTP connection idle this long (default 60s)", durationOption(func(c *app.Config) *app.Duration { return &c.IdleTimeout })},
	{"auth-failure-rate", "PARLEY_AUTH_FAILURE_RATE", "REST calls failing authentication allowed per second per client address before 60007 (default 10; negative: no limit)", func(c *app.Config, v string) (err error) {
		c.AuthFailureRate, err = strconv.ParseFloat(v, 64)
		return err
	}},
	{"sdkappid", "PARLEY_SDKAPPID", "pin the bootstrap app's SDKAppID (created if missing)", func(c *app.Config, v string) (err error) {
		c.BootstrapSDKAppID, err = strconv.ParseUint(v, 10, 32)
		return err
	}},
	{"secret-key", "PARLEY_SECRET_KEY", "pin the bootstrap app's secret key (prefer the environment: flags show in ps)", func(c *app.Config, v string) error { c.BootstrapKey = v; return nil }},
	{"admin", "PARLEY_ADMIN", "bootstrap app's admin identifiers, comma-separated (default administrator)", func(c *app.Config, v string) error {
		c.BootstrapAdmins = nil
		for a := range strings.SplitSeq(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.BootstrapAdmins = append(c.BootstrapAdmins, a)
			}
		}
		return nil
	}},
	{"pprof", "PARLEY_PPROF", "serve Go profiles under /debug/pprof/ on the main port (default false; keep the port private)", func(c *app.Config, v string) (err error) {
		c.Pprof, err = strconv.ParseBool(v)
		return err
	}},
}

// durationOption sets the duration field of Config that field returns.
func durationOption(field func(c *app.Config) *app.Duration) func(c *app.Config, v string) error {
	return func(c *app.Config, v string) error {
		d, err := time.ParseDuration(v)
		*field(c) = app.Duration(d)
		return err
	}
}

// boolOptionValue is the flag.Value of a boolean option: it keeps the raw
// text (a bare --flag sets "true"), parsed later by option.set so that
// flags, environment and file share one parser.
type boolOptionValue struct{ text *string }

func (v boolOptionValue) String() string {
	if v.text == nil {
		return ""
	}
	return *v.text
}

func (v boolOptionValue) Set(s string) error { *v.text = s; return nil }

// IsBoolFlag lets the option be given as a bare --flag.
func (v boolOptionValue) IsBoolFlag() bool { return true }

// loadConfig builds the server's Config: defaults, then the config file
// (--config or PARLEY_CONFIG), then the environment, then flags.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (app.Config, error) {
	values := map[string]*string{}
	for _, o := range options {
		usage := fmt.Sprintf("%s [$%s]", o.help, o.env)
		if booleanOptions[o.flag] {
			values[o.flag] = new(string)
			fs.Var(boolOptionValue{values[o.flag]}, o.flag, usage)
			continue
		}
		values[o.flag] = fs.String(o.flag, "", usage)
	}
	configPath := fs.String("config", "", "JSON config file; its keys are documented in docs/configuration.md [$PARLEY_CONFIG]")
	if err := fs.Parse(args); err != nil {
		return app.Config{}, errUsage
	}
	if fs.NArg() > 0 {
		return app.Config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var cfg app.Config
	if *configPath == "" {
		*configPath = getenv("PARLEY_CONFIG")
	}
	if *configPath != "" {
		if err := readConfigFile(*configPath, &cfg); err != nil {
			return cfg, err
		}
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var errs []error
	for _, o := range options {
		v, from := getenv(o.env), "$"+o.env
		if explicit[o.flag] {
			v, from = *values[o.flag], "--"+o.flag
		}
		if v == "" {
			continue
		}
		if err := o.set(&cfg, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", from, err))
		}
	}
	return cfg, errors.Join(errs...)
}

func readConfigFile(path string, cfg *app.Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}
