package app

import (
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// storeMetrics are the collectors of the store's group commit.
type storeMetrics struct {
	batchMessages prometheus.Histogram
	batchSeconds  prometheus.Histogram
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
	reg.MustRegister(m.batchMessages, m.batchSeconds)
	return m
}

// observeAppendBatch is the store's sqlstore.Config.OnAppendBatch.
func (m *storeMetrics) observeAppendBatch(messages int, elapsed time.Duration) {
	m.batchMessages.Observe(float64(messages))
	m.batchSeconds.Observe(elapsed.Seconds())
}

// mountPprof serves the net/http/pprof profiles under /debug/pprof/.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
