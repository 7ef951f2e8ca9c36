package bench

import (
	"fmt"
	"time"
)

// seqSet counts how often each sequence number was seen. The
// zero value is empty and accepts sequence numbers up to maxMessages.
type seqSet struct {
	counts     []uint8
	max        uint64
	outOfRange int64
}

// add counts seq and returns how often it has been seen now (0 for a
// number out of range, which is counted apart).
func (s *seqSet) add(seq uint64) int {
	if seq == 0 || seq > maxMessages {
		s.outOfRange++
		return 0
	}
	if seq >= uint64(len(s.counts)) {
		grown := make([]uint8, max(2*len(s.counts), int(seq)+1, 1024))
		copy(grown, s.counts)
		s.counts = grown
	}
	if s.counts[seq] < 255 {
		s.counts[seq]++
	}
	s.max = max(s.max, seq)
	return int(s.counts[seq])
}

// count returns how often seq was seen.
func (s *seqSet) count(seq uint64) int {
	if seq >= uint64(len(s.counts)) {
		return 0
	}
	return int(s.counts[seq])
}

// c2cCheck is what comparing acknowledgements with deliveries found.
type c2cCheck struct {
	losses     int64 // acknowledged to the sender, never delivered to the peer
	gaps       int64 // numbers below a conversation's highest that nobody saw
	reused     int64 // numbers acknowledged for two sends
	unacked    int64 // delivered, but the send was not acknowledged
	outOfRange int64
}

// checkPair compares the two users of a pair, which share one
// conversation: its numbers 1..n must each be acknowledged to exactly one
// of them and delivered to the other. When the run did not settle (sends
// were still unanswered at the end), only what is certain is judged: a
// message is lost when the peer received a later message of the same
// sender (one sender's messages reach the peer in order), and gaps and
// unacknowledged deliveries are not counted.
func checkPair(a, b *c2cUser, settled bool) c2cCheck {
	var c c2cCheck
	n := max(a.acked.max, b.acked.max, a.got.max, b.got.max)
	for seq := uint64(1); seq <= n; seq++ {
		ackA, ackB := a.acked.count(seq), b.acked.count(seq)
		gotA, gotB := a.got.count(seq), b.got.count(seq)
		switch {
		case ackA+ackB > 1:
			c.reused++
		case !settled:
		case ackA+ackB == 0 && gotA+gotB == 0:
			c.gaps++
		case ackA+ackB == 0:
			c.unacked++
		}
		if ackA > 0 && gotB == 0 && (settled || seq < b.got.max) {
			c.losses++
		}
		if ackB > 0 && gotA == 0 && (settled || seq < a.got.max) {
			c.losses++
		}
	}
	c.outOfRange = a.acked.outOfRange + b.acked.outOfRange + a.got.outOfRange + b.got.outOfRange
	return c
}

// report fills r from the run; call it after every connection has ended.
func (run *c2cRun) report(r *Report, elapsed time.Duration, settled bool) {
	var total c2cCheck
	var sent, acked, delivered, dups, foreign, undecoded int64
	for i := 0; i < len(run.users); i += 2 {
		c := checkPair(run.users[i], run.users[i+1], settled)
		total.losses += c.losses
		total.gaps += c.gaps
		total.reused += c.reused
		total.unacked += c.unacked
		total.outOfRange += c.outOfRange
	}
	for _, u := range run.users {
		sent += u.sent.Load()
		acked += u.nAcked.Load()
		delivered += u.delivered.Load()
		dups += u.dups
		foreign += u.foreign
		undecoded += u.undecoded
	}
	r.Elapsed = elapsed.Seconds()
	r.Counts["sent"] = sent
	r.Counts["acknowledged"] = acked
	r.Counts["delivered"] = delivered
	r.Counts["duplicates"] = dups
	r.Counts["losses"] = total.losses
	r.Counts["seq_gaps"] = total.gaps
	r.Counts["seq_reused"] = total.reused
	r.Counts["delivered_unacknowledged"] = total.unacked
	r.Counts["misaddressed"] = foreign
	r.Counts["undecodable"] = undecoded + total.outOfRange
	r.Counts["after_drain"] = run.late.Load()
	r.Params["settled"] = settled
	r.Rates["sent"] = float64(sent) / r.Elapsed
	r.Rates["acknowledged"] = float64(acked) / r.Elapsed
	r.Rates["delivered"] = float64(delivered) / r.Elapsed
	if run.s.rate > 0 {
		r.Rates["target"] = run.s.rate
	}
	r.Latency["send_to_ack"] = run.ackLat.Summary()
	r.Latency["send_to_deliver"] = run.delLat.Summary()
	r.addErrors(&run.errors)
	for k, v := range run.events.snapshot() {
		r.Counts["event "+k] = v
	}
	run.fails(r)
	if run.side != nil {
		run.side.report(r, run.users)
	}
}

// fails records the failed checks.
func (run *c2cRun) fails(r *Report) {
	c := r.Counts
	if n := c["sent"] - c["acknowledged"]; n > 0 {
		r.fail("%d of %d sends not acknowledged", n, c["sent"])
	}
	r.failIf(c["losses"], fmt.Sprintf("acknowledged messages not delivered by the end of the drain (%s)", run.s.drain))
	r.failIf(c["duplicates"], "messages delivered twice to one device")
	r.failIf(c["seq_gaps"], "sequence numbers missing inside conversations")
	r.failIf(c["seq_reused"], "sequence numbers acknowledged for two messages")
	r.failIf(c["misaddressed"]+c["undecodable"]+c["delivered_unacknowledged"],
		"messages delivered that were not expected (misaddressed, undecodable or unacknowledged)")
	if c["sent"] == 0 {
		r.fail("nothing was sent")
	}
}
