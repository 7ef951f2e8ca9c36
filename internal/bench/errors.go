package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// Errors of the package.
var (
	// ErrNotLoopback: the tool sends traffic to 127.0.0.0/8 only, and the
	// URL or an address it would dial is elsewhere.
	ErrNotLoopback = errors.New("bench: only 127.0.0.0/8 addresses may be targeted")
	// ErrConnLost: the connection ended before the answer to a request.
	ErrConnLost = errors.New("bench: connection lost before the answer")
	// ErrUnknownScenario: no scenario has the name asked for.
	ErrUnknownScenario = errors.New("bench: unknown scenario")
)

// ServerError is a non-zero error code answered by the server, over REST
// (ErrorCode) or WebSocket (code).
type ServerError struct {
	Code int
	Info string
}

func (e *ServerError) Error() string { return fmt.Sprintf("server error %d: %s", e.Code, e.Info) }

// CloseError is a connection the server closed, with the WebSocket close
// status and the protocol's reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("closed by the server: %d %s", e.Code, e.Reason)
}

// reason classifies err into the short key reports count errors under.
func reason(err error) string {
	var se *ServerError
	var ce *CloseError
	var ne net.Error
	var he *httpStatusError
	switch {
	case err == nil:
		return "none"
	case errors.As(err, &se):
		return fmt.Sprintf("code %d", se.Code)
	case errors.As(err, &ce):
		return fmt.Sprintf("close %d %s", ce.Code, ce.Reason)
	case errors.As(err, &he):
		return fmt.Sprintf("http %d", he.Status)
	case errors.Is(err, ErrConnLost):
		return "connection lost"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		return "no local port"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other: " + truncate(err.Error(), 80)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// errorCounter counts errors by reason; safe for concurrent use.
type errorCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// add counts err (nil is not counted).
func (c *errorCounter) add(err error) {
	if err != nil {
		c.addKey(reason(err))
	}
}

// addKey counts one error under key.
func (c *errorCounter) addKey(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int64{}
	}
	c.counts[key]++
}

func (c *errorCounter) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

func (c *errorCounter) total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.counts {
		n += v
	}
	return n
}
