package bench

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records durations into fixed log-linear buckets: exact below
// 64 ns, then 32 buckets per power of two, so a reported percentile is
// within about 3 % of the true value. Recording is lock-free; the zero
// value is ready to use and safe for concurrent use. It allocates nothing
// after its first use and its size does not depend on how much it holds.
type Histogram struct {
	counts [histBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // nanoseconds
	max    atomic.Uint64 // nanoseconds
}

const (
	subBits     = 5 // 32 buckets per power of two
	subCount    = 1 << subBits
	histBuckets = (63-subBits)*subCount + 2*subCount
)

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 2*subCount {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits // >= 1
	return shift*subCount + int(v>>shift)
}

// bucketMid returns the middle of bucket i, in nanoseconds.
func bucketMid(i int) uint64 {
	if i < 2*subCount {
		return uint64(i)
	}
	shift := i/subCount - 1
	top := uint64(i - shift*subCount)
	lo := top << shift
	return lo + (uint64(1)<<shift)/2
}

// Record adds one observation; negative durations count as 0.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count returns how many observations were recorded.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Quantile returns the q-quantile (0 < q <= 1) of what was recorded, or 0
// when nothing was. The answer is the middle of the bucket holding it,
// capped at the largest observation.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketMid(i), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// Summary is a latency distribution in milliseconds, as reports show it.
type Summary struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// Summary returns the distribution's count, mean and percentiles.
func (h *Histogram) Summary() Summary {
	ms := func(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
	n := h.n.Load()
	s := Summary{Count: n}
	if n == 0 {
		return s
	}
	s.Mean = round3(float64(h.sum.Load()) / float64(n) / float64(time.Millisecond))
	s.P50, s.P95, s.P99 = ms(h.Quantile(0.50)), ms(h.Quantile(0.95)), ms(h.Quantile(0.99))
	s.Max = ms(time.Duration(h.max.Load()))
	return s
}

// round3 rounds to three decimals (microseconds, for milliseconds).
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
