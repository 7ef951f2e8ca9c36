package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/app"
	"github.com/parley-im/parley/pkg/client"
)

// TestNoSpeaking: setnospeaking and getnospeaking round-trip over REST;
// a C2C-muted user's send over the WebSocket is refused with 20012 until
// the mute runs out on the server's clock, an admin's sendmsg from the
// muted user still goes through, and 0 unmutes.
func TestNoSpeaking(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, cfg app.Config) {
		clk := newClock()
		cfg.Clock = clk.Now
		s := start(t, cfg)
		importUsers(t, s, "alice", "bob")
		alice := dial(t, s.base, "alice", "Web")
		ctx := context.Background()
		text := []client.Element{client.TextElem("hi")}
		get := func(c2c, group int64) {
			t.Helper()
			out := mustOK(t, s.rest("openconfigsvr/getnospeaking", map[string]any{"Get_Account": "alice"}))
			gotC2C, _ := out["C2CmsgNospeakingTime"].(json.Number).Int64()
			gotGroup, _ := out["GroupmsgNospeakingTime"].(json.Number).Int64()
			if gotC2C != c2c || gotGroup != group {
				t.Errorf("getnospeaking = C2C %d, group %d; want %d, %d", gotC2C, gotGroup, c2c, group)
			}
		}

		get(0, 0)
		send(t, alice, "bob", "before the mute")

		mustOK(t, s.rest("openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice", "C2CmsgNospeakingTime": 60}))
		get(60, 0)
		_, err := alice.SendC2C(ctx, "bob", text, client.SendOptions{})
		wantCode(t, "muted sender", err, 20012)
		mustOK(t, s.rest("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 7,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "admin"}}}}))

		clk.Advance(30 * time.Second)
		get(30, 0)
		clk.Advance(30 * time.Second)
		get(0, 0)
		send(t, alice, "bob", "the mute ran out")

		mustOK(t, s.rest("openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice",
			"C2CmsgNospeakingTime": 4294967295, "GroupmsgNospeakingTime": 4294967295}))
		clk.Advance(time.Hour)
		get(4294967295, 4294967295)
		_, err = alice.SendC2C(ctx, "bob", text, client.SendOptions{})
		wantCode(t, "muted forever", err, 20012)
		mustOK(t, s.rest("openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice", "C2CmsgNospeakingTime": 0}))
		get(0, 4294967295)
		send(t, alice, "bob", "unmuted")

		for _, tc := range []struct {
			command string
			body    any
			want    int
		}{
			{"openconfigsvr/setnospeaking", map[string]any{"Set_Account": "ghost", "C2CmsgNospeakingTime": 1}, 70107},
			{"openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice"}, 70402},
			{"openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice", "C2CmsgNospeakingTime": 4294967296}, 70402},
			{"openconfigsvr/setnospeaking", map[string]any{"Set_Account": "alice", "C2CmsgNospeakingTime": -1}, 70402},
			{"openconfigsvr/getnospeaking", map[string]any{"Get_Account": "ghost"}, 70107},
			{"openconfigsvr/getnospeaking", map[string]any{}, 70402},
		} {
			if c := code(t, s.rest(tc.command, tc.body)); c != tc.want {
				t.Errorf("%s %v: %d, want %d", tc.command, tc.body, c, tc.want)
			}
		}
	})
}
