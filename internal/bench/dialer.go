package bench

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

// dialer opens TCP connections to loopback addresses only, spreading them
// round-robin over the source addresses 127.0.0.1..127.0.0.<n>: each source
// address has its own ephemeral port range (about 28 k ports on Linux), so
// n of them allow about n*28 k connections to one server port.
type dialer struct {
	sources []*net.TCPAddr
	next    atomic.Uint64
}

func newDialer(n int) *dialer {
	d := &dialer{}
	for i := 1; i <= n; i++ {
		d.sources = append(d.sources, &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i))})
	}
	return d
}

// dialTCP connects to addr ("127.x.y.z:port") from the next source
// address. Any other destination is refused with ErrNotLoopback, so the
// tool cannot be pointed at another machine.
func (d *dialer) dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("bench: dial %s: %w", addr, err)
	}
	if err := checkLoopbackHost(host); err != nil || host == "localhost" {
		return nil, fmt.Errorf("bench: dial %s: %w", addr, ErrNotLoopback)
	}
	src := d.sources[(d.next.Add(1)-1)%uint64(len(d.sources))]
	nd := net.Dialer{LocalAddr: src, Timeout: 10 * time.Second, KeepAlive: -1}
	return nd.DialContext(ctx, "tcp4", addr)
}
