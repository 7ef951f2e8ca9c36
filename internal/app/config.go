package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/restapi"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/tenant"
)

// Defaults that tools outside the server (cmd/parley) show or use too.
const (
	DefaultDataDir      = "./parley-data"
	DefaultMaxBodyBytes = restapi.DefaultMaxBodyBytes
)

// Config is everything `parley serve` can be told. The zero value of every
// field means its default (applied by WithDefaults).
type Config struct {
	// Addr is the listen address of the one HTTP port (REST, /ws, /metrics,
	// health). Default ":8080".
	Addr string `json:"addr"`
	// DataDir holds the SQLite database and key files. Default "./parley-data".
	DataDir string `json:"data"`
	// Store selects storage: "" or "sqlite" is SQLite in DataDir;
	// "postgres://..." (or "postgresql://...") is PostgreSQL.
	Store string `json:"store"`
	// Bus selects delivery between nodes: "local" (default, one node).
	Bus string `json:"bus"`
	// LogLevel is debug, info (default), warn or error.
	LogLevel string `json:"log_level"`
	// SQLiteSynchronous is FULL (default: acknowledged writes survive power
	// loss) or NORMAL (faster; survives a process crash only).
	SQLiteSynchronous string `json:"sqlite_synchronous"`
	// MaxBodyBytes caps REST request bodies. Default 1 MiB.
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// ShutdownTimeout bounds a graceful shutdown. Default 10s.
	ShutdownTimeout Duration `json:"shutdown_timeout"`
	// ReadTimeout bounds reading one HTTP request, headers and body; a
	// client that sends slower is disconnected. WebSocket connections set
	// their own deadlines once upgraded. Default 30s.
	ReadTimeout Duration `json:"read_timeout"`
	// WriteTimeout bounds writing one HTTP response (not WebSocket
	// traffic). Default 30s.
	WriteTimeout Duration `json:"write_timeout"`
	// IdleTimeout closes a keep-alive HTTP connection that waits this long
	// for its next request. Default 60s.
	IdleTimeout Duration `json:"idle_timeout"`
	// AuthFailureRate is how many REST calls failing authentication one
	// client address may make per second (bursts of five seconds' worth);
	// past it the address is answered 60007 without its calls being
	// checked. Default 10; negative turns the limit off (e.g. behind a
	// proxy that is the only client address).
	AuthFailureRate float64 `json:"auth_failure_rate"`
	// Pprof mounts the net/http/pprof profiles under /debug/pprof/ on the
	// main port. Default off: profiles reveal internals and cost CPU, so
	// turn it on only where the port is not public.
	Pprof bool `json:"pprof"`
	// Bootstrap pins the first app (PARLEY_SDKAPPID, PARLEY_SECRET_KEY, PARLEY_ADMIN).
	BootstrapSDKAppID uint64   `json:"sdkappid"`
	BootstrapKey      string   `json:"secret_key"`
	BootstrapAdmins   []string `json:"admins"`
	// Clock is the time every service reads: message stamps, recall and
	// dedup windows, kicks, UserSig checks, REST rate limits. Nil means
	// time.Now. Not read from configuration; tests set it to make time
	// pass without waiting. Network deadlines and timeouts always use the
	// real clock.
	Clock func() time.Time `json:"-"`
}

// Duration is a time.Duration written as "10s" in config files.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// MarshalText writes a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Bus == "" {
		c.Bus = "local"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.SQLiteSynchronous == "" {
		c.SQLiteSynchronous = "FULL"
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = Duration(10 * time.Second)
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = Duration(30 * time.Second)
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = Duration(30 * time.Second)
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = Duration(60 * time.Second)
	}
	if c.AuthFailureRate == 0 {
		c.AuthFailureRate = restapi.DefaultAuthFailureRate
	}
	return c
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	switch strings.ToUpper(c.SQLiteSynchronous) {
	case "FULL", "NORMAL":
	default:
		errs = append(errs, fmt.Errorf("sqlite synchronous %q: want FULL or NORMAL", c.SQLiteSynchronous))
	}
	switch {
	case c.Bus == "local":
	case strings.HasPrefix(c.Bus, "nats://"):
		errs = append(errs, fmt.Errorf("bus %q: the NATS bus is not available in this version yet; use local", c.Bus))
	default:
		errs = append(errs, fmt.Errorf("bus %q: want local", c.Bus))
	}
	if s := c.Store; s != "" && s != "sqlite" && !isPostgres(s) {
		errs = append(errs, fmt.Errorf("store %q: want sqlite (default) or a postgres:// URL", s))
	}
	if err := restapi.CheckMaxBodyBytes(c.MaxBodyBytes); err != nil {
		errs = append(errs, err)
	}
	for _, d := range []struct {
		name string
		d    Duration
	}{{"shutdown timeout", c.ShutdownTimeout}, {"read timeout", c.ReadTimeout}, {"write timeout", c.WriteTimeout}, {"idle timeout", c.IdleTimeout}} {
		if d.d < 0 {
			errs = append(errs, fmt.Errorf("%s %s: want a positive duration", d.name, time.Duration(d.d)))
		}
	}
	if c.BootstrapSDKAppID > 1<<32-1 {
		errs = append(errs, fmt.Errorf("sdkappid %d: want a 32-bit number", c.BootstrapSDKAppID))
	}
	if len(c.BootstrapAdmins) > tenant.MaxAdminsCeiling {
		errs = append(errs, fmt.Errorf("admins: %d given, at most %d", len(c.BootstrapAdmins), tenant.MaxAdminsCeiling))
	}
	for _, a := range c.BootstrapAdmins {
		if err := im.CheckUserID(a); err != nil {
			errs = append(errs, fmt.Errorf("admin %q: %w", a, err))
		}
	}
	if k := c.BootstrapKey; k != "" {
		if err := tenant.CheckSecretKey(k); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// isPostgres is the store's own rule (sqlstore.IsPostgresURL), so that
// what the configuration accepts is what the store opens.
func isPostgres(url string) bool { return sqlstore.IsPostgresURL(url) }

// ParseLogLevel maps debug/info/warn/error to a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
