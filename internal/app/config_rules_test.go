package app

import (
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/restapi"
	"github.com/parley-im/parley/internal/store/sqlstore"
	"github.com/parley-im/parley/internal/tenant"
)

// TestConfigRulesWrittenOnce: Validate accepts exactly what the owning
// package's rule accepts, at the edges of each rule (the secret key's
// length is tenant's, the body cap restapi's, a PostgreSQL URL sqlstore's).
func TestConfigRulesWrittenOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   Config
		owner error
	}{
		{"key too short", Config{BootstrapKey: strings.Repeat("k", tenant.MinSecretKeyLen-1)}, tenant.CheckSecretKey(strings.Repeat("k", tenant.MinSecretKeyLen-1))},
		{"key shortest", Config{BootstrapKey: strings.Repeat("k", tenant.MinSecretKeyLen)}, nil},
		{"key longest", Config{BootstrapKey: strings.Repeat("k", tenant.MaxSecretKeyLen)}, nil},
		{"key too long", Config{BootstrapKey: strings.Repeat("k", tenant.MaxSecretKeyLen+1)}, tenant.CheckSecretKey(strings.Repeat("k", tenant.MaxSecretKeyLen+1))},
		{"body cap too small", Config{MaxBodyBytes: restapi.MinMaxBodyBytes - 1}, restapi.CheckMaxBodyBytes(restapi.MinMaxBodyBytes - 1)},
		{"body cap smallest", Config{MaxBodyBytes: restapi.MinMaxBodyBytes}, nil},
		{"body cap negative", Config{MaxBodyBytes: -1}, restapi.CheckMaxBodyBytes(-1)},
		{"postgresql scheme", Config{Store: "postgresql://h/db"}, nil},
	}
	for _, c := range cases {
		err := c.cfg.WithDefaults().Validate()
		switch {
		case c.owner != nil && (err == nil || !strings.Contains(err.Error(), c.owner.Error())):
			t.Errorf("%s: Validate = %v, want the owner's %q", c.name, err, c.owner)
		case c.owner == nil && err != nil:
			t.Errorf("%s: Validate = %v, want nil", c.name, err)
		}
	}
	for _, u := range []string{"postgres://h/db", "postgresql://h/db", "mysql://h/db", "/tmp/x.db"} {
		if isPostgres(u) != sqlstore.IsPostgresURL(u) {
			t.Errorf("%q: the configuration and the store disagree", u)
		}
	}
	if err := (Config{Store: "mysql://h/db"}).WithDefaults().Validate(); err == nil {
		t.Error("a mysql:// store was accepted")
	}
}
