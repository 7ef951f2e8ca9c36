// Package app is Parley's composition root: it builds the store, the domain
// services and the HTTP edges from a Config, and owns start and stop. It is
// the only package that imports concrete adapters.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/bus/local"
	"github.com/parley-im/parley/internal/conversation"
	"github.com/parley-im/parley/internal/friend"
	"github.com/parley-im/parley/internal/gateway"
	"github.com/parley-im/parley/internal/message"
	"github.com/parley-im/parley/internal/restapi"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/tenant"
)

// App is a built server, ready to Serve.
type App struct {
	cfg      Config
	log      *slog.Logger
	store    *sqlstore.Store
	tenants  *tenant.Service
	accounts *account.Service
	bus      *local.Bus
	gateway  *gateway.Gateway
	// messages and conversations are the C2C messaging domain.
	messages      *message.Service
	conversations *conversation.Service
	handler       http.Handler
	boot          Bootstrapped
	// reg holds every Prometheus collector of this server (/metrics).
	reg *prometheus.Registry
	// lock is this process's hold on the data directory.
	lock *dirLock
}

// Bootstrapped describes the app the server started with.
type Bootstrapped struct {
	App tenant.App
	// Created is true when this start created the app (first start).
	Created bool
	// KeyFile is where the secret key was written ("" when not written now).
	KeyFile string
}

// New opens the store, applies migrations, builds the services and makes
// sure there is an app to serve. Close releases what New opened.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st, err := openStore(ctx, cfg, log, newStoreMetrics(reg))
	if err != nil {
		lock.release()
		return nil, err
	}
	a := &App{cfg: cfg, log: log, store: st, reg: reg, lock: lock}
	a.build()
	if err := a.bootstrap(ctx); err != nil {
		st.Close()
		lock.release()
		return nil, err
	}
	return a, nil
}

// openStore opens the store cfg selects; m (nil for none) observes its
// writes.
func openStore(ctx context.Context, cfg Config, log *slog.Logger, m *storeMetrics) (*sqlstore.Store, error) {
	url := cfg.Store
	if !isPostgres(url) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		url = filepath.Join(cfg.DataDir, "parley.db")
	}
	sc := sqlstore.Config{URL: url, SQLiteSynchronous: cfg.SQLiteSynchronous, Logger: log}
	if m != nil {
		sc.OnAppendBatch, sc.OnMove, sc.OnRowsWritten = m.observeAppendBatch, m.observeMove, m.observeRows
	}
	st, err := sqlstore.Open(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// build wires the services and the HTTP routes.
func (a *App) build() {
	a.bus = local.New()
	reg := a.reg
	// One presence for the whole node: the gateway reports sessions to it
	// (through Logins) and the account service answers online status from
	// it. Kicks are published on the bus and carried out by the gateway.
	presence := account.NewLocalPresence()
	// The order breaks the one cycle between domains: accounts read custom
	// profile tags from the app registry, and the tenant service (built
	// on the same registry) imports admin accounts and applies sign-in
	// revocations through the account service.
	apps := tenant.NewRegistry(a.store, a.cfg.Clock)
	a.accounts = account.New(account.Config{
		Store: a.store, Settings: apps, Logger: a.log, Presence: presence,
		Sessions: gateway.NewKicker(a.bus, a.cfg.Clock, a.log), Clock: a.cfg.Clock,
	})
	a.tenants = tenant.New(tenant.Config{Store: a.store, Accounts: a.accounts, Registry: apps, Logger: a.log, Clock: a.cfg.Clock})
	a.gateway = gateway.New(gateway.Config{
		Auth: a.tenants, Bus: a.bus, Logins: account.NewLogins(presence), Logger: a.log, Metrics: reg,
		Clock: a.cfg.Clock,
	})
	// Every user's C2C send is authorised by the sender's global mute
	// (account), then blacklists and the app's C2CPermission (friend);
	// admin sends over REST skip that step.
	friends := friend.New(friend.Config{Store: a.store, Accounts: a.accounts, Settings: apps, Bus: a.bus, Clock: a.cfg.Clock, Logger: a.log})
	a.messages = message.New(message.Config{
		Store: a.store, Accounts: a.accounts, Bus: a.bus, Settings: messageSettings{a.tenants},
		Permissions: allOf{speaking{a.accounts}, friends},
		Profiles:    accountProfiles{a.accounts}, Logger: a.log, Clock: a.cfg.Clock,
		ObserveStage: newStageMetrics(reg).observeStage,
	})
	a.conversations = conversation.New(conversation.Config{Store: a.store, Accounts: a.accounts, Bus: a.bus, Logger: a.log})

	gateway.RegisterMessaging(a.gateway, a.messages, a.conversations)
	gateway.RegisterFriends(a.gateway, friends)
	rest := restapi.New(restapi.Config{
		Tenants:         a.tenants,
		Accounts:        a.accounts,
		Messages:        a.messages,
		Conversations:   a.conversations,
		Friends:         friends,
		Logger:          a.log,
		Metrics:         restapi.NewMetrics(reg),
		MaxBodyBytes:    a.cfg.MaxBodyBytes,
		AuthFailureRate: a.cfg.AuthFailureRate,
		Clock:           a.cfg.Clock,
	})

	mux := http.NewServeMux()
	mux.Handle("/v4/", rest)
	mux.Handle("GET /ws", a.gateway)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", a.ready)
	if a.cfg.Pprof {
		mountPprof(mux)
	}
	a.handler = mux
}

// ready answers /readyz: 200 while the store answers, its writes are not
// failing and (on SQLite) the data directory's disk has room; 503 with the
// reason otherwise, so a balancer stops sending traffic to a node that
// cannot store it.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.readiness(ctx); err != nil {
		a.log.WarnContext(ctx, "readiness: not ready", "err", err)
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// minFreeDiskBytes: below this much free space on the data directory's
// disk a SQLite node reports itself unready, before writes start failing.
const minFreeDiskBytes = 64 << 20

func (a *App) readiness(ctx context.Context) error {
	dir := a.cfg.DataDir
	if isPostgres(a.cfg.Store) {
		dir = "" // the database's disk is the database server's business
	}
	return checkReady(ctx, a.store, dir, freeDiskBytes)
}

// storeHealth is what readiness asks of the store.
type storeHealth interface {
	Ping(ctx context.Context) error
	CheckWrites(ctx context.Context) error
}

// checkReady is readiness for a store and, unless dir is "", the data
// directory whose free space freeBytes measures.
func checkReady(ctx context.Context, st storeHealth, dir string, freeBytes func(string) (uint64, error)) error {
	if err := st.Ping(ctx); err != nil {
		return fmt.Errorf("store unreachable: %w", err)
	}
	if err := st.CheckWrites(ctx); err != nil {
		return err
	}
	if dir == "" {
		return nil
	}
	if free, err := freeBytes(dir); err == nil && free < minFreeDiskBytes {
		return fmt.Errorf("data directory %s has %d bytes free, want at least %d", dir, free, minFreeDiskBytes)
	}
	return nil
}

// bootstrap makes sure an app exists and, when it was created now, writes
// its key to a 0600 file in the data directory for the operator.
func (a *App) bootstrap(ctx context.Context) error {
	app, created, err := a.tenants.EnsureBootstrap(ctx, tenant.Bootstrap{
		SDKAppID:  a.cfg.BootstrapSDKAppID,
		SecretKey: a.cfg.BootstrapKey,
		Admins:    a.cfg.BootstrapAdmins,
	})
	if err != nil {
		return fmt.Errorf("bootstrap app: %w", err)
	}
	a.boot = Bootstrapped{App: app, Created: created}
	if created {
		path, err := WriteKeyFile(a.cfg.DataDir, app)
		if err != nil {
			return err
		}
		a.boot.KeyFile = path
		a.log.InfoContext(ctx, "created app", "sdkappid", app.SDKAppID, "admins", app.Settings.Admins, "key_file", path)
	}
	return nil
}

// WriteKeyFile writes the app's secret key to <dir>/app-<sdkappid>.key with
// 0600 permissions and returns the path.
func WriteKeyFile(dir string, app tenant.App) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("app-%d.key", app.SDKAppID))
	if err := os.WriteFile(path, []byte(app.SecretKey+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // WriteFile keeps an existing file's mode
		return "", fmt.Errorf("key file: %w", err)
	}
	return path, nil
}

// Bootstrap describes the app the server started with.
func (a *App) Bootstrap() Bootstrapped { return a.boot }

// Tenants returns the app registry (for tools such as `parley app`).
func (a *App) Tenants() *tenant.Service { return a.tenants }

// Handler returns the HTTP handler of every route.
func (a *App) Handler() http.Handler { return a.handler }

// Serve serves HTTP on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish (bounded by
// ShutdownTimeout) and closes the store.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: min(10*time.Second, time.Duration(a.cfg.ReadTimeout)),
		ReadTimeout:       time.Duration(a.cfg.ReadTimeout),
		WriteTimeout:      time.Duration(a.cfg.WriteTimeout),
		IdleTimeout:       time.Duration(a.cfg.IdleTimeout),
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// Shutdown does not cover hijacked (WebSocket) connections: close the
	// sessions while in-flight requests drain; Serve waits for them below.
	shutdownTimeout := time.Duration(a.cfg.ShutdownTimeout)
	srv.RegisterOnShutdown(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		_ = a.gateway.Shutdown(ctx)
	})
	retentionCtx, stopRetention := context.WithCancel(context.Background())
	retentionDone := make(chan struct{})
	go func() {
		defer close(retentionDone)
		a.messages.RunRetention(retentionCtx)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String())

	var serveErr error
	var sctx context.Context // the shutdown deadline, from when shutdown began
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down")
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		serveErr = srv.Shutdown(sctx)
		<-errc
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	if sctx == nil {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
	}
	// Wait for the WebSocket sessions before the store goes away.
	if err := a.gateway.Shutdown(sctx); err != nil {
		serveErr = errors.Join(serveErr, err)
	}
	stopRetention()
	<-retentionDone
	return errors.Join(serveErr, a.Close())
}

// Close closes the bus and the store. Serve calls it; call it yourself only
// when not serving.
func (a *App) Close() error {
	_ = a.bus.Close() // the in-process bus cannot fail to close
	defer a.lock.release()
	if err := a.store.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// OpenTenants opens only the store and the app registry, for tools such as
// `parley app` that manage apps without serving. Close the returned closer.
// On SQLite it takes the data directory's lock like a server does: the
// SQLite store has one writer, whose memory a second process would not
// see, so the tool refuses to run beside a server (ErrDataDirInUse).
func OpenTenants(ctx context.Context, cfg Config) (*tenant.Service, io.Closer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	var lock *dirLock
	if !isPostgres(cfg.Store) {
		var err error
		if lock, err = lockDataDir(cfg.DataDir); err != nil {
			return nil, nil, err
		}
	}
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		lock.release()
		return nil, nil, err
	}
	apps := tenant.NewRegistry(st, nil)
	accounts := account.New(account.Config{Store: st, Settings: apps})
	return tenant.New(tenant.Config{Store: st, Accounts: accounts, Registry: apps}), lockedStore{st, lock}, nil
}

// lockedStore closes the store, then gives up the data directory.
type lockedStore struct {
	st   *sqlstore.Store
	lock *dirLock
}

func (l lockedStore) Close() error {
	defer l.lock.release()
	return l.st.Close()
}

// messageSettings gives the message service each app's recall window and
// retention from the app registry.
type messageSettings struct{ tenants *tenant.Service }

func (m messageSettings) RecallWindow(ctx context.Context, sdkAppID uint64) (time.Duration, error) {
	st, err := m.tenants.Settings(ctx, sdkAppID)
	return time.Duration(st.RecallWindowSeconds) * time.Second, err
}

func (m messageSettings) Retention(ctx context.Context, sdkAppID uint64) (time.Duration, error) {
	st, err := m.tenants.Settings(ctx, sdkAppID)
	return time.Duration(st.HistoryRetentionDays) * 24 * time.Hour, err
}

func (m messageSettings) AppIDs(ctx context.Context) ([]uint64, error) {
	apps, err := m.tenants.List(ctx)
	ids := make([]uint64, len(apps))
	for i, app := range apps {
		ids[i] = app.SDKAppID
	}
	return ids, err
}

// accountProfiles gives the message service senders' nicks and avatars
// (Tag_Profile_IM_Nick, Tag_Profile_IM_Image).
type accountProfiles struct{ accounts *account.Service }

func (p accountProfiles) Nicks(ctx context.Context, sdkAppID uint64, userIDs []string) (map[string]message.Profile, error) {
	profiles, _, err := p.accounts.GetPortrait(ctx, sdkAppID, userIDs, []string{account.TagNick, account.TagImage})
	if err != nil {
		return nil, err
	}
	out := make(map[string]message.Profile, len(profiles))
	for _, up := range profiles {
		if up.Code != 0 {
			continue
		}
		var pr message.Profile
		for _, it := range up.Items {
			var v string
			_ = json.Unmarshal(it.Value, &v) // both tags are strings
			switch it.Tag {
			case account.TagNick:
				pr.Nick = v
			case account.TagImage:
				pr.FaceURL = v
			}
		}
		out[up.UserID] = pr
	}
	return out, nil
}
