package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/usersig"
)

// bannerSigExpiry is how long the admin UserSig printed at first start lasts.
const bannerSigExpiry = 7 * 24 * 3600

// serve runs the server until ctx is done (SIGINT or SIGTERM in main).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: parley [serve] [flags]\n\nRuns the Parley server. Every flag has an environment variable (in brackets);\nflags win over the environment, which wins over the config file.\n\n")
		fs.PrintDefaults()
	}
	cfg, err := loadConfig(fs, args, os.Getenv)
	if err != nil {
		return err
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	level, _ := app.ParseLogLevel(cfg.LogLevel)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.Close()
		return fmt.Errorf("listen: %w", err)
	}
	if boot := a.Bootstrap(); boot.Created {
		if err := printBanner(stdout, boot, ln.Addr()); err != nil {
			log.Warn("banner", "err", err)
		}
	}
	return a.Serve(ctx, ln)
}

// printBanner tells the operator, once, how to reach the app that the first
// start created. It goes to stdout, never to the log: it holds a credential.
func printBanner(w io.Writer, boot app.Bootstrapped, addr net.Addr) error {
	admin := boot.App.Settings.Admins[0]
	sig, err := usersig.Gen(boot.App.SDKAppID, boot.App.SecretKey, admin, bannerSigExpiry, time.Now())
	if err != nil {
		return err
	}
	base := "http://" + displayAddr(addr)
	q := url.Values{"sdkappid": {fmt.Sprint(boot.App.SDKAppID)}, "identifier": {admin}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
	fmt.Fprintf(w, `
Parley created its first app.
  SDKAppID:   %d
  Admin:      %s
  Secret key: %s (0600; also in the store: parley app show %d)
  Admin UserSig (valid 7 days):
    %s
  REST base URL: %s/v4/
  Try it:
    curl -s -X POST '%s/v4/im_open_login_svc/account_check?%s' -d '{"CheckItem":[{"UserID":"%s"}]}'

`, boot.App.SDKAppID, admin, boot.KeyFile, boot.App.SDKAppID, sig, base, base, q.Encode(), admin)
	return nil
}

// displayAddr turns a listen address into one a local curl can reach.
func displayAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}
