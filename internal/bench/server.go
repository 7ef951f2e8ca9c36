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
	RSSSource   string  // "/proc/<pid>/status" or "/metrics"
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
	s := serverSample{RSS: -1, CPU: -1, HeapInuse: -1, Goroutines: -1, Connections: -1}
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
	}
	if merr != nil && (e.pid <= 0 || perr != nil) {
		return s, fmt.Errorf("bench: cannot observe the server: %w", merr)
	}
	return s, nil
}

// procRSS returns VmRSS of process pid in bytes.
func procRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseFloat(f[0], 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
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
