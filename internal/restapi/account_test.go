package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-im/parley/internal/account"
	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/restapi"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/store/storetest"
	"github.com/parley-im/parley/internal/tenant"
	"github.com/parley-im/parley/internal/usersig"
)

// accountsAPI is a real REST server on a loopback port over a store, with
// one app whose admin signs every call.
type accountsAPI struct {
	url     string
	app     tenant.App
	tenants *tenant.Service
	sig     string
	// store and clock are the server's, set by newMessagingAPI only.
	store *sqlstore.Store
	clock *clock
}

// clock is a settable clock, so that a test makes time pass without
// sleeping. It starts at the real time, so UserSigs issued with
// time.Now() are valid on it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

// Now is the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// openStore opens a new, empty store on b, closed when t ends.
func openStore(t *testing.T, b storetest.Backend) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: b.URL(t)})
	if err != nil {
		t.Fatalf("open %s store: %v", b, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newAccountsAPI starts the server on b; clock is the account service's
// (nil: time.Now).
func newAccountsAPI(t *testing.T, b storetest.Backend, clock account.Clock) *accountsAPI {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, b)
	apps := tenant.NewRegistry(st, nil)
	accounts := account.New(account.Config{Store: st, Settings: apps, Clock: clock})
	tenants := tenant.New(tenant.Config{Store: st, Accounts: accounts, Registry: apps})
	app, err := tenants.Create(ctx, 0, "", nil)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	srv := httptest.NewServer(restapi.New(restapi.Config{Tenants: tenants, Accounts: accounts}))
	t.Cleanup(srv.Close)
	api := &accountsAPI{url: srv.URL, app: app, tenants: tenants}
	api.sig = api.userSig(t, tenant.DefaultAdmin, time.Now())
	return api
}

func (a *accountsAPI) userSig(t *testing.T, identifier string, issued time.Time) string {
	t.Helper()
	sig, err := usersig.Gen(a.app.SDKAppID, a.app.SecretKey, identifier, 86400, issued)
	if err != nil {
		t.Fatalf("usersig: %v", err)
	}
	return sig
}

// call posts body to /v4/<command> as the admin and returns the decoded
// answer, numbers kept as json.Number.
func (a *accountsAPI) call(t *testing.T, command, body string) map[string]any {
	t.Helper()
	return a.callAs(t, tenant.DefaultAdmin, a.sig, command, body)
}

func (a *accountsAPI) callAs(t *testing.T, identifier, sig, command, body string) map[string]any {
	t.Helper()
	url := fmt.Sprintf("%s/v4/%s?sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json",
		a.url, command, a.app.SDKAppID, identifier, sig)
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", command, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: decode answer: %v", command, err)
	}
	return out
}

// restCase is one call and what its answer must hold: the envelope code and
// any top-level fields, compared as JSON.
type restCase struct {
	name    string
	command string
	body    string
	code    int
	fields  map[string]string // field -> expected JSON
	absent  []string          // fields that must not be present
}

// run plays cases in order against one server (later cases see earlier
// effects).
func (a *accountsAPI) run(t *testing.T, cases []restCase) {
	t.Helper()
	for _, c := range cases {
		got := a.call(t, c.command, c.body)
		checkAnswer(t, c, got)
	}
}

func checkAnswer(t *testing.T, c restCase, got map[string]any) {
	t.Helper()
	code, _ := got["ErrorCode"].(json.Number).Int64()
	status := "OK"
	if c.code != 0 {
		status = "FAIL"
	}
	if int(code) != c.code || got["ActionStatus"] != status {
		t.Errorf("%s: ActionStatus %v ErrorCode %d (%v), want %s %d", c.name, got["ActionStatus"], code, got["ErrorInfo"], status, c.code)
	}
	if c.code != 0 && got["ErrorInfo"] == "" {
		t.Errorf("%s: ErrorInfo empty for code %d", c.name, c.code)
	}
	for field, want := range c.fields {
		if !jsonEqual(t, got[field], want) {
			b, _ := json.Marshal(got[field])
			t.Errorf("%s: %s = %s, want %s", c.name, field, b, want)
		}
	}
	for _, field := range c.absent {
		if _, ok := got[field]; ok {
			t.Errorf("%s: %s present, want absent", c.name, field)
		}
	}
}

// jsonEqual compares a decoded value with a JSON text, ignoring the
// ResultInfo texts (any non-empty text matches "*").
func jsonEqual(t *testing.T, got any, want string) bool {
	t.Helper()
	gotJSON, _ := json.Marshal(got)
	var g, w any
	decode := func(b []byte, v *any) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("bad JSON %s: %v", b, err)
		}
	}
	decode(gotJSON, &g)
	decode([]byte(want), &w)
	return reflect.DeepEqual(wildcards(g, w), w)
}

// wildcards replaces in got every string whose counterpart in want is "*"
// by "*" when it is non-empty.
func wildcards(got, want any) any {
	switch w := want.(type) {
	case string:
		if s, ok := got.(string); ok && w == "*" && s != "" {
			return "*"
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return got
		}
		out := make([]any, len(g))
		for i := range g {
			out[i] = wildcards(g[i], w[i])
		}
		return out
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(g))
		for k, v := range g {
			out[k] = wildcards(v, w[k])
		}
		return out
	}
	return got
}

func TestAccountCommands(t *testing.T) {
	t.Parallel()
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newAccountsAPI(t, b, nil)
		list := func(prefix string, n int) string {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("%q", fmt.Sprintf("%s%d", prefix, i))
			}
			return "[" + strings.Join(ids, ",") + "]"
		}
		long := strings.Repeat("x", 33)
		api.run(t, []restCase{
			{name: "import", command: "im_open_login_svc/account_import", body: `{"UserID":"alice","Nick":"Alice","FaceUrl":"https://x/a.png"}`},
			{name: "import old name", command: "im_open_login_svc/account_import", body: `{"Identifier":"bob"}`},
			{name: "import again", command: "im_open_login_svc/account_import", body: `{"UserID":"alice"}`},
			{name: "import no UserID", command: "im_open_login_svc/account_import", body: `{"Nick":"x"}`, code: im.CodeInvalidParameter},
			{name: "import long UserID", command: "im_open_login_svc/account_import", body: `{"UserID":"` + long + `"}`, code: im.CodeInvalidParameter},
			{name: "import UserID number", command: "im_open_login_svc/account_import", body: `{"UserID":5}`, code: im.CodeInvalidParameter},
			{name: "import long nick", command: "im_open_login_svc/account_import", body: `{"UserID":"nick","Nick":"` + strings.Repeat("n", 501) + `"}`, code: im.CodeInvalidParameter},

			{name: "multi old form", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":["m1","","m2","` + long + `"]}`,
				fields: map[string]string{"FailAccounts": `["","` + long + `"]`}},
			{name: "multi new form", command: "im_open_login_svc/multiaccount_import",
				body:   `{"AccountList":[{"UserID":"alice","Nick":"Alice 2"},{"UserID":"m3","FaceUrl":"https://x/3.png"}]}`,
				fields: map[string]string{"FailAccounts": `[]`}},
			{name: "multi both forms", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":["z1"],"AccountList":[{"UserID":"z2"}]}`, code: im.CodeInvalidParameter},
			{name: "multi empty", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":[]}`, code: im.CodeInvalidParameter},
			{name: "multi missing", command: "im_open_login_svc/multiaccount_import", body: `{}`, code: im.CodeInvalidParameter},
			{name: "multi 101", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":` + list("big", 101) + `}`, code: im.CodeBatchSize},
			{name: "multi 100", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":` + list("big", 100) + `}`, fields: map[string]string{"FailAccounts": `[]`}},
			{name: "multi not a list", command: "im_open_login_svc/multiaccount_import", body: `{"Accounts":"m1"}`, code: im.CodeInvalidParameter},

			{name: "check", command: "im_open_login_svc/account_check",
				body: `{"CheckItem":[{"UserID":"alice"},{"UserID":"m1"},{"UserID":"ghost"},{"UserID":"z1"},{"UserID":"big99"},{"UserID":"big100"}]}`,
				fields: map[string]string{"ResultItem": `[
					{"UserID":"alice","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"},
					{"UserID":"m1","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"},
					{"UserID":"ghost","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"},
					{"UserID":"z1","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"},
					{"UserID":"big99","ResultCode":0,"ResultInfo":"","AccountStatus":"Imported"},
					{"UserID":"big100","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"}]`}},
			{name: "check invalid item", command: "im_open_login_svc/account_check", body: `{"CheckItem":[{"UserID":""}]}`,
				fields: map[string]string{"ResultItem": `[{"UserID":"","ResultCode":70402,"ResultInfo":"*","AccountStatus":"NotImported"}]`}},
			{name: "check empty", command: "im_open_login_svc/account_check", body: `{"CheckItem":[]}`, code: im.CodeInvalidParameter},
			{name: "check 101", command: "im_open_login_svc/account_check", body: `{"CheckItem":[` + strings.Repeat(`{"UserID":"a"},`, 100) + `{"UserID":"a"}]}`, code: im.CodeBatchSize},

			{name: "delete", command: "im_open_login_svc/account_delete", body: `{"DeleteItem":[{"UserID":"m1"},{"UserID":"ghost"},{"UserID":"` + long + `"}]}`,
				fields: map[string]string{"ResultItem": `[
					{"UserID":"m1","ResultCode":0,"ResultInfo":""},
					{"UserID":"ghost","ResultCode":70107,"ResultInfo":"*"},
					{"UserID":"` + long + `","ResultCode":70402,"ResultInfo":"*"}]`}},
			{name: "delete empty", command: "im_open_login_svc/account_delete", body: `{"DeleteItem":[]}`, code: im.CodeInvalidParameter},
			{name: "check deleted", command: "im_open_login_svc/account_check", body: `{"CheckItem":[{"UserID":"m1"}]}`,
				fields: map[string]string{"ResultItem": `[{"UserID":"m1","ResultCode":0,"ResultInfo":"","AccountStatus":"NotImported"}]`}},

			{name: "kick", command: "im_open_login_svc/kick", body: `{"UserID":"alice"}`},
			{name: "kick old name", command: "im_open_login_svc/kick", body: `{"Identifier":"bob"}`},
			{name: "kick missing", command: "im_open_login_svc/kick", body: `{"UserID":"ghost"}`, code: im.CodeAccountNotFound},
			{name: "kick no UserID", command: "im_open_login_svc/kick", body: `{}`, code: im.CodeInvalidParameter},
		})
	})
}

func TestKickRevokesAdminUserSig(t *testing.T) {
	t.Parallel()
	// Kicks are stamped a minute back, so a UserSig issued now is newer than
	// the kick and one issued two minutes ago is older.
	kickedAt := time.Now().Add(-time.Minute)
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		api := newAccountsAPI(t, b, func() time.Time { return kickedAt })
		const admin2 = "ops"
		check := `{"CheckItem":[{"UserID":"ops"}]}`
		api.run(t, []restCase{{name: "add admin", command: "parley_config/set_app_config", body: `{"Admins":["administrator","ops"]}`}})
		oldSig := api.userSig(t, admin2, time.Now().Add(-2*time.Minute))
		checkAnswer(t, restCase{name: "old UserSig before kick"}, api.callAs(t, admin2, oldSig, "im_open_login_svc/account_check", check))
		api.run(t, []restCase{{name: "kick ops", command: "im_open_login_svc/kick", body: `{"UserID":"ops"}`}})
		checkAnswer(t, restCase{name: "old UserSig after kick", code: im.CodeSigRevoked},
			api.callAs(t, admin2, oldSig, "im_open_login_svc/account_check", check))
		newSig := api.userSig(t, admin2, time.Now())
		checkAnswer(t, restCase{name: "new UserSig after kick"}, api.callAs(t, admin2, newSig, "im_open_login_svc/account_check", check))
	})
}
