package group

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
)

// harness is a group service over a real store, with accounts read from
// the store.
type harness struct {
	store *sqlstore.Store
	svc   *Service
	app   uint64
}

// storeAccounts answers Exists from the store's accounts.
type storeAccounts struct{ st *sqlstore.Store }

func (a storeAccounts) Exists(ctx context.Context, sdkAppID uint64, ids []string) (map[string]bool, error) {
	got, err := a.st.GetAccounts(ctx, sdkAppID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(got))
	for id := range got {
		out[id] = true
	}
	return out, nil
}

const now = 1_700_000_000

// eachBackend runs test on every backend with a harness of its own whose
// generated IDs come from random (nil: crypto/rand).
func eachBackend(t *testing.T, random func() []byte, test func(t *testing.T, h *harness)) {
	t.Helper()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
		if err != nil {
			t.Fatalf("open %s store: %v", b, err)
		}
		t.Cleanup(func() { _ = st.Close() })
		h := &harness{store: st, app: 1_400_000_000 + rand.Uint64N(1_000_000_000)}
		cfg := Config{Store: st, Accounts: storeAccounts{st}, Clock: func() time.Time { return time.Unix(now, 0) }}
		if random != nil {
			cfg.Random = &funcReader{next: random}
		}
		h.svc = New(cfg)
		if err := st.CreateApp(t.Context(), store.App{SDKAppID: h.app, SecretKey: "k", Config: []byte("{}"), CreatedAt: time.Now()}); err != nil {
			t.Fatalf("create app: %v", err)
		}
		test(t, h)
	})
}

// funcReader reads what next returns, one call per Read.
type funcReader struct{ next func() []byte }

func (r *funcReader) Read(p []byte) (int, error) { return copy(p, r.next()), nil }

func (h *harness) users(t *testing.T, ids ...string) {
	t.Helper()
	accts := make([]store.NewAccount, len(ids))
	for i, id := range ids {
		accts[i] = store.NewAccount{UserID: id}
	}
	if _, err := h.store.ImportAccounts(t.Context(), h.app, accts); err != nil {
		t.Fatalf("import: %v", err)
	}
}

func (h *harness) members(t *testing.T, groupID string) map[string]store.GroupRole {
	t.Helper()
	ms, err := h.store.GroupMembers(t.Context(), h.app, groupID, "", 1000)
	if err != nil {
		t.Fatalf("GroupMembers(%q): %v", groupID, err)
	}
	out := map[string]store.GroupRole{}
	for _, m := range ms {
		if m.JoinTime != now {
			t.Errorf("%q joined at %d, want %d", m.UserID, m.JoinTime, now)
		}
		out[m.UserID] = m.Role
	}
	return out
}

func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	got, ok := im.CodeOf(err)
	if !ok || got != code {
		t.Errorf("error %v, want code %d", err, code)
	}
}

func memberList(n int) []InitialMember {
	out := make([]InitialMember, n)
	for i := range out {
		out[i] = InitialMember{UserID: fmt.Sprintf("m%03d", i)}
	}
	return out
}

func TestParseType(t *testing.T) {
	for name, want := range map[string]Type{
		"Work": TypeWork, "Private": TypeWork, "Public": TypePublic, "Meeting": TypeMeeting,
		"ChatRoom": TypeMeeting, "Community": TypeCommunity, "AVChatRoom": TypeAVChatRoom,
	} {
		got, ok := ParseType(name)
		if !ok || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"", "public", "BChatRoom", "Unknown"} {
		if _, ok := ParseType(name); ok {
			t.Errorf("ParseType(%q) accepted", name)
		}
	}
}

func TestCheckCustomID(t *testing.T) {
	for _, c := range []struct {
		typ  Type
		id   string
		code int // 0: accepted
	}{
		{TypePublic, "team-42", 0},
		{TypePublic, "with space ~", 0},
		{TypePublic, strings.Repeat("g", MaxGroupIDBytes), 0},
		{TypePublic, strings.Repeat("g", MaxGroupIDBytes+1), im.CodeGroupIDInvalid},
		{TypePublic, "tab\there", im.CodeGroupIDInvalid},
		{TypePublic, "héllo", im.CodeGroupIDInvalid},
		{TypePublic, "@TGS#mine", im.CodeGroupIDInvalid},
		{TypeWork, "@TGS#_mine", im.CodeGroupIDInvalid},
		{TypeAVChatRoom, "@TGS#aRoom", im.CodeGroupIDInvalid},
		{TypePublic, "x@TGS#", 0},
		{TypeCommunity, "@TGS#_guild", 0},
		{TypeCommunity, "guild", im.CodeGroupIDInvalid},
		{TypeCommunity, "@TGS#guild", im.CodeGroupIDInvalid},
		{TypeCommunity, "@TGS#_", im.CodeGroupIDInvalid},
		{TypeCommunity, "@TGS#_" + strings.Repeat("g", MaxGroupIDBytes-5), im.CodeGroupIDInvalid},
	} {
		err := checkCustomID(c.typ, c.id)
		if c.code == 0 {
			if err != nil {
				t.Errorf("checkCustomID(%v, %q) = %v, want accepted", c.typ, c.id, err)
			}
			continue
		}
		wantCode(t, err, c.code)
	}
}

func TestGenerateID(t *testing.T) {
	for typ, prefix := range map[Type]string{
		TypeWork: "@TGS#1", TypePublic: "@TGS#2", TypeMeeting: "@TGS#3", TypeAVChatRoom: "@TGS#a", TypeCommunity: "@TGS#_@TGS#c",
	} {
		id, err := generateID(typ, bytes.NewReader(bytes.Repeat([]byte{0, 35, 36, 255}, 4)))
		if err != nil {
			t.Fatalf("generateID(%v): %v", typ, err)
		}
		if want := prefix + "0Z03" + "0Z03" + "0Z"; id != want {
			t.Errorf("generateID(%v) = %q, want %q", typ, id, want)
		}
		if len(id) > MaxGroupIDBytes {
			t.Errorf("generated ID %q is over %d bytes", id, MaxGroupIDBytes)
		}
	}
	// A generated Community ID keeps the Community ID rule.
	id, _ := generateID(TypeCommunity, bytes.NewReader(make([]byte, generatedIDLen)))
	if err := checkCustomID(TypeCommunity, id); err != nil {
		t.Errorf("generated Community ID %q breaks the ID rule: %v", id, err)
	}
}

func TestCreateRefusals(t *testing.T) {
	long := func(n int) string { return strings.Repeat("n", n) }
	eachBackend(t, nil, func(t *testing.T, h *harness) {
		h.users(t, "owner", "b", "c")
		for _, c := range []struct {
			name string
			req  CreateRequest
			code int
		}{
			{"no type", CreateRequest{Name: "g", Owner: "owner"}, im.CodeGroupBadParams},
			{"unknown type", CreateRequest{Type: "BChatRoom", Name: "g", Owner: "owner"}, im.CodeGroupBadParams},
			{"no name", CreateRequest{Type: "Public", Owner: "owner"}, im.CodeGroupBadParams},
			{"name too long", CreateRequest{Type: "Public", Name: long(MaxNameBytes + 1), Owner: "owner"}, im.CodeGroupBadParams},
			{"name bytes not runes", CreateRequest{Type: "Public", Name: strings.Repeat("群", 11), Owner: "owner"}, im.CodeGroupBadParams},
			{"introduction too long", CreateRequest{Type: "Public", Name: "g", Introduction: long(MaxIntroductionBytes + 1)}, im.CodeGroupBadParams},
			{"notification too long", CreateRequest{Type: "Public", Name: "g", Notification: long(MaxNotificationBytes + 1)}, im.CodeGroupBadParams},
			{"face url too long", CreateRequest{Type: "Public", Name: "g", FaceURL: long(MaxFaceURLBytes + 1)}, im.CodeGroupBadParams},
			{"bad custom ID", CreateRequest{Type: "Public", Name: "g", GroupID: "@TGS#x"}, im.CodeGroupIDInvalid},
			{"community ID without prefix", CreateRequest{Type: "Community", Name: "g", GroupID: "guild"}, im.CodeGroupIDInvalid},
			{"max members over the type's", CreateRequest{Type: "Work", Name: "g", MaxMemberCount: 201}, im.CodeGroupBadParams},
			{"negative max members", CreateRequest{Type: "Public", Name: "g", MaxMemberCount: -1}, im.CodeGroupBadParams},
			{"bad apply option", CreateRequest{Type: "Public", Name: "g", ApplyJoinOption: "DisableInvite"}, im.CodeGroupBadParams},
			{"bad invite option", CreateRequest{Type: "Public", Name: "g", InviteJoinOption: "DisableApply"}, im.CodeGroupBadParams},
			{"too many initial members", CreateRequest{Type: "Public", Name: "g", Members: memberList(MaxInitialMembers + 1)}, im.CodeGroupBadParams},
			{"owner role in the list", CreateRequest{Type: "Public", Name: "g", Owner: "owner", Members: []InitialMember{{UserID: "b", Role: "Owner"}}}, im.CodeGroupBadParams},
			{"unknown role", CreateRequest{Type: "Public", Name: "g", Members: []InitialMember{{UserID: "b", Role: "Boss"}}}, im.CodeGroupBadParams},
			{"admin in a work group", CreateRequest{Type: "Private", Name: "g", Members: []InitialMember{{UserID: "b", Role: "Admin"}}}, im.CodeGroupBadParams},
			{"empty member", CreateRequest{Type: "Public", Name: "g", Members: []InitialMember{{}}}, im.CodeGroupBadParams},
			{"members of a live room", CreateRequest{Type: "AVChatRoom", Name: "g", Owner: "owner", Members: []InitialMember{{UserID: "b"}}}, im.CodeGroupNoPermission},
			{"over max members", CreateRequest{Type: "Public", Name: "g", Owner: "owner", MaxMemberCount: 2, Members: []InitialMember{{UserID: "b"}, {UserID: "c"}}}, im.CodeGroupFull},
			{"owner not an account", CreateRequest{Type: "Public", Name: "g", Owner: "ghost"}, im.CodeGroupNoAccount},
			{"member not an account", CreateRequest{Type: "Public", Name: "g", Owner: "owner", Members: []InitialMember{{UserID: "b"}, {UserID: "ghost"}}}, im.CodeGroupNoAccount},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := h.svc.CreateGroup(t.Context(), h.app, c.req)
				wantCode(t, err, c.code)
			})
		}
		// Nothing a refused create asked for was stored.
		for _, u := range []string{"owner", "b", "c"} {
			if gs, err := h.store.UserGroups(t.Context(), h.app, u, "", 10); err != nil || len(gs) != 0 {
				t.Errorf("groups of %q after refused creates: %v, %v", u, gs, err)
			}
		}
	})
}

func TestCreate(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, h *harness) {
		h.users(t, "owner", "b", "c")
		t.Run("owner added with members and defaults", func(t *testing.T) {
			id, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{
				Type: "Public", Name: strings.Repeat("群", 10), Owner: "owner", Introduction: strings.Repeat("i", MaxIntroductionBytes),
				Notification: strings.Repeat("n", MaxNotificationBytes),
				Members:      []InitialMember{{UserID: "b", Role: "Admin"}, {UserID: "c"}, {UserID: "owner"}, {UserID: "c", Role: "Admin"}},
			})
			if err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}
			if !strings.HasPrefix(id, "@TGS#2") {
				t.Errorf("generated ID %q, want @TGS#2...", id)
			}
			g, err := h.store.GetGroup(t.Context(), h.app, id)
			if err != nil {
				t.Fatalf("GetGroup: %v", err)
			}
			if g.Type != "Public" || g.Owner != "owner" || g.MaxMembers != 2000 || g.ApplyJoinOption != NeedPermission ||
				g.InviteJoinOption != DisableInvite || g.CreatedAt != now || g.MemberCount != 3 {
				t.Errorf("stored group %+v, want a Public group of owner with its type's defaults and 3 members", g)
			}
			want := map[string]store.GroupRole{"owner": store.GroupRoleOwner, "b": store.GroupRoleAdmin, "c": store.GroupRoleMember}
			if got := h.members(t, id); !maps.Equal(got, want) {
				t.Errorf("members %v, want %v", got, want)
			}
		})
		t.Run("old type names store the new ones", func(t *testing.T) {
			for old, want := range map[string]string{"Private": "Work", "ChatRoom": "Meeting"} {
				id, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: old, Name: "g", Owner: "owner", MaxMemberCount: 5})
				if err != nil {
					t.Fatalf("CreateGroup(%s): %v", old, err)
				}
				if g, _ := h.store.GetGroup(t.Context(), h.app, id); g.Type != want || g.MaxMembers != 5 {
					t.Errorf("%s stored as %q with MaxMembers %d, want %q and 5", old, g.Type, g.MaxMembers, want)
				}
			}
		})
		t.Run("custom IDs", func(t *testing.T) {
			id, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Community", GroupID: "@TGS#_guild", Name: "g", Owner: "owner",
				ApplyJoinOption: NeedPermission})
			if err != nil || id != "@TGS#_guild" {
				t.Fatalf("CreateGroup(@TGS#_guild) = %q, %v", id, err)
			}
			if g, _ := h.store.GetGroup(t.Context(), h.app, id); g.MaxMembers != 100000 || g.ApplyJoinOption != NeedPermission || g.InviteJoinOption != FreeAccess {
				t.Errorf("community stored %+v", g)
			}
			_, err = h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Community", GroupID: "@TGS#_guild", Name: "g", Owner: "b"})
			wantCode(t, err, im.CodeGroupIDTaken)
			_, err = h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Community", GroupID: "@TGS#_guild", Name: "g"})
			wantCode(t, err, im.CodeGroupIDTaken)
			_, err = h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Community", GroupID: "@TGS#_guild", Name: "g", Owner: "owner"})
			wantCode(t, err, im.CodeGroupIDOwned)
			if g, _ := h.store.GetGroup(t.Context(), h.app, id); g.Owner != "owner" || g.MemberCount != 1 {
				t.Errorf("the taken group changed: %+v", g)
			}
		})
		t.Run("live room without owner", func(t *testing.T) {
			id, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "AVChatRoom", Name: "live", MaxMemberCount: 7})
			if err != nil || !strings.HasPrefix(id, "@TGS#a") {
				t.Fatalf("CreateGroup(AVChatRoom) = %q, %v", id, err)
			}
			g, _ := h.store.GetGroup(t.Context(), h.app, id)
			if g.Owner != "" || g.MemberCount != 0 || g.MaxMembers != 0 || g.ApplyJoinOption != FreeAccess {
				t.Errorf("live room stored %+v, want no owner, no members, unbounded, free to join", g)
			}
		})
		t.Run("fills exactly", func(t *testing.T) {
			id, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Work", Name: "g", Owner: "owner", MaxMemberCount: 3,
				Members: []InitialMember{{UserID: "b"}, {UserID: "c"}}})
			if err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}
			if got := h.members(t, id); len(got) != 3 {
				t.Errorf("members %v, want 3", got)
			}
		})
	})
}

// TestGeneratedIDCollisionRetries: a generated ID that is taken is
// generated again; the group is stored under the next one.
func TestGeneratedIDCollisionRetries(t *testing.T) {
	eachBackend(t, nil, func(t *testing.T, h *harness) {
		calls := 0 // per backend: the backends run in parallel
		random := func() []byte {
			calls++
			if calls <= 2 {
				return make([]byte, generatedIDLen) // the same ID twice
			}
			return bytes.Repeat([]byte{1}, generatedIDLen)
		}
		h.svc = New(Config{Store: h.store, Accounts: storeAccounts{h.store},
			Clock: func() time.Time { return time.Unix(now, 0) }, Random: &funcReader{next: random}})
		h.users(t, "owner")
		first, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Public", Name: "g", Owner: "owner"})
		if err != nil {
			t.Fatalf("first create: %v", err)
		}
		second, err := h.svc.CreateGroup(t.Context(), h.app, CreateRequest{Type: "Public", Name: "g", Owner: "owner"})
		if err != nil {
			t.Fatalf("second create: %v", err)
		}
		if first != "@TGS#20000000000" || second != "@TGS#21111111111" {
			t.Errorf("IDs %q then %q, want @TGS#20000000000 then @TGS#21111111111", first, second)
		}
		gs, err := h.store.UserGroups(t.Context(), h.app, "owner", "", 10)
		if err != nil || len(gs) != 2 {
			t.Errorf("owner's groups %+v, %v; want both", gs, err)
		}
	})
}
