package im

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestEveryCodeHasAKind: each code declared in codes.go is classified in
// codeKinds, so a new code cannot fall into KindOther by being forgotten.
func TestEveryCodeHasAKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			lit, ok := spec.Values[i].(*ast.BasicLit)
			if !strings.HasPrefix(name.Name, "Code") || !ok {
				continue
			}
			code, _ := strconv.Atoi(lit.Value)
			if _, ok := codeKinds[code]; !ok {
				t.Errorf("%s (%d) has no kind in codeKinds", name.Name, code)
			}
			checked++
		}
		return true
	})
	if checked < 50 {
		t.Fatalf("found %d codes in codes.go; the parse is missing them", checked)
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		code int
		want Kind
	}{
		{CodeAccountNotFound, KindAccountNotFound},
		{CodeProfileNotFound, KindAccountNotFound},
		{CodeMsgToNotRegistered, KindAccountNotFound},
		{CodeRecentContactNoAccount, KindAccountNotFound},
		{CodeInvalidParameter, KindInvalid},
		{CodeMsgBodyTooLong, KindTooLong},
		{CodeBatchSize, KindTooMany},
		{CodeInternal, KindInternal},
		{CodeMsgInternal, KindInternal},
		{MinAppCallbackCode, KindRejected},
		{MaxAppCallbackCode, KindRejected},
		{MaxAppCallbackCode + 1, KindOther},
		{12345, KindOther},
	} {
		if got := KindOf(c.code); got != c.want {
			t.Errorf("KindOf(%d) = %v, want %v", c.code, got, c.want)
		}
	}
}

// TestErrorfCarriesTheCodesKind: an error built from a code carries the
// code's kind, also through wrapping.
func TestErrorfCarriesTheCodesKind(t *testing.T) {
	err := fmt.Errorf("context: %w", Errorf(CodeAccountNotFound, "account %q does not exist", "ghost"))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAccountNotFound || e.Code != CodeAccountNotFound {
		t.Fatalf("got %#v, want kind %v and code %d", e, KindAccountNotFound, CodeAccountNotFound)
	}
	if got := Kind(200).String(); got != "kind(200)" {
		t.Errorf("unknown kind prints %q", got)
	}
}
