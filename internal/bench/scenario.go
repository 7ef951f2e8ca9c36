// Package bench is the load tool behind `parley bench`: it drives a
// running Parley server from a separate process, over the REST API and the
// WebSocket protocol like any app and its clients would, and reports what
// it measured (counts, rates, latency percentiles, errors by code, server
// RSS and CPU) as a table or as one JSON object per run.
//
// Every scenario is one file holding a type that implements Scenario, and
// one line in Scenarios. Every load loop is bounded in count and in time
// and stops by itself, and traffic goes to 127.0.0.0/8 only.
//
// The package imports no server package: it is a client.
package bench

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"
)

// Scenario is one kind of load.
type Scenario interface {
	// Name is the scenario's command-line name.
	Name() string
	// Summary is one line saying what the scenario measures.
	Summary() string
	// Flags defines the scenario's flags on fs; Run reads them after
	// fs.Parse.
	Flags(fs *flag.FlagSet)
	// Run runs the scenario against env and returns its report. It
	// returns by itself within the time its flags allow (and earlier when
	// ctx ends), with every connection it opened closed. An error means
	// the run could not be carried out; failed checks (loss, duplicates)
	// are in Report.Failed instead.
	Run(ctx context.Context, env *Env) (Report, error)
}

// Scenarios returns a new instance of every scenario, in the order the
// tool lists them. A new scenario adds itself here.
func Scenarios() []Scenario {
	return []Scenario{
		&connectScenario{},
		&c2cScenario{},
		&mixedScenario{},
		&restScenario{},
	}
}

// Lookup returns a new instance of the scenario called name.
func Lookup(name string) (Scenario, error) {
	var names []string
	for _, s := range Scenarios() {
		if s.Name() == name {
			return s, nil
		}
		names = append(names, s.Name())
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknownScenario, name, strings.Join(names, ", "))
}

// Limits every scenario enforces on its flags.
const (
	maxConnections = 200_000
	maxDuration    = time.Hour
	maxMessages    = 100_000_000
	// setupTimeout bounds creating accounts and opening connections
	// beyond what the scenario's own rate allows.
	setupTimeout = 2 * time.Minute
)

// checkDuration reports a duration flag outside (0, maxDuration].
func checkDuration(name string, d time.Duration) error {
	if d <= 0 || d > maxDuration {
		return fmt.Errorf("--%s %s: want more than 0 and at most %s", name, d, maxDuration)
	}
	return nil
}

// checkRange reports an integer flag outside [lo, hi].
func checkRange(name string, v, lo, hi int) error {
	if v < lo || v > hi {
		return fmt.Errorf("--%s %d: want %d..%d", name, v, lo, hi)
	}
	return nil
}
