package bench

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.95, 950 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.Quantile(c.q)
		if diff := float64(got-c.want) / float64(c.want); diff < -0.035 || diff > 0.035 {
			t.Errorf("q%.2f = %v, want %v within 3.5%%", c.q, got, c.want)
		}
	}
	s := h.Summary()
	if s.Count != 1000 || s.Max != 1 || s.Mean < 0.49 || s.Mean > 0.51 {
		t.Errorf("summary %+v", s)
	}
	var empty Histogram
	if empty.Quantile(0.5) != 0 || empty.Summary().Count != 0 {
		t.Error("empty histogram reports something")
	}
}

func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	prev := -1
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		b := bucketOf(v)
		if b < prev {
			t.Errorf("bucket of %d is %d, below %d of a smaller value", v, b, prev)
		}
		prev = b
		if b >= histBuckets {
			t.Fatalf("bucket of %d is %d, beyond %d", v, b, histBuckets)
		}
		mid := bucketMid(b)
		if v >= 64 && (float64(mid) < float64(v)*0.96 || float64(mid) > float64(v)*1.04) {
			t.Errorf("value %d in bucket %d whose middle is %d", v, b, mid)
		}
	}
}

// pair builds the two users of a conversation from what each was
// acknowledged and what each received.
func pair(ackedA, gotA, ackedB, gotB []uint64) (*c2cUser, *c2cUser) {
	a, b := &c2cUser{}, &c2cUser{}
	for _, s := range ackedA {
		a.acked.add(s)
	}
	for _, s := range gotA {
		a.got.add(s)
	}
	for _, s := range ackedB {
		b.acked.add(s)
	}
	for _, s := range gotB {
		b.got.add(s)
	}
	return a, b
}

// TestCheckPairFindsProblems: the checker sees loss, gaps, reuse and
// deliveries of unacknowledged sends.
func TestCheckPairFindsProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                         string
		ackedA, gotA, ackedB, gotB   []uint64
		losses, gaps, reused, unackd int64
	}{
		{"clean", []uint64{1, 3, 4}, []uint64{2, 5}, []uint64{2, 5}, []uint64{1, 3, 4}, 0, 0, 0, 0},
		{"loss", []uint64{1, 2, 3}, nil, nil, []uint64{1, 3}, 1, 0, 0, 0},
		{"gap", []uint64{1, 3}, nil, nil, []uint64{1, 3}, 0, 1, 0, 0},
		{"reused", []uint64{1, 2}, []uint64{2}, []uint64{2}, []uint64{1, 2}, 0, 0, 1, 0},
		{"unacknowledged", []uint64{1}, nil, nil, []uint64{1, 2}, 0, 0, 0, 1},
	}
	for _, c := range cases {
		a, b := pair(c.ackedA, c.gotA, c.ackedB, c.gotB)
		got := checkPair(a, b, true)
		if got.losses != c.losses || got.gaps != c.gaps || got.reused != c.reused || got.unacked != c.unackd {
			t.Errorf("%s: %+v, want losses %d gaps %d reused %d unacked %d", c.name, got, c.losses, c.gaps, c.reused, c.unackd)
		}
	}
}

// TestCheckPairUnsettled: when sends were still unanswered at the end,
// only losses overtaken by a later delivery count, and no gaps.
func TestCheckPairUnsettled(t *testing.T) {
	t.Parallel()
	// A was acknowledged 1..4 (and B 5); B received 1 and 3: 2 is lost for
	// sure, 4 may still be on its way; 6 was assigned to an unanswered send.
	a, b := pair([]uint64{1, 2, 3, 4}, []uint64{5, 7}, []uint64{5}, []uint64{1, 3})
	got := checkPair(a, b, false)
	if got.losses != 1 || got.gaps != 0 || got.unacked != 0 {
		t.Errorf("unsettled: %+v, want 1 loss and nothing else", got)
	}
	if got := checkPair(a, b, true); got.losses != 2 || got.gaps != 1 || got.unacked != 1 {
		t.Errorf("settled: %+v, want 2 losses, 1 gap, 1 unacknowledged", got)
	}
}

// TestOnEventCountsDuplicates: a message delivered twice to one device is
// a duplicate, a message from someone else is misaddressed.
func TestOnEventCountsDuplicates(t *testing.T) {
	t.Parallel()
	run := &c2cRun{s: &c2cScenario{}}
	u := &c2cUser{name: "bob", peer: "alice"}
	msg := func(from string, seq int) []byte {
		return []byte(`{"From_Account":"` + from + `","To_Account":"bob","MsgSeq":` + string(rune('0'+seq)) + `,"CloudCustomData":"1"}`)
	}
	run.onEvent(u, "message", msg("alice", 1))
	run.onEvent(u, "message", msg("alice", 2))
	run.onEvent(u, "message", msg("alice", 1))
	run.onEvent(u, "message", msg("carol", 3))
	run.onEvent(u, "message", []byte(`{`))
	run.onEvent(u, "unread_changed", []byte(`{}`))
	if u.delivered.Load() != 2 || u.dups != 1 || u.foreign != 1 || u.undecoded != 1 {
		t.Errorf("delivered %d dups %d foreign %d undecoded %d; want 2 1 1 1", u.delivered.Load(), u.dups, u.foreign, u.undecoded)
	}
	if run.events.snapshot()["unread_changed"] != 1 {
		t.Errorf("other events: %v", run.events.snapshot())
	}
}

func TestSeqSetRange(t *testing.T) {
	t.Parallel()
	var s seqSet
	if s.add(0) != 0 || s.add(maxMessages+1) != 0 || s.outOfRange != 2 {
		t.Errorf("out of range numbers: outOfRange %d", s.outOfRange)
	}
	if s.add(5000) != 1 || s.add(5000) != 2 || s.count(5000) != 2 || s.count(4999) != 0 || s.max != 5000 {
		t.Error("counting 5000 twice")
	}
}

func TestDialerRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	d := newDialer(2)
	for _, addr := range []string{"10.1.2.3:80", "[::1]:80", "localhost:80", "example.com:80"} {
		if _, err := d.dialTCP(context.Background(), "tcp", addr); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("dial %s: %v, want ErrNotLoopback", addr, err)
		}
	}
	if got := []string{d.sources[0].IP.String(), d.sources[1].IP.String()}; got[0] != "127.0.0.1" || got[1] != "127.0.0.2" {
		t.Errorf("sources %v", got)
	}
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	m, err := parseMetrics(strings.NewReader("# HELP x\n# TYPE x gauge\nprocess_resident_memory_bytes 1.2345e+07\n" +
		"parley_gateway_closes_total{reason=\"logout\"} 3\nbroken\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m["process_resident_memory_bytes"] != 12345000 || m[`parley_gateway_closes_total{reason="logout"}`] != 3 || len(m) != 2 {
		t.Errorf("parsed %v", m)
	}
}

func TestReasons(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want string
	}{
		{&ServerError{Code: 20003}, "code 20003"},
		{&CloseError{Code: 4005, Reason: "slow_consumer"}, "close 4005 slow_consumer"},
		{ErrConnLost, "connection lost"},
		{context.DeadlineExceeded, "timeout"},
		{&httpStatusError{Status: 503}, "http 503"},
	} {
		if got := reason(c.err); got != c.want {
			t.Errorf("reason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestCheckPage: a history page must hold what its reader had seen, newest
// first, of its own conversation only, and no more than asked for.
func TestCheckPage(t *testing.T) {
	t.Parallel()
	msg := func(from, to string, seq uint64) deliveredMessage {
		return deliveredMessage{From: from, To: to, MsgSeq: seq}
	}
	ab, ba := func(seq uint64) deliveredMessage { return msg("a", "b", seq) }, func(seq uint64) deliveredMessage { return msg("b", "a", seq) }
	cases := []struct {
		name       string
		msgs       []deliveredMessage
		seen       uint64
		stale, bad bool
	}{
		{"clean", []deliveredMessage{ab(5), ba(4), ab(3)}, 5, false, false},
		{"newer than seen", []deliveredMessage{ba(7), ab(5)}, 5, false, false},
		{"nothing seen, nothing stored", nil, 0, false, false},
		{"lacks the newest seen", []deliveredMessage{ba(4), ab(3)}, 5, true, false},
		{"empty after a delivery", nil, 1, true, false},
		{"oldest first", []deliveredMessage{ab(3), ba(4), ab(5)}, 3, false, true},
		{"repeated seq", []deliveredMessage{ab(5), ab(5)}, 5, false, true},
		{"another conversation", []deliveredMessage{msg("a", "c", 5)}, 5, false, true},
		{"more than asked", []deliveredMessage{ab(5), ba(4), ab(3), ba(2)}, 5, false, true},
	}
	for _, c := range cases {
		stale, bad := checkPage(c.msgs, "a", "b", c.seen, 3)
		if stale != c.stale || bad != c.bad {
			t.Errorf("%s: stale %v bad %v, want %v %v", c.name, stale, bad, c.stale, c.bad)
		}
	}
}

// TestAddWrites: bytes and rows per message come from the two samples'
// differences; a reading the server does not offer is reported as n/a with
// its reason, never as a number.
func TestAddWrites(t *testing.T) {
	t.Parallel()
	m, err := parseMetrics(strings.NewReader(rowsWrittenMetric + `{table="messages"} 100` + "\n" +
		rowsWrittenMetric + `{table="sync"} 50` + "\n" + rowsWrittenMetric + "_created 7\nother_total 9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sumSeries(m, rowsWrittenMetric); got != 150 {
		t.Errorf("rows written summed over labels: %v, want 150", got)
	}
	if got := sumSeries(m, "absent_total"); got != -1 {
		t.Errorf("absent metric: %v, want -1", got)
	}
	before := serverSample{WriteBytes: 1000, RowsWritten: 150}
	after := serverSample{WriteBytes: 1000 + 40*1500, RowsWritten: 150 + 40*3}
	r := newReport("t")
	r.addWrites(before, after, 40)
	if r.Server["write_bytes_per_msg"] != 1500 || r.Server["rows_written_per_msg"] != 3 || len(r.Unavailable) != 0 {
		t.Errorf("server %v, unavailable %v", r.Server, r.Unavailable)
	}

	r = newReport("t")
	r.addWrites(serverSample{WriteBytes: -1, RowsWritten: -1}, serverSample{WriteBytes: -1, RowsWritten: -1}, 40)
	_, bytesOK := r.Server["write_bytes_per_msg"]
	_, rowsOK := r.Server["rows_written_per_msg"]
	if bytesOK || rowsOK || len(r.Unavailable) != 2 {
		t.Errorf("without readings: server %v, unavailable %v", r.Server, r.Unavailable)
	}
	var buf strings.Builder
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"write_bytes_per_msg", "rows_written_per_msg"} {
		if !regexp.MustCompile(k + `\s+n/a \(`).MatchString(buf.String()) {
			t.Errorf("table does not show %s as n/a:\n%s", k, buf.String())
		}
	}
}

// TestProcReadings: this process's own /proc entries read as the server's
// would.
func TestProcReadings(t *testing.T) {
	t.Parallel()
	pid := os.Getpid()
	if rss, err := procRSS(pid); err != nil || rss <= 0 {
		t.Errorf("procRSS: %v, %v", rss, err)
	}
	if wb, err := procWriteBytes(pid); err != nil || wb < 0 {
		t.Errorf("procWriteBytes: %v, %v", wb, err)
	}
	if _, err := procField(pid, "io", "no_such_key:"); err == nil {
		t.Error("procField found a key /proc/<pid>/io does not have")
	}
}
