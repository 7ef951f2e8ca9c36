package message_test

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/message"
)

// stageCounts counts the stage observations a service reports.
type stageCounts struct {
	mu   sync.Mutex
	seen map[message.Stage]int
}

func (c *stageCounts) observe(stage message.Stage, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[message.Stage]int{}
	}
	c.seen[stage]++
}

// take returns the counts since the last take.
func (c *stageCounts) take() map[message.Stage]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.seen
	c.seen = nil
	return out
}

// TestSendObservesTheStagesThatRan: every stage a send runs is observed
// exactly once, and a stage that does not run is not observed.
func TestSendObservesTheStagesThatRan(t *testing.T) {
	t.Parallel()
	const (
		validate   = message.StageValidate
		beforeSend = message.StageBeforeSend
		stored     = message.StageStore
		deliver    = message.StageDeliver
		push       = message.StagePush
		afterSend  = message.StageAfterSend
	)
	send := func(h *harness, o im.SendOptions, body im.MsgBody) error {
		_, err := h.svc.SendC2C(context.Background(), message.SendRequest{SDKAppID: h.app, From: "alice", To: "bob", Body: body, Options: o})
		return err
	}
	cases := []struct {
		name string
		// webhook: the service has a before-send webhook.
		webhook bool
		// run sends; fails: it is meant to fail.
		run   func(h *harness) error
		fails bool
		want  map[message.Stage]int
	}{
		{"stored", false, func(h *harness) error { return send(h, opts(1), text("hi")) }, false,
			map[message.Stage]int{validate: 1, stored: 1, deliver: 1, push: 1, afterSend: 1}},
		{"stored, webhook", true, func(h *harness) error { return send(h, opts(1), text("hi")) }, false,
			map[message.Stage]int{validate: 1, beforeSend: 1, stored: 1, deliver: 1, push: 1, afterSend: 1}},
		{"OnlineOnlyFlag", false, func(h *harness) error {
			o := opts(1)
			o.OnlineOnly = true
			return send(h, o, text("typing"))
		}, false, map[message.Stage]int{validate: 1, deliver: 1, afterSend: 1}},
		{"MsgLifeTime 0", false, func(h *harness) error {
			o := opts(1)
			o.MsgLifeTime = 0
			return send(h, o, text("typing"))
		}, false, map[message.Stage]int{validate: 1, deliver: 1, afterSend: 1}},
		{"invalid body", false, func(h *harness) error { return send(h, opts(1), im.MsgBody{}) }, true,
			map[message.Stage]int{validate: 1}},
		{"PushFlag 1", false, func(h *harness) error {
			o := opts(1)
			o.OfflinePushInfo = &im.OfflinePushInfo{PushFlag: 1}
			return send(h, o, text("quiet"))
		}, false, map[message.Stage]int{validate: 1, stored: 1, deliver: 1, afterSend: 1}},
		{"batch", false, func(h *harness) error {
			_, err := h.svc.BatchSendC2C(context.Background(), message.BatchRequest{
				SDKAppID: h.app, From: "alice", To: []string{"bob", "carol", "ghost"}, Body: text("news"), Options: opts(1),
			})
			return err
		}, false, map[message.Stage]int{validate: 1, stored: 1, deliver: 2, push: 2}},
		{"batch to no account", false, func(h *harness) error {
			_, err := h.svc.BatchSendC2C(context.Background(), message.BatchRequest{
				SDKAppID: h.app, From: "alice", To: []string{"ghost"}, Body: text("news"), Options: opts(1),
			})
			return err
		}, true, map[message.Stage]int{validate: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k, counts := &hooks{}, &stageCounts{}
			h := newHarness(t, oneBackend, func(cfg *message.Config) {
				cfg.Pusher, cfg.AfterSend, cfg.ObserveStage = k, k, counts.observe
				if c.webhook {
					cfg.BeforeSend = k
				}
			})
			h.accounts(t, "alice", "bob", "carol")
			if err := c.run(h); (err != nil) != c.fails {
				t.Fatalf("send error %v, want failure %v", err, c.fails)
			}
			if got := counts.take(); !maps.Equal(got, c.want) {
				t.Errorf("observed %v, want %v", got, c.want)
			}
		})
	}
}

// TestDuplicateEndsAtDedup: a retry answered by dedup observes the stage
// that answered it and nothing after.
func TestDuplicateEndsAtDedup(t *testing.T) {
	t.Parallel()
	for _, webhook := range []bool{false, true} {
		k, counts := &hooks{}, &stageCounts{}
		h := newHarness(t, oneBackend, func(cfg *message.Config) {
			cfg.ObserveStage = counts.observe
			if webhook {
				cfg.BeforeSend = k
			}
		})
		h.accounts(t, "alice", "bob")
		h.send(t, "alice", "bob", "once", 9)
		counts.take()
		if res := h.send(t, "alice", "bob", "once", 9); !res.Duplicate {
			t.Fatalf("webhook %v: retry %+v, want a duplicate", webhook, res)
		}
		// Without a webhook the store's atomic dedup answers; with one, the
		// lookup before it does.
		want := map[message.Stage]int{message.StageValidate: 1, message.StageStore: 1}
		if webhook {
			want = map[message.Stage]int{message.StageValidate: 1, message.StageBeforeSend: 1}
		}
		if got := counts.take(); !maps.Equal(got, want) {
			t.Errorf("webhook %v: observed %v, want %v", webhook, got, want)
		}
	}
}

// TestNoBusNoDeliverStage: without a bus nothing is delivered, so deliver
// is not observed.
func TestNoBusNoDeliverStage(t *testing.T) {
	t.Parallel()
	counts := &stageCounts{}
	h := newHarness(t, oneBackend, func(cfg *message.Config) { cfg.Bus, cfg.ObserveStage = nil, counts.observe })
	h.accounts(t, "alice", "bob")
	h.send(t, "alice", "bob", "x", 1)
	want := map[message.Stage]int{message.StageValidate: 1, message.StageStore: 1}
	if got := counts.take(); !maps.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}
