package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the result of one run, in a shape every scenario shares so
// that runs can be compared with each other: the human table (WriteText)
// and one JSON object per run (WriteJSON) carry the same fields.
type Report struct {
	Scenario string    `json:"scenario"`
	Started  time.Time `json:"started"`
	// Elapsed is the length of the measured phase in seconds (connecting,
	// sending), which the rates are computed over.
	Elapsed float64 `json:"elapsed_s"`
	// Params are the run's parameters (flags and what they resolved to).
	Params map[string]any `json:"parameters"`
	// Counts are event counts: sent, acknowledged, delivered, losses, ...
	Counts map[string]int64 `json:"counts"`
	// Rates are per-second rates over Elapsed.
	Rates map[string]float64 `json:"rates"`
	// Latency holds distributions by name, in milliseconds.
	Latency map[string]Summary `json:"latency_ms"`
	// Errors counts failures by reason: a server error code ("code 20003"),
	// a close status ("close 4005 slow_consumer") or a transport error.
	Errors map[string]int64 `json:"errors"`
	// Server holds readings of the server process: RSS, CPU, per
	// connection figures. Absent when the server was not observable.
	Server map[string]float64 `json:"server,omitempty"`
	// Unavailable names server readings the scenario reports but could
	// not have in this run (e.g. rows written when the server exports no
	// counter of them), each with the reason; the table shows them as
	// "n/a".
	Unavailable map[string]string `json:"unavailable,omitempty"`
	// Failed lists the checks the run failed (loss, duplicates, gaps, ...);
	// empty for a clean run.
	Failed []string `json:"failed"`
}

// newReport returns an empty report of scenario.
func newReport(scenario string) Report {
	return Report{
		Scenario:    scenario,
		Started:     time.Now().UTC().Truncate(time.Millisecond),
		Params:      map[string]any{},
		Counts:      map[string]int64{},
		Rates:       map[string]float64{},
		Latency:     map[string]Summary{},
		Errors:      map[string]int64{},
		Server:      map[string]float64{},
		Unavailable: map[string]string{},
		Failed:      []string{},
	}
}

// fail records a failed check.
func (r *Report) fail(format string, args ...any) {
	r.Failed = append(r.Failed, fmt.Sprintf(format, args...))
}

// failIf records a failed check, "n what", when n is above zero.
func (r *Report) failIf(n int64, what string) {
	if n > 0 {
		r.fail("%d %s", n, what)
	}
}

// unavailable records that the server reading name could not be had, and
// why.
func (r *Report) unavailable(name, why string) {
	r.Unavailable[name] = why
}

// addErrors merges counts of errors by reason into the report.
func (r *Report) addErrors(e *errorCounter) {
	for k, v := range e.snapshot() {
		r.Errors[k] += v
	}
}

// WriteJSON writes the report as one line of JSON.
func (r Report) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteText writes the report as a table for people.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\t%s\n", r.Scenario)
	fmt.Fprintf(tw, "started\t%s\n", r.Started.Format(time.RFC3339))
	fmt.Fprintf(tw, "elapsed\t%.2f s\n", r.Elapsed)
	fmt.Fprintf(tw, "parameters\t%s\n", formatParams(r.Params))
	section(tw, "counts", r.Counts, func(v int64) string { return fmt.Sprint(v) })
	section(tw, "rates", r.Rates, func(v float64) string { return fmt.Sprintf("%.1f /s", v) })
	server := make(map[string]string, len(r.Server)+len(r.Unavailable))
	for k, v := range r.Server {
		server[k] = trimFloat(v)
	}
	for k, why := range r.Unavailable {
		server[k] = "n/a (" + why + ")"
	}
	section(tw, "server", server, func(v string) string { return v })
	if len(r.Latency) > 0 {
		fmt.Fprintf(tw, "\nlatency (ms)\tcount\tmean\tp50\tp95\tp99\tmax\n")
		for _, k := range slices.Sorted(maps.Keys(r.Latency)) {
			s := r.Latency[k]
			fmt.Fprintf(tw, "  %s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", k, s.Count, s.Mean, s.P50, s.P95, s.P99, s.Max)
		}
	}
	if len(r.Errors) > 0 {
		section(tw, "errors", r.Errors, func(v int64) string { return fmt.Sprint(v) })
	} else {
		fmt.Fprintf(tw, "\nerrors\tnone\n")
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(tw, "\nFAILED\n")
		for _, f := range r.Failed {
			fmt.Fprintf(tw, "  %s\n", f)
		}
	} else {
		fmt.Fprintf(tw, "\nchecks\tpassed\n")
	}
	return tw.Flush()
}

// section writes one titled block of name/value rows, sorted by name.
func section[V any](w io.Writer, title string, m map[string]V, format func(V) string) {
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "  %s\t%s\n", k, format(m[k]))
	}
}

func formatParams(p map[string]any) string {
	parts := make([]string, 0, len(p))
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p[k]))
	}
	return strings.Join(parts, " ")
}

func trimFloat(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.2f", v)
}
