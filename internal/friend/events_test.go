package friend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parley-im/parley/internal/bus"
)

// recordingBus records what the service publishes, as "user event data".
type recordingBus struct {
	mu     sync.Mutex
	events []string
}

func (b *recordingBus) PublishUser(_ context.Context, _ uint64, user string, ev bus.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, fmt.Sprintf("%s %s %s", user, ev.Name, ev.Data))
	return nil
}

func (b *recordingBus) SubscribeUser(uint64, string, bus.Handler) (bus.Subscription, error) {
	return nil, errors.New("not a delivering bus")
}

func (b *recordingBus) Close() error { return nil }

// take returns the events recorded since the last take.
func (b *recordingBus) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.events
	b.events = nil
	return out
}

// TestEvents checks which users hear of each write, and what they hear.
func TestEvents(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := t.Context()
		h.users(t, "a", "b", "c")
		h.accounts.set("b", TagAllowType, AllowConfirm)
		h.accounts.set("c", TagAllowType, AllowAny)
		const (
			abRel = `{"From_Account":"a","To_Account":"b"}`
			baRel = `{"From_Account":"b","To_Account":"a"}`
		)
		steps := []struct {
			name string
			do   func() error
			want []string
		}{
			{"request", func() error {
				_, err := h.svc.Add(ctx, h.app, AddRequest{From: "a", Both: true, Items: []AddItem{{UserID: "b", AddSource: "AddSource_Type_Web", Wording: "hi"}}})
				return err
			}, []string{
				`a friend_request_added {"From_Account":"a","To_Account":"b","AddSource":"AddSource_Type_Web","AddWording":"hi","AddTime":1700000000}`,
				`b friend_request_added {"From_Account":"a","To_Account":"b","AddSource":"AddSource_Type_Web","AddWording":"hi","AddTime":1700000000}`,
			}},
			{"accept and add back", func() error { return h.svc.Answer(ctx, h.app, "b", "a", true, true) }, []string{
				`a friend_request_deleted ` + abRel, `b friend_request_deleted ` + abRel,
				`a friend_added ` + abRel, `b friend_added ` + abRel,
				`b friend_added ` + baRel, `a friend_added ` + baRel,
			}},
			{"remark", func() error {
				_, err := h.svc.Update(ctx, h.app, "a", []UpdateItem{{UserID: "b", Fields: []Field{{TagRemark, []byte(`"Bee"`)}}}})
				return err
			}, []string{`a friend_info_changed {"From_Account":"a","To_Account":"b","ValueItem":[{"Tag":"Tag_SNS_IM_Remark","Value":"Bee"}]}`}},
			{"block ends the friendship", func() error { _, err := h.svc.Block(ctx, h.app, "a", []string{"b"}); return err }, []string{
				`a blacklist_added ` + abRel,
				`a friend_deleted ` + abRel, `b friend_deleted ` + abRel,
				`b friend_deleted ` + baRel, `a friend_deleted ` + baRel,
			}},
			{"unblock", func() error { _, err := h.svc.Unblock(ctx, h.app, "a", []string{"b"}); return err }, []string{`a blacklist_deleted ` + abRel}},
			{"add at once, one way", func() error {
				_, err := h.svc.Add(ctx, h.app, AddRequest{From: "a", Items: []AddItem{{UserID: "c", AddSource: "AddSource_Type_Web"}}})
				return err
			}, []string{`a friend_added {"From_Account":"a","To_Account":"c"}`, `c friend_added {"From_Account":"a","To_Account":"c"}`}},
			{"delete both ways, c never had a", func() error { _, err := h.svc.Delete(ctx, h.app, "a", []string{"c"}, true); return err },
				[]string{`a friend_deleted {"From_Account":"a","To_Account":"c"}`, `c friend_deleted {"From_Account":"a","To_Account":"c"}`}},
			{"a refused write tells nobody", func() error { _, err := h.svc.Delete(ctx, h.app, "a", []string{"c"}, false); return err }, nil},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := h.bus.take(); !slices.Equal(got, s.want) {
				t.Errorf("%s: events\n%s\nwant\n%s", s.name, fmt.Sprint(got), fmt.Sprint(s.want))
			}
		}
	})
}

// TestRequestsRead checks marking requests read: the target's listing
// carries the flag, the requester's never does, only the target's devices
// hear of it, and only when something was marked.
func TestRequestsRead(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := t.Context()
		h.users(t, "a", "b", "c")
		h.accounts.set("b", TagAllowType, AllowConfirm)
		for _, from := range []string{"a", "c"} {
			if _, err := h.svc.Add(ctx, h.app, AddRequest{From: from, Items: []AddItem{{UserID: "b", AddSource: "AddSource_Type_Web"}}}); err != nil {
				t.Fatal(err)
			}
		}
		h.bus.take()
		listing := func(user string, incoming bool) (read map[string]bool, unread int) {
			t.Helper()
			reqs, err := h.svc.Requests(ctx, h.app, user, incoming)
			if err != nil {
				t.Fatal(err)
			}
			read = map[string]bool{}
			for _, r := range reqs {
				read[r.From] = r.Read
			}
			return read, Unread(reqs)
		}
		if read, unread := listing("b", true); unread != 2 || read["a"] || read["c"] {
			t.Fatalf("before: read %v, unread %d; want 2 unread", read, unread)
		}

		// Before any request was made: nothing marked, nobody told.
		if err := h.svc.MarkRequestsRead(ctx, h.app, "b", 1); err != nil {
			t.Fatal(err)
		}
		if got := h.bus.take(); len(got) != 0 {
			t.Errorf("marking nothing published %v", got)
		}
		if err := h.svc.MarkRequestsRead(ctx, h.app, "b", 0); err != nil {
			t.Fatal(err)
		}
		want := []string{`b friend_request_read {"To_Account":"b"}`}
		if got := h.bus.take(); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		if read, unread := listing("b", true); unread != 0 || !read["a"] || !read["c"] {
			t.Errorf("after: read %v, unread %d; want both read", read, unread)
		}
		if read, _ := listing("a", false); read["b"] {
			t.Errorf("the requester's listing shows the target read it")
		}
		if err := h.svc.MarkRequestsRead(ctx, h.app, "b", 0); err != nil {
			t.Fatal(err)
		}
		if got := h.bus.take(); len(got) != 0 {
			t.Errorf("marking again published %v", got)
		}

		mustCode(t, "negative UpTo", h.svc.MarkRequestsRead(ctx, h.app, "b", -1), 30001)
		mustCode(t, "no account", h.svc.MarkRequestsRead(ctx, h.app, "nobody", 0), 30003)
		mustCode(t, "bad UserID", h.svc.MarkRequestsRead(ctx, h.app, "", 0), 30001)
	})
}
