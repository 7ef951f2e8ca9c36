package protocol

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docPath is the human contract, relative to this package's directory.
const docPath = "../../docs/protocol.md"

// constant is a constant of this package, as written in its source.
type constant struct {
	name  string
	value string // unquoted for strings
}

// packageConstants parses this package's non-test sources and returns its
// constants by name prefix (Cmd, Event, Reason, Close, Platform), so that
// a constant added later is checked without being listed here too.
func packageConstants(t *testing.T) map[string][]constant {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatalf("list sources: %v", err)
	}
	fset := token.NewFileSet()
	out := map[string][]constant{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					prefix := kindOf(n.Name)
					if prefix == "" {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok {
						t.Errorf("%s must be a literal, so that the documentation test can read it", n.Name)
						continue
					}
					v := lit.Value
					if lit.Kind == token.STRING {
						v, _ = strconv.Unquote(v)
					}
					out[prefix] = append(out[prefix], constant{n.Name, v})
				}
			}
		}
	}
	return out
}

func kindOf(name string) string {
	for _, p := range []string{"Cmd", "Event", "Reason", "Close", "Platform"} {
		if strings.HasPrefix(name, p) {
			return p
		}
	}
	return ""
}

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("read the protocol documentation: %v", err)
	}
	return string(b)
}

// TestDocumented checks that every name of the package is in
// docs/protocol.md where a reader looks for it: each command and event in
// a table row of its own, each close reason in the row of its status code,
// each platform quoted.
func TestDocumented(t *testing.T) {
	t.Parallel()
	doc := readDoc(t)
	consts := packageConstants(t)
	for _, k := range []string{"Cmd", "Event", "Reason", "Close", "Platform"} {
		if len(consts[k]) == 0 {
			t.Fatalf("no %s constants found: is the parser reading the package?", k)
		}
	}
	row := func(cell string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(cell) + ` \|`)
	}
	for _, c := range consts["Cmd"] {
		if !row("`" + c.value + "`").MatchString(doc) {
			t.Errorf("command %s (%q) has no row in a command table of %s", c.name, c.value, docPath)
		}
	}
	for _, c := range consts["Event"] {
		if !row("`" + c.value + "`").MatchString(doc) {
			t.Errorf("event %s (%q) has no row in an event table of %s", c.name, c.value, docPath)
		}
	}
	codes := map[string]bool{}
	for _, c := range consts["Reason"] {
		code, ok := CloseCode(c.value)
		if !ok {
			t.Errorf("reason %s (%q) has no status code in CloseCode", c.name, c.value)
			continue
		}
		s := strconv.Itoa(int(code))
		codes[s] = true
		if !regexp.MustCompile(`(?m)^\| ` + s + " \\| `" + regexp.QuoteMeta(c.value) + "` \\|").MatchString(doc) {
			t.Errorf("reason %s: %s has no row \"| %s | `%s` |\" in the close table of %s", c.name, c.value, s, c.value, docPath)
		}
	}
	for _, c := range consts["Close"] {
		if !codes[c.value] {
			t.Errorf("status code %s (%s) is the code of no close reason", c.name, c.value)
		}
	}
	for _, c := range consts["Platform"] {
		if !strings.Contains(doc, "`"+c.value+"`") {
			t.Errorf("platform %s (%q) is not listed in %s", c.name, c.value, docPath)
		}
	}
	if !strings.Contains(doc, "Protocol version: **"+strconv.Itoa(Version)+"**") {
		t.Errorf("%s does not state protocol version %d", docPath, Version)
	}
}

// TestFieldsDocumented checks that every JSON field name of the payload
// structs appears in docs/protocol.md.
func TestFieldsDocumented(t *testing.T) {
	t.Parallel()
	doc := readDoc(t)
	payloads := []any{
		Request{}, ServerFrame{}, LoginRequest{}, LoginAnswer{}, PingAnswer{},
		SendC2CRequest{}, SendC2CAnswer{}, SyncRequest{}, SyncAnswer[Message[[]Element]]{},
		HistoryRequest{}, HistoryAnswer[Message[[]Element]]{}, ConversationsRequest{}, ConversationsAnswer{},
		Conversation{}, MarkReadRequest{}, TotalUnreadAnswer{}, DeleteConversationRequest{},
		RevokeRequest{}, ModifyRequest{}, Kicked{}, SigExpired{}, MessageRevoked{},
		ReadReceipt{}, UnreadChanged{}, ConversationDeleted{}, Element{}, Message[[]Element]{},
		FriendAddRequest{}, FriendResult{}, FriendResults{}, FriendPeers{}, FriendRequestsRequest{},
		FriendRequest{}, FriendRequestsAnswer{}, FriendAnswerRequest{}, FriendDeleteRequest{}, FriendTag{},
		FriendGetRequest{}, FriendEntry{}, FriendGetAnswer{}, FriendGetInfoRequest{}, FriendInfo{},
		FriendGetInfoAnswer{}, FriendUpdateRequest{}, FriendCheckRequest{}, FriendCheck{}, FriendCheckAnswer{},
		FriendListAddRequest{}, FriendListAddAnswer{}, FriendListNames{}, FriendListDeleteAnswer{}, FriendList{},
		FriendListGetAnswer{}, BlacklistGetRequest{}, BlacklistEntry{}, BlacklistGetAnswer{}, FriendRelation{},
		FriendInfoChanged{},
	}
	for _, p := range payloads {
		typ := reflect.TypeOf(p)
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no JSON name", typ, f.Name)
				continue
			}
			if !regexp.MustCompile(`[^A-Za-z_]` + regexp.QuoteMeta(name) + `[^A-Za-z_]`).MatchString(doc) {
				t.Errorf("field %q of %s is not in %s", name, typ, docPath)
			}
		}
	}
}

// TestCloseCodes pins the status codes clients act on, so that a changed
// constant cannot silently renumber the protocol.
func TestCloseCodes(t *testing.T) {
	t.Parallel()
	want := map[string]uint16{
		ReasonLogout: 1000, ReasonShutdown: 1001, ReasonProtocolError: 1002, ReasonFrameTooLarge: 1009,
		ReasonInternalError: 1011, ReasonLoginTimeout: 4000, ReasonLoginFailed: 4001,
		ReasonLoginElsewhere: 4002, ReasonKickedByAdmin: 4003, ReasonSigExpired: 4004,
		ReasonSlowConsumer: 4005, ReasonIdleTimeout: 4006, ReasonAccountDeleted: 4007,
	}
	for reason, code := range want {
		if got, ok := CloseCode(reason); !ok || got != code {
			t.Errorf("CloseCode(%q) = %d, %v; want %d", reason, got, ok, code)
		}
	}
	if code, ok := CloseCode("client_closed"); ok {
		t.Errorf("CloseCode(client_closed) = %d, want none", code)
	}
}
