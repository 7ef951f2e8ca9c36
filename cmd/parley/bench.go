package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-im/parley/internal/bench"
)

// benchCmd runs `parley bench <scenario> [flags]`: a load scenario against
// a running server on this machine, reported as a table or as JSON.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		listScenarios(stdout)
		return nil
	}
	sc, err := bench.Lookup(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "parley bench: %v\n\n", err)
		listScenarios(stderr)
		return errUsage
	}
	fs := flag.NewFlagSet("parley bench "+sc.Name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: parley bench %s [flags]\n\n%s.\n\n", sc.Name(), sc.Summary())
		fs.PrintDefaults()
	}
	flags := addBenchFlags(fs)
	sc.Flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parley bench %s: unexpected arguments %q\n", sc.Name(), fs.Args())
		return errUsage
	}
	env, err := flags.env(stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(ctx, *flags.timeout)
	defer cancel()
	rep, err := sc.Run(ctx, env)
	if err != nil {
		return fmt.Errorf("bench %s: %w", sc.Name(), err)
	}
	if *flags.json {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("bench %s: %d checks failed: %s", sc.Name(), len(rep.Failed), strings.Join(rep.Failed, "; "))
	}
	return nil
}

// listScenarios prints the scenarios and how to run one.
func listScenarios(w io.Writer) {
	fmt.Fprint(w, "Usage: parley bench <scenario> [flags]   (parley bench <scenario> -h for its flags)\n\nScenarios:\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range bench.Scenarios() {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Name(), s.Summary())
	}
	_ = tw.Flush()
}

// benchFlags are the flags every scenario shares.
type benchFlags struct {
	keys    keyFlags
	url     *string
	admin   *string
	json    *bool
	sources *int
	pid     *int
	timeout *time.Duration
	verbose *bool
}

func addBenchFlags(fs *flag.FlagSet) benchFlags {
	return benchFlags{
		keys:    addKeyFlags(fs),
		url:     fs.String("url", "http://127.0.0.1:8080", "server base URL (127.0.0.0/8 only)"),
		admin:   fs.String("admin", "administrator", "app admin the REST calls are made as"),
		json:    fs.Bool("json", false, "print one JSON object instead of the table"),
		sources: fs.Int("source-addrs", 4, "spread connections over source addresses 127.0.0.1..127.0.0.<n>"),
		pid:     fs.Int("server-pid", 0, "the server's process id, to read its RSS, CPU and bytes written from /proc"),
		timeout: fs.Duration("timeout", 30*time.Minute, "stop the whole run after this long, whatever the scenario's flags"),
		verbose: fs.Bool("v", false, "log progress to stderr"),
	}
}

// env resolves the app's key and builds the environment the flags describe.
func (f benchFlags) env(stderr io.Writer) (*bench.Env, error) {
	id, key, err := f.keys.resolve()
	if err != nil {
		return nil, err
	}
	level := slog.LevelWarn
	if *f.verbose {
		level = slog.LevelInfo
	}
	return bench.NewEnv(bench.Config{
		URL: *f.url, SDKAppID: id, Key: key, Admin: *f.admin, SourceAddrs: *f.sources, ServerPID: *f.pid,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	})
}
