package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/internal/tenant"
)

func appCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, "Usage: parley app create|list|show [flags]\n")
		return errUsage
	}
	fs := flag.NewFlagSet("parley app "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("PARLEY_DATA", app.DefaultDataDir), "data directory [$PARLEY_DATA]")
	storeURL := fs.String("store", envOr("PARLEY_STORE", ""), "sqlite (default) or a postgres:// URL [$PARLEY_STORE]")
	sdkAppID := fs.Uint64("sdkappid", 0, "create: SDKAppID (default: a free random one in 1400000000-1499999999)")
	admins := fs.String("admin", "administrator", "create: admin identifiers, comma-separated")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	ctx := context.Background()
	tenants, closer, err := app.OpenTenants(ctx, app.Config{DataDir: *data, Store: *storeURL})
	if err != nil {
		return err
	}
	defer closer.Close()

	switch args[0] {
	case "create":
		return appCreate(ctx, tenants, *data, *sdkAppID, strings.Split(*admins, ","), stdout)
	case "list":
		return appList(ctx, tenants, stdout)
	case "show":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: parley app show <sdkappid>")
		}
		return appShow(ctx, tenants, fs.Arg(0), stdout)
	}
	fmt.Fprintf(stderr, "parley app: unknown command %q\n", args[0])
	return errUsage
}

func appCreate(ctx context.Context, tenants *tenant.Service, data string, id uint64, admins []string, stdout io.Writer) error {
	a, err := tenants.Create(ctx, id, "", admins)
	if err != nil {
		return err
	}
	path, err := app.WriteKeyFile(data, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SDKAppID %d created; admins %s; secret key in %s\n", a.SDKAppID, strings.Join(a.Settings.Admins, ","), path)
	return nil
}

func appList(ctx context.Context, tenants *tenant.Service, stdout io.Writer) error {
	apps, err := tenants.List(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		fmt.Fprintf(stdout, "%d\tadmins=%s\tcreated=%s\n", a.SDKAppID, strings.Join(a.Settings.Admins, ","), a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return nil
}

func appShow(ctx context.Context, tenants *tenant.Service, arg string, stdout io.Writer) error {
	id, err := strconv.ParseUint(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("sdkappid %q: %w", arg, err)
	}
	a, err := tenants.Get(ctx, id)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(map[string]any{"SDKAppID": a.SDKAppID, "SecretKey": a.SecretKey, "Settings": a.Settings}, "", "  ")
	fmt.Fprintln(stdout, string(out))
	return nil
}
