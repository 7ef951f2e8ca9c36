package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// serverSample is one reading of the server process. A field that could
// not be read is negative.
type serverSample struct {
	RSS         float64 // bytes
	CPU         float64 // user + system seconds
	HeapInuse   float64 // bytes (Go runtime)
	Goroutines  float64
	Connections float64 // open WebSocket connections (gateway gauge)
	// WriteBytes is write_bytes of /proc/<pid>/io: what the process has
	// caused to be written to storage (page cache pages it dirtied).
	WriteBytes float64
	// RowsWritten is parley_store_rows_written_total summed over its
	// labels; negative when the server does not export it.
	RowsWritten float64
	RSSSource   string // "/proc/<pid>/status" or "/metrics"
	// Metrics is the whole /metrics reading (nil when it failed), for the
	// pipeline figures (addPipeline).
	Metrics map[string]float64
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat CPU times; Linux
// fixes it at 100 for user space.
const clockTicks = 100

// sampleServer reads the server's /metrics and, when the server's pid is
// known, its /proc entries (which win for RSS and CPU). It fails only when
// neither could be read.
func (e *Env) sampleServer(ctx context.Context) (serverSample, error) {
	s := serverSample{RSS: -1, CPU: -1, HeapInuse: -1, Goroutines: -1, Connections: -1, WriteBytes: -1, RowsWritten: -1}
	m, merr := e.Metrics(ctx)
	get := func(name string) float64 {
		if v, ok := m[name]; ok {
			return v
		}
		return -1
	}
	if merr == nil {
		s.Metrics = m
		s.RSS, s.CPU = get("process_resident_memory_bytes"), get("process_cpu_seconds_total")
		s.HeapInuse, s.Goroutines = get("go_memstats_heap_inuse_bytes"), get("go_goroutines")
		s.Connections = get("parley_gateway_connections")
		s.RowsWritten = sumSeries(m, rowsWrittenMetric)
		if s.RSS >= 0 {
			s.RSSSource = "/metrics"
		}
	}
	var perr error
	if e.pid > 0 {
		var rss, cpu float64
		if rss, perr = procRSS(e.pid); perr == nil {
			s.RSS, s.RSSSource = rss, fmt.Sprintf("/proc/%d/status", e.pid)
		}
		if cpu, perr = procCPU(e.pid); perr == nil {
			s.CPU = cpu
		}
		// /proc/<pid>/io needs the right to trace the process; without it
		// the writes are unknown, which does not make the sample fail.
		if wb, err := procWriteBytes(e.pid); err == nil {
			s.WriteBytes = wb
		}
	}
	if merr != nil && (e.pid <= 0 || perr != nil) {
		return s, fmt.Errorf("bench: cannot observe the server: %w", merr)
	}
	return s, nil
}

// procRSS returns VmRSS of process pid in bytes.
func procRSS(pid int) (float64, error) {
	v, err := procField(pid, "status", "VmRSS:")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(v) // "12345 kB"
	if len(f) != 2 || f[1] != "kB" {
		return 0, fmt.Errorf("/proc/%d/status: VmRSS %q", pid, v)
	}
	kb, err := strconv.ParseFloat(f[0], 64)
	return kb * 1024, err
}

// procField returns what follows key on its line of /proc/<pid>/<file>.
func procField(pid int, file, key string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("/proc/%d/%s: no %s", pid, file, key)
}

// procCPU returns the user and system CPU seconds process pid has used.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces and parentheses: fields start after
	// the last ')'. utime and stime are fields 14 and 15 of the line, 12
	// and 13 after it.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return (ut + st) / clockTicks, nil
}

// procWriteBytes returns write_bytes of /proc/<pid>/io. Linux counts a
// page when the process dirties it, so a page rewritten before it reaches
// the disk counts once, and the figure does not depend on when the kernel
// writes back.
func procWriteBytes(pid int) (float64, error) {
	v, err := procField(pid, "io", "write_bytes:")
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(v, 64)
}

// rowsWrittenMetric is the store's counter of table rows it inserted,
// updated or deleted, possibly split by a table label.
const rowsWrittenMetric = "parley_store_rows_written_total"

// sumSeries returns the sum of every series of the metric name (with or
// without labels) in m, or -1 when m has none.
func sumSeries(m map[string]float64, name string) float64 {
	sum, found := 0.0, false
	for k, v := range m {
		if k == name || (strings.HasPrefix(k, name) && k[len(name)] == '{') {
			sum, found = sum+v, true
		}
	}
	if !found {
		return -1
	}
	return sum
}

// selfCPU returns the CPU seconds this process has used.
func selfCPU() float64 {
	v, err := procCPU(os.Getpid())
	if err != nil {
		return -1
	}
	return v
}

// addServerCPU reports the server's and the tool's CPU use over a phase of
// elapsed seconds, and work items per server CPU-second.
func (r *Report) addServerCPU(before, after serverSample, selfBefore, selfAfter, elapsed float64, work int64, workName string) {
	if elapsed <= 0 {
		return
	}
	if before.CPU >= 0 && after.CPU >= 0 {
		cpu := after.CPU - before.CPU
		r.Server["cpu_cores"] = round2(cpu / elapsed)
		if cpu > 0 && work > 0 {
			r.Server[workName+"_per_cpu_s"] = round2(float64(work) / cpu)
		}
	}
	if selfBefore >= 0 && selfAfter >= 0 {
		r.Server["bench_cpu_cores"] = round2((selfAfter - selfBefore) / elapsed)
	}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// pipelineStages are the stage label values of parley_message_stage_seconds.
var pipelineStages = []string{"validate", "before_send", "store", "deliver", "push", "after_send"}

// addPipeline reports, from two /metrics readings elapsed seconds apart,
// where the server's sends spent their time: the mean of each stage that
// ran (stage_<name>_ms), and the store's group commits: messages per
// commit, mean commit time and the share of the phase spent committing
// (commit_busy; near 1 means the one writer is the bottleneck).
func (r *Report) addPipeline(before, after serverSample, elapsed float64) {
	if before.Metrics == nil || after.Metrics == nil || elapsed <= 0 {
		return
	}
	delta := func(name string) float64 { return after.Metrics[name] - before.Metrics[name] }
	for _, st := range pipelineStages {
		series := `parley_message_stage_seconds_%s{stage="` + st + `"}`
		if n := delta(fmt.Sprintf(series, "count")); n > 0 {
			r.Server["stage_"+st+"_ms"] = round2(1000 * delta(fmt.Sprintf(series, "sum")) / n)
		}
	}
	if commits := delta("parley_store_append_batch_messages_count"); commits > 0 {
		r.Server["commit_messages"] = round2(delta("parley_store_append_batch_messages_sum") / commits)
		busy := delta("parley_store_append_batch_seconds_sum")
		r.Server["commit_ms"] = round2(1000 * busy / commits)
		r.Server["commit_busy"] = round2(busy / elapsed)
	}
}

// addWrites reports what the server wrote per stored message between two
// samples: write_bytes_per_msg from /proc/<pid>/io and
// rows_written_per_msg from the store's counter. A figure that cannot be
// had is listed in Unavailable with the reason, so that a table shows
// "n/a" instead of leaving it out silently.
func (r *Report) addWrites(before, after serverSample, msgs int64) {
	switch {
	case msgs <= 0:
		r.unavailable("write_bytes_per_msg", "no message was stored")
		r.unavailable("rows_written_per_msg", "no message was stored")
		return
	case before.WriteBytes < 0 || after.WriteBytes < 0:
		r.unavailable("write_bytes_per_msg", "needs --server-pid and a readable /proc/<pid>/io")
	default:
		b := after.WriteBytes - before.WriteBytes
		r.Server["write_mb"] = round2(b / (1 << 20))
		r.Server["write_bytes_per_msg"] = math.Round(b / float64(msgs))
	}
	if before.RowsWritten < 0 || after.RowsWritten < 0 {
		r.unavailable("rows_written_per_msg", "the server's /metrics has no "+rowsWrittenMetric)
		return
	}
	r.Server["rows_written_per_msg"] = round2((after.RowsWritten - before.RowsWritten) / float64(msgs))
}
