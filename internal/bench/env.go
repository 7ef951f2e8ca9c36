package bench

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-im/parley/internal/usersig"
)

// Config says where the server is and how to act as its app. URL, SDKAppID
// and Key are required; every other field's zero value means its default.
type Config struct {
	// URL is the server's base URL, http://127.x.y.z:port; only
	// 127.0.0.0/8 is accepted ("localhost" means 127.0.0.1).
	URL string
	// SDKAppID and Key are the app's, to mint UserSigs for any user.
	SDKAppID uint64
	Key      string
	// Admin is the app admin the REST calls are made as. Default
	// "administrator".
	Admin string
	// SourceAddrs is how many local addresses (127.0.0.1 up to
	// 127.0.0.<SourceAddrs>) client connections are spread over, each
	// giving about 28 k ephemeral ports. Default 4, at most 254.
	SourceAddrs int
	// ServerPID, if not 0, is the server's process id on this machine:
	// its RSS and CPU time are read from /proc.
	ServerPID int
	// Prefix starts the name of every account the run creates, so runs
	// never share accounts. Default "b" and a base-36 timestamp.
	Prefix string
	// Logger receives progress messages. Nil discards them.
	Logger *slog.Logger
}

// Env is what a scenario runs against: the server, the app's key, an admin
// REST client and a WebSocket dialer. Its methods are safe for concurrent
// use.
type Env struct {
	base     *url.URL
	sdkAppID uint64
	key      string
	admin    string
	prefix   string
	log      *slog.Logger
	pid      int
	http     *http.Client
	dialer   *dialer

	sigMu     sync.Mutex
	adminSig  string
	adminTime time.Time
}

// NewEnv checks cfg, raises the process's open-file limit as far as it is
// allowed to, and returns the environment. It sends nothing to the server.
func NewEnv(cfg Config) (*Env, error) {
	base, err := checkConfig(&cfg)
	if err != nil {
		return nil, err
	}
	raiseFileLimit(cfg.Logger)
	e := &Env{
		base:     base,
		sdkAppID: cfg.SDKAppID,
		key:      cfg.Key,
		admin:    cfg.Admin,
		prefix:   cfg.Prefix,
		log:      cfg.Logger,
		pid:      cfg.ServerPID,
		dialer:   newDialer(cfg.SourceAddrs),
	}
	e.http = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         e.dialer.dialTCP,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
	return e, nil
}

// checkConfig applies the defaults and reports every problem at once.
func checkConfig(cfg *Config) (*url.URL, error) {
	var errs []error
	if cfg.Admin == "" {
		cfg.Admin = "administrator"
	}
	if cfg.SourceAddrs == 0 {
		cfg.SourceAddrs = 4
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "b" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SourceAddrs < 1 || cfg.SourceAddrs > 254 {
		errs = append(errs, fmt.Errorf("source addresses %d: want 1..254", cfg.SourceAddrs))
	}
	if cfg.SDKAppID == 0 {
		errs = append(errs, errors.New("SDKAppID is required"))
	}
	if cfg.Key == "" {
		errs = append(errs, errors.New("the app's secret key is required"))
	}
	if len(cfg.Prefix) > 16 {
		errs = append(errs, fmt.Errorf("prefix %q: at most 16 bytes", cfg.Prefix))
	}
	base, err := url.Parse(cfg.URL)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("url: %w", err))
	case base.Scheme != "http":
		errs = append(errs, fmt.Errorf("url %q: want http://127.0.0.1:<port>", cfg.URL))
	default:
		if err := checkLoopbackHost(base.Hostname()); err != nil {
			errs = append(errs, fmt.Errorf("url %q: %w", cfg.URL, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	if base.Hostname() == "localhost" { // never ::1: the dialer binds 127.0.0.x
		base.Host = "127.0.0.1"
		if p := base.Port(); p != "" {
			base.Host = net.JoinHostPort(base.Host, p)
		}
	}
	return base, nil
}

// checkLoopbackHost accepts "localhost" and IPv4 addresses in 127.0.0.0/8.
func checkLoopbackHost(host string) error {
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() == nil || ip.To4()[0] != 127 {
		return ErrNotLoopback
	}
	return nil
}

// SDKAppID returns the app the run acts in.
func (e *Env) SDKAppID() uint64 { return e.sdkAppID }

// Log returns the progress logger.
func (e *Env) Log() *slog.Logger { return e.log }

// UserID returns the name of the run's account number i of kind (a short
// tag such as "c" or "a"): unique to the run.
func (e *Env) UserID(kind string, i int) string {
	return e.prefix + kind + strconv.Itoa(i)
}

// UserSig mints a UserSig for user, valid for a day.
func (e *Env) UserSig(user string) (string, error) {
	return usersig.Gen(e.sdkAppID, e.key, user, 24*3600, time.Now())
}

// wsURL returns the WebSocket endpoint.
func (e *Env) wsURL() string {
	u := *e.base
	u.Scheme = "ws"
	u.Path += "/ws"
	return u.String()
}

// httpURL returns the base URL joined with path.
func (e *Env) httpURL(path string) string {
	u := *e.base
	u.Path += path
	return u.String()
}

// Close releases idle HTTP connections.
func (e *Env) Close() {
	e.http.CloseIdleConnections()
}

// drainBody reads and closes an HTTP body so the connection is reused.
func drainBody(b io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(b, 1<<20))
	_ = b.Close()
}
