package parley_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/parley-im/parley/"

// layer says what kind of package path is (docs/architecture.md, "Layers
// and packages").
func layer(path string) string {
	p := strings.TrimPrefix(path, module)
	switch {
	case p == "internal/im" || p == "internal/usersig" || p == "pkg/protocol":
		return "leaf"
	case p == "internal/store" || p == "internal/bus":
		return "port"
	case p == "internal/store/storetest" || p == "internal/bus/bustest":
		return "contract"
	case strings.HasPrefix(p, "internal/store/") || strings.HasPrefix(p, "internal/bus/") || strings.HasPrefix(p, "internal/push/"):
		return "adapter"
	case p == "internal/restapi" || p == "internal/gateway" || p == "internal/web":
		return "edge"
	case p == "internal/app":
		return "root"
	case p == "internal/bench":
		return "tool"
	case strings.HasPrefix(p, "cmd/"):
		return "main"
	case strings.HasPrefix(p, "pkg/"):
		return "public"
	case strings.HasPrefix(p, "internal/"):
		return "domain"
	}
	return "other"
}

// allowed says whether a package of layer from may import pkg.
func allowed(from, fromPath, pkg string) bool {
	to := layer(pkg)
	switch from {
	case "leaf":
		return false
	case "port":
		return to == "leaf"
	case "domain":
		return to == "leaf" || to == "port"
	case "edge": // the gateway subscribes through the bus port; no edge touches storage
		return to == "leaf" || to == "domain" || pkg == module+"internal/bus"
	case "adapter":
		return to == "leaf" || to == "port" || (to == "adapter" && sameParent(fromPath, pkg))
	case "contract":
		return to == "leaf" || to == "port" || to == "adapter"
	case "root":
		return to != "main" && to != "contract" && to != "public"
	case "main":
		return to == "root" || to == "leaf" || to == "domain" || to == "tool"
	case "tool": // drives a server from outside, like any app would
		return to == "leaf" || to == "public"
	case "public": // the SDK shares the protocol's vocabulary and nothing else
		return pkg == module+"pkg/protocol"
	}
	return true
}

func sameParent(a, b string) bool { return strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/") }

// TestImportRules enforces the import rules of docs/architecture.md on the
// non-test imports of every package: leaves import nothing of Parley's,
// domains never import each other or adapters, edges never touch storage,
// and only internal/app wires concrete adapters.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		from := fields[0]
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			checked++
			if !allowed(layer(from), from, imp) {
				t.Errorf("%s (%s) must not import %s (%s)", from, layer(from), imp, layer(imp))
			}
		}
	}
	if checked == 0 {
		t.Fatal("no internal imports found: is go list working?")
	}
}

func TestLayerTable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to string
		ok       bool
	}{
		{"internal/account", "internal/store", true},
		{"internal/account", "internal/tenant", false},
		{"internal/account", "internal/store/sqlstore", false},
		{"internal/restapi", "internal/account", true},
		{"internal/restapi", "internal/store", false},
		{"internal/gateway", "internal/bus", true},
		{"internal/gateway", "internal/bus/local", false},
		// The gateway reports logins to account's Logins; account closes
		// sessions through its own Sessions port, never the gateway.
		{"internal/gateway", "internal/account", true},
		{"internal/account", "internal/gateway", false},
		{"internal/im", "internal/usersig", false},
		{"internal/app", "internal/store/sqlstore", true},
		{"internal/store/sqlstore", "internal/store", true},
		{"internal/store/sqlstore", "internal/account", false},
		{"cmd/parley", "internal/store/sqlstore", false},
		{"cmd/parley", "internal/bench", true},
		{"internal/bench", "internal/usersig", true},
		{"internal/bench", "internal/message", false},
		{"internal/bench", "pkg/protocol", true},
		{"internal/message", "pkg/protocol", true},
		{"internal/conversation", "pkg/protocol", true},
		{"internal/gateway", "pkg/protocol", true},
		{"pkg/client", "pkg/protocol", true},
		{"pkg/client", "internal/im", false},
		{"pkg/protocol", "internal/im", false},
		{"internal/app", "pkg/protocol", true},
		{"internal/account", "pkg/client", false},
	}
	for _, c := range cases {
		from := module + c.from
		if got := allowed(layer(from), from, module+c.to); got != c.ok {
			t.Errorf("%s -> %s: allowed=%v, want %v", c.from, c.to, got, c.ok)
		}
	}
}
