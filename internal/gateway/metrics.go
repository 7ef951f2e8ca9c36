package gateway

import "github.com/prometheus/client_golang/prometheus"

// metrics are the gateway's Prometheus collectors.
type metrics struct {
	connections   prometheus.Gauge
	logins        prometheus.Counter
	loginFailures prometheus.Counter
	framesIn      prometheus.Counter
	framesOut     prometheus.Counter
	kicked        *prometheus.CounterVec
	slowConsumers prometheus.Counter
	closes        *prometheus.CounterVec
}

// newMetrics creates the collectors and registers them with reg (if not nil).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_gateway_connections",
			Help: "Open WebSocket connections, signed in or not.",
		}),
		logins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_logins_total",
			Help: "Successful WebSocket logins.",
		}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_login_failures_total",
			Help: "Refused WebSocket logins.",
		}),
		framesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_frames_in_total",
			Help: "Frames read from clients (data messages and control frames).",
		}),
		framesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_frames_out_total",
			Help: "Queue entries written to clients (responses, events, control frames).",
		}),
		kicked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_gateway_kicked_total",
			Help: "Sessions closed after a kicked event, by reason.",
		}, []string{"reason"}),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_gateway_slow_consumer_closes_total",
			Help: "Sessions closed because their send queue overflowed.",
		}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_gateway_closes_total",
			Help: "Sessions closed, by reason.",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.logins, m.loginFailures, m.framesIn, m.framesOut, m.kicked, m.slowConsumers, m.closes)
	}
	return m
}
