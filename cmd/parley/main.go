// Command parley is the Parley instant-messaging server and its tools.
//
//	parley [serve] [flags]     run the server (the default)
//	parley usersig gen|verify  make or check a UserSig
//	parley app create|list|show manage hosted apps
//	parley bench <scenario>    load a running server and report
//	parley version             print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr)
	case "usersig":
		err = usersigCmd(args, stdout, stderr)
	case "app":
		err = appCmd(args, stdout, stderr)
	case "bench":
		err = benchCmd(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "parley", version)
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == errUsage {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "parley:", err)
		return 1
	}
	return 0
}

const usage = `Usage:
  parley [serve] [flags]      run the server (default; see parley serve --help)
  parley usersig gen [flags]  generate a UserSig
  parley usersig verify [flags]
                              check a UserSig and print its fields
  parley app create [flags]   create an app (prints its SDKAppID and key file)
  parley app list [flags]     list the apps
  parley app show <sdkappid>  show an app's settings and key
  parley bench <scenario> [flags]
                              load a running server (parley bench lists scenarios)
  parley version              print the version
`
