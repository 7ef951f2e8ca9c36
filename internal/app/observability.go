package app

import (
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/internal/message"
)

// storeMetrics are the collectors of the store's group commit.
type storeMetrics struct {
	batchMessages prometheus.Histogram
	batchSeconds  prometheus.Histogram
	moveMessages  prometheus.Histogram
	moveSeconds   prometheus.Histogram
	rows          *prometheus.CounterVec
}

// newStoreMetrics creates the store collectors and registers them with reg.
func newStoreMetrics(reg prometheus.Registerer) *storeMetrics {
	m := &storeMetrics{
		batchMessages: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parley_store_append_batch_messages",
			Help:    "Messages per committed C2C append transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 .. 512
		}),
		batchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parley_store_append_batch_seconds",
			Help:    "Duration of committed C2C append transactions, begin to commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 13), // 0.5 ms .. 2 s
		}),
	}
	m.moveMessages = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_store_move_batch_messages",
		Help:    "Journaled C2C messages moved into the message tables per SQLite write transaction (0: it only ran queued writes).",
		Buckets: append([]float64{0}, prometheus.ExponentialBuckets(1, 2, 13)...), // 0, 1 .. 4096
	})
	m.moveSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_store_move_batch_seconds",
		Help:    "Duration of the SQLite writer's transactions that move the journal or run queued writes, begin to commit.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 13),
	})
	m.rows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_store_rows_written_total",
		Help: "Rows written by the store's message transactions, by table (c2c_journal, c2c_messages, user_sync, conversations, seq_counters).",
	}, []string{"table"})
	for _, table := range []string{"c2c_journal", "c2c_messages", "user_sync", "conversations", "seq_counters"} {
		m.rows.WithLabelValues(table) // every series from the start, at zero
	}
	reg.MustRegister(m.batchMessages, m.batchSeconds, m.moveMessages, m.moveSeconds, m.rows)
	return m
}

// observeMove is the store's sqlstore.Config.OnMove.
func (m *storeMetrics) observeMove(messages, _ int, elapsed time.Duration) {
	m.moveMessages.Observe(float64(messages))
	m.moveSeconds.Observe(elapsed.Seconds())
}

// observeRows is the store's sqlstore.Config.OnRowsWritten.
func (m *storeMetrics) observeRows(table string, n int) {
	m.rows.WithLabelValues(table).Add(float64(n))
}

// observeAppendBatch is the store's sqlstore.Config.OnAppendBatch.
func (m *storeMetrics) observeAppendBatch(messages int, elapsed time.Duration) {
	m.batchMessages.Observe(float64(messages))
	m.batchSeconds.Observe(elapsed.Seconds())
}

// stageMetrics is the collector of the send pipeline's stage durations.
type stageMetrics struct {
	seconds *prometheus.HistogramVec
	// byStage holds each stage's series, made up front: observing is then
	// a map read (read-only after construction, so safe concurrently)
	// instead of hashing label values on every send.
	byStage map[message.Stage]prometheus.Observer
}

// newStageMetrics creates the stage collector and registers it with reg.
// Every stage's series exists from the start, at zero.
func newStageMetrics(reg prometheus.Registerer) *stageMetrics {
	m := &stageMetrics{
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_message_stage_seconds",
			Help: "Time a message send spends in each stage of the send pipeline " +
				"(validate, before_send, admit, store, deliver, push, after_send); a stage is counted only when it runs.",
			// The 1-2.5-5 series of prometheus.DefBuckets carried down to
			// 50 µs, so le labels stay round: in-process stages (deliver,
			// push, after_send) take tens of µs; store waits for an fsync'd
			// group commit (ms, more under load); the before-send webhook's
			// budget is 2 s, so 5 s is past anything a healthy server does.
			Buckets: []float64{
				0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
			},
		}, []string{"stage"}),
		byStage: map[message.Stage]prometheus.Observer{},
	}
	for _, st := range message.Stages() {
		m.byStage[st] = m.seconds.WithLabelValues(string(st))
	}
	reg.MustRegister(m.seconds)
	return m
}

// observeStage is the message service's message.Config.ObserveStage.
func (m *stageMetrics) observeStage(stage message.Stage, elapsed time.Duration) {
	o, ok := m.byStage[stage]
	if !ok { // a stage added to message without being listed in Stages
		o = m.seconds.WithLabelValues(string(stage))
	}
	o.Observe(elapsed.Seconds())
}

// mountPprof serves the net/http/pprof profiles under /debug/pprof/.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", unboundedWrite(pprof.Profile))
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", unboundedWrite(pprof.Trace))
}

// unboundedWrite lifts the server's write timeout for a handler that
// answers only after a caller-chosen time (a 30 s CPU profile).
func unboundedWrite(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		h(w, r)
	}
}
