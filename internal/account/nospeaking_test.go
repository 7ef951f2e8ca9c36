package account_test

import (
	"context"
	"testing"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
)

func ptr(v uint64) *uint64 { return &v }

func TestNoSpeaking(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "m", "peer")
		get := func(want account.NoSpeaking) {
			t.Helper()
			got, err := h.svc.GetNoSpeaking(ctx, app, "m")
			if err != nil {
				t.Fatalf("GetNoSpeaking: %v", err)
			}
			if got != want {
				t.Errorf("GetNoSpeaking = %+v, want %+v", got, want)
			}
		}
		speak := func(conv im.ConvID, code int) {
			t.Helper()
			wantCode(t, h.svc.CheckSpeaking(ctx, app, "m", conv), code)
		}

		get(account.NoSpeaking{})
		speak(im.C2C("peer"), 0)

		// C2C muted for 60 s; group left alone.
		wantCode(t, h.svc.SetNoSpeaking(ctx, app, "m", ptr(60), nil), 0)
		get(account.NoSpeaking{C2C: 60})
		speak(im.C2C("peer"), im.CodeC2CSenderMuted)
		speak(im.Group("g"), 0) // groups enforce their own mute

		// Time passes on the injected clock; the mute runs out.
		h.now.Add(59)
		get(account.NoSpeaking{C2C: 1})
		speak(im.C2C("peer"), im.CodeC2CSenderMuted)
		h.now.Add(1)
		get(account.NoSpeaking{})
		speak(im.C2C("peer"), 0)

		// Setting one kind keeps the other; forever stays forever.
		wantCode(t, h.svc.SetNoSpeaking(ctx, app, "m", nil, ptr(account.NoSpeakingForever)), 0)
		wantCode(t, h.svc.SetNoSpeaking(ctx, app, "m", ptr(account.NoSpeakingForever), nil), 0)
		h.now.Add(10 * 365 * 24 * 3600)
		get(account.NoSpeaking{C2C: account.NoSpeakingForever, Group: account.NoSpeakingForever})
		speak(im.C2C("peer"), im.CodeC2CSenderMuted)

		// 0 unmutes.
		wantCode(t, h.svc.SetNoSpeaking(ctx, app, "m", ptr(0), ptr(0)), 0)
		get(account.NoSpeaking{})
		speak(im.C2C("peer"), 0)

		// The mute is not a profile tag any client can read.
		_, _, err := h.svc.GetPortrait(ctx, app, []string{"m"}, []string{"Parley_NoSpeaking_C2C"})
		wantCode(t, err, im.CodeProfileTagNotFound)
	})
}

func TestNoSpeakingRequest(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		app := h.newApp(t)
		h.importUsers(t, app, "m")
		for _, tc := range []struct {
			name       string
			user       string
			c2c, group *uint64
			code       int
		}{
			{"neither duration", "m", nil, nil, im.CodeInvalidParameter},
			{"over forever", "m", ptr(account.NoSpeakingForever + 1), nil, im.CodeInvalidParameter},
			{"group over forever", "m", ptr(1), ptr(1 << 40), im.CodeInvalidParameter},
			{"no user", "", ptr(1), nil, im.CodeInvalidParameter},
			{"missing account", "ghost", ptr(1), nil, im.CodeAccountNotFound},
			{"largest finite", "m", ptr(account.NoSpeakingForever - 1), nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, h.svc.SetNoSpeaking(ctx, app, tc.user, tc.c2c, tc.group), tc.code)
			})
		}
		_, err := h.svc.GetNoSpeaking(ctx, app, "ghost")
		wantCode(t, err, im.CodeAccountNotFound)
		_, err = h.svc.GetNoSpeaking(ctx, app, "")
		wantCode(t, err, im.CodeInvalidParameter)
		got, err := h.svc.GetNoSpeaking(ctx, app, "m")
		if err != nil || got.C2C != account.NoSpeakingForever-1 {
			t.Errorf("after the largest finite mute: %+v, %v", got, err)
		}
	})
}
