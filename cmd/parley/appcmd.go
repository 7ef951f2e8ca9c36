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
)

func appCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, "Usage: parley app create|list|show [flags]\n")
		return errUsage
	}
	fs := flag.NewFlagSet("parley app "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("PARLEY_DATA", "./parley-data"), "data directory [$PARLEY_DATA]")
	storeURL := fs.String("store", envOr("PARLEY_STORE", ""), "sqlite (default) or a postgres:// URL [$PARLEY_STORE]")
	var sdkAppID *uint64
	var admins *string
	if args[0] == "create" {
		sdkAppID = fs.Uint64("sdkappid", 0, "SDKAppID (default: a free random one in 1400000000-1499999999)")
		admins = fs.String("admin", "administrator", "admin identifiers, comma-separated")
	}
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
		a, err := tenants.Create(ctx, *sdkAppID, "", strings.Split(*admins, ","))
		if err != nil {
			return err
		}
		path, err := app.WriteKeyFile(*data, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "SDKAppID %d created; admins %s; secret key in %s\n", a.SDKAppID, strings.Join(a.Settings.Admins, ","), path)
	case "list":
		apps, err := tenants.List(ctx)
		if err != nil {
			return err
		}
		for _, a := range apps {
			fmt.Fprintf(stdout, "%d\tadmins=%s\tcreated=%s\n", a.SDKAppID, strings.Join(a.Settings.Admins, ","), a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
	case "show":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: parley app show <sdkappid>")
		}
		id, err := strconv.ParseUint(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("sdkappid %q: %w", fs.Arg(0), err)
		}
		a, err := tenants.Get(ctx, id)
		if err != nil {
			return err
		}
		out, _ := json.MarshalIndent(map[string]any{"SDKAppID": a.SDKAppID, "SecretKey": a.SecretKey, "Settings": a.Settings}, "", "  ")
		fmt.Fprintln(stdout, string(out))
	default:
		fmt.Fprintf(stderr, "parley app: unknown command %q\n", args[0])
		return errUsage
	}
	return nil
}
