package gateway

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-im/parley/pkg/protocol"
)

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
	commands      *prometheus.CounterVec
	events        eventCounters
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
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_ws_commands_total",
			Help: "Client commands answered, by command (\"unknown\" for unrouted names and undecodable frames) and answer code (0 = success).",
		}, []string{"cmd", "code"}),
	}
	m.events.vec = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_ws_events_total",
		Help: "Events queued to sessions, by event name (one per receiving session).",
	}, []string{"event"})
	if reg != nil {
		reg.MustRegister(m.connections, m.logins, m.loginFailures, m.framesIn, m.framesOut, m.kicked, m.slowConsumers, m.closes,
			m.commands, m.events.vec)
	}
	return m
}

// unknownLabel is the cmd label of commands that are not routed and of
// frames whose command could not be read, and the event label of frames
// whose name cannot be read, so that clients cannot grow the label sets.
const unknownLabel = "unknown"

// command counts an answered command. cmd must be a label from
// Gateway.commandLabel.
func (m *metrics) command(cmd string, code int) {
	m.commands.WithLabelValues(cmd, strconv.Itoa(code)).Inc()
}

// commandLabel returns cmd if it is a built-in or routed command, else
// unknownLabel.
func (g *Gateway) commandLabel(cmd string) string {
	switch cmd {
	case protocol.CmdLogin, protocol.CmdPing, protocol.CmdLogout:
		return cmd
	}
	if _, ok := g.handlers[cmd]; ok {
		return cmd
	}
	return unknownLabel
}

// eventCounters are the children of parley_ws_events_total by name,
// cached so that counting an event on the delivery path neither hashes
// labels nor allocates. Event names are the fixed set the services
// publish, so the cache stays small.
type eventCounters struct {
	vec    *prometheus.CounterVec
	mu     sync.RWMutex
	byName map[string]prometheus.Counter
}

// named returns the counter of the event name.
func (c *eventCounters) named(name string) prometheus.Counter {
	c.mu.RLock()
	ctr, ok := c.byName[name]
	c.mu.RUnlock()
	if ok {
		return ctr
	}
	return c.add(name)
}

// inFrame returns the counter of the event name read from a frame; the
// lookup does not copy name.
func (c *eventCounters) inFrame(name []byte) prometheus.Counter {
	c.mu.RLock()
	ctr, ok := c.byName[string(name)]
	c.mu.RUnlock()
	if ok {
		return ctr
	}
	return c.add(string(name))
}

func (c *eventCounters) add(name string) prometheus.Counter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byName == nil {
		c.byName = map[string]prometheus.Counter{}
	}
	ctr, ok := c.byName[name]
	if !ok {
		ctr = c.vec.WithLabelValues(name)
		c.byName[name] = ctr
	}
	return ctr
}
