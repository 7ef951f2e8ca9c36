package restapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the REST API's Prometheus collectors.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics creates the collectors and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_rest_requests_total",
			Help: "REST API calls by command (service/command, or unknown) and reference ErrorCode.",
		}, []string{"command", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parley_rest_request_duration_seconds",
			Help:    "REST API call latency by command.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12),
		}, []string{"command"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(command string, code int, elapsed time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(command, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(command).Observe(elapsed.Seconds())
}
